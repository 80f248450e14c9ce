"""Importance-weighted bounds on `log p(x)` (Burda et al., 2016).

With `z_i ~ q(z | x)`, `log (1/k) sum_i p(x, z_i) / q(z_i | x)` is a lower
bound on `log p(x)` in expectation; it equals the ELBO for `k = 1` and
tightens as `k` grows. `log_weight_terms` (one stochastic layer) and
`draw_hierarchy` (several) are the places the weights are computed, each
model reaching them through its `importance_log_weights`; `bound_terms` is
the bound that `keras_vae.IWAE` and `keras_vae.HierarchicalVAE` train on,
and `log_likelihood` evaluates any of the models with the same weights, as
a compiled `predict()` on every backend.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_vae import backend
from keras_vae import checks
from keras_vae import execution
from keras_vae import losses

# Decoded rows per compiled step when the caller gives no batch size: the
# activations of the MLP decoder stay in the CPU's cache-sized tens of MB,
# and those of a conv decoder under a GiB.
_ROWS_PER_STEP = 2**13


def log_weight_terms(model, x, z_mean, z_log_var, z, decoder_output):
    """The two parts of each log importance weight.

    Args:
        model: the VAE whose likelihood scores `x` and whose prior
            (`model.prior`) scores `z`.
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
    log_p_x_given_z = -model.reconstruction_loss(
        x, decoder_output, data_rank=len(x.shape) - 1
    )
    log_q_z = losses.gaussian_log_density(z, z_mean[None], z_log_var[None])
    return log_p_x_given_z, model.prior.log_prob(z) - log_q_z


def bound_terms(log_p_x_given_z, log_prior_ratio, beta, sample_weight=None):
    """The training terms of the `k`-sample bound, from its log weights.

    What `IWAE` and `HierarchicalVAE` minimize, written once. Averaged over
    the batch (weighted by `sample_weight`, see `losses.batch_mean`), in
    nats per example:

    - `loss`: `-log (1/k) sum_i w_i`, `log w_i = log p(x | z_i) + beta *
      log_prior_ratio_i` (the negative ELBO for `k = 1`);
    - `reconstruction_loss`: `-log p(x | z_i)`, averaged over the draws;
    - `kl_loss`: `-log_prior_ratio`, averaged over the draws: the
      `k`-sample estimate of the KL divergence from `q` to the prior, so
      that `reconstruction_loss + kl_loss` estimates the -ELBO.

    Args:
        log_p_x_given_z: `(num_samples, batch_size)`, `log p(x | z_i)`.
        log_prior_ratio: `(num_samples, batch_size)`, `log p(z_i) - log
            q(z_i | x)` (every stochastic layer's, summed).
        beta: float scalar, the weight of `log_prior_ratio`.
        sample_weight: `None`, or float32 weights `(batch_size,)`.

    Returns:
        A dict of float32 scalars: `"loss"`, `"reconstruction_loss"` and
        `"kl_loss"`.

    Example:

    ```python
    terms = bound_terms(*log_weight_terms(vae, x, *outputs), beta=1.0)
    ```
    """
    log_p_x_given_z = ops.cast(log_p_x_given_z, "float32")
    log_prior_ratio = ops.cast(log_prior_ratio, "float32")
    bound = log_mean_exp(log_p_x_given_z + beta * log_prior_ratio, axis=0)
    return {
        "loss": -losses.batch_mean(bound, sample_weight),
        "reconstruction_loss": -losses.batch_mean(
            ops.mean(log_p_x_given_z, axis=0), sample_weight
        ),
        "kl_loss": -losses.batch_mean(
            ops.mean(log_prior_ratio, axis=0), sample_weight
        ),
    }


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
        model: a `keras_vae.VAE` (or `ConditionalVAE`), or a
            `HierarchicalVAE` for its lowest layer.
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
    # The encoder's size, not `model.latent_dim`: for a HierarchicalVAE this
    # is its lowest layer, and `latent_dim` the top one.
    latent_dim = z_mean.shape[-1]
    eps = keras.random.normal(
        (num_samples, batch_size, latent_dim),
        dtype=z_mean.dtype,
        seed=seed,
    )
    z = z_mean[None] + ops.exp(0.5 * z_log_var)[None] * eps
    flat_z = ops.reshape(z, (num_samples * batch_size, latent_dim))
    decoder_inputs = flat_z
    if condition is not None:
        decoder_inputs = [flat_z, ops.tile(condition, (num_samples, 1))]
    decoded = model.decoder(decoder_inputs, training=training)
    decoded = ops.reshape(decoded, (num_samples, batch_size, *model.data_shape))
    return z_mean, z_log_var, z, decoded


def _reparameterized(z_mean, z_log_var, seed):
    """`z_mean + exp(0.5 * z_log_var) * eps`, `eps ~ N(0, I)` of their
    shape: one draw per row, gradients flowing to both parameters."""
    eps = keras.random.normal(ops.shape(z_mean), dtype=z_mean.dtype, seed=seed)
    return z_mean + ops.exp(0.5 * z_log_var) * eps


def draw_hierarchy(model, x, num_samples, seed, training=None):
    """Log weights of `num_samples` draws through every stochastic layer.

    For a `keras_vae.HierarchicalVAE` with layers `z_1 ... z_L`: draws
    `z_1 ~ q(z_1 | x)`, then `z_l ~ q(z_l | z_(l-1))` up to the top, and
    scores them under the generative model `p(z_L) p(z_(L-1) | z_L) ...
    p(x | z_1)`.

    Args:
        model: the hierarchical model: `encoder` (`x -> q(z_1 | x)`),
            `upper_encoders` (`z_(l-1) -> q(z_l | z_(l-1))`), `decoder`
            (`z_1 -> p(x | z_1)`), `upper_decoders` (`z_l -> p(z_(l-1) |
            z_l)`, lowest first) and `prior` (`p(z_L)`).
        x: data batch of shape `(batch_size, *data_shape)`.
        num_samples: positive integer, draws per example.
        seed: a `keras.random.SeedGenerator` for the draws.
        training: passed to the encoders and decoders.

    Returns:
        `(log_p_x_given_z, log_prior_ratio)`, float32 tensors of shape
        `(num_samples, batch_size)`: `log p(x | z_1)` and `log p(z_1 ...
        z_L) - log q(z_1 ... z_L | x)`, in nats, the two parts of each log
        weight as `log_weight_terms` returns them for one layer.

    Example:

    ```python
    log_p_x_given_z, log_prior_ratio = draw_hierarchy(
        hvae, x, 5, keras.random.SeedGenerator(0)
    )
    ```
    """
    # The lowest layer and the data decoder, as for one stochastic layer.
    z_mean, z_log_var, z, decoded = draw_and_decode(
        model, x, num_samples, seed, training=training
    )
    batch_size = ops.shape(z_mean)[0]
    rows = num_samples * batch_size
    log_q = losses.gaussian_log_density(z, z_mean[None], z_log_var[None])
    draws = [z]
    for encoder in model.upper_encoders:
        flat = ops.reshape(z, (rows, z.shape[-1]))
        z_mean, z_log_var = encoder(flat, training=training)
        # The size spelled out: TensorFlow leaves a -1 unknown in a trace.
        shape = (num_samples, batch_size, z_mean.shape[-1])
        z_mean = ops.reshape(z_mean, shape)
        z_log_var = ops.reshape(z_log_var, shape)
        z = _reparameterized(z_mean, z_log_var, seed)
        log_q = log_q + losses.gaussian_log_density(z, z_mean, z_log_var)
        draws.append(z)
    log_p = model.prior.log_prob(draws[-1])
    for decoder, below, above in zip(model.upper_decoders, draws, draws[1:]):
        flat = ops.reshape(above, (rows, above.shape[-1]))
        mean, log_var = decoder(flat, training=training)
        shape = (num_samples, batch_size, below.shape[-1])
        log_p = log_p + losses.gaussian_log_density(
            below, ops.reshape(mean, shape), ops.reshape(log_var, shape)
        )
    log_p_x_given_z = -model.reconstruction_loss(
        x, decoded, data_rank=len(x.shape) - 1
    )
    return log_p_x_given_z, log_p - log_q


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
        log_p_x_given_z, log_prior_ratio = self.vae.importance_log_weights(
            inputs, self.num_samples, self.seed_generator
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
