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
        labels: the labels of `x`, for a `ConditionalVAE` (whose samples
            then show the classes in turn); `None` for other models.
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
        labels=None,
    ):
        super().__init__()
        self.x = np.asarray(x)
        self.labels = labels
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
                self.model,
                self.x,
                path=f"{prefix}_reconstructions.png",
                labels=self.labels,
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


SCHEDULES = ("linear", "cyclical")


class KLWarmup(keras.callbacks.Callback):
    """Ramps a VAE's `beta`, the weight of its KL term, from 0 to a target.

    Starting with `beta = 0` lets the decoder learn to use `z` before the KL
    term pulls the posterior towards the prior, which prevents posterior
    collapse (Bowman et al., 2016; Sønderby et al., 2016). The callback sets
    `vae.beta`, a non-trainable variable, so the change reaches the compiled
    training step on every backend. With `t` the epoch index (`epochs=`)
    or the number of optimizer steps taken (`steps=`), and `period` that
    argument:

    - `"linear"`: `beta = initial_beta + (target - initial_beta) *
      min(1, t / period)`, then `target` for good;
    - `"cyclical"` (Fu et al., 2019): the ramp repeats every `period`,
      rising over its first `ramp_fraction` and holding `target` for the
      rest.

    With a `VampPrior`, start above 0 (`initial_beta=1 / epochs`, as
    Tomczak & Welling's code does): an epoch at `beta = 0` shrinks the
    encoder's variances without bound, its posteriors at the pseudo-inputs
    become needles, and one component of the mixture takes every code for
    good (measured on MNIST: 1 component in use of 500 after such an
    epoch, about 50 after one at `beta = 0.01`).

    `t` counts from the optimizer's step count (or the epoch index), so a
    resumed training continues the schedule. With `steps_per_execution=N`,
    `beta` changes every `N` steps. The value in use is added to the epoch
    logs as `"beta"` (seen by `History` and by callbacks after this one).

    Args:
        epochs: positive integer, the ramp's length in epochs. Give either
            `epochs` or `steps`.
        steps: positive integer, the ramp's length in training steps.
        schedule: `"linear"` or `"cyclical"`.
        ramp_fraction: for `"cyclical"`, the fraction of each cycle spent
            rising, in `(0, 1]`.
        target: the final `beta`; `None` (the default) uses the VAE's
            `beta` argument, `vae.target_beta`.
        initial_beta: the `beta` where each ramp starts, a float in
            `[0, target]`.

    Example:

    ```python
    vae = keras_vae.VAE(encoder, decoder, beta=1.0)
    vae.compile(optimizer="adam")
    vae.fit(x_train, epochs=30, callbacks=[keras_vae.callbacks.KLWarmup(epochs=10)])
    ```
    """

    def __init__(
        self,
        epochs=None,
        steps=None,
        schedule="linear",
        ramp_fraction=0.5,
        target=None,
        initial_beta=0.0,
    ):
        super().__init__()
        if (epochs is None) == (steps is None):
            raise ValueError(
                "Pass exactly one of `epochs` and `steps`, the length of the "
                f"warm-up. Received: epochs={epochs!r}, steps={steps!r}"
            )
        self.epochs = (
            None if epochs is None else checks.positive_int("epochs", epochs)
        )
        self.steps = (
            None if steps is None else checks.positive_int("steps", steps)
        )
        if schedule not in SCHEDULES:
            raise ValueError(
                f"Received an invalid value for `schedule`, expected one of "
                f"{list(SCHEDULES)}. Received: schedule={schedule!r}"
            )
        if not 0 < ramp_fraction <= 1:
            raise ValueError(
                "Received an invalid value for `ramp_fraction`, expected a "
                f"float in (0, 1]. Received: ramp_fraction={ramp_fraction!r}"
            )
        if target is not None and not (np.isfinite(target) and target >= 0):
            raise ValueError(
                "Received an invalid value for `target`, expected a finite "
                f"float >= 0 or None. Received: target={target!r}"
            )
        if not (np.isfinite(initial_beta) and initial_beta >= 0):
            raise ValueError(
                "Received an invalid value for `initial_beta`, expected a "
                f"finite float >= 0. Received: initial_beta={initial_beta!r}"
            )
        self.schedule = schedule
        self.ramp_fraction = float(ramp_fraction)
        self.target = target
        self.initial_beta = float(initial_beta)
        self._value = None

    def fraction_at(self, t):
        """How far up its ramp the schedule is after `t` epochs or steps:
        `beta = initial_beta + (target - initial_beta) * fraction_at(t)`.

        Args:
            t: non-negative integer, the epoch index or the step count.

        Returns:
            A Python float in `[0, 1]`.

        Example:

        ```python
        KLWarmup(epochs=4).fraction_at(2)  # 0.5
        ```
        """
        period = self.epochs or self.steps
        if self.schedule == "linear":
            progress = t / period
        else:
            progress = (t % period) / (period * self.ramp_fraction)
        return min(1.0, progress)

    def on_train_begin(self, logs=None):
        model = self.model
        if not isinstance(getattr(model, "beta", None), keras.Variable):
            raise ValueError(
                "KLWarmup needs a model with a `beta` variable, such as "
                f"keras_vae.VAE. Received: a {type(model).__name__}"
            )
        self._value = None
        self._target = (
            model.target_beta if self.target is None else float(self.target)
        )
        if self.initial_beta > self._target:
            raise ValueError(
                "Expected `initial_beta` <= the target beta, "
                f"{self._target}. Received: initial_beta={self.initial_beta}"
            )
        self._step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = self._step
        if self.epochs is not None:
            self._set(epoch)

    def on_train_batch_begin(self, batch, logs=None):
        if self.steps is not None:
            self._set(self._epoch_start + batch)

    def on_train_batch_end(self, batch, logs=None):
        self._step = self._epoch_start + batch + 1

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["beta"] = self._value

    def _set(self, t):
        value = self.initial_beta + (
            self._target - self.initial_beta
        ) * self.fraction_at(t)
        # Reading `self.model` makes JAX hand the training state back to the
        # variables, so it is done only when `beta` changes.
        if value != self._value:
            self.model.beta.assign(value)
            self._value = value
