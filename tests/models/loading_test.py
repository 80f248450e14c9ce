import zipfile

import keras
import numpy as np
import pytest

import keras_vae
from tests.helpers import IMAGE_SHAPE
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
        TypeError, match="holds a Functional, expected a keras_vae model"
    ):
        keras_vae.load_vae(tmp_path / "dense.keras")


def entries_of(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewritten(path, entries):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return path


@pytest.fixture(scope="module")
def saved_entries(tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "vae.keras"
    tiny_vae().save(path)
    return path, entries_of(path)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.99])
def test_truncated_file_is_refused(tmp_path, saved_entries, fraction):
    content = saved_entries[0].read_bytes()
    path = tmp_path / "truncated.keras"
    path.write_bytes(content[: int(len(content) * fraction)])
    with pytest.raises(ValueError, match="not a `.keras` model file"):
        keras_vae.load_vae(path)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda entries: entries.pop("config.json"), "config.json"),
        (lambda entries: entries.update({"config.json": b"{oops"}), "char 1"),
        (
            lambda entries: entries.pop("model.weights.h5"),
            "model.weights.h5",
        ),
        (
            lambda entries: entries.update(
                {"model.weights.h5": entries["model.weights.h5"][:200]}
            ),
            "truncated",
        ),
    ],
    ids=["no_config", "bad_config", "no_weights", "truncated_weights"],
)
def test_archive_with_missing_or_corrupt_parts_is_refused(
    tmp_path, saved_entries, damage, message
):
    entries = dict(saved_entries[1])
    damage(entries)
    path = rewritten(tmp_path / "damaged.keras", entries)
    with pytest.raises(
        ValueError, match=f"Could not load the model in .*{message}"
    ):
        keras_vae.load_vae(path)


def test_lambda_layer_is_refused_in_safe_mode(tmp_path):
    inputs = keras.Input(IMAGE_SHAPE)
    hidden = keras.layers.Dense(8)(keras.layers.Flatten()(inputs))
    hidden = keras.layers.Lambda(lambda t: t * 2.0)(hidden)
    encoder = keras.Model(
        inputs, [keras.layers.Dense(2)(hidden), keras.layers.Dense(2)(hidden)]
    )
    decoder = keras_vae.build_mlp_decoder(IMAGE_SHAPE, 2, hidden_units=(8,))
    keras_vae.VAE(encoder, decoder).save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="Lambda.*safe_mode=False"):
        keras_vae.load_vae(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="Lambda.*safe_mode=False"):
        keras.saving.load_model(tmp_path / "lambda.keras", safe_mode=True)
    loaded = keras_vae.load_vae(tmp_path / "lambda.keras", safe_mode=False)
    assert isinstance(loaded, keras_vae.VAE)
