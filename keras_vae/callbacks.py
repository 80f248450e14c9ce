"""`keras_vae.callbacks`: callbacks to watch a VAE while it trains."""

import pathlib

import keras
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from keras_vae import checks
from keras_vae import plots


def _figure_to_rgb(figure):
    """Renders a figure to a uint8 array of shape `(height, width, 3)`."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


class ImageLogger(keras.callbacks.Callback):
    """Saves reconstructions and prior samples every few epochs.

    At the end of every `every`-th epoch (counted from 1), writes
    `directory/epoch_{epoch:03d}_reconstructions.png` (the images `x` above
    their reconstructions) and `directory/epoch_{epoch:03d}_samples.png`
    (decoded prior samples with a fixed seed, so that successive epochs show
    the same `z`). With `tensorboard=True`, the same two pictures also go to
    a TensorBoard event file in `directory`, as images tagged
    `"reconstructions"` and `"samples"` at step `epoch`.

    Args:
        x: a few images to reconstruct, `(num_images, *data_shape)`; 8 to 12
            fit on one row.
        every: positive integer, log every `every` epochs.
        directory: where to write the PNGs and event files; created if
            missing.
        tensorboard: whether to also write TensorBoard image summaries. They
            are written with TensorFlow, a dependency of keras-vae, so this
            works on every Keras backend.
        num_samples: positive integer, how many prior samples to show.
        seed: integer seed of the prior samples.

    Example:

    ```python
    vae.fit(
        x_train,
        epochs=10,
        callbacks=[
            keras_vae.callbacks.ImageLogger(
                x_test[:8], every=1, directory="logs"
            )
        ],
    )
    ```
    """

    def __init__(
        self,
        x,
        every=1,
        directory="image_logs",
        tensorboard=False,
        num_samples=16,
        seed=0,
    ):
        super().__init__()
        self.x = np.asarray(x)
        self.every = checks.positive_int("every", every)
        self.directory = pathlib.Path(directory)
        self.tensorboard = tensorboard
        self.num_samples = checks.positive_int("num_samples", num_samples)
        self.seed = seed
        self.summary_writer = None

    def on_epoch_end(self, epoch, logs=None):
        epoch_number = epoch + 1
        if epoch_number % self.every:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        prefix = self.directory / f"epoch_{epoch_number:03d}"
        figures = {
            "reconstructions": plots.plot_reconstructions(
                self.model, self.x, path=f"{prefix}_reconstructions.png"
            ),
            "samples": plots.plot_samples(
                self.model,
                self.num_samples,
                seed=self.seed,
                path=f"{prefix}_samples.png",
            ),
        }
        if self.tensorboard:
            self._write_summaries(figures, epoch_number)

    def on_train_end(self, logs=None):
        if self.summary_writer is not None:
            self.summary_writer.close()
            self.summary_writer = None

    def _write_summaries(self, figures, step):
        # Imported here so that a JAX or torch user without TensorBoard
        # logging never pays for loading TensorFlow.
        import tensorflow as tf

        if self.summary_writer is None:
            self.summary_writer = tf.summary.create_file_writer(
                str(self.directory)
            )
        # `tf.summary.image` is implemented by the `tensorboard` package,
        # which tensorflow-cpu no longer installs. `tf.summary.write` with the
        # image plugin's metadata writes the record it would write: the
        # strings `[width, height, png]`.
        metadata = tf.compat.v1.SummaryMetadata(
            plugin_data=tf.compat.v1.SummaryMetadata.PluginData(
                plugin_name="images"
            )
        )
        with self.summary_writer.as_default():
            for tag, figure in figures.items():
                pixels = _figure_to_rgb(figure)
                height, width = pixels.shape[:2]
                png = tf.io.encode_png(pixels)
                tf.summary.write(
                    tag,
                    tf.stack([tf.as_string(width), tf.as_string(height), png]),
                    step=step,
                    metadata=metadata,
                )
        self.summary_writer.flush()
