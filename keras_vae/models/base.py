"""What every keras-vae model is: `BaseAutoencoder`.

The common parent of `VAE`, `IWAE`, `ConditionalVAE` and `Autoencoder`: an
encoder and a decoder that fit together (`shapes.py`), a likelihood, loss
trackers, and the backend's gradient step (`keras_vae.backend`) run on the
subclass' `call` and `compute_loss_terms`. Its mixins add Keras' loops on
checked data (`training.py`), decoding and sampling (`decoding.py`), and
compiling and saving for every backend (`saving.py`). Subclasses define the
forward pass, the loss terms and how to encode.
"""

import keras
from keras import ops

from keras_vae import backend
from keras_vae import checks
from keras_vae import losses
from keras_vae.layers.binarization import DynamicBinarization
from keras_vae.models.decoding import Decoding
from keras_vae.models.saving import CompiledSaving
from keras_vae.models.shapes import latent_and_data_shapes
from keras_vae.models.training import CheckedTraining


class BaseAutoencoder(CheckedTraining, Decoding, CompiledSaving, keras.Model):
    """Parent of the keras-vae models; not used on its own.

    Subclasses define `call(inputs)` (returning the arguments of
    `compute_loss_terms` after the data), `compute_loss_terms(x, ...)`,
    `encode`, `codes(x, batch_size)` (the latent point standing for each
    example, used by `reconstruct`) and `LOSS_TERMS`, the names of the
    terms logged by `fit()`.

    Args:
        encoder: functional `keras.Model` from the data to the latent code.
        decoder: functional `keras.Model` from the latent code to the
            likelihood's parameters, with the data's shape.
        likelihood: `"bernoulli"` (data in `[0, 1]`) or `"gaussian"`.
        gaussian_scale: positive float, the fixed standard deviation of the
            Gaussian likelihood. Not used by `"bernoulli"`.
        num_encoder_outputs: 2 for `[z_mean, z_log_var]`, 1 for a code.
        num_classes: `None`, or the number of classes of a one-hot label
            that both models take as a second input.
        dynamic_binarization: bool. If `True` (Bernoulli likelihood only),
            every batch that `fit()` and `evaluate()` pass to the model is
            first drawn afresh as `Bernoulli(pixel intensity)` by a
            `keras_vae.layers.DynamicBinarization` layer, in the compiled
            step: the model is one of binary data, trained on a new binary
            draw of each image every time it sees it (Burda et al., 2016).
            Binary data passes unchanged, so evaluate on a test set
            binarized once (`keras_vae.datasets.binarize`).
        binarization_seed: optional integer seed of those draws.
        **kwargs: base `keras.Model` keyword arguments, such as `name`.

    Example:

    ```python
    class MyAutoencoder(BaseAutoencoder):
        LOSS_TERMS = ("loss", "reconstruction_loss")
        ...  # call, compute_loss_terms, encode, codes
    ```
    """

    LOSS_TERMS = ("loss", "reconstruction_loss")

    def __init__(
        self,
        encoder,
        decoder,
        likelihood="bernoulli",
        gaussian_scale=1.0,
        num_encoder_outputs=2,
        num_classes=None,
        dynamic_binarization=False,
        binarization_seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if likelihood not in losses.LIKELIHOODS:
            raise ValueError(
                "Received an invalid value for `likelihood`, expected one of "
                f"{list(losses.LIKELIHOODS)}. Received: likelihood={likelihood!r}"
            )
        gaussian_scale = checks.non_negative_float(
            "gaussian_scale", gaussian_scale, allow_zero=False
        )
        self.latent_dim, self.data_shape = latent_and_data_shapes(
            encoder, decoder, num_encoder_outputs, num_classes
        )
        self.encoder = encoder
        self.decoder = decoder
        self.likelihood = likelihood
        self.gaussian_scale = float(gaussian_scale)
        self.loss_trackers = [
            keras.metrics.Mean(name=name) for name in self.LOSS_TERMS
        ]
        if not isinstance(dynamic_binarization, bool):
            raise TypeError(
                "Expected `dynamic_binarization` to be True or False. "
                f"Received: dynamic_binarization={dynamic_binarization!r}"
            )
        if dynamic_binarization and likelihood != "bernoulli":
            raise ValueError(
                "`dynamic_binarization=True` draws binary data, which only "
                "the Bernoulli likelihood models: expected "
                "likelihood='bernoulli'. Received: "
                f"likelihood={likelihood!r}"
            )
        self.dynamic_binarization = dynamic_binarization
        self.binarization = (
            DynamicBinarization(seed=binarization_seed, name="binarization")
            if dynamic_binarization
            else None
        )

    def build(self, input_shape):
        # Subclasses call this at the end of `__init__`, once all their state
        # exists: a custom train_step never calls the model, so Keras would
        # leave it unbuilt, and an unbuilt model loads from `.keras` without
        # its optimizer state. The encoder and decoder are built already.
        self.built = True

    @property
    def metrics(self):
        # Listed here so that fit() and evaluate() reset them every epoch.
        return list(self.loss_trackers)

    def reconstruction_loss(self, x, decoder_output, data_rank=None):
        """`-log p(x | z)` per example, in nats, for this model's likelihood.

        Args:
            x: data batch of shape `(batch_size, *data_shape)`.
            decoder_output: the decoder's output for that batch, or
                `(num_samples, batch_size, *data_shape)` for several draws
                of `z` per example (then pass `data_rank`).
            data_rank: how many trailing axes are data dimensions; `None`
                sums all axes but the first.

        Returns:
            Float32 tensor of shape `(batch_size,)`, or
            `(num_samples, batch_size)`.

        Example:

        ```python
        nll = model.reconstruction_loss(x, model.decoder(z))
        ```
        """
        return losses.reconstruction_loss(
            self.likelihood, x, decoder_output, self.gaussian_scale, data_rank
        )

    def unpack_x(self, data):
        """The model's input for a batch as the data pipeline yields it.

        Args:
            data: a batch `x`, `(x,)` or `(x, y)`; `y` is ignored.

        Returns:
            `x`, what `call` and `compute_loss_terms` take.

        Example:

        ```python
        x = model.unpack_x((x_batch, y_batch))
        ```
        """
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return x

    def unpack_sample_weight(self, data):
        """The batch's sample weights, as `fit(..., sample_weight=w)` or a
        dataset of `(x, y, w)` batches gives them.

        Args:
            data: a batch `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`.

        Returns:
            `None` when the batch has no weights, else a float32 tensor of
            shape `(batch_size,)`.

        Example:

        ```python
        weights = model.unpack_sample_weight((x_batch, None, w_batch))
        ```
        """
        _, _, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if sample_weight is None:
            return None
        return ops.reshape(ops.cast(sample_weight, "float32"), (-1,))

    def binarized(self, inputs):
        """The batch as the model sees it: a fresh binary draw of each image
        under `dynamic_binarization`, else `inputs` unchanged.

        Args:
            inputs: a batch as `unpack_x` returns it.

        Returns:
            The same structure, the images binarized.

        Example:

        ```python
        x_binary = model.binarized(x_batch)
        ```
        """
        if self.binarization is None:
            return inputs
        return self.binarization(inputs)

    def update_loss_trackers(self, terms, inputs, sample_weight=None):
        """Adds a batch's loss terms to the trackers, weighted by batch size,
        or by the sum of the batch's sample weights: the epoch's logs are
        then the weighted mean over all its examples.

        Args:
            terms: the dict returned by `compute_loss_terms`.
            inputs: the batch the terms were computed on, as `unpack_x`
                returned it.
            sample_weight: `None`, or the batch's weights, as
                `unpack_sample_weight` returned them.

        Returns:
            A dict of the trackers' running means, the logs of `fit()`.

        Example:

        ```python
        inputs = model.unpack_x(batch)
        logs = model.update_loss_trackers(
            model.compute_loss_terms(inputs, *model(inputs)), inputs
        )
        ```
        """
        if sample_weight is None:
            weight = ops.shape(keras.tree.flatten(inputs)[0])[0]
        else:
            weight = ops.sum(sample_weight)
        for tracker in self.metrics:
            tracker.update_state(terms[tracker.name], sample_weight=weight)
        return {tracker.name: tracker.result() for tracker in self.metrics}

    def train_step(self, *args):
        # (data) on TensorFlow and torch, (state, data) on JAX.
        return backend.train_step(self, *args)

    def test_step(self, *args):
        return backend.test_step(self, *args)

    def get_config(self):
        config = {
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "likelihood": self.likelihood,
            "gaussian_scale": self.gaussian_scale,
            "dynamic_binarization": self.dynamic_binarization,
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for name in ("encoder", "decoder"):
            config[name] = keras.saving.deserialize_keras_object(
                config[name], custom_objects=custom_objects
            )
        return cls(**config)
