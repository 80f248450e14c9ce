"""Dynamic binarization of grey-level images as a Keras layer."""

import keras
from keras import ops

from keras_vae.layers.seeded import SeededLayer


@keras.saving.register_keras_serializable(package="keras_vae")
class DynamicBinarization(SeededLayer):
    """Draws binary images `x_b ~ Bernoulli(x)` afresh at every call.

    Each pixel intensity in `[0, 1]` is read as the probability that the
    pixel is on, as in the binarized-MNIST protocol of Burda et al. (2016):
    every time a model sees an image it sees a new binary draw of it, so it
    cannot overfit one draw. Binary data comes out unchanged. The draws come
    from the layer's `SeedGenerator`, inside the compiled step.

    Args:
        seed: optional integer seed of the draws.
        **kwargs: base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: float tensor of intensities in `[0, 1]`, any shape.

    Returns:
        A float32 tensor of zeros and ones with the shape of `inputs`.

    Example:

    ```python
    binarize = keras_vae.layers.DynamicBinarization(seed=0)
    x_binary = binarize(np.full((2, 4), 0.5, "float32"))  # 0s and 1s
    ```
    """

    def call(self, inputs):
        # float32 whatever comes in: 8-bit 0/1 images and low-precision
        # policies compare in full precision.
        shape = ops.shape(inputs)
        # Drawn and compared as one flat vector: the same draws whatever the
        # layout, and XLA's CPU code is slow on a last axis of size 1, as
        # the channels of `(28, 28, 1)` images (see `keras_vae.losses`).
        pixels = ops.reshape(ops.cast(inputs, "float32"), (-1,))
        uniform = keras.random.uniform(
            ops.shape(pixels), dtype="float32", seed=self.seed_generator
        )
        return ops.reshape(
            ops.cast(ops.less(uniform, pixels), "float32"), shape
        )

    def compute_output_shape(self, input_shape):
        return input_shape
