"""The conditional VAE: encoder and decoder both see a class label."""

import keras
import numpy as np
from keras import ops

from keras_vae import data_checks
from keras_vae import importance_sampling
from keras_vae.models.vae import VAE


@keras.saving.register_keras_serializable(package="keras_vae")
class ConditionalVAE(VAE):
    """VAE conditioned on a class label (Sohn et al., 2015).

    The encoder models `q(z | x, y)` and the decoder `p(x | z, y)`, each
    taking a one-hot label as its second input; the loss is the negative
    ELBO of `log p(x | y)`, as for `VAE` (with `beta`, `free_bits` and
    `KLWarmup`). Since the label carries the class, `z` is free to carry
    the rest (stroke, slant, thickness), and `sample(n, labels=...)`
    generates chosen classes.

    `fit()` and `evaluate()` take `(x, y)`: arrays `fit(x, y)`, or datasets
    and generators of `(x, y)` batches. `y` holds integer class labels
    `(batch_size,)` in `[0, num_classes)` (as `tfds.load(..., as_supervised=
    True)` gives them) or one-hot labels `(batch_size, num_classes)`; both
    are checked with the data before training. The methods that take data
    (`encode`, `decode`, `reconstruct`, `sample`, `log_likelihood`) take
    `labels` too, in either form, or one integer for every example.

    Args:
        encoder: functional `keras.Model` with inputs `[x, label]`, the
            label one-hot of shape `(batch_size, num_classes)`, and outputs
            `[z_mean, z_log_var]`; e.g. `build_mlp_encoder(...,
            num_classes=10)`.
        decoder: functional `keras.Model` with inputs `[z, label]` and a
            linear output of the data's shape; e.g. `build_mlp_decoder(...,
            num_classes=10)`.
        likelihood: `"bernoulli"` (data in `[0, 1]`) or `"gaussian"`.
        beta: non-negative float, the weight of the KL term; see `VAE`.
        gaussian_scale: positive float, the Gaussian likelihood's scale.
        seed: optional integer seed of the `Sampling` layer's noise.
        free_bits: non-negative float, nats per latent dimension; see `VAE`.
        prior: `None` or `keras_vae.priors.StandardNormal()`, the prior
            `p(z)` shared by every class. A `VampPrior` is refused: its
            mixture is of the encoder's posteriors, and this encoder also
            takes the label.
        **kwargs: base `keras.Model` keyword arguments, such as `name`.

    Example:

    ```python
    encoder = keras_vae.build_mlp_encoder((28, 28, 1), 2, num_classes=10)
    decoder = keras_vae.build_mlp_decoder((28, 28, 1), 2, num_classes=10)
    cvae = keras_vae.ConditionalVAE(encoder, decoder, seed=0)
    cvae.compile(optimizer="adam")
    cvae.fit(x_train, y_train, epochs=10, batch_size=128)
    sevens = cvae.sample(8, labels=7, seed=0)
    ```
    """

    # No posterior of the data alone for a VampPrior to mix.
    pseudo_input_posterior = None

    def _num_classes_of(self, encoder):
        inputs = getattr(encoder, "inputs", None) or ()
        if len(inputs) != 2 or len(inputs[1].shape) != 2:
            raise ValueError(
                "Expected a ConditionalVAE `encoder` with two inputs, "
                "`[x, label]`, the label one-hot of shape (batch_size, "
                "num_classes), such as `keras_vae.build_mlp_encoder(..., "
                f"num_classes=10)`. Received: encoder={encoder!r}"
            )
        return inputs[1].shape[1]

    @property
    def num_classes(self):
        """The number of classes: the size of the one-hot label."""
        return self.encoder.inputs[1].shape[1]

    def unpack_x(self, data):
        """The model's input for a batch `(x, y)`.

        Args:
            data: a batch `(x, y)`, `y` integer or one-hot labels.

        Returns:
            `(x, one_hot_labels)`, the labels float32 of shape
            `(batch_size, num_classes)`.

        Example:

        ```python
        x, one_hot = cvae.unpack_x((x_batch, y_batch))
        ```
        """
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if len(y.shape) == 1:
            y = ops.one_hot(ops.cast(y, "int32"), self.num_classes)
        return x, ops.cast(y, "float32")

    def binarized(self, inputs):
        """As `VAE.binarized`, for `inputs = (x, one_hot_labels)`: the
        images are binarized, the labels pass unchanged.

        Args:
            inputs: `(x, one_hot_labels)`, as `unpack_x` returns them.

        Returns:
            `(x_binarized, one_hot_labels)`.

        Example:

        ```python
        x_binary, one_hot = cvae.binarized(cvae.unpack_x((x, y)))
        ```
        """
        x, one_hot_labels = inputs
        return super().binarized(x), one_hot_labels

    def _decoder_inputs(self, z, inputs):
        return [z, inputs[1]]

    def compute_loss_terms(
        self,
        inputs,
        z_mean,
        z_log_var,
        decoder_output,
        z=None,
        sample_weight=None,
    ):
        """As `VAE.compute_loss_terms`, for `inputs = (x, one_hot_labels)`.

        Args:
            inputs: `(x, one_hot_labels)`, as `unpack_x` returns them.
            z_mean: `(batch_size, latent_dim)`, the posterior mean.
            z_log_var: `(batch_size, latent_dim)`, the posterior log-variance.
            decoder_output: the decoder's output for sampled `z`.
            z: `(batch_size, latent_dim)`, the sampled `z`.
            sample_weight: `None`, or float32 weights of shape
                `(batch_size,)`.

        Returns:
            A dict of float32 scalars: `"loss"`, `"reconstruction_loss"` and
            `"kl_loss"`.

        Example:

        ```python
        inputs = cvae.unpack_x((x, y))
        terms = cvae.compute_loss_terms(inputs, *cvae(inputs))
        ```
        """
        return super().compute_loss_terms(
            inputs[0], z_mean, z_log_var, decoder_output, z, sample_weight
        )

    def _label_check_arguments(self, y):
        return {"num_classes": self.num_classes, "y": y}

    def one_hot(self, labels, num_examples):
        """Checked one-hot labels, as the encoder and decoder take them.

        Args:
            labels: one integer for every example, integer labels of shape
                `(num_examples,)`, or one-hot labels `(num_examples,
                num_classes)`.
            num_examples: how many examples the labels are for.

        Returns:
            Float32 NumPy array of shape `(num_examples, num_classes)`.

        Example:

        ```python
        cvae.one_hot(3, 2)  # [[0, 0, 0, 1, 0, ...], [0, 0, 0, 1, 0, ...]]
        ```
        """
        if np.ndim(labels) == 0 and labels is not None:
            labels = np.full((num_examples,), labels)
        data_checks.check_labels(
            labels, self.num_classes, num_examples, name="labels"
        )
        labels = np.asarray(ops.convert_to_numpy(labels))
        if labels.ndim == 1:
            return np.eye(self.num_classes, dtype="float32")[labels]
        return labels.astype("float32")

    def encode(self, x, labels, batch_size=256):
        """Encodes data and labels to the parameters of `q(z | x, y)`.

        Args:
            x: data of shape `(num_examples, *data_shape)`.
            labels: the examples' labels (see `one_hot`).
            batch_size: how many examples to encode at once.

        Returns:
            A tuple of float32 NumPy arrays `(z_mean, z_log_var)`.

        Example:

        ```python
        z_mean, z_log_var = cvae.encode(x_test[:8], y_test[:8])
        ```
        """
        x = self.check_data(x)
        return self._predict(
            self.encoder, [x, self.one_hot(labels, len(x))], batch_size
        )

    def decode(self, z, labels, batch_size=256):
        """Decodes latent points of the given classes to the mean of
        `p(x | z, y)`.

        Args:
            z: array of shape `(num_points, latent_dim)`.
            labels: the class of each point (see `one_hot`).
            batch_size: how many points to decode at once.

        Returns:
            Float32 NumPy array of shape `(num_points, *data_shape)`.

        Example:

        ```python
        images = cvae.decode(np.zeros((10, cvae.latent_dim)), np.arange(10))
        ```
        """
        z = data_checks.check_batch(
            z, (self.latent_dim,), likelihood=None, name="z"
        )
        return self._decode([z, self.one_hot(labels, len(z))], batch_size)

    def reconstruct(self, x, labels, batch_size=256):
        """Decodes the posterior mean of each example with its label.

        Args:
            x: data of shape `(num_examples, *data_shape)`.
            labels: the examples' labels (see `one_hot`).
            batch_size: how many examples to process at once.

        Returns:
            NumPy array with the shape of `x`.

        Example:

        ```python
        reconstructions = cvae.reconstruct(x_test[:8], y_test[:8])
        ```
        """
        z_mean, _ = self.encode(x, labels, batch_size)
        return self.decode(z_mean, labels, batch_size)

    def sample(self, num_samples, labels=None, seed=None, batch_size=256):
        """Generates examples of chosen classes from `z ~ N(0, I)`.

        Args:
            num_samples: positive integer, how many examples to generate.
            labels: one class for all, a class per sample (integer or
                one-hot), or `None` for classes `0, 1, ..., num_classes - 1`
                in turn.
            seed: optional integer; the same seed gives the same samples.
            batch_size: how many points to decode at once.

        Returns:
            NumPy array of shape `(num_samples, *data_shape)`.

        Example:

        ```python
        sevens = cvae.sample(8, labels=7, seed=0)
        ```
        """
        z = self.prior_draws(num_samples, seed)
        if labels is None:
            labels = np.arange(len(z)) % self.num_classes
        return self.decode(z, labels, batch_size)

    def log_likelihood(
        self,
        x,
        labels,
        num_samples=5000,
        batch_size=None,
        seed=None,
        verbose="auto",
    ):
        """Importance-weighted estimate of `log p(x | y)`, per example.

        As `VAE.log_likelihood`, with `q(z | x, y)` as the proposal and
        `p(x | z, y)` as the decoder.

        Args:
            x: data of shape `(num_examples, *data_shape)`.
            labels: the examples' labels (see `one_hot`).
            num_samples: positive integer `k`, draws per example.
            batch_size: examples per compiled step; `None` picks enough for
                about 8,192 decoded rows a step.
            seed: optional integer; the same seed gives the same estimate.
            verbose: `"auto"`, 0, 1 or 2, as in `predict()`.

        Returns:
            Float32 NumPy array of shape `(num_examples,)`, in nats.

        Example:

        ```python
        nll = -cvae.log_likelihood(x_test[:100], y_test[:100]).mean()
        ```
        """
        x = self._likelihood_data(self.check_data(x), seed)
        condition = ops.convert_to_numpy(self.one_hot(labels, len(x)))
        return importance_sampling.log_likelihood(
            self, [x, condition], num_samples, batch_size, seed, verbose
        )
