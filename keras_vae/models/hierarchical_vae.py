"""The VAE with several stochastic layers (Burda et al., 2016, section 5)."""

import keras

from keras_vae import checks
from keras_vae import importance_sampling
from keras_vae.models.base import BaseAutoencoder
from keras_vae.models.iwae import IWAE
from keras_vae.models.vae import binarization_seed


@keras.saving.register_keras_serializable(package="keras_vae")
class HierarchicalVAE(IWAE):
    """A VAE with a stack of stochastic layers `z_1 ... z_L` (`L >= 2`).

    Burda et al.'s (2016) two-layer model for `L = 2`: inference `q(z_1 |
    x) q(z_2 | z_1)`, generation `p(z_2) p(z_1 | z_2) p(x | z_1)`, every
    conditional a diagonal Gaussian given by an MLP, `p(x | z_1)` the
    likelihood. It trains on the `k`-sample bound with `k = num_samples`
    draws of the whole stack per example, `log (1/k) sum_i p(x, z_i) /
    q(z_i | x)`: the ELBO for `num_samples=1` (the default), the IWAE bound
    for `num_samples=5` or 50. The weights are `keras_vae.importance_
    sampling.draw_hierarchy`'s, and the bound `bound_terms`, which `IWAE`
    trains on too. `fit()` logs `loss` (the negative bound),
    `reconstruction_loss` (`-log p(x | z_1)`) and `kl_loss` (`log q(z | x)
    - log p(z)` over all layers), each averaged over the draws.

    The prior `p(z_L)` is the top layer's: `StandardNormal` by default, or
    a `keras_vae.priors.VampPrior`, a mixture of `q(z_L | u_k)` at its
    pseudo-inputs with each lower layer at its posterior mean.

    The latent space that `encode`, `codes`, `decode`, `sample`, the plots
    and the explorer show is the top layer's, `latent_dim = z_L`'s size:
    `encode(x)` gives `q(z_L | z_(L-1))` with each lower layer at its mean,
    and `decode(z)` passes the means of `p(z_(l-1) | z_l)` down to `p(x |
    z_1)`. `sample()` draws the whole stack at those means from `p(z_L)`.
    `log_likelihood(x, num_samples)` estimates `log p(x)` with the same
    importance weights, exact in expectation as `num_samples` grows.

    Args:
        encoders: list of `L` functional `keras.Model`s, lowest first: the
            first from the data to `[z_mean, z_log_var]` of `z_1`, each next
            one from `z_(l-1)` to those of `z_l`. See `build_mlp_hierarchy`.
        decoders: list of `L` functional `keras.Model`s, lowest first: the
            first from `z_1` to the likelihood's parameters (linear, of the
            data's shape), each next one from `z_l` to `[mean, log_var]` of
            `p(z_(l-1) | z_l)`.
        num_samples: positive integer `k` of the training bound; 1 trains
            on the ELBO.
        likelihood: `"bernoulli"` (data in `[0, 1]`) or `"gaussian"`.
        beta: non-negative float, the weight of `log p(z) - log q(z | x)`
            in each log weight (`KLWarmup` changes it during training);
            `1.0` gives the bound.
        gaussian_scale: positive float, the fixed standard deviation of the
            Gaussian likelihood. Not used by `"bernoulli"`.
        seed: optional integer seed of the draws.
        dynamic_binarization: bool; `True` binarizes every batch afresh,
            `x ~ Bernoulli(intensity)`, inside the step.
        prior: the prior of the top layer, a `keras_vae.priors.Prior`;
            `None` is `keras_vae.priors.StandardNormal()`.
        **kwargs: base `keras.Model` keyword arguments, such as `name`.

    Example:

    ```python
    encoders, decoders = keras_vae.build_mlp_hierarchy((28, 28, 1))
    hvae = keras_vae.HierarchicalVAE(encoders, decoders, num_samples=5, seed=0)
    hvae.compile(optimizer=keras.optimizers.Adam(1e-3))
    hvae.fit(x_train, epochs=10, batch_size=100)
    nll = -hvae.log_likelihood(x_test, num_samples=5000).mean()
    ```
    """

    def __init__(
        self,
        encoders,
        decoders,
        num_samples=1,
        likelihood="bernoulli",
        beta=1.0,
        gaussian_scale=1.0,
        seed=None,
        dynamic_binarization=False,
        prior=None,
        **kwargs,
    ):
        encoders, decoders = _checked_stacks(encoders, decoders)
        num_samples = checks.positive_int("num_samples", num_samples)
        beta = checks.non_negative_float("beta", beta)
        # The lowest layer is a VAE's encoder and decoder: the base checks
        # them against the data; the layers above are checked here.
        BaseAutoencoder.__init__(
            self,
            encoders[0],
            decoders[0],
            likelihood=likelihood,
            gaussian_scale=gaussian_scale,
            num_encoder_outputs=2,
            dynamic_binarization=dynamic_binarization,
            binarization_seed=binarization_seed(seed),
            **kwargs,
        )
        self.latent_dims = _latent_dims(encoders, decoders)
        self.upper_encoders = list(encoders[1:])
        self.upper_decoders = list(decoders[1:])
        self.latent_dim = self.latent_dims[-1]
        self.num_samples = num_samples
        self._add_latent_state(beta, 0.0, seed, prior)
        self.build((None, *self.data_shape))

    @property
    def encoders(self):
        """The encoders, lowest first, as passed to the constructor."""
        return [self.encoder, *self.upper_encoders]

    @property
    def decoders(self):
        """The decoders, lowest first, as passed to the constructor."""
        return [self.decoder, *self.upper_decoders]

    @property
    def latent_encoder(self):
        """Functional model from the data to `[z_mean, z_log_var]` of the
        top layer, each lower layer at its posterior mean."""
        return self._chain("_latent_encoder", self._encode_to_top)

    @property
    def latent_decoder(self):
        """Functional model from the top layer to the likelihood's
        parameters, each lower layer at the mean of `p(z_(l-1) | z_l)`."""
        return self._chain("_latent_decoder", self._decode_from_top)

    def _chain(self, key, build):
        # Made once and kept off Keras' tracking: it shares the encoders'
        # and decoders' layers, which the model saves once, as its own.
        if key not in self.__dict__:
            object.__setattr__(self, key, build())
        return self.__dict__[key]

    def _encode_to_top(self):
        inputs = keras.Input(self.data_shape)
        z_mean, z_log_var = self.encoder(inputs)
        for encoder in self.upper_encoders:
            z_mean, z_log_var = encoder(z_mean)
        return keras.Model(inputs, [z_mean, z_log_var], name="top_encoder")

    def _decode_from_top(self):
        inputs = keras.Input((self.latent_dim,))
        z = inputs
        for decoder in reversed(self.upper_decoders):
            z, _ = decoder(z)
        return keras.Model(inputs, self.decoder(z), name="top_decoder")

    def call(self, inputs, training=None):
        """Draws `num_samples` stacks of `z` per example and scores them.

        Args:
            inputs: data batch of shape `(batch_size, *data_shape)`.
            training: passed to the encoders and decoders.

        Returns:
            A tuple `(log_p_x_given_z, log_prior_ratio)`, the arguments of
            `compute_loss_terms` after the data: float32 tensors of shape
            `(num_samples, batch_size)`.
        """
        return self.importance_log_weights(
            inputs, self.num_samples, self.sampling.seed_generator, training
        )

    def importance_log_weights(self, inputs, num_samples, seed, training=None):
        """As `VAE.importance_log_weights`, through every layer: see
        `keras_vae.importance_sampling.draw_hierarchy`.

        Args:
            inputs: data batch of shape `(batch_size, *data_shape)`.
            num_samples: positive integer, draws per example.
            seed: a `keras.random.SeedGenerator` for the draws.
            training: passed to the encoders and decoders.

        Returns:
            `(log_p_x_given_z, log_prior_ratio)`, float32 tensors of shape
            `(num_samples, batch_size)`.

        Example:

        ```python
        log_p_x_given_z, log_prior_ratio = hvae.importance_log_weights(
            x, 10, keras.random.SeedGenerator(0)
        )
        ```
        """
        return importance_sampling.draw_hierarchy(
            self, inputs, num_samples, seed, training=training
        )

    def compute_loss_terms(
        self, x, log_p_x_given_z, log_prior_ratio, sample_weight=None
    ):
        """The negative `k`-sample bound and the terms of the -ELBO.

        See `keras_vae.importance_sampling.bound_terms`.

        Args:
            x: data batch of shape `(batch_size, *data_shape)`.
            log_p_x_given_z: `(num_samples, batch_size)`, `log p(x | z_1)`.
            log_prior_ratio: `(num_samples, batch_size)`, `log p(z) - log
                q(z | x)` over all layers.
            sample_weight: `None`, or float32 weights of shape
                `(batch_size,)`, as `fit(x, sample_weight=...)` passes them.

        Returns:
            A dict of float32 scalars: `"loss"`, `"reconstruction_loss"` and
            `"kl_loss"`.

        Example:

        ```python
        terms = hvae.compute_loss_terms(x, *hvae(x))
        ```
        """
        return importance_sampling.bound_terms(
            log_p_x_given_z,
            log_prior_ratio,
            beta=keras.ops.cast(self.beta, "float32"),
            sample_weight=sample_weight,
        )

    def get_config(self):
        config = super().get_config()
        del config["encoder"], config["decoder"]
        config["encoders"] = [
            keras.saving.serialize_keras_object(model)
            for model in self.encoders
        ]
        config["decoders"] = [
            keras.saving.serialize_keras_object(model)
            for model in self.decoders
        ]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for name in ("encoders", "decoders"):
            config[name] = [
                keras.saving.deserialize_keras_object(
                    model, custom_objects=custom_objects
                )
                for model in config[name]
            ]
        return cls(**config)


def _checked_stacks(encoders, decoders):
    """`encoders` and `decoders` as lists of functional models, as many of
    each, at least two."""
    stacks = []
    for name, models in (("encoders", encoders), ("decoders", decoders)):
        if not isinstance(models, (list, tuple)) or not all(
            isinstance(model, keras.Model) and len(model.inputs or ()) == 1
            for model in models
        ):
            raise ValueError(
                f"Expected `{name}` to be a list of functional `keras.Model`s "
                "with one input each, lowest layer first, such as "
                "`keras_vae.build_mlp_hierarchy(...)` returns. Received: "
                f"{name}={models!r}"
            )
        stacks.append(list(models))
    if len(stacks[0]) < 2 or len(stacks[0]) != len(stacks[1]):
        raise ValueError(
            "Expected as many encoders as decoders, one of each per "
            "stochastic layer, and at least two layers (for one, use "
            f"`VAE` or `IWAE`). Received: {len(stacks[0])} encoders and "
            f"{len(stacks[1])} decoders"
        )
    return stacks


def _latent_dims(encoders, decoders):
    """The size of each stochastic layer, lowest first, once every encoder
    and decoder above the first fits the layers it links."""
    latent_dims = [encoders[0].outputs[0].shape[-1]]
    for level, (encoder, decoder) in enumerate(
        zip(encoders[1:], decoders[1:]), start=2
    ):
        below = latent_dims[-1]
        shapes = [tuple(output.shape) for output in encoder.outputs]
        if (
            tuple(encoder.inputs[0].shape) != (None, below)
            or len(shapes) != 2
            or len(set(shapes)) != 1
            or len(shapes[0]) != 2
        ):
            raise ValueError(
                f"Expected encoder {level} to map z_{level - 1} of shape "
                f"(None, {below}) to `[z_mean, z_log_var]` of z_{level}, "
                "each (batch_size, latent_dim). Received input "
                f"{encoder.inputs[0].shape} and outputs {shapes}"
            )
        latent_dims.append(shapes[0][1])
        decoder_shapes = [tuple(output.shape) for output in decoder.outputs]
        if tuple(decoder.inputs[0].shape) != (None, latent_dims[-1]) or (
            decoder_shapes != [(None, below), (None, below)]
        ):
            raise ValueError(
                f"Expected decoder {level} to map z_{level} of shape "
                f"(None, {latent_dims[-1]}) to `[mean, log_var]` of "
                f"p(z_{level - 1} | z_{level}), each (None, {below}). "
                f"Received input {decoder.inputs[0].shape} and outputs "
                f"{decoder_shapes}"
            )
    return tuple(latent_dims)
