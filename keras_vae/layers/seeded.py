"""The base of the layers that draw random numbers."""

import keras
from keras import ops


class SeededLayer(keras.layers.Layer):
    """A layer that draws from a `keras.random.SeedGenerator` of its own.

    The generator's state is a tracked variable, so it advances inside a
    jitted JAX step, and this layer saves it with the model, which Keras does
    not do for seed generators.

    Args:
        seed: optional integer, the initial seed of the layer's
            `SeedGenerator`. The same seed gives the same sequence of draws.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.

    Example:

    ```python
    class Noise(SeededLayer):
        def call(self, inputs):
            return inputs + keras.random.normal(
                ops.shape(inputs), seed=self.seed_generator
            )
    ```
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def save_own_variables(self, store):
        # Keras does not save SeedGenerator states. Saving it makes a loaded
        # model continue the noise sequence instead of replaying it from the
        # start, so resumed training is the training that was interrupted.
        store["seed_generator_state"] = ops.convert_to_numpy(
            self.seed_generator.state.value
        )

    def load_own_variables(self, store):
        self.seed_generator.state.assign(store["seed_generator_state"])

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
