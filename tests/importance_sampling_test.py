"""The importance-weighted log-likelihood against exact integration."""

import keras
import numpy as np
import pytest
from scipy.special import logsumexp

import keras_vae
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae
from tests.losses_test import numpy_bernoulli_nll

DATA_SHAPE = (4,)


@pytest.fixture(scope="module")
def small_vae():
    # A 1-D latent space, so log p(x) can be integrated on a grid.
    keras.utils.set_random_seed(3)
    vae = keras_vae.VAE(
        keras_vae.build_mlp_encoder(DATA_SHAPE, 1, hidden_units=(8,)),
        keras_vae.build_mlp_decoder(DATA_SHAPE, 1, hidden_units=(8,)),
        seed=3,
    )
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    x = np.random.default_rng(0).random((512, 4)) < [0.2, 0.5, 0.7, 0.9]
    vae.fit(x.astype("float32"), epochs=5, batch_size=64, verbose=0)
    return vae


def numpy_log_p_x_given_z(decoder, x, z):
    """`log p(x | z)` of binary rows `x` at every grid point `z`:
    `(examples, grid)`."""
    logits = keras.ops.convert_to_numpy(decoder(z))
    log_p = -np.logaddexp(0.0, -logits)  # log sigmoid
    log_not_p = -np.logaddexp(0.0, logits)
    return x @ log_p.T + (1 - x) @ log_not_p.T


def exact_log_likelihood(vae, x, log_prior=None):
    """`log p(x)` integrated on a grid of a 1-D latent space, under
    `N(0, 1)` or `log_prior(z)`."""
    z = np.linspace(-12.0, 12.0, 24001, dtype="float32")[:, None]
    log_p_x_given_z = numpy_log_p_x_given_z(vae.decoder, x, z)
    if log_prior is None:
        log_prior = -0.5 * (z[:, 0] ** 2 + np.log(2 * np.pi))
    else:
        log_prior = log_prior(z)
    step = float(z[1, 0] - z[0, 0])
    return logsumexp(log_p_x_given_z + log_prior, axis=1) + np.log(step)


@pytest.mark.parametrize("batch_size", [None, 3])
def test_5000_samples_are_within_a_tenth_of_a_nat_of_exact(
    small_vae, batch_size
):
    # batch_size=3 draws in chunks of 2,730, 2,270 samples: their sums are
    # combined with log-sum-exp.
    x = np.array(
        [[0, 0, 0, 0], [1, 1, 1, 1], [0, 1, 1, 1], [1, 0, 0, 1]], "float32"
    )
    estimate = small_vae.log_likelihood(
        x, num_samples=5000, batch_size=batch_size, seed=0
    )
    np.testing.assert_allclose(
        estimate, exact_log_likelihood(small_vae, x), atol=0.1
    )


def test_bound_does_not_decrease_with_k_on_average():
    vae = tiny_vae()
    x = synthetic_digits(32, seed=1)[0]
    means = [
        vae.log_likelihood(x, num_samples=k, seed=2).mean()
        for k in (1, 10, 100)
    ]
    assert means[0] < means[1] < means[2]


def test_one_sample_estimates_average_to_the_elbo():
    # E[log p(x, z) - log q(z | x)] is the ELBO, whose negative `evaluate`
    # reports with the KL in closed form; many copies average the noise out.
    vae = tiny_vae()
    x = np.repeat(synthetic_digits(4, seed=1)[0], 500, axis=0)
    one_sample = vae.log_likelihood(x, num_samples=1, seed=4).mean()
    negative_elbo = vae.evaluate(x, batch_size=500, verbose=0, return_dict=True)
    np.testing.assert_allclose(-one_sample, negative_elbo["loss"], rtol=2e-3)


@pytest.mark.parametrize("num_samples", [0, -1, 2.5])
def test_rejects_bad_sample_counts(num_samples):
    with pytest.raises(ValueError, match="num_samples"):
        tiny_vae().log_likelihood(synthetic_digits(2)[0], num_samples)


def test_one_sample_is_the_elbo_of_the_same_draw(small_vae):
    x = (np.random.default_rng(1).random((16, 4)) < 0.5).astype("float32")
    estimate = small_vae.log_likelihood(x, num_samples=1, seed=7)
    # The draw log_likelihood makes with seed 7: one (k, batch, latent) block.
    eps = keras.ops.convert_to_numpy(
        keras.random.normal((1, 16, 1), seed=keras.random.SeedGenerator(7))
    )[0]
    z_mean, z_log_var = small_vae.encode(x)
    z = z_mean + np.exp(0.5 * z_log_var) * eps
    logits = small_vae.decoder.predict(z, verbose=0)
    reconstruction = numpy_bernoulli_nll(x, logits)
    log_q = -0.5 * (eps**2 + z_log_var + np.log(2 * np.pi)).sum(axis=1)
    log_prior = -0.5 * (z**2 + np.log(2 * np.pi)).sum(axis=1)
    # The single-sample ELBO: -(reconstruction + log q(z|x) - log p(z)).
    np.testing.assert_allclose(
        estimate, -(reconstruction + log_q - log_prior), rtol=1e-5, atol=1e-4
    )


def test_an_uncompiled_model_evaluates(small_vae, tmp_path):
    fresh = keras_vae.VAE.from_config(small_vae.get_config())
    fresh.set_weights(small_vae.get_weights())
    fresh.save(tmp_path / "uncompiled.keras")
    loaded = keras.saving.load_model(tmp_path / "uncompiled.keras")
    x = np.ones((8, 4), "float32")
    assert np.isfinite(loaded.evaluate(x, verbose=0)[0])


def test_a_dynamically_binarized_model_scores_a_binary_draw_of_grey_data(
    small_vae,
):
    model = keras_vae.VAE.from_config(
        {**small_vae.get_config(), "dynamic_binarization": True}
    )
    model.set_weights(small_vae.get_weights())
    grey = np.full((6, 4), 0.5, "float32")
    binary = keras_vae.datasets.binarize(grey, seed=5)
    np.testing.assert_allclose(
        model.log_likelihood(grey, num_samples=50, seed=5),
        small_vae.log_likelihood(binary, num_samples=50, seed=5),
        rtol=1e-5,
    )
