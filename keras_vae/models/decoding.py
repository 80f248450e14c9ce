"""What every keras-vae model decodes: latent points, reconstructions and
samples of the prior, as float32 NumPy arrays."""

import keras
from keras import ops

from keras_vae import checks
from keras_vae import data_checks
from keras_vae import losses


class Decoding:
    """Mixin of `BaseAutoencoder`: `decode`, `reconstruct`, `sample`.

    Needs `decoder`, `likelihood`, `latent_dim` and `codes(x, batch_size)`
    on the model.
    """

    @staticmethod
    def _predict(model, inputs, batch_size):
        """`model.predict(inputs)` as float32 NumPy arrays, whatever the
        dtype policy: one array, or a tuple for several outputs. Inputs of
        one batch or less are run by a direct call: `predict` builds a data
        pipeline per call, which took 120 ms for one row on TensorFlow
        (`benchmarks/explorer_latency.py`), against 2-6 ms on JAX and torch."""
        if len(keras.tree.flatten(inputs)[0]) <= batch_size:
            if isinstance(model.input, list) and not isinstance(inputs, list):
                inputs = [inputs]  # as the model was built, without a warning
            outputs = keras.tree.map_structure(
                ops.convert_to_numpy, model(inputs, training=False)
            )
        else:
            outputs = model.predict(inputs, batch_size=batch_size, verbose=0)
        if isinstance(outputs, (list, tuple)):
            return tuple(output.astype("float32") for output in outputs)
        return outputs.astype("float32")

    @property
    def latent_decoder(self):
        """The model from the latent points that `decode` takes to the
        likelihood's parameters: the decoder, or for a `HierarchicalVAE`
        the chain from its top layer."""
        return self.decoder

    def _decode(self, decoder_inputs, batch_size):
        decoder_output = self._predict(
            self.latent_decoder, decoder_inputs, batch_size
        )
        return ops.convert_to_numpy(
            losses.likelihood_mean(self.likelihood, decoder_output)
        )

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
        images = model.decode(np.zeros((1, model.latent_dim), "float32"))
        ```
        """
        z = data_checks.check_batch(
            z, (self.latent_dim,), likelihood=None, name="z"
        )
        return self._decode(z, batch_size)

    def reconstruct(self, x, batch_size=256):
        """Decodes the latent point of each example: `decode(codes(x))`.

        Args:
            x: data of shape `(num_examples, *data_shape)`.
            batch_size: how many examples to process at once.

        Returns:
            NumPy array with the shape of `x`.

        Example:

        ```python
        reconstructions = model.reconstruct(x_test[:8])
        ```
        """
        return self.decode(self.codes(x, batch_size), batch_size=batch_size)

    def sample(self, num_samples, seed=None, batch_size=256):
        """Decodes `num_samples` draws of `z ~ p(z)`, the model's prior.

        Args:
            num_samples: positive integer, how many samples to generate.
            seed: optional integer; the same seed gives the same samples.
                `None` draws fresh ones.
            batch_size: how many points to decode at once.

        Returns:
            NumPy array of shape `(num_samples, *data_shape)`, as `decode`.

        Example:

        ```python
        new_images = model.sample(16, seed=1)
        ```
        """
        return self.decode(
            self.prior_draws(num_samples, seed), batch_size=batch_size
        )

    def prior_draws(self, num_samples, seed=None):
        """`num_samples` draws of `z ~ p(z)`, the model's prior (`N(0, I)`
        for a model without one, such as `Autoencoder`), as a float32 NumPy
        array.

        Args:
            num_samples: positive integer.
            seed: optional integer seed.

        Returns:
            Array of shape `(num_samples, latent_dim)`.

        Example:

        ```python
        z = model.prior_draws(16, seed=0)
        ```
        """
        num_samples = checks.positive_int("num_samples", num_samples)
        prior = getattr(self, "prior", None)
        if prior is None:
            z = keras.random.normal((num_samples, self.latent_dim), seed=seed)
        else:
            z = prior.sample(num_samples, seed=seed)
        return ops.convert_to_numpy(z).astype("float32")
