"""What `/api/info` says about the prior and the plane's stochastic layer."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_vae
from keras_vae.explorer import LatentSpace
from keras_vae.explorer import RequestError
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae


def tiny_hierarchy(prior=None):
    keras.utils.set_random_seed(0)
    encoders, decoders = keras_vae.build_mlp_hierarchy(
        (28, 28, 1), latent_dims=(4, 2), hidden_units=((16,), (8,))
    )
    return keras_vae.HierarchicalVAE(encoders, decoders, seed=0, prior=prior)


def vamp_vae(num_pseudo_inputs=10):
    keras.utils.set_random_seed(0)
    return keras_vae.VAE(
        keras_vae.build_mlp_encoder((28, 28, 1), 2, (16,)),
        keras_vae.build_mlp_decoder((28, 28, 1), 2, (16,)),
        prior=keras_vae.priors.VampPrior(num_pseudo_inputs=num_pseudo_inputs),
    )


@pytest.fixture(scope="module")
def digits():
    return synthetic_digits(8)


def test_a_standard_normal_prior_gets_its_contours_and_one_layer(digits):
    info = LatentSpace(tiny_vae(latent_dim=2), *digits).info()
    assert info["prior"]["name"] == "StandardNormal"
    assert info["prior"]["contours"] == "N(0, I)"
    assert "N(0, I)" in info["prior"]["note"]
    assert info["latent_layer"] is None
    assert (
        LatentSpace(tiny_vae(latent_dim=2), *digits).points()["prior_mixture"]
        is None
    )


def test_a_vamp_prior_gets_its_mixture_contours(digits):
    space = LatentSpace(vamp_vae(num_pseudo_inputs=10), *digits)
    prior = space.info()["prior"]
    assert prior["name"] == "VampPrior"
    assert prior["contours"] == "mixture"
    assert prior["description"] == "VampPrior (10 components)"
    assert prior["note"].startswith(
        "Grey contours: the prior, VampPrior (10 components), in this plane"
    )
    assert "39%, 86% and 99% of its mass" in prior["note"]
    # The bound on z still holds, and its message claims no N(0, I) prior.
    with pytest.raises(RequestError, match="within") as error:
        space.decode([[0.0, 1e6]])
    assert "N(0, I)" not in str(error.value)


def test_a_hierarchical_vae_shows_its_top_layer(digits):
    hvae = tiny_hierarchy(prior=keras_vae.priors.VampPrior(10))
    space = LatentSpace(hvae, *digits)
    info = space.info()
    layer = info["latent_layer"]
    assert info["latent_dim"] == 2 and len(space.points()["z_mean"][0]) == 2
    assert layer["name"] == "z_2" and layer["num_layers"] == 2
    assert layer["latent_dims"] == [4, 2]
    assert layer["summary"] == "top layer z_2 of 2 (size 2)"
    assert "z_1 (size 4)" in layer["note"]
    assert info["prior"]["contours"] == "mixture"
    assert space.decode([[0.5, -1.0]]).shape == (1, 28, 28, 1)


def mixture_log_density(mixture, z):
    """log p(z) of the equal-weight mixture that the page is sent."""
    means = np.asarray(mixture["means"])
    variances = np.exp(np.asarray(mixture["log_vars"]))
    squares = (z[:, None, :] - means) ** 2 / variances
    log_components = -0.5 * np.sum(
        squares + np.log(2 * np.pi * variances), axis=-1
    )
    peak = log_components.max(axis=1)
    return peak + np.log(np.mean(np.exp(log_components - peak[:, None]), 1))


@pytest.mark.parametrize("model", ["vae", "hierarchical"])
def test_the_page_is_sent_the_prior_it_draws(digits, model):
    # The components the page draws are the model's prior: the mixture
    # they make has the prior's own log-density (for a HierarchicalVAE,
    # of its top layer), wherever the page evaluates it.
    prior = keras_vae.priors.VampPrior(6)
    built = vamp_vae(6) if model == "vae" else tiny_hierarchy(prior=prior)
    space = LatentSpace(built, *digits)
    mixture = space.points()["prior_mixture"]
    assert np.shape(mixture["means"]) == (6, 2)
    assert np.shape(mixture["log_vars"]) == (6, 2)
    z = np.random.default_rng(0).normal(size=(32, 2)) * 2
    expected = ops.convert_to_numpy(built.prior.log_prob(z))
    np.testing.assert_allclose(
        mixture_log_density(mixture, z), expected, rtol=1e-4, atol=1e-3
    )
