"""`keras_vae.ConditionalVAE`: training on `(x, y)`, sampling by class."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_vae
from tests.helpers import IMAGE_SHAPE
from tests.helpers import synthetic_digits
from tests.helpers import to_numpy

NUM_CLASSES = 10


def tiny_cvae(architecture="mlp", shape=IMAGE_SHAPE, latent_dim=2, seed=0):
    keras.utils.set_random_seed(seed)
    if architecture == "mlp":
        encoder = keras_vae.build_mlp_encoder(
            shape, latent_dim, (64,), num_classes=NUM_CLASSES
        )
        decoder = keras_vae.build_mlp_decoder(
            shape, latent_dim, (64,), num_classes=NUM_CLASSES
        )
    else:
        encoder = keras_vae.build_conv_encoder(
            shape, latent_dim, (4, 8), num_classes=NUM_CLASSES
        )
        decoder = keras_vae.build_conv_decoder(
            shape, latent_dim, (4, 8), num_classes=NUM_CLASSES
        )
    cvae = keras_vae.ConditionalVAE(encoder, decoder, seed=seed)
    cvae.compile(optimizer=keras.optimizers.Adam(3e-3))
    return cvae


@pytest.fixture(scope="module")
def labelled_digits():
    return synthetic_digits(512, seed=0)


@pytest.fixture(scope="module")
def trained(labelled_digits):
    x, y = labelled_digits
    cvae = tiny_cvae()
    cvae.fit(x, y, epochs=8, batch_size=32, verbose=0)
    return cvae


def first_weights(model):
    return [to_numpy(v).copy() for v in model.trainable_variables[:2]]


def test_integer_and_one_hot_labels_train_the_same(labelled_digits):
    x, y = labelled_digits
    x, y = x[:128], y[:128]
    histories = []
    for labels in (y, np.eye(NUM_CLASSES, dtype="float32")[y]):
        cvae = tiny_cvae()
        histories.append(
            cvae.fit(x, labels, epochs=2, batch_size=32, verbose=0).history
        )
    np.testing.assert_allclose(
        histories[0]["loss"], histories[1]["loss"], rtol=1e-5
    )
    assert histories[0]["loss"][1] < histories[0]["loss"][0]


def test_trains_on_a_dataset_of_x_y_batches(labelled_digits):
    x, y = labelled_digits
    dataset = tf.data.Dataset.from_tensor_slices((x[:128], y[:128])).batch(32)
    cvae = tiny_cvae()
    history = cvae.fit(dataset, epochs=2, verbose=0).history
    assert np.isfinite(history["loss"]).all()
    assert sorted(history) == ["kl_loss", "loss", "reconstruction_loss"]


def test_samples_show_the_chosen_class(trained, labelled_digits):
    x, y = labelled_digits
    class_means = np.stack([x[y == k].mean(axis=0) for k in range(10)])
    labels = np.repeat(np.arange(NUM_CLASSES), 10)
    samples = trained.sample(len(labels), labels=labels, seed=1)
    distances = (
        ((samples[:, None] - class_means[None]) ** 2)
        .reshape(len(samples), NUM_CLASSES, -1)
        .sum(axis=-1)
    )
    # A decoder that ignored the label would match about 10% of them; this
    # small model reaches 75-90% after 8 epochs, depending on the backend.
    assert (distances.argmin(axis=1) == labels).mean() >= 0.5


def test_the_right_label_explains_the_data_better(trained, labelled_digits):
    x, y = labelled_digits
    right = trained.log_likelihood(x[:64], y[:64], num_samples=20, seed=0)
    wrong = trained.log_likelihood(
        x[:64], (y[:64] + 1) % NUM_CLASSES, num_samples=20, seed=0
    )
    assert right.shape == (64,)
    assert right.mean() > wrong.mean() + 10


def test_one_label_for_all_and_default_labels(trained):
    z = trained.prior_draws(3, seed=0)
    np.testing.assert_allclose(
        trained.decode(z, 7), trained.decode(z, [7, 7, 7]), atol=1e-6
    )
    np.testing.assert_allclose(
        trained.sample(12, seed=2),
        trained.sample(12, labels=np.arange(12) % 10, seed=2),
        atol=1e-6,
    )


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_saves_and_loads_with_safe_mode(tmp_path, architecture):
    shape = (8, 8, 1)
    rng = np.random.default_rng(0)
    x = rng.random((32, *shape)).astype("float32")
    y = rng.integers(0, NUM_CLASSES, 32)
    cvae = tiny_cvae(architecture, shape=shape)
    cvae.fit(x, y, epochs=1, batch_size=16, verbose=0)
    cvae.save(tmp_path / "cvae.keras")
    loaded = keras_vae.load_vae(tmp_path / "cvae.keras", safe_mode=True)
    assert type(loaded) is keras_vae.ConditionalVAE
    assert loaded.num_classes == NUM_CLASSES
    assert json.dumps(loaded.get_config(), sort_keys=True) == json.dumps(
        cvae.get_config(), sort_keys=True
    )
    np.testing.assert_allclose(
        loaded.reconstruct(x[:4], y[:4]),
        cvae.reconstruct(x[:4], y[:4]),
        atol=1e-5,
    )
    loaded.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert int(to_numpy(loaded.optimizer.iterations)) == 4


@pytest.mark.parametrize(
    "labels, error, message",
    [
        (None, ValueError, "needs labels: pass `fit\\(x, y\\)`"),
        (np.full(64, 10), ValueError, r"values in \[0, 9\]"),
        (np.zeros(63, "int64"), ValueError, r"shape \(64,\)"),
        (np.zeros(64, "float32"), TypeError, "integer class labels"),
        (np.full((64, 10), 2.0, "float32"), ValueError, r"in \[0.0, 1.0\]"),
    ],
)
def test_bad_labels_are_refused_before_training(labels, error, message):
    x = np.zeros((64, *IMAGE_SHAPE), "float32")
    cvae = tiny_cvae()
    before = first_weights(cvae)
    with pytest.raises(error, match=message):
        cvae.fit(x, labels, epochs=1, verbose=0)
    for old, new in zip(before, first_weights(cvae)):
        np.testing.assert_array_equal(old, new)
    assert int(to_numpy(cvae.optimizer.iterations)) == 0


def test_a_dataset_without_labels_is_refused():
    x = np.zeros((64, *IMAGE_SHAPE), "float32")
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(16)
    with pytest.raises(ValueError, match="needs labels"):
        tiny_cvae().fit(dataset, epochs=1, verbose=0)


def test_validation_labels_are_checked():
    x = np.zeros((64, *IMAGE_SHAPE), "float32")
    y = np.zeros(64, "int64")
    with pytest.raises(ValueError, match=r"values in \[0, 9\]"):
        tiny_cvae().fit(x, y, validation_data=(x, y - 1), epochs=1, verbose=0)


def test_unconditional_models_are_refused():
    encoder = keras_vae.build_mlp_encoder(IMAGE_SHAPE, 2, (8,))
    decoder = keras_vae.build_mlp_decoder(IMAGE_SHAPE, 2, (8,))
    with pytest.raises(ValueError, match=r"two inputs, `\[x, label\]`"):
        keras_vae.ConditionalVAE(encoder, decoder)


def test_a_decoder_with_another_number_of_classes_is_refused():
    encoder = keras_vae.build_mlp_encoder(IMAGE_SHAPE, 2, (8,), num_classes=10)
    decoder = keras_vae.build_mlp_decoder(IMAGE_SHAPE, 2, (8,), num_classes=5)
    with pytest.raises(
        ValueError, match=r"one-hot label of shape \(None, 10\)"
    ):
        keras_vae.ConditionalVAE(encoder, decoder)


def test_class_samples_plot_has_a_row_per_class(tmp_path, trained):
    path = tmp_path / "classes.png"
    figure = keras_vae.plots.plot_class_samples(
        trained, samples_per_class=4, path=path
    )
    assert len(figure.axes) == NUM_CLASSES * 4
    assert [figure.axes[4 * k].get_title(loc="left") for k in (0, 9)] == [
        "class 0",
        "class 9",
    ]
    assert path.stat().st_size > 0


def test_image_logger_draws_a_conditional_vae(tmp_path, labelled_digits):
    x, y = labelled_digits
    cvae = tiny_cvae()
    logger = keras_vae.callbacks.ImageLogger(
        x[:6], directory=tmp_path, labels=y[:6], num_samples=4
    )
    cvae.fit(
        x[:64], y[:64], epochs=1, batch_size=32, verbose=0, callbacks=[logger]
    )
    for name in ("reconstructions", "samples"):
        assert (tmp_path / f"epoch_001_{name}.png").stat().st_size > 0
