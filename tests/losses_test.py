import math

import numpy as np
import pytest

from keras_vae import losses
from keras_vae.layers.sampling import Sampling
from tests.helpers import to_numpy


def numpy_kl(z_mean, z_log_var):
    return -0.5 * np.sum(1 + z_log_var - z_mean**2 - np.exp(z_log_var), axis=-1)


def numpy_bernoulli_nll(x, logits):
    probabilities = 1 / (1 + np.exp(-logits.astype("float64")))
    per_dim = -(x * np.log(probabilities) + (1 - x) * np.log1p(-probabilities))
    return per_dim.reshape(len(x), -1).sum(axis=-1)


def numpy_gaussian_nll(x, mean, scale):
    per_dim = (
        0.5 * ((x - mean) / scale) ** 2
        + np.log(scale)
        + 0.5 * np.log(2 * np.pi)
    )
    return per_dim.reshape(len(x), -1).sum(axis=-1)


def test_kl_matches_numpy_on_random_inputs():
    rng = np.random.default_rng(0)
    z_mean = rng.normal(size=(16, 5)).astype("float32")
    z_log_var = rng.normal(size=(16, 5)).astype("float32")
    kl = to_numpy(losses.kl_divergence(z_mean, z_log_var))
    assert kl.shape == (16,)
    np.testing.assert_allclose(kl, numpy_kl(z_mean, z_log_var), rtol=1e-5)


def test_kl_known_values():
    zeros = np.zeros((3, 4), "float32")
    np.testing.assert_allclose(to_numpy(losses.kl_divergence(zeros, zeros)), 0)
    z_mean = np.array([[1.0, -2.0, 3.0]], "float32")
    kl = to_numpy(losses.kl_divergence(z_mean, np.zeros_like(z_mean)))
    np.testing.assert_allclose(kl, [0.5 * (1 + 4 + 9)], rtol=1e-6)


def test_kl_matches_monte_carlo_estimate_from_sampling_draws():
    # KL(q || p) = E_q[log q(z) - log p(z)], estimated with Sampling's draws.
    num_draws = 50_000
    z_mean = np.tile(np.array([[0.5, -1.0]], "float32"), (num_draws, 1))
    z_log_var = np.tile(np.array([[-0.7, 0.4]], "float32"), (num_draws, 1))
    z = to_numpy(Sampling(seed=3)([z_mean, z_log_var]))
    log_q = -0.5 * np.sum(
        np.log(2 * np.pi) + z_log_var + (z - z_mean) ** 2 / np.exp(z_log_var),
        axis=-1,
    )
    log_p = -0.5 * np.sum(np.log(2 * np.pi) + z**2, axis=-1)
    monte_carlo = np.mean(log_q - log_p)
    analytic = to_numpy(losses.kl_divergence(z_mean[:1], z_log_var[:1]))[0]
    assert abs(monte_carlo - analytic) < 0.02, (monte_carlo, analytic)


def test_bernoulli_nll_matches_numpy_including_large_logits():
    rng = np.random.default_rng(1)
    x = rng.random((4, 6, 6, 1)).astype("float32")
    logits = rng.normal(scale=4.0, size=x.shape).astype("float32")
    nll = to_numpy(losses.bernoulli_negative_log_likelihood(x, logits))
    np.testing.assert_allclose(nll, numpy_bernoulli_nll(x, logits), rtol=1e-5)
    # Saturated logits stay finite: -log sigmoid(-60) is 60 nats, not inf.
    large = to_numpy(
        losses.bernoulli_negative_log_likelihood(
            np.ones((1, 2), "float32"), np.array([[-60.0, 60.0]], "float32")
        )
    )
    np.testing.assert_allclose(large, [60.0], rtol=1e-5)


def test_bernoulli_nll_of_uniform_prediction_is_log_two_per_pixel():
    nll = losses.bernoulli_negative_log_likelihood(
        np.ones((2, 784), "float32"), np.zeros((2, 784), "float32")
    )
    np.testing.assert_allclose(
        to_numpy(nll), [784 * math.log(2)] * 2, rtol=1e-6
    )


@pytest.mark.parametrize("scale", [1.0, 0.1])
def test_gaussian_nll_matches_numpy_with_its_constant(scale):
    rng = np.random.default_rng(2)
    x = rng.random((3, 5, 5, 1)).astype("float32")
    mean = rng.random(x.shape).astype("float32")
    nll = to_numpy(losses.gaussian_negative_log_likelihood(x, mean, scale))
    np.testing.assert_allclose(
        nll, numpy_gaussian_nll(x, mean, scale), rtol=1e-5
    )


def test_reconstruction_loss_dispatches_on_likelihood():
    rng = np.random.default_rng(3)
    x = rng.random((2, 8)).astype("float32")
    output = rng.normal(size=(2, 8)).astype("float32")
    np.testing.assert_allclose(
        to_numpy(losses.reconstruction_loss("bernoulli", x, output)),
        numpy_bernoulli_nll(x, output),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        to_numpy(losses.reconstruction_loss("gaussian", x, output, 0.5)),
        numpy_gaussian_nll(x, output, 0.5),
        rtol=1e-5,
    )


def test_likelihood_mean():
    logits = np.array([[-2.0, 0.0, 3.0]], "float32")
    np.testing.assert_allclose(
        to_numpy(losses.likelihood_mean("bernoulli", logits)),
        1 / (1 + np.exp(-logits)),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        to_numpy(losses.likelihood_mean("gaussian", logits)), logits
    )


def test_losses_are_float32_for_half_precision_inputs():
    x = np.full((2, 4), 0.5, "float16")
    output = np.full((2, 4), 20.0, "float16")
    for value in (
        losses.kl_divergence(output, output),
        losses.bernoulli_negative_log_likelihood(x, output),
        losses.gaussian_negative_log_likelihood(x, output, 0.1),
    ):
        assert str(to_numpy(value).dtype) == "float32"
        assert np.all(np.isfinite(to_numpy(value)))
