"""Importance-weighted bounds on `log p(x)` (Burda et al., 2016).

With `z_i ~ q(z | x)`, `log (1/k) sum_i p(x, z_i) / q(z_i | x)` is a lower
bound on `log p(x)` in expectation; it equals the ELBO for `k = 1` and
tightens as `k` grows. `log_weight_terms` is the one place the weights are
computed: `keras_vae.IWAE` trains on them and `log_likelihood` evaluates
any VAE with them, as a compiled `predict()` on every backend.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_vae import backend
from keras_vae import checks
from keras_vae import execution

_LOG_2PI = math.log(2.0 * math.pi)

# Decoded rows per compiled step when the caller gives no batch size: the
# activations of the MLP decoder stay in the CPU's cache-sized tens of MB,
# and those of a conv decoder under a GiB.
_ROWS_PER_STEP = 2**13


def log_weight_terms(model, x, z_mean, z_log_var, z, decoder_output):
    """The two parts of each log importance weight.

    Args:
        model: the VAE whose likelihood scores `x`.
        x: data batch of shape `(batch_size, *data_shape)`.
        z_mean: `(batch_size, latent_dim)`, the mean of `q(z | x)`.
        z_log_var: `(batch_size, latent_dim)`, its log-variance.
        z: `(num_samples, batch_size, latent_dim)`, draws from `q(z | x)`.
        decoder_output: `(num_samples, batch_size, *data_shape)`, the
            decoder's output for `z`.

    Returns:
        `(log_p_x_given_z, log_prior_ratio)`: float32 tensors of shape
        `(num_samples, batch_size)`, `log p(x | z_i)` and
        `log p(z_i) - log q(z_i | x)`, in nats.

    Example:

    ```python
    outputs = draw_and_decode(vae, x, 10, keras.random.SeedGenerator(0))
    log_p_x_given_z, log_prior_ratio = log_weight_terms(vae, x, *outputs)
    ```
    """
    z_mean = ops.cast(z_mean, "float32")
    z_log_var = ops.cast(z_log_var, "float32")
    z = ops.cast(z, "float32")
    log_p_x_given_z = -model.reconstruction_loss(
        x, decoder_output, data_rank=len(x.shape) - 1
    )
    standardized = (z - z_mean) * ops.exp(-0.5 * z_log_var)
    log_p_z = -0.5 * ops.sum(ops.square(z) + _LOG_2PI, axis=-1)
    log_q_z = -0.5 * ops.sum(
        ops.square(standardized) + z_log_var + _LOG_2PI, axis=-1
    )
    return log_p_x_given_z, log_p_z - log_q_z


def log_mean_exp(values, axis=0):
    """`log mean exp(values)` along `axis`, computed stably.

    Args:
        values: float tensor.
        axis: the axis to average over.

    Returns:
        Float32 tensor without `axis`.

    Example:

    ```python
    log_mean_exp(np.log([[1.0], [3.0]]))  # [log 2]
    ```
    """
    values = ops.cast(values, "float32")
    count = ops.cast(ops.shape(values)[axis], "float32")
    return ops.logsumexp(values, axis=axis) - ops.log(count)


def draw_and_decode(model, inputs, num_samples, seed, training=None):
    """Encodes a batch, draws `num_samples` `z` per example and decodes.

    Args:
        model: a `keras_vae.VAE` (or `ConditionalVAE`).
        inputs: the batch as `model.unpack_x` returns it: `x`, or
            `(x, one_hot_labels)` for a `ConditionalVAE`.
        num_samples: positive integer, draws per example.
        seed: a `keras.random.SeedGenerator` for the draws.
        training: passed to the encoder and decoder.

    Returns:
        `(z_mean, z_log_var, z, decoder_output)`, `z` of shape
        `(num_samples, batch_size, latent_dim)` and `decoder_output` of
        shape `(num_samples, batch_size, *data_shape)`.

    Example:

    ```python
    outputs = draw_and_decode(vae, x, 10, keras.random.SeedGenerator(0))
    log_p_x_given_z, log_prior_ratio = log_weight_terms(vae, x, *outputs)
    ```
    """
    # A ConditionalVAE's batch is `(x, one_hot_labels)`; the decoder takes
    # the labels too, once per draw.
    condition = inputs[1] if isinstance(inputs, (list, tuple)) else None
    z_mean, z_log_var = model.encoder(inputs, training=training)
    batch_size = ops.shape(z_mean)[0]
    eps = keras.random.normal(
        (num_samples, batch_size, model.latent_dim),
        dtype=z_mean.dtype,
        seed=seed,
    )
    z = z_mean[None] + ops.exp(0.5 * z_log_var)[None] * eps
    flat_z = ops.reshape(z, (num_samples * batch_size, model.latent_dim))
    decoder_inputs = flat_z
    if condition is not None:
        decoder_inputs = [flat_z, ops.tile(condition, (num_samples, 1))]
    decoded = model.decoder(decoder_inputs, training=training)
    decoded = ops.reshape(decoded, (num_samples, batch_size, *model.data_shape))
    return z_mean, z_log_var, z, decoded


class _LogSumWeights(keras.Model):
    """`log sum_i w_i` over `num_samples` draws for each example of a batch:
    what `log_likelihood` runs through `predict()`, compiled by each
    backend as its predict function."""

    def __init__(self, model, num_samples):
        super().__init__(name="log_sum_weights")
        self.vae = model
        self.num_samples = num_samples
        self.seed_generator = keras.random.SeedGenerator()

    def call(self, inputs):
        x = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        outputs = draw_and_decode(
            self.vae, inputs, self.num_samples, self.seed_generator
        )
        log_p_x_given_z, log_prior_ratio = log_weight_terms(
            self.vae, x, *outputs
        )
        return ops.logsumexp(log_p_x_given_z + log_prior_ratio, axis=0)

    def make_predict_function(self, force=False):
        if self.predict_function is None or force:
            super().make_predict_function(force=True)
            self.predict_function = backend.predict_outputs_on_host(
                self.predict_function
            )
        return self.predict_function


def _estimator(model, num_samples, jit_compile):
    """The model's `_LogSumWeights` for these settings, made once: a later
    estimate reuses its compiled step instead of compiling it again."""
    # Set past Keras' attribute tracking: an attribute it tracked would
    # become part of the model, and of its saved file.
    if "_log_sum_weights" not in model.__dict__:
        object.__setattr__(model, "_log_sum_weights", {})
    estimators = model.__dict__["_log_sum_weights"]
    key = (num_samples, jit_compile)
    if key not in estimators:
        estimators[key] = _LogSumWeights(model, num_samples)
        estimators[key].compile(jit_compile=jit_compile)
    return estimators[key]


def log_likelihood(
    model, inputs, num_samples, batch_size=None, seed=None, verbose="auto"
):
    """The `k`-sample importance-weighted estimate of `log p(x)`.

    The work is done by `predict()` on a model that draws, decodes and sums
    the weights of a batch in one compiled step (XLA on JAX, a
    `tf.function` on TensorFlow, `torch.compile` on torch for large
    estimates), with Keras' progress bar. When `k` draws
    of a batch do not fit in one step, the draws are made in chunks whose
    sums are combined with log-sum-exp.

    Args:
        model: a `keras_vae.VAE` (or subclass).
        inputs: float32 NumPy data `x`, or `[x, one_hot_labels]` for a
            `ConditionalVAE`, checked already.
        num_samples: positive integer `k`.
        batch_size: examples per step; `None` picks enough for about 8,192
            decoded rows a step.
        seed: optional integer seed of the draws.
        verbose: `predict()`'s verbosity: `"auto"`, 0, 1 or 2.

    Returns:
        Float32 NumPy array of shape `(num_examples,)`, in nats.

    Example:

    ```python
    log_p = log_likelihood(vae, x_test, num_samples=5000, seed=0)
    ```
    """
    num_samples = checks.positive_int("num_samples", num_samples)
    if batch_size is None:
        batch_size = max(1, _ROWS_PER_STEP // num_samples)
    batch_size = checks.positive_int("batch_size", batch_size)
    samples_per_chunk = max(1, min(num_samples, _ROWS_PER_STEP // batch_size))
    chunks = [samples_per_chunk] * (num_samples // samples_per_chunk)
    if num_samples % samples_per_chunk:
        chunks.append(num_samples % samples_per_chunk)
    jit_compile = execution.predict_jit_compile(
        len(keras.tree.flatten(inputs)[0]) * num_samples
    )
    # One stream of draws for the whole estimate, continued chunk to chunk.
    seed_state = keras.random.SeedGenerator(seed).state.value
    total = None
    for chunk in chunks:
        estimator = _estimator(model, chunk, jit_compile)
        estimator.seed_generator.state.assign(seed_state)
        partial = estimator.predict(
            inputs, batch_size=batch_size, verbose=verbose
        )
        seed_state = estimator.seed_generator.state.value
        total = partial if total is None else np.logaddexp(total, partial)
    return (total - math.log(num_samples)).astype("float32")
