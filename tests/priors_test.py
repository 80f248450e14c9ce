"""`keras_vae.priors`: the densities, the draws, the KL estimate, saving."""

import keras
import numpy as np
import pytest
from scipy.special import logsumexp

import keras_vae
from tests import helpers
from tests.helpers import IMAGE_SHAPE
from tests.helpers import synthetic_digits
from tests.helpers import to_numpy
from tests.importance_sampling_test import exact_log_likelihood


class SampledKLNormal(keras_vae.priors.StandardNormal):
    """N(0, I) with its closed form hidden: the model then estimates."""

    closed_form_kl = False


def numpy_gaussian_log_density(z, mean, log_var):
    return -0.5 * np.sum(
        (z - mean) ** 2 / np.exp(log_var) + log_var + np.log(2 * np.pi),
        axis=-1,
    )


def vamp_vae(num_pseudo_inputs=7, latent_dim=3, shape=IMAGE_SHAPE, seed=0):
    keras.utils.set_random_seed(seed)
    return keras_vae.VAE(
        keras_vae.build_mlp_encoder(shape, latent_dim, (16,)),
        keras_vae.build_mlp_decoder(shape, latent_dim, (16,)),
        prior=keras_vae.priors.VampPrior(num_pseudo_inputs, seed=seed),
        seed=seed,
    )


def numpy_components(vae):
    """The VampPrior's components from the encoder, outside the prior."""
    pseudo_inputs = np.clip(to_numpy(vae.prior.pseudo_inputs), 0.0, 1.0)
    means, log_vars = vae.encoder(pseudo_inputs)
    return to_numpy(means), to_numpy(log_vars)


def test_standard_normal_density_and_draws():
    prior = keras_vae.VAE(
        keras_vae.build_mlp_encoder((4,), 3, (8,)),
        keras_vae.build_mlp_decoder((4,), 3, (8,)),
    ).prior
    assert isinstance(prior, keras_vae.priors.StandardNormal)
    z = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    np.testing.assert_allclose(
        to_numpy(prior.log_prob(z)),
        numpy_gaussian_log_density(z, 0.0, 0.0),
        rtol=1e-5,
    )
    draws = to_numpy(prior.sample(4000, seed=1))
    assert draws.shape == (4000, 3)
    np.testing.assert_allclose(draws.mean(axis=0), 0.0, atol=0.1)
    np.testing.assert_allclose(draws.std(axis=0), 1.0, atol=0.1)


def test_vamp_prior_is_the_mixture_of_the_encoders_posteriors():
    vae = vamp_vae()
    means, log_vars = numpy_components(vae)
    z = np.random.default_rng(0).normal(size=(4, 6, 3)).astype("float32")
    expected = logsumexp(
        numpy_gaussian_log_density(z[..., None, :], means, log_vars), axis=-1
    ) - np.log(7)
    np.testing.assert_allclose(
        to_numpy(vae.prior.log_prob(z)), expected, rtol=1e-4, atol=1e-4
    )


def test_component_densities_and_their_gradients_are_exact():
    # Narrow posteriors (variances down to 1e-6) as a trained encoder gives:
    # the values are the broadcast ones, the gradients (taken through the
    # expanded, matrix-product form) those of the same densities.
    rng = np.random.default_rng(0)
    means = 2.0 * rng.normal(size=(9, 4))
    log_vars = rng.uniform(-14.0, 1.0, size=(9, 4))
    picked = rng.integers(0, 9, size=6)
    z = means[picked] + np.exp(0.5 * log_vars[picked]) * rng.normal(size=(6, 4))
    weights = rng.random((6, 9))
    values = keras_vae.priors._component_log_densities(
        *(
            keras.ops.convert_to_tensor(a, "float32")
            for a in (z, means, log_vars)
        )
    )
    expected = numpy_gaussian_log_density(
        z[:, None], means[None], log_vars[None]
    )
    np.testing.assert_allclose(to_numpy(values), expected, rtol=1e-5)

    gradients = helpers.gradients(
        lambda *args: keras.ops.sum(
            keras.ops.multiply(
                weights.astype("float32"),
                keras_vae.priors._component_log_densities(*args),
            )
        ),
        z,
        means,
        log_vars,
    )
    difference = z[:, None] - means[None]  # (6, 9, 4)
    precision = np.exp(-log_vars)[None]
    expected = [
        -np.sum(weights[..., None] * difference * precision, axis=1),
        np.sum(weights[..., None] * difference * precision, axis=0),
        np.sum(weights[..., None] * (difference**2 * precision - 1), 0) / 2,
    ]
    for gradient, want in zip(gradients, expected):
        np.testing.assert_allclose(
            gradient, want, rtol=1e-2, atol=1e-3 * np.abs(want).max()
        )


def test_vamp_prior_draws_follow_the_mixture():
    vae = vamp_vae(num_pseudo_inputs=3, latent_dim=2)
    # Components far apart and narrow: each draw belongs to one of them.
    vae.prior.pseudo_inputs.assign(
        np.stack([np.full(IMAGE_SHAPE, value) for value in (0.0, 0.5, 1.0)])
    )
    log_var_head = vae.encoder.get_layer("z_log_var")
    log_var_head.set_weights(
        [np.zeros_like(log_var_head.kernel), np.full((2,), -8.0)]
    )
    means, _ = numpy_components(vae)
    draws = vae.prior_draws(3000, seed=0)
    distances = np.linalg.norm(draws[:, None] - means[None], axis=-1)
    assert np.all(distances.min(axis=1) < 0.1)
    # About a third of the draws per component.
    counts = np.bincount(distances.argmin(axis=1), minlength=3)
    assert np.all(np.abs(counts - 1000) < 150), counts
    np.testing.assert_array_equal(draws, vae.prior_draws(3000, seed=0))
    images = vae.sample(5, seed=0)
    np.testing.assert_allclose(
        images, vae.decode(vae.prior_draws(5, seed=0)), atol=1e-6
    )


def test_the_kl_estimate_averages_to_the_closed_form():
    keras.utils.set_random_seed(0)
    encoder = keras_vae.build_mlp_encoder(IMAGE_SHAPE, 3, (16,))
    decoder = keras_vae.build_mlp_decoder(IMAGE_SHAPE, 3, (16,))
    closed = keras_vae.VAE(encoder, decoder, seed=0)
    sampled = keras_vae.VAE(encoder, decoder, prior=SampledKLNormal(), seed=0)
    x = np.repeat(synthetic_digits(4, seed=0)[0], 1000, axis=0)
    z_mean, z_log_var, decoder_output, z = (
        to_numpy(value) for value in sampled(x)
    )
    estimate = float(
        sampled.compute_loss_terms(x, z_mean, z_log_var, decoder_output, z)[
            "kl_loss"
        ]
    )
    per_example = numpy_gaussian_log_density(
        z, z_mean, z_log_var
    ) - numpy_gaussian_log_density(z, 0.0, 0.0)
    np.testing.assert_allclose(estimate, per_example.mean(), rtol=1e-4)
    exact = float(
        closed.compute_loss_terms(x, z_mean, z_log_var, decoder_output)[
            "kl_loss"
        ]
    )
    standard_error = per_example.std() / np.sqrt(len(x))
    assert abs(estimate - exact) < 4 * standard_error, (estimate, exact)
    with pytest.raises(ValueError, match="pass the sampled `z`"):
        sampled.compute_loss_terms(x, z_mean, z_log_var, decoder_output)


@pytest.mark.parametrize("model", ["vae", "iwae"])
def test_training_moves_the_pseudo_inputs_and_keeps_them_in_range(model):
    vae = vamp_vae()
    if model == "iwae":
        vae = keras_vae.IWAE(
            vae.encoder,
            vae.decoder,
            num_samples=3,
            prior=keras_vae.priors.VampPrior(7, seed=0),
        )
    x = synthetic_digits(64, seed=0)[0]
    vae.prior.initialize_pseudo_inputs(x, seed=0)
    start = to_numpy(vae.prior.pseudo_inputs).copy()
    np.testing.assert_allclose(start.mean(axis=0), x.mean(axis=0), atol=0.02)
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = vae.fit(x, epochs=2, batch_size=32, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    moved = np.abs(to_numpy(vae.prior.pseudo_inputs) - start)
    # Every pseudo-input gets a gradient (a prior read outside the traced
    # step would keep them where they started).
    assert np.all(moved.reshape(7, -1).max(axis=1) > 1e-3)
    seen = to_numpy(vae.prior.clipped_pseudo_inputs())
    assert seen.min() >= 0.0 and seen.max() <= 1.0


def test_vamp_vae_saves_and_loads_with_its_pseudo_inputs(tmp_path):
    vae = vamp_vae()
    x = synthetic_digits(32, seed=0)[0]
    vae.compile(optimizer="adam")
    vae.fit(x, epochs=1, batch_size=16, verbose=0)
    vae.save(tmp_path / "vamp.keras")
    loaded = keras.saving.load_model(tmp_path / "vamp.keras", safe_mode=True)
    assert isinstance(loaded.prior, keras_vae.priors.VampPrior)
    assert loaded.prior.get_config() == vae.prior.get_config()
    np.testing.assert_array_equal(
        to_numpy(loaded.prior.pseudo_inputs), to_numpy(vae.prior.pseudo_inputs)
    )
    z = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(
        to_numpy(loaded.prior.log_prob(z)),
        to_numpy(vae.prior.log_prob(z)),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        loaded.log_likelihood(x[:4], num_samples=20, seed=0, verbose=0),
        vae.log_likelihood(x[:4], num_samples=20, seed=0, verbose=0),
        rtol=1e-5,
    )


def test_log_likelihood_integrates_over_the_mixture():
    # A 1-D latent space, so log p(x) can be integrated on a grid.
    shape = (4,)
    vae = vamp_vae(num_pseudo_inputs=3, latent_dim=1, shape=shape, seed=3)
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    x = np.random.default_rng(0).random((512, 4)) < [0.2, 0.5, 0.7, 0.9]
    vae.fit(x.astype("float32"), epochs=3, batch_size=64, verbose=0)
    means, log_vars = numpy_components(vae)

    def log_mixture(z):
        return logsumexp(
            numpy_gaussian_log_density(z[:, None, :], means, log_vars), axis=1
        ) - np.log(3)

    x = np.array([[0, 0, 0, 0], [1, 1, 1, 1], [0, 1, 1, 1]], "float32")
    np.testing.assert_allclose(
        vae.log_likelihood(x, num_samples=5000, seed=0, verbose=0),
        exact_log_likelihood(vae, x, log_prior=log_mixture),
        atol=0.1,
    )


@pytest.mark.parametrize(
    "build, message",
    [
        (
            lambda e, d: keras_vae.VAE(
                e, d, free_bits=0.5, prior=keras_vae.priors.VampPrior(4)
            ),
            "free_bits",
        ),
        (lambda e, d: keras_vae.VAE(e, d, prior="vamp"), "keras_vae.priors"),
        (
            lambda e, d: keras_vae.priors.VampPrior(
                4, pseudo_input_range=(1, 0)
            ),
            "low < high",
        ),
    ],
)
def test_bad_priors_are_refused_with_what_was_expected(build, message):
    encoder = keras_vae.build_mlp_encoder((4,), 2, (8,))
    decoder = keras_vae.build_mlp_decoder((4,), 2, (8,))
    with pytest.raises((ValueError, TypeError), match=message):
        build(encoder, decoder)


def test_a_prior_serves_one_model_and_a_conditional_vae_refuses_vamp():
    prior = keras_vae.priors.VampPrior(4)
    keras_vae.VAE(
        keras_vae.build_mlp_encoder((4,), 2, (8,)),
        keras_vae.build_mlp_decoder((4,), 2, (8,)),
        prior=prior,
    )
    with pytest.raises(ValueError, match="prior of another model"):
        keras_vae.VAE(
            keras_vae.build_mlp_encoder((4,), 2, (8,)),
            keras_vae.build_mlp_decoder((4,), 2, (8,)),
            prior=prior,
        )
    with pytest.raises(ValueError, match="also takes the label"):
        keras_vae.ConditionalVAE(
            keras_vae.build_mlp_encoder((4,), 2, (8,), num_classes=3),
            keras_vae.build_mlp_decoder((4,), 2, (8,), num_classes=3),
            prior=keras_vae.priors.VampPrior(4),
        )
