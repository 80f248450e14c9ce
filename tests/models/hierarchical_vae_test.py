"""`keras_vae.HierarchicalVAE`: two stochastic layers, Burda et al.'s."""

import keras
import numpy as np
import pytest
from scipy.special import logsumexp

import keras_vae
from tests.helpers import IMAGE_SHAPE
from tests.helpers import synthetic_digits
from tests.helpers import to_numpy
from tests.importance_sampling_test import numpy_log_p_x_given_z
from tests.models.iwae_test import numpy_log_mean_exp


def tiny_hvae(num_samples=1, seed=0, shape=IMAGE_SHAPE, **kwargs):
    keras.utils.set_random_seed(seed)
    encoders, decoders = keras_vae.build_mlp_hierarchy(
        shape, latent_dims=(4, 2), hidden_units=((16,), (8,))
    )
    hvae = keras_vae.HierarchicalVAE(
        encoders, decoders, num_samples=num_samples, seed=seed, **kwargs
    )
    hvae.compile(optimizer=keras.optimizers.Adam(1e-2))
    return hvae


@pytest.fixture(scope="module")
def digits():
    return synthetic_digits(64, seed=0)[0]


def dense_units(model):
    return [
        layer.units
        for layer in model.layers
        if isinstance(layer, keras.layers.Dense)
    ]


def test_the_builder_makes_burdas_two_layer_model():
    encoders, decoders = keras_vae.build_mlp_hierarchy((28, 28, 1))
    assert [dense_units(model) for model in encoders] == [
        [200, 200, 100, 100],
        [100, 100, 50, 50],
    ]
    assert [dense_units(model) for model in decoders] == [
        [200, 200, 784],
        [100, 100, 100, 100],
    ]
    hvae = keras_vae.HierarchicalVAE(encoders, decoders)
    assert hvae.latent_dims == (100, 50) and hvae.latent_dim == 50
    assert hvae.encoders == encoders and hvae.decoders == decoders


def numpy_gaussian_log_density(z, mean, log_var):
    return -0.5 * (
        (z - mean) ** 2 / np.exp(log_var) + log_var + np.log(2 * np.pi)
    )


def test_5000_samples_are_within_a_tenth_of_a_nat_of_exact():
    # A 1-D latent in each layer: log p(x) = log of the double integral
    # of p(x | z1) p(z1 | z2) p(z2), on a grid.
    keras.utils.set_random_seed(3)
    encoders, decoders = keras_vae.build_mlp_hierarchy(
        (4,), latent_dims=(1, 1), hidden_units=((8,), (8,))
    )
    hvae = keras_vae.HierarchicalVAE(encoders, decoders, seed=3)
    hvae.compile(optimizer=keras.optimizers.Adam(1e-2))
    x = np.random.default_rng(0).random((512, 4)) < [0.2, 0.5, 0.7, 0.9]
    hvae.fit(x.astype("float32"), epochs=5, batch_size=64, verbose=0)

    z1 = np.linspace(-12.0, 12.0, 2401, dtype="float32")[:, None]
    z2 = np.linspace(-8.0, 8.0, 1601, dtype="float32")[:, None]
    mean, log_var = (to_numpy(v) for v in hvae.upper_decoders[0](z2))
    # log p(z1 | z2) + log p(z2): (z2 grid, z1 grid).
    log_joint = numpy_gaussian_log_density(
        z1[None, :, 0], mean, log_var
    ) + numpy_gaussian_log_density(z2, 0.0, 0.0)
    log_p_z1 = logsumexp(log_joint, axis=0) + np.log(z2[1, 0] - z2[0, 0])
    x = np.array(
        [[0, 0, 0, 0], [1, 1, 1, 1], [0, 1, 1, 1], [1, 0, 0, 1]], "float32"
    )
    exact = logsumexp(
        numpy_log_p_x_given_z(hvae.decoder, x, z1) + log_p_z1, axis=1
    ) + np.log(z1[1, 0] - z1[0, 0])
    np.testing.assert_allclose(
        hvae.log_likelihood(x, num_samples=5000, seed=0, verbose=0),
        exact,
        atol=0.1,
    )


@pytest.mark.parametrize("num_samples", [1, 4])
def test_the_loss_is_the_bound_of_the_draws(digits, num_samples):
    hvae = tiny_hvae(num_samples=num_samples)
    log_p_x_given_z, log_prior_ratio = (to_numpy(v) for v in hvae(digits))
    assert log_p_x_given_z.shape == (num_samples, 64)
    terms = hvae.compute_loss_terms(digits, log_p_x_given_z, log_prior_ratio)
    log_weights = log_p_x_given_z + log_prior_ratio
    expected = {
        "loss": -numpy_log_mean_exp(log_weights).mean(),
        "reconstruction_loss": -log_p_x_given_z.mean(),
        "kl_loss": -log_prior_ratio.mean(),
    }
    for name, value in expected.items():
        np.testing.assert_allclose(float(terms[name]), value, rtol=1e-5)
    # beta weighs the prior ratio inside each weight.
    hvae.beta.assign(0.0)
    np.testing.assert_allclose(
        float(
            hvae.compute_loss_terms(digits, log_p_x_given_z, log_prior_ratio)[
                "loss"
            ]
        ),
        -numpy_log_mean_exp(log_p_x_given_z).mean(),
        rtol=1e-5,
    )


def test_the_latent_space_is_the_top_layers(digits):
    hvae = tiny_hvae()
    z_mean, z_log_var = hvae.encode(digits[:5])
    assert z_mean.shape == z_log_var.shape == (5, 2)
    mean_1, _ = hvae.encoder(digits[:5])
    expected, _ = hvae.upper_encoders[0](mean_1)
    np.testing.assert_allclose(z_mean, to_numpy(expected), atol=1e-5)
    z = np.random.default_rng(0).normal(size=(3, 2)).astype("float32")
    z1_mean, _ = hvae.upper_decoders[0](z)
    logits = to_numpy(hvae.decoder(z1_mean))
    np.testing.assert_allclose(
        hvae.decode(z), 1 / (1 + np.exp(-logits)), atol=1e-5
    )
    assert hvae.sample(4, seed=0).shape == (4, *IMAGE_SHAPE)


def test_trains_and_round_trips_with_a_vamp_prior(digits, tmp_path):
    hvae = tiny_hvae(
        num_samples=3,
        dynamic_binarization=True,
        prior=keras_vae.priors.VampPrior(5, seed=0),
    )
    start = to_numpy(hvae.prior.pseudo_inputs).copy()
    history = hvae.fit(digits, epochs=1, batch_size=32, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert np.abs(to_numpy(hvae.prior.pseudo_inputs) - start).max() > 1e-3
    hvae.save(tmp_path / "hvae.keras")
    loaded = keras.saving.load_model(tmp_path / "hvae.keras", safe_mode=True)
    assert type(loaded) is keras_vae.HierarchicalVAE
    assert loaded.num_samples == 3 and loaded.dynamic_binarization
    assert loaded.latent_dims == (4, 2)
    x = keras_vae.datasets.binarize(digits[:4], seed=0)
    np.testing.assert_allclose(
        loaded.log_likelihood(x, num_samples=30, seed=0, verbose=0),
        hvae.log_likelihood(x, num_samples=30, seed=0, verbose=0),
        rtol=1e-5,
    )
    # Training goes on from the saved optimizer state.
    loaded.fit(digits, epochs=1, batch_size=32, verbose=0)
    assert int(to_numpy(loaded.optimizer.iterations)) == 4


def test_bad_data_and_divergence_are_caught(digits):
    hvae = tiny_hvae()
    with pytest.raises(ValueError, match=r"needs `x` in \[0, 1\]"):
        hvae.fit(digits * 3.0, epochs=1, verbose=0)
    hvae.optimizer.learning_rate.assign(1e12)
    with pytest.raises(keras_vae.NonFiniteLossError):
        hvae.fit(digits, epochs=3, batch_size=8, verbose=0)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda e, d: (e[:1], d[:1]), "at least two layers"),
        (lambda e, d: (e, d[:1]), "as many encoders as decoders"),
        (lambda e, d: (e, [d[0], e[1]]), "Expected decoder 2"),
        (lambda e, d: ([e[0], d[1]], d), "Expected encoder 2"),
        (lambda e, d: (e[0], d), "list of functional"),
    ],
)
def test_stacks_that_do_not_fit_are_refused(change, message):
    encoders, decoders = keras_vae.build_mlp_hierarchy(
        (4,), latent_dims=(3, 2), hidden_units=((8,), (8,))
    )
    with pytest.raises(ValueError, match=message):
        keras_vae.HierarchicalVAE(*change(encoders, decoders))
