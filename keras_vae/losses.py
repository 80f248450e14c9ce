"""The terms of the negative ELBO, in `keras.ops` only.

Every function returns one value per example, in nats, summed over the
non-batch axes and computed in float32 whatever the inputs' dtype.
"""

import math

from keras import ops

LIKELIHOODS = ("bernoulli", "gaussian")

_LOG_2PI = math.log(2.0 * math.pi)


def _flatten_data_axes(values, data_rank):
    """`values` with its last `data_rank` axes reshaped into one."""
    shape = ops.shape(values)
    return ops.reshape(values, (*shape[: len(shape) - data_rank], -1))


def _as_data_vectors(x, output, data_rank):
    """`x` and `output` in float32, each example's data as one flat axis.

    Element-wise work is cheapest along one long last axis: on images of
    shape `(28, 28, 1)`, whose last axis has size 1, XLA's CPU code for the
    Bernoulli loss and its gradient took 3.7x as long as on `(784,)`
    (jitted JAX, batch 128, 2026-12-06); `benchmarks/data_layouts.py` times
    whole training steps on both layouts. Where the data are flat already,
    or the data axes of `x` and `output` differ (broadcasting), both are
    left as they are.

    Args:
        x: float tensor `(batch_size, ...)`.
        output: float tensor the decoder gave for it, possibly with a
            leading axis of draws.
        data_rank: how many trailing axes are data dimensions; `None`, all
            but the first of the longer tensor.

    Returns:
        `(x, output, data_rank)`: the two tensors and the number of their
        trailing data axes after flattening (1, or the original count).
    """
    x = ops.cast(x, "float32")
    output = ops.cast(output, "float32")
    if data_rank is None:
        data_rank = max(len(x.shape), len(output.shape)) - 1
    data_shape = tuple(x.shape[len(x.shape) - data_rank :])
    if data_rank == 1 or data_shape != tuple(
        output.shape[len(output.shape) - data_rank :]
    ):
        return x, output, data_rank
    return (
        _flatten_data_axes(x, data_rank),
        _flatten_data_axes(output, data_rank),
        1,
    )


def _sum_over_data_axes(values, data_rank):
    """Sums the last `data_rank` axes of `values`."""
    if data_rank > 1:
        values = _flatten_data_axes(values, data_rank)
    return ops.sum(values, axis=-1)


def batch_mean(values, sample_weight=None):
    """Mean over the batch (the first axis), weighted by `sample_weight`.

    Each example's value is multiplied by its weight, as Keras' losses
    weight them, and the sum is divided by the sum of the weights, so that
    the result stays in nats per example and a weight of 2 counts an
    example twice, as if it were duplicated. Weights that sum to 0 give 0
    (and zero gradients), not NaN.

    Args:
        values: float32 tensor of shape `(batch_size, ...)`.
        sample_weight: `None` (every example counts once) or a float32
            tensor of shape `(batch_size,)` of non-negative weights.

    Returns:
        Float32 tensor of shape `values.shape[1:]`.

    Example:

    ```python
    keras_vae.losses.batch_mean(np.array([1.0, 4.0]), np.array([3.0, 1.0]))
    # 1.75
    ```
    """
    values = ops.cast(values, "float32")
    if sample_weight is None:
        return ops.mean(values, axis=0)
    weights = ops.cast(sample_weight, "float32")
    total = ops.sum(weights)
    # Dividing by a zero total would give NaN, and NaN gradients on JAX.
    total = ops.where(total > 0, total, ops.ones_like(total))
    weights = ops.reshape(weights, (-1,) + (1,) * (len(values.shape) - 1))
    return ops.sum(values * weights, axis=0) / total


def kl_divergence_per_dimension(z_mean, z_log_var):
    """KL divergence from `N(z_mean, exp(z_log_var))` to `N(0, I)`, per
    latent dimension.

    The closed form `-0.5 * (1 + z_log_var - z_mean**2 - exp(z_log_var))`.

    Args:
        z_mean: float tensor of shape `(batch_size, latent_dim)`.
        z_log_var: float tensor, same shape; the log-variance.

    Returns:
        Float32 tensor of shape `(batch_size, latent_dim)`.

    Example:

    ```python
    kl = keras_vae.losses.kl_divergence_per_dimension(
        np.zeros((2, 3)), np.zeros((2, 3))
    )
    # [[0., 0., 0.], [0., 0., 0.]]
    ```
    """
    z_mean = ops.cast(z_mean, "float32")
    z_log_var = ops.cast(z_log_var, "float32")
    return -0.5 * (1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))


def kl_divergence(z_mean, z_log_var):
    """KL divergence from `N(z_mean, exp(z_log_var))` to `N(0, I)`.

    The closed form `-0.5 * sum(1 + z_log_var - z_mean**2 - exp(z_log_var))`.

    Args:
        z_mean: float tensor of shape `(batch_size, latent_dim)`.
        z_log_var: float tensor, same shape; the log-variance.

    Returns:
        Float32 tensor of shape `(batch_size,)`, summed over the latent axis.

    Example:

    ```python
    kl = keras_vae.losses.kl_divergence(np.zeros((2, 3)), np.zeros((2, 3)))
    # [0., 0.]
    ```
    """
    return ops.sum(kl_divergence_per_dimension(z_mean, z_log_var), axis=-1)


def gaussian_log_density(z, mean, log_var):
    """`log N(z | mean, exp(log_var))` of a diagonal Gaussian, in nats.

    Summed over the last (latent) axis; the three arguments broadcast
    against each other, so one call scores `z` of shape `(n, 1, d)` under
    `k` components of shape `(1, k, d)`.

    Args:
        z: float tensor `(..., latent_dim)`, the points.
        mean: float tensor broadcasting with `z`, the mean.
        log_var: float tensor broadcasting with `z`, the log-variance.

    Returns:
        Float32 tensor of the broadcast shape without its last axis.

    Example:

    ```python
    keras_vae.losses.gaussian_log_density(
        np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 2))
    )
    # [-1.8379] = -log(2 * pi)
    ```
    """
    z = ops.cast(z, "float32")
    mean = ops.cast(mean, "float32")
    log_var = ops.cast(log_var, "float32")
    squared = ops.square(z - mean) * ops.exp(-log_var)
    return -0.5 * ops.sum(squared + log_var + _LOG_2PI, axis=-1)


def bernoulli_negative_log_likelihood(x, logits, data_rank=None):
    """`-log p(x | logits)` of independent Bernoulli pixels.

    The cross-entropy from logits in its stable form
    `softplus(logits) - x * logits`, which is also defined for `x` in
    `[0, 1]` (grey levels used as targets, as is usual for MNIST).

    Args:
        x: float tensor of shape `(batch_size, ...)`, values in `[0, 1]`.
        logits: float tensor of the same shape, the decoder's output, or
            of a shape `x` broadcasts to, such as `(num_samples, batch_size,
            ...)` for several decodings of each example.
        data_rank: how many trailing axes are data dimensions, summed over;
            `None` (the default) sums every axis but the first.

    Returns:
        Float32 tensor of the broadcast shape without the data axes:
        `(batch_size,)` for one decoding per example.

    Example:

    ```python
    nll = keras_vae.losses.bernoulli_negative_log_likelihood(
        np.ones((1, 784), "float32"), np.zeros((1, 784), "float32")
    )
    # [784 * log(2)] = [543.43]
    ```
    """
    x, logits, data_rank = _as_data_vectors(x, logits, data_rank)
    # softplus written out: XLA's own took 3x as long on CPU.
    softplus = ops.relu(logits) + ops.log1p(ops.exp(-ops.abs(logits)))
    return _sum_over_data_axes(softplus - x * logits, data_rank)


def gaussian_negative_log_likelihood(x, mean, scale=1.0, data_rank=None):
    """`-log N(x; mean, scale**2 I)`, including the normalizing constant.

    Args:
        x: float tensor of shape `(batch_size, ...)`.
        mean: float tensor of the same shape, the decoder's output, or of a
            shape `x` broadcasts to (see `bernoulli_negative_log_likelihood`).
        scale: positive float, the fixed standard deviation of every pixel.
        data_rank: how many trailing axes are data dimensions, summed over;
            `None` sums every axis but the first.

    Returns:
        Float32 tensor of the broadcast shape without the data axes.

    Example:

    ```python
    nll = keras_vae.losses.gaussian_negative_log_likelihood(
        np.zeros((1, 2), "float32"), np.zeros((1, 2), "float32")
    )
    # [2 * 0.5 * log(2 * pi)] = [1.8379]
    ```
    """
    x, mean, data_rank = _as_data_vectors(x, mean, data_rank)
    standardized = (x - mean) / scale
    per_dim = 0.5 * ops.square(standardized) + (
        math.log(scale) + 0.5 * math.log(2.0 * math.pi)
    )
    return _sum_over_data_axes(per_dim, data_rank)


def reconstruction_loss(
    likelihood, x, decoder_output, gaussian_scale=1.0, data_rank=None
):
    """`-log p(x | z)` for the named likelihood.

    Args:
        likelihood: one of `"bernoulli"` (`decoder_output` holds logits) or
            `"gaussian"` (`decoder_output` holds the mean).
        x: float tensor of shape `(batch_size, ...)`, the data.
        decoder_output: float tensor of the same shape.
        gaussian_scale: the fixed standard deviation of the Gaussian
            likelihood; not used by the Bernoulli one.
        data_rank: how many trailing axes are data dimensions; `None` sums
            every axis but the first.

    Returns:
        Float32 tensor of shape `(batch_size,)`, or the broadcast shape
        without the data axes.

    Example:

    ```python
    nll = keras_vae.losses.reconstruction_loss(
        "bernoulli", np.ones((1, 4), "float32"), np.zeros((1, 4), "float32")
    )
    ```
    """
    if likelihood == "bernoulli":
        return bernoulli_negative_log_likelihood(x, decoder_output, data_rank)
    return gaussian_negative_log_likelihood(
        x, decoder_output, gaussian_scale, data_rank
    )


def likelihood_mean(likelihood, decoder_output):
    """The mean of `p(x | z)` given the decoder's output.

    Args:
        likelihood: one of `"bernoulli"` or `"gaussian"`.
        decoder_output: float tensor, logits (Bernoulli) or the mean
            (Gaussian).

    Returns:
        Float32 tensor of the same shape: `sigmoid(logits)` for Bernoulli,
        the output itself for Gaussian.

    Example:

    ```python
    mean = keras_vae.losses.likelihood_mean("bernoulli", np.zeros((1, 4)))
    # [[0.5, 0.5, 0.5, 0.5]]
    ```
    """
    decoder_output = ops.cast(decoder_output, "float32")
    if likelihood == "bernoulli":
        return ops.sigmoid(decoder_output)
    return decoder_output
