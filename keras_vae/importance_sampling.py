"""Importance-weighted estimates of `log p(x)` (Burda et al., 2016).

With `z_i ~ q(z | x)`, `log (1/k) sum_i p(x, z_i) / q(z_i | x)` is a lower
bound on `log p(x)` in expectation; it equals the ELBO for `k = 1` and
tightens as `k` grows.
"""

import math

import keras
from keras import ops

from keras_vae import losses

_LOG_2PI = math.log(2.0 * math.pi)


def log_importance_weights(vae, x, num_samples, seed, condition=None):
    """`log p(x, z_i) - log q(z_i | x)` for `num_samples` draws per example.

    Args:
        vae: a `keras_vae.VAE`.
        x: data batch of shape `(batch_size, *vae.data_shape)`.
        num_samples: how many `z_i` to draw for each example.
        seed: a `keras.random.SeedGenerator` (or integer) for the draws.
        condition: for a `ConditionalVAE`, the one-hot labels of the batch,
            `(batch_size, num_classes)`; `None` otherwise.

    Returns:
        Float32 tensor of shape `(num_samples, batch_size)`, in nats.

    Example:

    ```python
    log_w = log_importance_weights(vae, x[:8], 100, keras.random.SeedGenerator(0))
    ```
    """
    encoder_inputs = x if condition is None else [x, condition]
    z_mean, z_log_var = vae.encoder(encoder_inputs, training=False)
    z_mean = ops.cast(z_mean, "float32")
    z_log_var = ops.cast(z_log_var, "float32")
    batch_size = ops.shape(z_mean)[0]
    eps = keras.random.normal(
        (num_samples, batch_size, vae.latent_dim), seed=seed
    )
    z = z_mean[None] + ops.exp(0.5 * z_log_var)[None] * eps
    flat_z = ops.reshape(z, (num_samples * batch_size, vae.latent_dim))
    decoder_inputs = flat_z
    if condition is not None:
        decoder_inputs = [flat_z, ops.tile(condition, (num_samples, 1))]
    decoded = vae.decoder(decoder_inputs, training=False)
    repeated_x = ops.reshape(
        ops.repeat(ops.cast(x, "float32")[None], num_samples, axis=0),
        (num_samples * batch_size, *vae.data_shape),
    )
    log_p_x_given_z = -losses.reconstruction_loss(
        vae.likelihood, repeated_x, decoded, vae.gaussian_scale
    )
    log_p_x_given_z = ops.reshape(log_p_x_given_z, (num_samples, batch_size))
    log_p_z = -0.5 * ops.sum(ops.square(z) + _LOG_2PI, axis=-1)
    log_q_z = -0.5 * ops.sum(
        ops.square(eps) + z_log_var[None] + _LOG_2PI, axis=-1
    )
    return log_p_x_given_z + log_p_z - log_q_z
