"""The variational autoencoder model."""

import inspect
import math
import os
import pathlib
import uuid

import keras
import numpy as np
from keras import ops

from keras_vae import checks
from keras_vae import data_checks
from keras_vae import importance_sampling
from keras_vae import losses
from keras_vae.layers.sampling import Sampling
from keras_vae.models import steps


def _latent_and_data_shapes(encoder, decoder):
    """Checks that `encoder` and `decoder` fit together.

    Returns:
        `(latent_dim, data_shape)`.
    """
    for name, model in (("encoder", encoder), ("decoder", decoder)):
        if not isinstance(model, keras.Model) or len(model.inputs or ()) != 1:
            raise ValueError(
                f"Expected `{name}` to be a functional `keras.Model` with one "
                f"input, such as `keras_vae.build_mlp_{name}(...)`. "
                f"Received: {name}={model!r}"
            )
    encoder_outputs = encoder.outputs
    if len(encoder_outputs) != 2 or (
        encoder_outputs[0].shape != encoder_outputs[1].shape
    ):
        raise ValueError(
            "Expected `encoder` to output exactly two tensors "
            "`[z_mean, z_log_var]` of the same shape (batch_size, latent_dim). "
            f"Received outputs of shapes {[o.shape for o in encoder_outputs]}"
        )
    latent_shape = encoder_outputs[0].shape
    if len(latent_shape) != 2:
        raise ValueError(
            "Expected `encoder` outputs of shape (batch_size, latent_dim). "
            f"Received: {latent_shape}"
        )
    if tuple(decoder.inputs[0].shape) != tuple(latent_shape):
        raise ValueError(
            f"The encoder's latent_dim={latent_shape[1]} does not match the "
            f"decoder's input shape {decoder.inputs[0].shape}; expected "
            f"{latent_shape}."
        )
    data_shape = tuple(encoder.inputs[0].shape[1:])
    decoder_shape = tuple(decoder.outputs[0].shape[1:])
    if len(decoder.outputs) != 1 or decoder_shape != data_shape:
        raise ValueError(
            "Expected `decoder` to output one tensor with the data's shape "
            f"(batch_size, *{data_shape}), the encoder's input shape. "
            f"Received decoder outputs of shapes "
            f"{[o.shape for o in decoder.outputs]}"
        )
    return latent_shape[1], data_shape


@keras.saving.register_keras_serializable(package="keras_vae")
class VAE(keras.Model):
    """Variational autoencoder trained by minimizing the negative ELBO.

    The encoder maps `x` to the mean and log-variance of a diagonal Gaussian
    posterior `q(z | x)`; a `Sampling` layer draws `z` with the
    reparameterization trick; the decoder maps `z` to the parameters of
    `p(x | z)`. The loss, in nats per example averaged over the batch, is

    `reconstruction_loss + beta * kl_loss`, with

    - `reconstruction_loss = -log p(x | z)` summed over data dimensions
      (Bernoulli from logits, or Gaussian of fixed scale with its constant);
    - `kl_loss = -0.5 * sum(1 + z_log_var - z_mean**2 - exp(z_log_var))`,
      the closed-form KL divergence from `q(z | x)` to `N(0, I)`.

    `fit()` takes the data alone: NumPy arrays, `tf.data.Dataset`s of `x`
    or `(x, y)` (`y` is ignored), Python generators, `keras.utils.PyDataset`s
    and torch `DataLoader`s, and checks it first (see `check_data`).
    `evaluate()` reports the same three values. Pass
    `keras.callbacks.BackupAndRestore(directory)` to `fit()` to resume an
    interrupted training after its last finished epoch.

    Args:
        encoder: functional `keras.Model` with one input of the data's shape
            and outputs `[z_mean, z_log_var]`, each `(batch_size,
            latent_dim)`; see `build_mlp_encoder` and `build_conv_encoder`.
        decoder: functional `keras.Model` from `(batch_size, latent_dim)` to
            the data's shape, with a linear output: logits for
            `"bernoulli"`, the mean for `"gaussian"`.
        likelihood: `"bernoulli"` (data in `[0, 1]`) or `"gaussian"`.
        beta: non-negative float, the weight of the KL term (`beta`-VAE);
            `1.0` gives the ELBO.
        gaussian_scale: positive float, the fixed standard deviation of the
            Gaussian likelihood. Not used by `"bernoulli"`.
        seed: optional integer seed of the `Sampling` layer's noise.
        **kwargs: base `keras.Model` keyword arguments, such as `name`.

    Example:

    ```python
    encoder = keras_vae.build_mlp_encoder(input_shape=(28, 28, 1), latent_dim=2)
    decoder = keras_vae.build_mlp_decoder(output_shape=(28, 28, 1), latent_dim=2)
    vae = keras_vae.VAE(encoder, decoder, likelihood="bernoulli", seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x_train, epochs=10, batch_size=128)
    z_mean, z_log_var = vae.encode(x_test[:8])
    images = vae.decode(z_mean)
    ```
    """

    def __init__(
        self,
        encoder,
        decoder,
        likelihood="bernoulli",
        beta=1.0,
        gaussian_scale=1.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if likelihood not in losses.LIKELIHOODS:
            raise ValueError(
                "Received an invalid value for `likelihood`, expected one of "
                f"{list(losses.LIKELIHOODS)}. Received: likelihood={likelihood!r}"
            )
        if not _is_real_number(beta) or not math.isfinite(beta) or beta < 0:
            raise ValueError(
                "Received an invalid value for `beta`, expected a finite "
                f"float >= 0. Received: beta={beta!r}"
            )
        if (
            not _is_real_number(gaussian_scale)
            or not math.isfinite(gaussian_scale)
            or gaussian_scale <= 0
        ):
            raise ValueError(
                "Received an invalid value for `gaussian_scale`, expected a "
                f"finite float > 0. Received: gaussian_scale={gaussian_scale!r}"
            )
        self.latent_dim, self.data_shape = _latent_and_data_shapes(
            encoder, decoder
        )
        self.encoder = encoder
        self.decoder = decoder
        self.likelihood = likelihood
        self.beta = float(beta)
        self.gaussian_scale = float(gaussian_scale)
        self.seed = seed
        self.sampling = Sampling(seed=seed, name="sampling")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(
            name="reconstruction_loss"
        )
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")
        # A custom train_step never calls the model, so Keras would leave it
        # unbuilt; an unbuilt model loads from `.keras` without its optimizer
        # state. The encoder and decoder are built already.
        self.build((None, *self.data_shape))

    def build(self, input_shape):
        self.built = True

    @property
    def metrics(self):
        # Listed here so that fit() and evaluate() reset them every epoch.
        return [
            self.loss_tracker,
            self.reconstruction_loss_tracker,
            self.kl_loss_tracker,
        ]

    def call(self, inputs, training=None):
        """Encodes, samples `z` and decodes.

        Args:
            inputs: data batch of shape `(batch_size, *data_shape)`.
            training: passed to the encoder and decoder.

        Returns:
            A tuple `(z_mean, z_log_var, decoder_output)`, the inputs of
            `compute_loss_terms`.
        """
        z_mean, z_log_var = self.encoder(inputs, training=training)
        z = self.sampling([z_mean, z_log_var])
        return z_mean, z_log_var, self.decoder(z, training=training)

    def compute_loss_terms(self, x, z_mean, z_log_var, decoder_output):
        """The negative ELBO and its two terms, averaged over the batch.

        Args:
            x: data batch of shape `(batch_size, *data_shape)`.
            z_mean: `(batch_size, latent_dim)`, the posterior mean.
            z_log_var: `(batch_size, latent_dim)`, the posterior log-variance.
            decoder_output: the decoder's output for sampled `z`.

        Returns:
            A dict of float32 scalars, in nats per example:
            `"loss"` (`reconstruction_loss + beta * kl_loss`),
            `"reconstruction_loss"` and `"kl_loss"`.

        Example:

        ```python
        terms = vae.compute_loss_terms(x, *vae(x))
        ```
        """
        reconstruction_loss = ops.mean(
            losses.reconstruction_loss(
                self.likelihood, x, decoder_output, self.gaussian_scale
            )
        )
        kl_loss = ops.mean(losses.kl_divergence(z_mean, z_log_var))
        return {
            "loss": reconstruction_loss + self.beta * kl_loss,
            "reconstruction_loss": reconstruction_loss,
            "kl_loss": kl_loss,
        }

    def unpack_x(self, data):
        """Returns the data `x` of a batch given as `x`, `(x,)` or `(x, y)`."""
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return x

    def update_loss_trackers(self, terms, x):
        """Adds a batch's loss terms to the trackers, weighted by batch size.

        Args:
            terms: the dict returned by `compute_loss_terms`.
            x: the batch the terms were computed on.

        Returns:
            A dict of the trackers' running means, the logs of `fit()`.
        """
        batch_size = ops.shape(x)[0]
        for tracker in self.metrics:
            tracker.update_state(terms[tracker.name], sample_weight=batch_size)
        return {tracker.name: tracker.result() for tracker in self.metrics}

    def train_step(self, *args):
        # (data) on TensorFlow and torch, (state, data) on JAX.
        return steps.train_step(self, *args)

    def test_step(self, *args):
        return steps.test_step(self, *args)

    def fit(self, *args, **kwargs):
        # The data is checked here, before Keras' trainer loop: an error
        # raised inside it can leave a JAX model's variables purged.
        args, kwargs = self._with_checked_data(super().fit, args, kwargs)
        return super().fit(*args, **kwargs)

    def evaluate(self, *args, **kwargs):
        args, kwargs = self._with_checked_data(super().evaluate, args, kwargs)
        return super().evaluate(*args, **kwargs)

    def check_data(self, x, name="x"):
        """Checks that `x` is data this VAE can train on or encode.

        `fit`, `evaluate`, `encode` and `reconstruct` call it on their data
        before any computation: on all of an in-memory array, on the first
        batch of a dataset or generator.

        Args:
            x: a NumPy array or tensor of shape `(num_examples, *data_shape)`,
                a `tf.data.Dataset`, `keras.utils.PyDataset`, torch
                `DataLoader` or Python generator of `x` or `(x, y)` batches.
            name: what to call `x` in error messages.

        Returns:
            `x`, or for a generator one that yields the checked batch again.

        Raises:
            TypeError: the data is not numeric.
            ValueError: the data is empty, not of shape
                `(batch_size, *data_shape)`, holds NaN or infinity, or lies
                outside `[0, 1]` under the Bernoulli likelihood.

        Example:

        ```python
        vae.check_data(x_train)  # raises if x_train holds 0..255 pixels
        ```
        """
        return data_checks.checked_data(
            x, self.data_shape, self.likelihood, name=name
        )

    def _with_checked_data(self, method, args, kwargs):
        bound = inspect.signature(method).bind(*args, **kwargs)
        arguments = bound.arguments
        arguments["x"] = self.check_data(arguments.get("x"))
        validation_data = arguments.get("validation_data")
        if isinstance(validation_data, (tuple, list)):
            arguments["validation_data"] = (
                self.check_data(validation_data[0], "validation_data[0]"),
                *validation_data[1:],
            )
        elif validation_data is not None:
            arguments["validation_data"] = self.check_data(
                validation_data, "validation_data"
            )
        return bound.args, bound.kwargs

    def encode(self, x, batch_size=256):
        """Encodes data to the parameters of `q(z | x)`.

        Args:
            x: data of shape `(num_examples, *data_shape)`: a NumPy array or
                anything `keras.Model.predict` accepts.
            batch_size: how many examples to encode at once.

        Returns:
            A tuple of float32 NumPy arrays `(z_mean, z_log_var)`, each
            `(num_examples, latent_dim)`, whatever the dtype policy.

        Example:

        ```python
        z_mean, z_log_var = vae.encode(x_test[:8])
        ```
        """
        z_mean, z_log_var = self.encoder.predict(
            self.check_data(x), batch_size=batch_size, verbose=0
        )
        return z_mean.astype("float32"), z_log_var.astype("float32")

    def decode(self, z, batch_size=256):
        """Decodes latent points to the mean of `p(x | z)`.

        Args:
            z: array of shape `(num_points, latent_dim)`.
            batch_size: how many points to decode at once.

        Returns:
            Float32 NumPy array of shape `(num_points, *data_shape)`: pixel
            probabilities in `[0, 1]` for `"bernoulli"`, the mean for
            `"gaussian"`.

        Example:

        ```python
        images = vae.decode(np.zeros((1, vae.latent_dim), "float32"))
        ```
        """
        data_checks.check_batch(
            z, (self.latent_dim,), likelihood=None, name="z"
        )
        decoder_output = self.decoder.predict(
            z, batch_size=batch_size, verbose=0
        )
        return ops.convert_to_numpy(
            losses.likelihood_mean(
                self.likelihood, decoder_output.astype("float32")
            )
        )

    def reconstruct(self, x, batch_size=256):
        """Decodes the posterior mean of each example: `decode(encode(x)[0])`.

        Args:
            x: data of shape `(num_examples, *data_shape)`.
            batch_size: how many examples to process at once.

        Returns:
            NumPy array with the shape of `x`.

        Example:

        ```python
        reconstructions = vae.reconstruct(x_test[:8])
        ```
        """
        z_mean, _ = self.encode(x, batch_size=batch_size)
        return self.decode(z_mean, batch_size=batch_size)

    def log_likelihood(self, x, num_samples=5000, batch_size=100, seed=None):
        """Importance-weighted estimate of `log p(x)`, per example, in nats.

        `log (1/k) sum_i p(x, z_i) / q(z_i | x)` with `k = num_samples`
        draws `z_i ~ q(z | x)` (Burda et al., 2016), computed with
        log-sum-exp in chunks, so `num_samples=5000` fits in memory. It is
        the ELBO for `k = 1` and a tighter lower bound on `log p(x)`, in
        expectation, as `k` grows; `-vae.log_likelihood(x).mean()` is the
        test negative log-likelihood papers report.

        Args:
            x: data of shape `(num_examples, *data_shape)`.
            num_samples: positive integer `k`, draws per example.
            batch_size: how many examples to process at once.
            seed: optional integer; the same seed gives the same estimate.

        Returns:
            Float32 NumPy array of shape `(num_examples,)`.

        Example:

        ```python
        nll = -vae.log_likelihood(x_test[:1000], num_samples=5000).mean()
        ```
        """
        num_samples = checks.positive_int("num_samples", num_samples)
        batch_size = checks.positive_int("batch_size", batch_size)
        x = ops.convert_to_numpy(self.check_data(x)).astype("float32")
        seed_generator = keras.random.SeedGenerator(seed)
        # About 2**16 decoded rows per chunk, whatever k and the batch.
        chunk = max(1, min(num_samples, 2**16 // batch_size))
        estimates = []
        for start in range(0, len(x), batch_size):
            batch = x[start : start + batch_size]
            total = None
            for first in range(0, num_samples, chunk):
                log_weights = importance_sampling.log_importance_weights(
                    self, batch, min(chunk, num_samples - first), seed_generator
                )
                partial = ops.logsumexp(log_weights, axis=0)
                total = (
                    partial if total is None else ops.logaddexp(total, partial)
                )
            estimates.append(ops.convert_to_numpy(total))
        return np.concatenate(estimates) - np.float32(math.log(num_samples))

    def sample(self, num_samples, seed=None, batch_size=256):
        """Decodes `num_samples` draws of `z ~ N(0, I)`, the prior.

        Args:
            num_samples: positive integer, how many samples to generate.
            seed: optional integer; the same seed gives the same samples.
                `None` draws fresh ones.
            batch_size: how many points to decode at once.

        Returns:
            NumPy array of shape `(num_samples, *data_shape)`, as `decode`.

        Example:

        ```python
        new_images = vae.sample(16, seed=1)
        ```
        """
        num_samples = checks.positive_int("num_samples", num_samples)
        z = keras.random.normal((num_samples, self.latent_dim), seed=seed)
        return self.decode(ops.convert_to_numpy(z), batch_size=batch_size)

    def save(self, filepath, overwrite=True, **kwargs):
        """Saves the model to a `.keras` file without ever half-writing it.

        As `keras.Model.save`, but a local `.keras` file is first written
        beside `filepath` under a temporary name, then renamed over it: if
        saving fails or the process dies, `filepath` holds either the old
        model or the new one, never a truncated file. Callbacks such as
        `keras.callbacks.ModelCheckpoint` save through this method too.

        Args:
            filepath: path of the `.keras` file to write.
            overwrite: whether to replace an existing file silently; `False`
                asks first, as Keras does.
            **kwargs: passed to `keras.Model.save`.

        Example:

        ```python
        vae.save("saved_models/vae.keras")
        ```
        """
        location = os.fspath(filepath)
        path = pathlib.Path(location)
        remote = "://" in location  # e.g. gs://, left to Keras
        if (
            remote
            or path.suffix != ".keras"
            or (path.exists() and not overwrite)
        ):
            return super().save(filepath, overwrite=overwrite, **kwargs)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.keras")
        try:
            super().save(partial, **kwargs)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    def get_config(self):
        config = {
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "likelihood": self.likelihood,
            "beta": self.beta,
            "gaussian_scale": self.gaussian_scale,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}

    def compile(
        self,
        *args,
        steps_per_execution=1,
        jit_compile="auto",
        **kwargs,
    ):
        """Configures the model for training, as `keras.Model.compile`.

        Two settings, chosen by `benchmarks/throughput.py`, make training
        fast on every backend:

        - `steps_per_execution="auto"` runs 32 training steps per compiled
          call on JAX and TensorFlow (the MLP VAE trains about 1.6x faster
          on JAX than with Keras' default of 1) and 1 on torch, which
          supports no other value. Callbacks then see every 32nd batch, and
          with `steps_per_epoch` below 32 Keras runs whole chunks of 32, so
          the default stays Keras' 1; the CLI and the README use `"auto"`.
        - `jit_compile="auto"` (the default) uses XLA on JAX, as Keras does,
          but not on TensorFlow without a GPU, where XLA trained this model
          about 2x slower, nor on torch.

        The requests, not what they resolved to, are saved with the model,
        so each backend that loads it resolves them again.

        Args:
            *args: `keras.Model.compile` positional arguments (`optimizer`).
            steps_per_execution: a positive integer (default 1) or
                `"auto"`.
            jit_compile: `"auto"`, `True` or `False`.
            **kwargs: other `keras.Model.compile` arguments.

        Example:

        ```python
        vae.compile(
            optimizer=keras.optimizers.Adam(1e-3), steps_per_execution="auto"
        )
        ```
        """
        super().compile(
            *args,
            steps_per_execution=steps.resolve_steps_per_execution(
                steps_per_execution
            ),
            jit_compile=steps.resolve_jit_compile(jit_compile),
            **kwargs,
        )
        self._requested_steps_per_execution = steps_per_execution
        self._requested_jit_compile = jit_compile

    def get_compile_config(self):
        # Keras records what "auto" resolved to on the saving backend:
        # `jit_compile=True` under JAX would mean a slow `torch.compile`
        # under torch, and `steps_per_execution=32` an error there. Recording
        # the requests lets each loading backend resolve "auto" itself.
        config = super().get_compile_config()
        if config:
            config["jit_compile"] = self._requested_jit_compile
            config["steps_per_execution"] = self._requested_steps_per_execution
        return config

    def compile_from_config(self, config):
        # Under torch, Keras records the optimizer's module as the torch-only
        # `keras.src.backend.torch.optimizers...`; loaded under JAX or
        # TensorFlow that class cannot update their variables. The public
        # `keras.optimizers` module gives each backend its own class.
        # Keras' own `compile_from_config` skips models that override
        # `compile`, so this does its two steps.
        config = keras.saving.deserialize_keras_object(
            _with_public_optimizer_modules(config)
        )
        config["steps_per_execution"] = steps.loadable_steps_per_execution(
            config.get("steps_per_execution", 1)
        )
        self.compile(**config)
        self.optimizer.build(self.trainable_variables)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for name in ("encoder", "decoder"):
            config[name] = keras.saving.deserialize_keras_object(
                config[name], custom_objects=custom_objects
            )
        return cls(**config)


def _with_public_optimizer_modules(config):
    if isinstance(config, dict):
        config = {
            key: _with_public_optimizer_modules(value)
            for key, value in config.items()
        }
        module = config.get("module")
        if (
            isinstance(module, str)
            and module.startswith("keras.src.backend.")
            and ".optimizers" in module
        ):
            config["module"] = "keras.optimizers"
    return config


def _is_real_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
