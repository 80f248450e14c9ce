"""`keras_vae.Autoencoder`: the deterministic baseline."""

import json
import warnings

import keras
import numpy as np
import pytest

import keras_vae
from tests.helpers import IMAGE_SHAPE
from tests.helpers import synthetic_digits
from tests.helpers import to_numpy
from tests.losses_test import numpy_bernoulli_nll


def tiny_autoencoder(latent_dim=2, seed=0):
    keras.utils.set_random_seed(seed)
    encoder = keras_vae.build_mlp_encoder(IMAGE_SHAPE, latent_dim, (64,))
    decoder = keras_vae.build_mlp_decoder(IMAGE_SHAPE, latent_dim, (64,))
    autoencoder = keras_vae.Autoencoder(encoder, decoder)
    autoencoder.compile(optimizer=keras.optimizers.Adam(1e-3))
    return autoencoder


@pytest.fixture(scope="module")
def digits():
    return synthetic_digits(128, seed=0)[0]


def test_the_builders_encoder_is_cut_to_its_z_mean_code():
    autoencoder = tiny_autoencoder()
    assert len(autoencoder.encoder.outputs) == 1
    names = [layer.name for layer in autoencoder.encoder.layers]
    assert "z_mean" in names and "z_log_var" not in names
    # Flatten-Dense(64)-Dense(2) and Dense(64)-Dense(784): 4 kernels, 4 biases.
    assert len(autoencoder.trainable_variables) == 8


def test_loss_is_the_reconstruction_of_the_decoded_code(digits):
    autoencoder = tiny_autoencoder()
    x = digits[:6]
    code, logits = autoencoder(x)
    again = to_numpy(autoencoder(x)[1])
    np.testing.assert_array_equal(to_numpy(logits), again)  # no sampling
    np.testing.assert_allclose(
        to_numpy(autoencoder.decoder(autoencoder.encoder(x))), again
    )
    terms = autoencoder.compute_loss_terms(x, code, logits)
    expected = numpy_bernoulli_nll(x, to_numpy(logits)).mean()
    assert sorted(terms) == ["loss", "reconstruction_loss"]
    np.testing.assert_allclose(to_numpy(terms["loss"]), expected, rtol=1e-5)


def test_fit_lowers_the_loss_with_a_gradient_for_every_variable(digits):
    autoencoder = tiny_autoencoder()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = autoencoder.fit(
            digits, epochs=3, batch_size=32, verbose=0
        ).history
    assert not [w for w in caught if "Gradients do not exist" in str(w)]
    assert sorted(history) == ["loss", "reconstruction_loss"]
    assert history["loss"][-1] < history["loss"][0] - 10


def test_saves_and_loads_with_safe_mode(tmp_path, digits):
    autoencoder = tiny_autoencoder()
    autoencoder.fit(digits, epochs=1, batch_size=32, verbose=0)
    autoencoder.save(tmp_path / "autoencoder.keras")
    loaded = keras_vae.load_vae(tmp_path / "autoencoder.keras", safe_mode=True)
    assert type(loaded) is keras_vae.Autoencoder
    assert json.dumps(loaded.get_config(), sort_keys=True) == json.dumps(
        autoencoder.get_config(), sort_keys=True
    )
    np.testing.assert_allclose(
        loaded.reconstruct(digits[:4]),
        autoencoder.reconstruct(digits[:4]),
        atol=1e-6,
    )
    assert int(to_numpy(loaded.optimizer.iterations)) == 4
    np.testing.assert_allclose(
        loaded.encode(digits[:4]), autoencoder.encode(digits[:4]), atol=1e-6
    )


def test_samples_decode_prior_draws_like_the_vae():
    autoencoder = tiny_autoencoder()
    samples = autoencoder.sample(5, seed=3)
    assert samples.shape == (5, *IMAGE_SHAPE)
    z = autoencoder.prior_draws(5, seed=3)
    np.testing.assert_allclose(samples, autoencoder.decode(z), atol=1e-6)


def test_an_encoder_with_one_output_is_the_code():
    inputs = keras.Input((4,))
    encoder = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    decoder = keras_vae.build_mlp_decoder((4,), 3, (8,))
    autoencoder = keras_vae.Autoencoder(encoder, decoder)
    assert autoencoder.latent_dim == 3
    assert autoencoder.encode(np.zeros((2, 4), "float32")).shape == (2, 3)


def test_an_encoder_with_three_outputs_is_refused():
    inputs = keras.Input((4,))
    outputs = [keras.layers.Dense(3)(inputs) for _ in range(3)]
    decoder = keras_vae.build_mlp_decoder((4,), 3, (8,))
    with pytest.raises(ValueError, match="Expected `encoder` to output"):
        keras_vae.Autoencoder(keras.Model(inputs, outputs), decoder)
