"""`datasets.load` on any TFDS image dataset, and `datasets.from_directory`.

TFDS datasets other than the offline MNIST copies are mocked with
`tfds.testing.mock_data`: nothing here downloads.
"""

import types

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

import keras_vae
from tests.helpers import mock_tfds


def mock_images(name, data_dir):
    """The raw uint8 images the mock serves for every split of `name`."""
    builder = tfds.builder(name, data_dir=data_dir)
    dataset = builder.as_dataset(split="train", shuffle_files=False)
    return np.stack([example["image"] for example in tfds.as_numpy(dataset)])


def test_load_cifar10_as_float_images_and_int_labels(tmp_path):
    with mock_tfds(
        tmp_path, ["cifar10"], ["train", "test"], num_examples=5
    ) as requested:
        (x_train, y_train), (x_test, y_test) = keras_vae.datasets.load(
            "cifar10", data_dir=tmp_path, limit=3
        )
        raw = mock_images("cifar10", tmp_path)
    assert requested()[:2] == ["train", "test"]
    assert x_train.shape == x_test.shape == (3, 32, 32, 3)
    assert x_train.dtype == np.float32
    assert y_train.dtype == np.int64 and y_test.shape == (3,)
    assert set(y_train) <= set(range(10))
    # The first `limit` examples, scaled from uint8 by 1/255.
    np.testing.assert_allclose(x_train, raw[:3] / 255.0, atol=1e-6)
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert x_train.max() > 0.9 and x_train.min() < 0.1


def test_image_size_resizes_with_antialiasing(tmp_path):
    with mock_tfds(tmp_path, ["cifar10"], ["train", "test"], num_examples=5):
        (x_train, _), _ = keras_vae.datasets.load(
            "cifar10", data_dir=tmp_path, limit=2, image_size=(8, 12)
        )
        raw = mock_images("cifar10", tmp_path)[:2]
    assert x_train.shape == (2, 8, 12, 3)
    expected = tf.image.resize(raw / 255.0, (8, 12), antialias=True)
    np.testing.assert_allclose(x_train, expected.numpy(), atol=1e-5)
    # Antialiasing averages the random pixels: far from plain sampling.
    sampled = tf.image.resize(raw / 255.0, (8, 12), antialias=False)
    assert np.abs(x_train - sampled.numpy()).max() > 0.05


def test_channels_converts_rgb_to_grayscale(tmp_path):
    with mock_tfds(tmp_path, ["cifar10"], ["train", "test"], num_examples=5):
        (x_train, _), _ = keras_vae.datasets.load(
            "cifar10", data_dir=tmp_path, limit=2, channels=1
        )
        raw = mock_images("cifar10", tmp_path)[:2]
    assert x_train.shape == (2, 32, 32, 1)
    expected = tf.image.rgb_to_grayscale(raw / 255.0).numpy()
    np.testing.assert_allclose(x_train, expected, atol=1e-5)


def test_channels_converts_grayscale_to_rgb_and_resizes(tmp_path):
    with mock_tfds(tmp_path, ["mnist"], ["train", "test"], num_examples=5):
        (x_train, y_train), _ = keras_vae.datasets.load(
            "mnist", data_dir=tmp_path, limit=2, image_size=(32, 32), channels=3
        )
        raw = mock_images("mnist", tmp_path)[:2]
    assert x_train.shape == (2, 32, 32, 3) and y_train.shape == (2,)
    np.testing.assert_array_equal(x_train[..., 0], x_train[..., 2])
    expected = tf.image.resize(raw / 255.0, (32, 32), antialias=True)
    np.testing.assert_allclose(x_train[..., :1], expected.numpy(), atol=1e-5)
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0


def test_dataset_without_label_gives_none_and_reads_test_split(tmp_path):
    splits = ["train", "validation", "test"]
    with mock_tfds(tmp_path, ["celeb_a"], splits, num_examples=2) as requested:
        (x_train, y_train), (x_test, y_test) = keras_vae.datasets.load(
            "celeb_a", data_dir=tmp_path, image_size=(32, 32)
        )
    assert requested()[:2] == ["train", "test"]
    assert y_train is None and y_test is None
    assert x_train.shape == x_test.shape == (2, 32, 32, 3)


def test_validation_split_stands_in_for_a_missing_test_split(tmp_path):
    with mock_tfds(
        tmp_path, ["cifar10"], ["train", "validation"], num_examples=5
    ) as requested:
        keras_vae.datasets.load("cifar10", data_dir=tmp_path, limit=1)
    assert requested()[:2] == ["train", "validation"]


def test_dataset_without_test_or_validation_split(tmp_path):
    with mock_tfds(tmp_path, ["cifar10"], ["train", "extra"], num_examples=5):
        with pytest.raises(
            ValueError,
            match=r"none of the splits \['test', 'validation'\].*"
            r"\['train', 'extra'\]",
        ):
            keras_vae.datasets.load("cifar10", data_dir=tmp_path)


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match=r"'svhn_crop'.*\['svhn_cropped'"):
        keras_vae.datasets.load("svhn_crop")


def test_dataset_without_image_feature(tmp_path):
    with pytest.raises(
        ValueError, match=r"'imdb_reviews' has no `image` feature.*'text'"
    ):
        keras_vae.datasets.load("imdb_reviews", data_dir=tmp_path)


def test_images_of_varying_size_need_image_size(tmp_path):
    # Refused before looking for the data: nothing is downloaded.
    with pytest.raises(ValueError, match=r"vary in size.*image_size="):
        keras_vae.datasets.load("oxford_flowers102", data_dir=tmp_path)


def test_channels_converts_only_between_grayscale_and_rgb(monkeypatch):
    # No built-in TFDS image dataset has 4 channels; a custom one may.
    features = tfds.features.FeaturesDict(
        {"image": tfds.features.Image(shape=(8, 8, 4))}
    )
    builder = types.SimpleNamespace(
        name="rgba_images", info=types.SimpleNamespace(features=features)
    )
    monkeypatch.setattr(tfds, "builder", lambda name, data_dir: builder)
    with pytest.raises(
        ValueError, match=r"4-channel images of dataset 'rgba_images'.*=1"
    ):
        keras_vae.datasets.load("rgba_images", channels=1)


@pytest.mark.parametrize("image_size", [(32,), (0, 32), (32, 32, 3), 32])
def test_invalid_image_size(image_size):
    with pytest.raises(ValueError, match=r"`image_size`, expected a \(height"):
        keras_vae.datasets.load("mnist", image_size=image_size)
    with pytest.raises(ValueError, match=r"`image_size`, expected a \(height"):
        keras_vae.datasets.from_directory(".", image_size=image_size)


@pytest.mark.parametrize("channels", [0, 2, 4, True, "3"])
def test_invalid_channels(channels):
    with pytest.raises(ValueError, match=r"`channels`, expected one of \[1, 3"):
        keras_vae.datasets.load("mnist", channels=channels)
    with pytest.raises(ValueError, match=r"`channels`, expected one of \[1, 3"):
        keras_vae.datasets.from_directory(".", (8, 8), channels=channels)


def write_png(path, value, size):
    """A solid-colour PNG: `value` an RGB triple, `size` `(height, width)`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.broadcast_to(np.uint8(value), (*size, 3))
    Image.fromarray(np.ascontiguousarray(pixels)).save(path)


@pytest.fixture
def image_folder(tmp_path):
    """Two classes, images of different sizes, a distinct grey per image."""
    folder = tmp_path / "images"
    for index in range(3):
        write_png(folder / "cats" / f"{index}.png", [40 * index] * 3, (10, 12))
    for index in range(2):
        value = [200 + 20 * index] * 3
        write_png(folder / "dogs" / f"{index}.png", value, (40, 30))
    return folder


# The grey of each image above, scaled to [0, 1], in file order.
FOLDER_VALUES = np.array([0, 40, 80, 200, 220]) / 255.0


def test_from_directory_reads_class_folders(image_folder):
    x, y = keras_vae.datasets.from_directory(
        image_folder, image_size=(8, 8), shuffle=False
    )
    assert x.shape == (5, 8, 8, 3) and x.dtype == np.float32
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1])
    # Solid images stay solid when resized: one grey per image, in [0, 1].
    np.testing.assert_allclose(
        x,
        np.broadcast_to(FOLDER_VALUES[:, None, None, None], x.shape),
        atol=1e-6,
    )


def test_from_directory_grayscale_without_labels(image_folder):
    write_png(image_folder / "red.png", [255, 0, 0], (4, 4))
    x, y = keras_vae.datasets.from_directory(
        image_folder, (4, 4), channels=1, labels=None, shuffle=False
    )
    assert y is None
    # The top folder's image, then the sub-folders'; red becomes its luma.
    assert x.shape == (6, 4, 4, 1)
    np.testing.assert_allclose(x[0], 0.299, atol=2 / 255)
    np.testing.assert_allclose(x[1:, 0, 0, 0], FOLDER_VALUES, atol=1 / 255)


def test_from_directory_validation_split_is_disjoint(image_folder):
    (x_train, y_train), (x_val, y_val) = keras_vae.datasets.from_directory(
        image_folder, (8, 8), validation_split=0.4, seed=0
    )
    assert len(x_train) == 3 and len(x_val) == 2
    greys = np.concatenate([x_train, x_val])[:, 0, 0, 0]
    np.testing.assert_allclose(np.sort(greys), FOLDER_VALUES, atol=1e-6)
    labels = np.concatenate([y_train, y_val])
    np.testing.assert_array_equal(labels, (greys > 0.5).astype("int64"))


def test_from_directory_dataset_trains_a_vae(image_folder):
    dataset = keras_vae.datasets.from_directory(
        image_folder, (8, 8), batch_size=2, shuffle=False
    )
    assert isinstance(dataset, tf.data.Dataset)
    batches = list(dataset.as_numpy_iterator())
    assert [len(images) for images, _ in batches] == [2, 2, 1]
    images, labels = batches[0]
    assert images.dtype == np.float32 and labels.dtype == np.int64
    np.testing.assert_allclose(images[:, 0, 0, 0], FOLDER_VALUES[:2], atol=1e-6)
    keras.utils.set_random_seed(0)
    vae = keras_vae.VAE(
        keras_vae.build_mlp_encoder((8, 8, 3), 2, hidden_units=(8,)),
        keras_vae.build_mlp_decoder((8, 8, 3), 2, hidden_units=(8,)),
        seed=0,
    )
    vae.compile(optimizer="adam")
    history = vae.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_from_directory_missing_folder(tmp_path):
    with pytest.raises(
        FileNotFoundError, match=r"No image folder at .*nowhere"
    ):
        keras_vae.datasets.from_directory(tmp_path / "nowhere", (8, 8))
    write_png(tmp_path / "one.png", [0, 0, 0], (4, 4))
    with pytest.raises(FileNotFoundError, match="not a folder"):
        keras_vae.datasets.from_directory(tmp_path / "one.png", (8, 8))


def test_from_directory_without_images(tmp_path):
    (tmp_path / "cats").mkdir()
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    with pytest.raises(
        ValueError, match=r"No images found.*one sub-folder per class"
    ):
        keras_vae.datasets.from_directory(tmp_path, (8, 8))


def test_from_directory_names_a_corrupt_image(image_folder):
    (image_folder / "dogs" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n??")
    with pytest.raises(ValueError, match=r"Could not decode.*broken\.png"):
        keras_vae.datasets.from_directory(image_folder, (8, 8))
