import json

import keras
import numpy as np
import pytest

import keras_vae
from tests.helpers import seed_state
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae
from tests.helpers import to_numpy

LATENT_POINTS = np.random.default_rng(5).normal(size=(6, 2)).astype("float32")


@pytest.fixture(scope="module")
def digits():
    return synthetic_digits(128, seed=0)[0]


def train_and_save(architecture, digits, directory):
    vae = tiny_vae(architecture=architecture, likelihood="bernoulli", seed=2)
    vae.fit(digits, epochs=1, batch_size=32, verbose=0)
    path = directory / "vae.keras"
    vae.save(path)
    return vae, path


@pytest.fixture(scope="module", params=["mlp", "conv"])
def saved(request, digits, tmp_path_factory):
    # Shared by the tests that only read the model and its file; a test that
    # trains the model further trains one of its own.
    directory = tmp_path_factory.mktemp(f"saved_{request.param}")
    return train_and_save(request.param, digits, directory)


def assert_same_outputs(original, loaded, x):
    for expected, actual in zip(original.encode(x), loaded.encode(x)):
        np.testing.assert_allclose(actual, expected, atol=1e-6)
    np.testing.assert_allclose(
        loaded.decode(LATENT_POINTS), original.decode(LATENT_POINTS), atol=1e-6
    )


@pytest.mark.parametrize("safe_mode", [True, False])
def test_load_without_custom_objects_gives_identical_outputs(
    saved, digits, safe_mode
):
    original, path = saved
    loaded = keras.saving.load_model(path, safe_mode=safe_mode)
    assert type(loaded) is keras_vae.VAE
    assert json.dumps(loaded.get_config(), sort_keys=True) == json.dumps(
        original.get_config(), sort_keys=True
    )
    assert_same_outputs(original, loaded, digits[:8])


def test_optimizer_and_seed_state_survive_loading(saved):
    original, path = saved
    loaded = keras.saving.load_model(path)
    iterations = int(to_numpy(original.optimizer.iterations))
    assert iterations == 4
    assert int(to_numpy(loaded.optimizer.iterations)) == iterations
    assert len(loaded.optimizer.variables) == len(original.optimizer.variables)
    pairs = zip(original.optimizer.variables, loaded.optimizer.variables)
    for expected, actual in pairs:
        np.testing.assert_allclose(
            to_numpy(actual), to_numpy(expected), atol=1e-7
        )
    np.testing.assert_array_equal(seed_state(loaded), seed_state(original))


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_training_resumes_exactly_where_it_stopped(
    architecture, digits, tmp_path
):
    # Same weights, optimizer moments and noise seed: the next epoch of the
    # loaded model repeats the next epoch of the original one.
    original, path = train_and_save(architecture, digits, tmp_path)
    loaded = keras.saving.load_model(path)
    kwargs = dict(epochs=1, batch_size=32, shuffle=False, verbose=0)
    expected = original.fit(digits, **kwargs).history["loss"]
    actual = loaded.fit(digits, **kwargs).history["loss"]
    np.testing.assert_allclose(actual, expected, rtol=1e-4)
    assert int(to_numpy(loaded.optimizer.iterations)) == 8


@pytest.mark.parametrize(
    "requested",
    [
        {"jit_compile": "auto", "steps_per_execution": "auto"},
        {"jit_compile": False, "steps_per_execution": 1},
    ],
)
def test_compile_requests_are_saved_not_their_resolution(
    digits, tmp_path, requested
):
    # Under JAX "auto" resolves to XLA and 32 steps per call; a file that
    # recorded those would make torch train through a slow `torch.compile`,
    # or refuse steps_per_execution=32.
    vae = tiny_vae(seed=2)
    vae.compile(optimizer="adam", **requested)
    vae.fit(digits, epochs=1, batch_size=64, verbose=0)
    vae.save(tmp_path / "vae.keras")
    loaded = keras.saving.load_model(tmp_path / "vae.keras")
    config = loaded.get_compile_config()
    for name, value in requested.items():
        assert config[name] == value
    assert loaded.jit_compile == vae.jit_compile
    assert loaded.steps_per_execution == vae.steps_per_execution


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "vae.keras"
    vae = tiny_vae(seed=2)
    vae.save(path)
    previous = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(keras_vae.Sampling, "save_own_variables", fail)
    with pytest.raises(OSError, match="disk full"):
        vae.save(path)
    assert path.read_bytes() == previous
    assert [p.name for p in tmp_path.iterdir()] == ["vae.keras"]


def test_save_replaces_the_file_and_leaves_nothing_else(tmp_path):
    path = tmp_path / "vae.keras"
    tiny_vae(seed=2).save(path)
    tiny_vae(seed=3).save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["vae.keras"]
    loaded = keras.saving.load_model(path)
    assert loaded.seed == 3


class Interrupt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def test_backup_and_restore_resumes_fit_after_an_interruption(digits, tmp_path):
    # The README's recipe: fit(..., callbacks=[BackupAndRestore(dir)]).
    def fit(vae, *extra):
        backup = keras.callbacks.BackupAndRestore(tmp_path / "backup")
        return vae.fit(
            digits,
            epochs=4,
            batch_size=32,
            shuffle=False,
            verbose=0,
            callbacks=[backup, *extra],
        ).history

    uninterrupted = fit(tiny_vae(seed=4))
    vae = tiny_vae(seed=4)
    with pytest.raises(KeyboardInterrupt):
        fit(vae, Interrupt(epoch=1))
    resumed = fit(tiny_vae(seed=4))
    assert len(resumed["loss"]) == 2
    np.testing.assert_allclose(
        resumed["loss"], uninterrupted["loss"][2:], rtol=1e-4
    )
    assert not (tmp_path / "backup").exists()
