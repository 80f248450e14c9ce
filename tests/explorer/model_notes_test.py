"""What `/api/info` says about the prior and the plane's stochastic layer."""

import keras
import pytest

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
    assert info["prior"]["contours"] is True
    assert "N(0, I)" in info["prior"]["note"]
    assert info["latent_layer"] is None


def test_a_vamp_prior_says_its_contours_are_not_drawn(digits):
    space = LatentSpace(vamp_vae(num_pseudo_inputs=10), *digits)
    prior = space.info()["prior"]
    assert prior["name"] == "VampPrior"
    assert prior["contours"] is False
    assert prior["description"] == "VampPrior (10 components)"
    assert prior["note"].startswith(
        "Prior: VampPrior (10 components); its density contours are not drawn."
    )
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
    assert info["prior"]["contours"] is False
    assert space.decode([[0.5, -1.0]]).shape == (1, 28, 28, 1)
