"""The reparameterization trick as a Keras layer."""

import keras
from keras import ops

from keras_vae.layers.seeded import SeededLayer


@keras.saving.register_keras_serializable(package="keras_vae")
class Sampling(SeededLayer):
    """Draws `z ~ N(z_mean, exp(z_log_var))` with the reparameterization trick.

    Returns `z_mean + exp(0.5 * z_log_var) * epsilon` with
    `epsilon ~ N(0, I)`, so gradients flow to `z_mean` and `z_log_var`.
    The noise comes from a `keras.random.SeedGenerator` kept on the layer: its
    state is a tracked variable, so it advances inside a jitted JAX step and is
    saved with the model.

    Args:
        seed: optional integer, the initial seed of the layer's
            `SeedGenerator`. The same seed gives the same sequence of draws.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: a list `[z_mean, z_log_var]` of two float tensors of the same
            shape, typically `(batch_size, latent_dim)`.

    Returns:
        A tensor with the shape of `z_mean`.

    Example:

    ```python
    z_mean = np.zeros((4, 2), "float32")
    z_log_var = np.zeros((4, 2), "float32")
    z = keras_vae.Sampling(seed=0)([z_mean, z_log_var])  # shape (4, 2)
    ```
    """

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(
            ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator
        )
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]
