import keras
import numpy as np
import pytest

import keras_vae
from tests.helpers import tiny_vae


def test_load_vae_round_trip(tmp_path):
    vae = tiny_vae()
    vae.save(tmp_path / "vae.keras")
    loaded = keras_vae.load_vae(tmp_path / "vae.keras")
    assert isinstance(loaded, keras_vae.VAE)
    z = np.zeros((1, 2), "float32")
    np.testing.assert_allclose(loaded.decode(z), vae.decode(z), atol=1e-6)


def test_missing_file(tmp_path):
    with pytest.raises(
        FileNotFoundError, match="No model file at .*missing.keras"
    ):
        keras_vae.load_vae(tmp_path / "missing.keras")


@pytest.mark.parametrize(
    "content", [b"", b"random bytes \x00\x01", b"PK\x03\x04trunc"]
)
def test_not_a_keras_archive(tmp_path, content):
    path = tmp_path / "bad.keras"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a `.keras` model file"):
        keras_vae.load_vae(path)


def test_other_model_is_refused(tmp_path):
    inputs = keras.Input((3,))
    keras.Model(inputs, keras.layers.Dense(1)(inputs)).save(
        tmp_path / "dense.keras"
    )
    with pytest.raises(
        TypeError, match="holds a Functional, expected a keras_vae.VAE"
    ):
        keras_vae.load_vae(tmp_path / "dense.keras")
