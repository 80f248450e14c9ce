"""The importance-weighted autoencoder (Burda et al., 2016)."""

import keras
from keras import ops

from keras_vae import checks
from keras_vae import importance_sampling
from keras_vae import losses
from keras_vae.models.vae import VAE


@keras.saving.register_keras_serializable(package="keras_vae")
class IWAE(VAE):
    """Importance-weighted autoencoder: a VAE trained on a tighter bound.

    It has the VAE's encoder, decoder and prior, but draws `k =
    num_samples` latent points `z_i ~ q(z | x)` per example and maximizes
    the `k`-sample importance-weighted bound

    `log (1/k) sum_i p(x | z_i) p(z_i) / q(z_i | x)`,

    computed with a stable log-mean-exp. For `k = 1` it is the VAE's
    single-sample ELBO; it tightens towards `log p(x)` as `k` grows, and
    the trained model has a higher `log_likelihood` than a VAE of the same
    architecture (Burda et al., 2016, Table 1).

    `fit()` and `evaluate()` log `loss`, the negative `k`-sample bound in
    nats per example, beside the two terms of the -ELBO: `reconstruction_
    loss`, `-log p(x | z)` averaged over the `k` draws, and `kl_loss`, the
    KL divergence from `q(z | x)` to the prior (closed form for the default
    `StandardNormal`, else estimated on the draws). `log p(z_i)` is the
    model's prior's, e.g. a `keras_vae.priors.VampPrior`. Everything
    else (`log_likelihood`, `encode`, `decode`, `sample`, plots, saving,
    `dynamic_binarization`) is the `VAE`'s. `KLWarmup` works too: `beta`
    then weighs `log p(z_i) - log q(z_i | x)` inside each weight.

    Args:
        encoder: functional `keras.Model` from the data to `[z_mean,
            z_log_var]`, as for `VAE`.
        decoder: functional `keras.Model` from `z` to the likelihood's
            parameters, as for `VAE`.
        num_samples: positive integer `k`, the draws per example in the
            training bound (5 or 50 in Burda et al.).
        likelihood: `"bernoulli"` (data in `[0, 1]`) or `"gaussian"`.
        beta: non-negative float, the weight of `log p(z) - log q(z | x)`
            in each log weight; `1.0` gives the bound.
        gaussian_scale: positive float, the fixed standard deviation of the
            Gaussian likelihood. Not used by `"bernoulli"`.
        seed: optional integer seed of the draws.
        dynamic_binarization: bool; `True` binarizes every batch afresh,
            `x ~ Bernoulli(intensity)`, inside the step.
        prior: the prior `p(z)`, a `keras_vae.priors.Prior`; `None` is
            `keras_vae.priors.StandardNormal()`.
        **kwargs: base `keras.Model` keyword arguments, such as `name`.

    Example:

    ```python
    encoder = keras_vae.build_mlp_encoder((28, 28, 1), 50, (200, 200), "tanh")
    decoder = keras_vae.build_mlp_decoder((28, 28, 1), 50, (200, 200), "tanh")
    iwae = keras_vae.IWAE(encoder, decoder, num_samples=5, seed=0)
    iwae.compile(optimizer=keras.optimizers.Adam(1e-3))
    iwae.fit(x_train, epochs=10, batch_size=100)
    nll = -iwae.log_likelihood(x_test, num_samples=5000).mean()
    ```
    """

    def __init__(
        self,
        encoder,
        decoder,
        num_samples=5,
        likelihood="bernoulli",
        beta=1.0,
        gaussian_scale=1.0,
        seed=None,
        dynamic_binarization=False,
        prior=None,
        **kwargs,
    ):
        num_samples = checks.positive_int("num_samples", num_samples)
        super().__init__(
            encoder,
            decoder,
            likelihood=likelihood,
            beta=beta,
            gaussian_scale=gaussian_scale,
            seed=seed,
            dynamic_binarization=dynamic_binarization,
            prior=prior,
            **kwargs,
        )
        self.num_samples = num_samples

    def call(self, inputs, training=None):
        """Encodes, draws `num_samples` `z` per example and decodes them.

        Args:
            inputs: data batch of shape `(batch_size, *data_shape)`.
            training: passed to the encoder and decoder.

        Returns:
            A tuple `(z_mean, z_log_var, z, decoder_output)`, the arguments
            of `compute_loss_terms` after the data: `z` of shape
            `(num_samples, batch_size, latent_dim)`, `decoder_output` of
            shape `(num_samples, batch_size, *data_shape)`.
        """
        return importance_sampling.draw_and_decode(
            self,
            inputs,
            self.num_samples,
            self.sampling.seed_generator,
            training=training,
        )

    def compute_loss_terms(
        self, x, z_mean, z_log_var, z, decoder_output, sample_weight=None
    ):
        """The negative `k`-sample bound and the terms of the -ELBO.

        Averaged over the batch (weighted by `sample_weight`, see
        `keras_vae.losses.batch_mean`), in nats per example:

        - `loss`: `-log (1/k) sum_i w_i`, with `log w_i = log p(x | z_i) +
          beta * (log p(z_i) - log q(z_i | x))`;
        - `reconstruction_loss`: `-log p(x | z_i)`, averaged over the draws;
        - `kl_loss`: the KL divergence from `q(z | x)` to the prior, in
          closed form for `StandardNormal`, else `log q(z_i | x) - log
          p(z_i)` averaged over the draws; `reconstruction_loss + kl_loss`
          estimates the -ELBO.

        Args:
            x: data batch of shape `(batch_size, *data_shape)`.
            z_mean: `(batch_size, latent_dim)`, the posterior mean.
            z_log_var: `(batch_size, latent_dim)`, the posterior log-variance.
            z: `(num_samples, batch_size, latent_dim)`, the draws.
            decoder_output: the decoder's output for `z`.
            sample_weight: `None`, or float32 weights of shape
                `(batch_size,)`, as `fit(x, sample_weight=...)` passes them.

        Returns:
            A dict of float32 scalars: `"loss"`, `"reconstruction_loss"` and
            `"kl_loss"`.

        Example:

        ```python
        terms = iwae.compute_loss_terms(x, *iwae(x))
        ```
        """
        terms = importance_sampling.bound_terms(
            *importance_sampling.log_weight_terms(
                self, x, z_mean, z_log_var, z, decoder_output
            ),
            beta=ops.cast(self.beta, "float32"),
            sample_weight=sample_weight,
        )
        if self.prior.closed_form_kl:
            terms["kl_loss"] = losses.batch_mean(
                ops.sum(
                    self.prior.kl_divergence_per_dimension(z_mean, z_log_var),
                    axis=-1,
                ),
                sample_weight,
            )
        return terms

    def get_config(self):
        config = super().get_config()
        # Free bits floor a KL term the bound does not have.
        del config["free_bits"]
        return {**config, "num_samples": self.num_samples}
