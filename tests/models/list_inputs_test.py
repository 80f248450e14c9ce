"""Python lists of examples are read as arrays, as `np.asarray` reads them,
by every method that takes data; lists NumPy cannot read are refused
before any computation, and the model stays usable."""

import keras
import numpy as np
import pytest

import keras_vae
from tests.helpers import IMAGE_SHAPE
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae


@pytest.fixture(scope="module")
def digits():
    return synthetic_digits(16, seed=0)[0]


def test_encode_decode_and_log_likelihood_read_a_list_as_an_array(digits):
    vae = tiny_vae()
    for got, expected in zip(
        vae.encode(list(digits[:4])), vae.encode(digits[:4])
    ):
        np.testing.assert_array_equal(got, expected)
    z = vae.codes(digits[:4])
    np.testing.assert_array_equal(vae.decode(list(z)), vae.decode(z))
    np.testing.assert_array_equal(
        vae.reconstruct(list(digits[:4])), vae.reconstruct(digits[:4])
    )
    np.testing.assert_array_equal(
        vae.log_likelihood(list(digits[:2]), num_samples=8, seed=0),
        vae.log_likelihood(digits[:2], num_samples=8, seed=0),
    )


def test_fit_and_evaluate_train_on_a_list_as_on_the_array(digits):
    trained = []
    for data in (list(digits), digits):
        vae = tiny_vae(seed=0)
        vae.fit(data, epochs=1, batch_size=8, shuffle=False, verbose=0)
        trained.append(vae.get_weights())
        logs = vae.evaluate(data, return_dict=True, verbose=0)
        assert np.isfinite(logs["loss"])
    for from_list, from_array in zip(*trained):
        np.testing.assert_allclose(from_list, from_array, atol=1e-6)


def test_a_conditional_vae_encodes_a_list(digits):
    keras.utils.set_random_seed(0)
    cvae = keras_vae.ConditionalVAE(
        keras_vae.build_mlp_encoder(IMAGE_SHAPE, 2, (16,), num_classes=3),
        keras_vae.build_mlp_decoder(IMAGE_SHAPE, 2, (16,), num_classes=3),
    )
    labels = np.arange(4) % 3
    np.testing.assert_array_equal(
        cvae.encode(list(digits[:4]), labels)[0],
        cvae.encode(digits[:4], labels)[0],
    )


def test_a_ragged_list_is_refused_and_the_model_stays_usable(digits):
    vae = tiny_vae()
    vae.compile(optimizer=keras.optimizers.SGD(0.1))
    before = vae.get_weights()
    ragged = [digits[0], digits[1][:10]]
    for call in (vae.encode, vae.fit, vae.evaluate):
        with pytest.raises(TypeError, match="NumPy cannot read"):
            call(ragged)
    for old, new in zip(before, vae.get_weights()):
        np.testing.assert_array_equal(old, new)
    history = vae.fit(list(digits), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
