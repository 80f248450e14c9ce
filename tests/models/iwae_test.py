"""`keras_vae.IWAE`: training on the k-sample importance-weighted bound."""

import json

import keras
import numpy as np
import pytest

import keras_vae
from tests.helpers import IMAGE_SHAPE
from tests.helpers import synthetic_digits
from tests.helpers import to_numpy
from tests.losses_test import numpy_bernoulli_nll


def tiny_iwae(num_samples, seed=0, **kwargs):
    keras.utils.set_random_seed(seed)
    iwae = keras_vae.IWAE(
        keras_vae.build_mlp_encoder(IMAGE_SHAPE, 2, (32,)),
        keras_vae.build_mlp_decoder(IMAGE_SHAPE, 2, (32,)),
        num_samples=num_samples,
        seed=seed,
        **kwargs,
    )
    iwae.compile(optimizer=keras.optimizers.Adam(1e-3))
    return iwae


@pytest.fixture(scope="module")
def digits():
    return synthetic_digits(64, seed=0)[0]


def numpy_log_mean_exp(values):
    top = values.max(axis=0)
    return top + np.log(np.mean(np.exp(values - top), axis=0))


def test_the_loss_is_the_negative_k_sample_bound_of_the_draws(digits):
    iwae = tiny_iwae(num_samples=7)
    x = digits[:8]
    z_mean, z_log_var, z, logits = (to_numpy(t) for t in iwae(x))
    assert z.shape == (7, 8, 2) and logits.shape == (7, 8, *IMAGE_SHAPE)
    terms = {
        name: float(to_numpy(value))
        for name, value in iwae.compute_loss_terms(
            x, z_mean, z_log_var, z, logits
        ).items()
    }
    log_p_x = -np.stack([numpy_bernoulli_nll(x, logit) for logit in logits])
    eps = (z - z_mean) / np.exp(0.5 * z_log_var)
    log_q = -0.5 * (eps**2 + z_log_var + np.log(2 * np.pi)).sum(-1)
    log_prior = -0.5 * (z**2 + np.log(2 * np.pi)).sum(-1)
    bound = numpy_log_mean_exp(log_p_x + log_prior - log_q)
    np.testing.assert_allclose(terms["loss"], -bound.mean(), rtol=1e-5)
    np.testing.assert_allclose(
        terms["reconstruction_loss"], -log_p_x.mean(), rtol=1e-5
    )
    kl = -0.5 * (1 + z_log_var - z_mean**2 - np.exp(z_log_var)).sum(-1)
    np.testing.assert_allclose(terms["kl_loss"], kl.mean(), rtol=1e-5)


def test_one_sample_is_the_vaes_single_sample_elbo_of_the_same_draw(digits):
    iwae = tiny_iwae(num_samples=1, seed=3)
    vae = keras_vae.VAE(iwae.encoder, iwae.decoder, seed=3)
    x = digits[:16]
    # Both draw their first epsilon from a SeedGenerator(3): the VAE's
    # decoded sample is the IWAE's draw.
    z_mean, z_log_var, z, _ = (to_numpy(t) for t in iwae(x))
    _, _, vae_logits, _ = vae(x)
    eps = (z[0] - z_mean) / np.exp(0.5 * z_log_var)
    vae_z = z_mean + np.exp(0.5 * z_log_var) * eps
    np.testing.assert_allclose(
        to_numpy(vae_logits), to_numpy(vae.decoder(vae_z)), atol=1e-5
    )
    log_q = -0.5 * (eps**2 + z_log_var + np.log(2 * np.pi)).sum(-1)
    log_prior = -0.5 * (vae_z**2 + np.log(2 * np.pi)).sum(-1)
    single_sample_elbo = (
        -numpy_bernoulli_nll(x, to_numpy(vae_logits)) + log_prior - log_q
    )
    fresh = tiny_iwae(num_samples=1, seed=3)  # the same first draw again
    loss = fresh.compute_loss_terms(x, *fresh(x))["loss"]
    np.testing.assert_allclose(
        to_numpy(loss), -single_sample_elbo.mean(), rtol=1e-5
    )


def test_the_bound_tightens_with_k(digits):
    trained = tiny_iwae(num_samples=5)
    trained.fit(digits, epochs=3, batch_size=16, verbose=0)
    losses = []
    for k in (1, 5, 50):
        model = keras_vae.IWAE(
            trained.encoder, trained.decoder, num_samples=k, seed=1
        )
        model.compile()
        # 16 passes over the data average the draws' noise out.
        losses.append(
            model.evaluate(
                np.tile(digits, (16, 1, 1, 1)), batch_size=256, verbose=0
            )[0]
        )
    assert losses[0] > losses[1] > losses[2]


def test_fit_lowers_the_bound_and_warm_up_weighs_the_prior_ratio(digits):
    iwae = tiny_iwae(num_samples=5)
    history = iwae.fit(digits, epochs=4, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    x = digits[:8]
    outputs = iwae(x)
    iwae.beta.assign(0.0)
    # beta = 0: the weights are p(x | z_i) alone.
    log_p_x = -np.stack(
        [numpy_bernoulli_nll(x, logit) for logit in to_numpy(outputs[3])]
    )
    np.testing.assert_allclose(
        to_numpy(iwae.compute_loss_terms(x, *outputs)["loss"]),
        -numpy_log_mean_exp(log_p_x).mean(),
        rtol=1e-5,
    )


def test_round_trips_through_a_keras_file_in_safe_mode(digits, tmp_path):
    iwae = tiny_iwae(num_samples=3, dynamic_binarization=True)
    iwae.fit(digits, epochs=1, batch_size=16, verbose=0)
    path = tmp_path / "iwae.keras"
    iwae.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is keras_vae.IWAE
    assert loaded.num_samples == 3 and loaded.dynamic_binarization
    assert "free_bits" not in loaded.get_config()
    assert json.dumps(loaded.get_config()) == json.dumps(iwae.get_config())
    for mine, theirs in zip(iwae.encode(digits[:4]), loaded.encode(digits[:4])):
        np.testing.assert_allclose(mine, theirs, atol=1e-6)
    np.testing.assert_allclose(
        loaded.log_likelihood(digits[:4], num_samples=20, seed=0),
        iwae.log_likelihood(digits[:4], num_samples=20, seed=0),
        rtol=1e-5,
    )
    loaded.fit(digits, epochs=1, batch_size=16, verbose=0)


@pytest.mark.parametrize("num_samples", [0, -2, 2.5, "5"])
def test_rejects_bad_sample_counts(num_samples):
    with pytest.raises(ValueError, match="num_samples"):
        tiny_iwae(num_samples=num_samples)


def test_data_checks_and_plots_serve_it_too(digits, tmp_path):
    iwae = tiny_iwae(num_samples=2)
    weights = [w.copy() for w in iwae.get_weights()]
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        iwae.fit(digits * 255, epochs=1, verbose=0)
    for before, after in zip(weights, iwae.get_weights()):
        np.testing.assert_array_equal(before, after)
    paths = keras_vae.plots.save_all(
        iwae, digits, np.arange(len(digits)) % 10, output_dir=tmp_path
    )
    assert {path.name for path in paths} >= {
        "reconstructions.png",
        "samples.png",
        "latent_manifold.png",
    }
