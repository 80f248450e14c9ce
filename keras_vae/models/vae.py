"""The variational autoencoder model."""

import keras
from keras import ops

from keras_vae import checks
from keras_vae import datasets
from keras_vae import importance_sampling
from keras_vae import losses
from keras_vae import priors
from keras_vae.layers.sampling import Sampling
from keras_vae.models.base import BaseAutoencoder


def binarization_seed(seed):
    """The seed of the dynamic binarization's draws for a model `seed`: a
    stream of its own, since drawn from the same seed as `Sampling`, the
    pixels' uniforms would be the normals' source bits on JAX."""
    return None if seed is None else seed + 1


@keras.saving.register_keras_serializable(package="keras_vae")
class VAE(BaseAutoencoder):
    """Variational autoencoder trained by minimizing the negative ELBO.

    The encoder maps `x` to the mean and log-variance of a diagonal Gaussian
    posterior `q(z | x)`; a `Sampling` layer draws `z` with the
    reparameterization trick; the decoder maps `z` to the parameters of
    `p(x | z)`. The loss, in nats per example averaged over the batch, is

    `reconstruction_loss + beta * kl_loss` (see `compute_loss_terms` for
    `free_bits`), with

    - `reconstruction_loss = -log p(x | z)` summed over data dimensions
      (Bernoulli from logits, or Gaussian of fixed scale with its constant);
    - `kl_loss`, the KL divergence from `q(z | x)` to the prior `p(z)`:
      for the default `keras_vae.priors.StandardNormal()`, the closed form
      `-0.5 * sum(1 + z_log_var - z_mean**2 - exp(z_log_var))`; for a prior
      without one (`keras_vae.priors.VampPrior`), the single-sample estimate
      `log q(z | x) - log p(z)` at the drawn `z`, whose expectation is the KL.

    `fit()` takes the data alone: NumPy arrays, `tf.data.Dataset`s of `x`
    or `(x, y)` (`y` is ignored), Python generators, `keras.utils.PyDataset`s
    and torch `DataLoader`s, and checks it first (see `check_data`).
    `evaluate()` reports the same three values. Pass
    `keras.callbacks.BackupAndRestore(directory)` to `fit()` to resume an
    interrupted training after its last finished epoch.

    Args:
        encoder: functional `keras.Model` with one input of the data's shape
            and outputs `[z_mean, z_log_var]`, each `(batch_size,
            latent_dim)`; see `build_mlp_encoder` and `build_conv_encoder`.
        decoder: functional `keras.Model` from `(batch_size, latent_dim)` to
            the data's shape, with a linear output: logits for
            `"bernoulli"`, the mean for `"gaussian"`.
        likelihood: `"bernoulli"` (data in `[0, 1]`) or `"gaussian"`.
        beta: non-negative float, the weight of the KL term (`beta`-VAE);
            `1.0` gives the ELBO. It is kept as `vae.target_beta` and as the
            starting value of `vae.beta`, a non-trainable variable that
            callbacks such as `keras_vae.callbacks.KLWarmup` change during
            training (saved with the model's weights).
        gaussian_scale: positive float, the fixed standard deviation of the
            Gaussian likelihood. Not used by `"bernoulli"`.
        seed: optional integer seed of the `Sampling` layer's noise.
        free_bits: non-negative float, nats per latent dimension (Kingma et
            al., 2016): the KL term of the loss counts each dimension's
            batch-averaged KL as at least `free_bits`, so that the encoder
            gains nothing by collapsing a dimension below it. `0.0` (the
            default) turns it off. The logged `kl_loss` is always the true
            KL. It needs a prior with a per-dimension KL in closed form
            (`StandardNormal`): with a `VampPrior` it is refused.
        prior: the prior `p(z)`, a `keras_vae.priors.Prior`; `None` (the
            default) is `keras_vae.priors.StandardNormal()`. A prior with
            variables (`VampPrior`) trains and saves with the model; give
            each model its own.
        dynamic_binarization: bool; `True` binarizes every batch afresh,
            `x ~ Bernoulli(intensity)`, inside the step (see
            `BaseAutoencoder`), for the binarized-MNIST protocol.
        **kwargs: base `keras.Model` keyword arguments, such as `name`.

    Example:

    ```python
    encoder = keras_vae.build_mlp_encoder(input_shape=(28, 28, 1), latent_dim=2)
    decoder = keras_vae.build_mlp_decoder(output_shape=(28, 28, 1), latent_dim=2)
    vae = keras_vae.VAE(encoder, decoder, likelihood="bernoulli", seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x_train, epochs=10, batch_size=128)
    z_mean, z_log_var = vae.encode(x_test[:8])
    images = vae.decode(z_mean)
    ```
    """

    LOSS_TERMS = ("loss", "reconstruction_loss", "kl_loss")

    def __init__(
        self,
        encoder,
        decoder,
        likelihood="bernoulli",
        beta=1.0,
        gaussian_scale=1.0,
        seed=None,
        free_bits=0.0,
        dynamic_binarization=False,
        prior=None,
        **kwargs,
    ):
        beta = checks.non_negative_float("beta", beta)
        free_bits = checks.non_negative_float("free_bits", free_bits)
        super().__init__(
            encoder,
            decoder,
            likelihood=likelihood,
            gaussian_scale=gaussian_scale,
            num_encoder_outputs=2,
            num_classes=self._num_classes_of(encoder),
            dynamic_binarization=dynamic_binarization,
            binarization_seed=binarization_seed(seed),
            **kwargs,
        )
        self._add_latent_state(beta, free_bits, seed, prior)
        self.build((None, *self.data_shape))

    def _add_latent_state(self, beta, free_bits, seed, prior):
        """The state of a model with a stochastic latent layer: `Sampling`,
        the `beta` variable and the prior, attached once `latent_dim` and
        `data_shape` are known."""
        self.target_beta = beta
        self.free_bits = free_bits
        self.seed = seed
        self.sampling = Sampling(seed=seed, name="sampling")
        # A variable, not a constant of the compiled step, so that callbacks
        # such as `KLWarmup` can change it between steps on every backend.
        self.beta = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(beta),
            trainable=False,
            dtype="float32",
            name="beta",
        )
        self.prior = priors.get(prior)
        if free_bits > 0 and not self.prior.closed_form_kl:
            raise ValueError(
                "`free_bits` floors the KL of each latent dimension, which "
                f"a {type(self.prior).__name__} does not have (its KL is "
                "estimated as log q(z | x) - log p(z) over all dimensions "
                "together). Expected free_bits=0 with this prior. Received: "
                f"free_bits={free_bits}"
            )
        self.prior.attach(self)

    def pseudo_input_posterior(self, pseudo_inputs):
        """`q(z | u)` at inputs of the data's shape: what a `VampPrior`
        mixes.

        Args:
            pseudo_inputs: float tensor `(num_inputs, *data_shape)`.

        Returns:
            `(z_mean, z_log_var)`, each `(num_inputs, latent_dim)`.

        Example:

        ```python
        z_mean, z_log_var = vae.pseudo_input_posterior(x[:4])
        ```
        """
        return self.latent_encoder(pseudo_inputs)

    @property
    def latent_encoder(self):
        """The model from the data to `[z_mean, z_log_var]` of the latent
        space that `encode`, `decode`, the prior and the plots share: the
        encoder, or for a `HierarchicalVAE` the chain to its top layer."""
        return self.encoder

    def _num_classes_of(self, encoder):
        return None

    def call(self, inputs, training=None):
        """Encodes, samples `z` and decodes.

        Args:
            inputs: data batch of shape `(batch_size, *data_shape)`.
            training: passed to the encoder and decoder.

        Returns:
            A tuple `(z_mean, z_log_var, decoder_output, z)`, the arguments
            of `compute_loss_terms` after the data.
        """
        z_mean, z_log_var = self.encoder(inputs, training=training)
        z = self.sampling([z_mean, z_log_var])
        decoder_output = self.decoder(
            self._decoder_inputs(z, inputs), training=training
        )
        return z_mean, z_log_var, decoder_output, z

    def _decoder_inputs(self, z, inputs):
        """What the decoder takes for latent points `z` of batch `inputs`."""
        return z

    def compute_loss_terms(
        self, x, z_mean, z_log_var, decoder_output, z=None, sample_weight=None
    ):
        """The training loss and the two terms of the negative ELBO.

        Averaged over the batch (weighted by `sample_weight`, see
        `keras_vae.losses.batch_mean`), in nats per example:

        - `reconstruction_loss`: `-log p(x | z)`;
        - `kl_loss`: the KL divergence from `q(z | x)` to the prior, in
          closed form for `StandardNormal`, else the single-sample estimate
          `log q(z | x) - log p(z)` at `z`; never floored, so
          `reconstruction_loss + kl_loss` is the -ELBO;
        - `loss`: `reconstruction_loss + beta * kl_penalty`, what training
          minimizes, with `kl_penalty = kl_loss` or, with `free_bits > 0`,
          `sum_j max(free_bits, KL_j)` over latent dimensions `j`, `KL_j`
          averaged over the batch.

        Args:
            x: data batch of shape `(batch_size, *data_shape)`.
            z_mean: `(batch_size, latent_dim)`, the posterior mean.
            z_log_var: `(batch_size, latent_dim)`, the posterior log-variance.
            decoder_output: the decoder's output for sampled `z`.
            z: `(batch_size, latent_dim)`, the sampled `z`; needed only by a
                prior without a closed-form KL.
            sample_weight: `None`, or float32 weights of shape
                `(batch_size,)`, as `fit(x, sample_weight=...)` passes them.

        Returns:
            A dict of float32 scalars: `"loss"`, `"reconstruction_loss"` and
            `"kl_loss"`.

        Example:

        ```python
        terms = vae.compute_loss_terms(x, *vae(x))
        ```
        """
        reconstruction_loss = losses.batch_mean(
            self.reconstruction_loss(x, decoder_output), sample_weight
        )
        if self.prior.closed_form_kl:
            kl_per_dimension = losses.batch_mean(
                self.prior.kl_divergence_per_dimension(z_mean, z_log_var),
                sample_weight,
            )
            kl_loss = ops.sum(kl_per_dimension)
        else:
            if z is None:
                raise ValueError(
                    f"A {type(self.prior).__name__} has no closed-form KL: "
                    "pass the sampled `z`, as `compute_loss_terms(x, "
                    "*vae(x))` does."
                )
            kl_loss = losses.batch_mean(
                losses.gaussian_log_density(z, z_mean, z_log_var)
                - self.prior.log_prob(z),
                sample_weight,
            )
        kl_penalty = kl_loss
        if self.free_bits > 0:
            kl_penalty = ops.sum(ops.maximum(kl_per_dimension, self.free_bits))
        beta = ops.cast(self.beta, "float32")
        return {
            "loss": reconstruction_loss + beta * kl_penalty,
            "reconstruction_loss": reconstruction_loss,
            "kl_loss": kl_loss,
        }

    def encode(self, x, batch_size=256):
        """Encodes data to the parameters of `q(z | x)`.

        Args:
            x: data of shape `(num_examples, *data_shape)`: a NumPy array or
                anything `keras.Model.predict` accepts.
            batch_size: how many examples to encode at once.

        Returns:
            A tuple of float32 NumPy arrays `(z_mean, z_log_var)`, each
            `(num_examples, latent_dim)`, whatever the dtype policy.

        Example:

        ```python
        z_mean, z_log_var = vae.encode(x_test[:8])
        ```
        """
        return self._predict(
            self.latent_encoder, self.check_data(x), batch_size
        )

    def codes(self, x, batch_size=256):
        """The posterior mean of each example, `encode(x)[0]`.

        Args:
            x: data of shape `(num_examples, *data_shape)`.
            batch_size: how many examples to encode at once.

        Returns:
            Float32 NumPy array of shape `(num_examples, latent_dim)`.

        Example:

        ```python
        z = vae.codes(x_test[:8])
        ```
        """
        return self.encode(x, batch_size)[0]

    def log_likelihood(
        self, x, num_samples=5000, batch_size=None, seed=None, verbose="auto"
    ):
        """Importance-weighted estimate of `log p(x)`, per example, in nats.

        `log (1/k) sum_i p(x, z_i) / q(z_i | x)` with `k = num_samples`
        draws `z_i ~ q(z | x)` (Burda et al., 2016). It is the ELBO for
        `k = 1` and a tighter lower bound on `log p(x)`, in expectation, as
        `k` grows; `-vae.log_likelihood(x).mean()` is the test negative
        log-likelihood papers report. It runs as a compiled `predict()` on
        every backend, with Keras' progress bar: `k = 5000` on the 10,000
        MNIST test images takes minutes on a laptop CPU (see the README).

        Under `dynamic_binarization` the model is one of binary images:
        grey-level `x` is binarized first, with `seed`. For a fixed test
        set, pass data binarized once (`keras_vae.datasets.binarize`).

        Args:
            x: data of shape `(num_examples, *data_shape)`.
            num_samples: positive integer `k`, draws per example.
            batch_size: examples per compiled step; `None` (the default)
                picks enough for about 8,192 decoded rows a step.
            seed: optional integer; the same seed gives the same estimate.
            verbose: `"auto"`, 0, 1 or 2, as in `predict()`.

        Returns:
            Float32 NumPy array of shape `(num_examples,)`.

        Example:

        ```python
        nll = -vae.log_likelihood(x_test, num_samples=5000).mean()
        ```
        """
        x = self._likelihood_data(self.check_data(x), seed)
        return importance_sampling.log_likelihood(
            self, x, num_samples, batch_size, seed, verbose
        )

    def importance_log_weights(self, inputs, num_samples, seed, training=None):
        """The two parts of the log importance weights of `num_samples`
        draws `z_i ~ q(z | x)` per example: what `log_likelihood` sums.

        Args:
            inputs: a batch as `unpack_x` returns it.
            num_samples: positive integer, draws per example.
            seed: a `keras.random.SeedGenerator` for the draws.
            training: passed to the encoder and decoder.

        Returns:
            `(log_p_x_given_z, log_prior_ratio)`, float32 tensors of shape
            `(num_samples, batch_size)`: `log p(x | z_i)` and `log p(z_i) -
            log q(z_i | x)`.

        Example:

        ```python
        log_p_x_given_z, log_prior_ratio = vae.importance_log_weights(
            x, 10, keras.random.SeedGenerator(0)
        )
        ```
        """
        x = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        outputs = importance_sampling.draw_and_decode(
            self, inputs, num_samples, seed, training=training
        )
        return importance_sampling.log_weight_terms(self, x, *outputs)

    def _likelihood_data(self, x, seed):
        """`x` as float32 NumPy, binarized under `dynamic_binarization`."""
        x = ops.convert_to_numpy(x).astype("float32")
        if self.dynamic_binarization:
            x = datasets.binarize(x, seed=seed)
        return x

    def load_own_variables(self, store):
        # Files written by keras-vae 0.1.0 hold no `beta` variable: the
        # model then keeps the `beta` of its config.
        if len(store.keys()) == 0:
            return
        super().load_own_variables(store)

    def get_config(self):
        config = {
            "beta": self.target_beta,
            "free_bits": self.free_bits,
            "seed": self.seed,
            "prior": keras.saving.serialize_keras_object(self.prior),
        }
        return {**super().get_config(), **config}
