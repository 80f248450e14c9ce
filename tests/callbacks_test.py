import io

import matplotlib.image
import numpy as np
import pytest

import keras_vae
from keras_vae import plots
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae

X_LOGGED = synthetic_digits(4, seed=1)[0]


@pytest.fixture(scope="module")
def logs_of_one_fit(tmp_path_factory):
    """Fits a tiny VAE for 4 epochs with two loggers; one fit to save time.

    Returns:
        `(vae, every_2_directory, tensorboard_directory)`.
    """
    every_2_directory = tmp_path_factory.mktemp("every_2")
    tensorboard_directory = tmp_path_factory.mktemp("tensorboard")
    vae = tiny_vae()
    vae.fit(
        synthetic_digits(32)[0],
        epochs=4,
        batch_size=16,
        callbacks=[
            keras_vae.callbacks.ImageLogger(
                X_LOGGED, every=2, directory=every_2_directory, num_samples=4
            ),
            keras_vae.callbacks.ImageLogger(
                X_LOGGED,
                every=3,
                directory=tensorboard_directory,
                tensorboard=True,
                num_samples=4,
            ),
        ],
        verbose=0,
    )
    return vae, every_2_directory, tensorboard_directory


def test_image_logger_writes_every_nth_epoch(logs_of_one_fit):
    vae, directory, _ = logs_of_one_fit
    assert sorted(path.name for path in directory.iterdir()) == [
        "epoch_002_reconstructions.png",
        "epoch_002_samples.png",
        "epoch_004_reconstructions.png",
        "epoch_004_samples.png",
    ]
    # The last epoch's pictures show the trained weights (on JAX, the state
    # synced back into the variables), not those of an earlier epoch.
    final = io.BytesIO()
    plots.plot_reconstructions(vae, X_LOGGED).savefig(
        final, format="png", dpi=100
    )
    logged = directory / "epoch_004_reconstructions.png"
    assert logged.read_bytes() == final.getvalue()
    earlier = directory / "epoch_002_reconstructions.png"
    assert earlier.read_bytes() != final.getvalue()


def image_summaries(directory):
    """`{(step, tag): decoded image}` of the image summaries in `directory`."""
    import tensorflow as tf

    summaries = {}
    for events_file in directory.glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(events_file)):
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name != "images":
                    continue
                # An image summary holds [width, height, png_1, ...].
                width, height, png = tf.make_ndarray(value.tensor)
                image = matplotlib.image.imread(io.BytesIO(png), format="png")
                assert image.shape[:2] == (int(height), int(width))
                summaries[(event.step, value.tag)] = image
    return summaries


def test_image_logger_writes_tensorboard_images(logs_of_one_fit):
    _, _, directory = logs_of_one_fit
    summaries = image_summaries(directory)
    assert sorted(summaries) == [(3, "reconstructions"), (3, "samples")]
    # Each summary is the figure saved as PNG: same size, RGB.
    saved = matplotlib.image.imread(directory / "epoch_003_samples.png")
    assert summaries[(3, "samples")].shape == (*saved.shape[:2], 3)
    np.testing.assert_allclose(
        summaries[(3, "samples")], saved[..., :3], atol=2 / 255
    )


@pytest.mark.parametrize("every", [0, -1, 1.5, "2"])
def test_image_logger_rejects_an_invalid_every(every):
    with pytest.raises(ValueError, match="every"):
        keras_vae.callbacks.ImageLogger(np.zeros((2, 28, 28, 1)), every=every)
