"""The deterministic autoencoder, the baseline a VAE is contrasted with."""

import keras

from keras_vae import losses
from keras_vae.models.base import BaseAutoencoder


@keras.saving.register_keras_serializable(package="keras_vae")
class Autoencoder(BaseAutoencoder):
    """Deterministic autoencoder trained on the reconstruction loss alone.

    The encoder maps `x` to a code `z`, the decoder maps `z` back; the loss is
    the same `-log p(x | z)` as the VAE's reconstruction term, with no KL
    term and no sampling. It takes the same builders as `VAE`: the encoder's
    `z_mean` output is the code and its `z_log_var` head is dropped (it
    would receive no gradient). Nothing pulls the codes towards `N(0, I)`,
    so `sample()`, which decodes draws from `N(0, I)`, shows what a VAE adds:
    compare `plots.plot_samples` of both models
    (`examples/autoencoder_vs_vae.py`).

    `fit()`, `evaluate()`, `reconstruct`, `decode` and saving work as for
    `VAE`; the logs hold `loss` and `reconstruction_loss` (equal).

    Args:
        encoder: functional `keras.Model` with one input of the data's shape
            and either one output, the code `(batch_size, latent_dim)`, or
            the two outputs `[z_mean, z_log_var]` of `build_mlp_encoder` and
            `build_conv_encoder`, of which `z_mean` is used.
        decoder: functional `keras.Model` from `(batch_size, latent_dim)` to
            the data's shape, with a linear output: logits for
            `"bernoulli"`, the mean for `"gaussian"`.
        likelihood: `"bernoulli"` (data in `[0, 1]`) or `"gaussian"`.
        gaussian_scale: positive float, the fixed standard deviation of the
            Gaussian likelihood. Not used by `"bernoulli"`.
        dynamic_binarization: bool; `True` binarizes every batch afresh,
            `x ~ Bernoulli(intensity)`, inside the step (see `VAE`).
        seed: optional integer seed of those binary draws.
        **kwargs: base `keras.Model` keyword arguments, such as `name`.

    Example:

    ```python
    encoder = keras_vae.build_mlp_encoder(input_shape=(28, 28, 1), latent_dim=2)
    decoder = keras_vae.build_mlp_decoder(output_shape=(28, 28, 1), latent_dim=2)
    autoencoder = keras_vae.Autoencoder(encoder, decoder)
    autoencoder.compile(optimizer="adam")
    autoencoder.fit(x_train, epochs=10, batch_size=128)
    codes = autoencoder.encode(x_test[:8])
    ```
    """

    def __init__(
        self,
        encoder,
        decoder,
        likelihood="bernoulli",
        gaussian_scale=1.0,
        dynamic_binarization=False,
        seed=None,
        **kwargs,
    ):
        if isinstance(encoder, keras.Model) and len(encoder.outputs or ()) == 2:
            # The code is z_mean: keep only the layers it depends on.
            encoder = keras.Model(
                encoder.inputs, encoder.outputs[0], name=encoder.name
            )
        super().__init__(
            encoder,
            decoder,
            likelihood=likelihood,
            gaussian_scale=gaussian_scale,
            num_encoder_outputs=1,
            dynamic_binarization=dynamic_binarization,
            binarization_seed=seed,
            **kwargs,
        )
        self.seed = seed
        self.build((None, *self.data_shape))

    def call(self, inputs, training=None):
        """Encodes and decodes.

        Args:
            inputs: data batch of shape `(batch_size, *data_shape)`.
            training: passed to the encoder and decoder.

        Returns:
            A tuple `(code, decoder_output)`, the arguments of
            `compute_loss_terms` after the data.
        """
        code = self.encoder(inputs, training=training)
        return code, self.decoder(code, training=training)

    def compute_loss_terms(self, x, code, decoder_output, sample_weight=None):
        """The reconstruction loss, averaged over the batch (weighted by
        `sample_weight`, see `keras_vae.losses.batch_mean`), in nats.

        Args:
            x: data batch of shape `(batch_size, *data_shape)`.
            code: `(batch_size, latent_dim)`, the encoder's output.
            decoder_output: the decoder's output for `code`.
            sample_weight: `None`, or float32 weights of shape
                `(batch_size,)`.

        Returns:
            A dict of float32 scalars `"loss"` and `"reconstruction_loss"`,
            both `-log p(x | code)`.

        Example:

        ```python
        terms = autoencoder.compute_loss_terms(x, *autoencoder(x))
        ```
        """
        reconstruction_loss = losses.batch_mean(
            self.reconstruction_loss(x, decoder_output), sample_weight
        )
        return {
            "loss": reconstruction_loss,
            "reconstruction_loss": reconstruction_loss,
        }

    def encode(self, x, batch_size=256):
        """Encodes data to its code.

        Args:
            x: data of shape `(num_examples, *data_shape)`.
            batch_size: how many examples to encode at once.

        Returns:
            Float32 NumPy array of shape `(num_examples, latent_dim)`.

        Example:

        ```python
        codes = autoencoder.encode(x_test[:8])
        ```
        """
        return self._predict(self.encoder, self.check_data(x), batch_size)

    def codes(self, x, batch_size=256):
        """The code of each example, as `encode`.

        Args:
            x: data of shape `(num_examples, *data_shape)`.
            batch_size: how many examples to encode at once.

        Returns:
            Float32 NumPy array of shape `(num_examples, latent_dim)`.

        Example:

        ```python
        z = autoencoder.codes(x_test[:8])
        ```
        """
        return self.encode(x, batch_size)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
