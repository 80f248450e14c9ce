"""A `.keras` file written under each backend loads under this one."""

import fcntl
import os
import pathlib
import subprocess
import sys
import tempfile

import keras
import numpy as np
import pytest

import keras_vae
from tests.helpers import BACKENDS
from tests.helpers import shared_cache
from tests.helpers import synthetic_digits
from tests.helpers import to_numpy

WRITER = pathlib.Path(__file__).with_name("write_saved_model.py")


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    """`{backend: directory}` of the files each backend wrote.

    Each missing backend writes in a subprocess of its own, all side by
    side, into a scratch directory renamed into place once complete, so a
    file in the cache is never half-written. `make test` runs the three
    backends' pytest at once: a lock on the cache makes the first one write
    and the others wait for its files.
    """
    cache = shared_cache(tmp_path_factory, "saved_models")
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        return _written(cache)


def _written(cache):
    directories = {backend: cache / backend for backend in BACKENDS}
    writers = {}
    for backend, directory in directories.items():
        if directory.is_dir():
            continue
        scratch = pathlib.Path(tempfile.mkdtemp(dir=cache))
        writers[backend] = (
            scratch,
            subprocess.Popen(
                [sys.executable, str(WRITER), str(scratch)],
                env={**os.environ, "KERAS_BACKEND": backend},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
    failures = []
    for backend, (scratch, writer) in writers.items():
        _, stderr = writer.communicate(timeout=300)
        if writer.returncode != 0:
            failures.append(f"{backend} writer:\n{stderr[-4000:]}")
        elif not directories[backend].exists():
            scratch.rename(directories[backend])
    assert not failures, "\n".join(failures)
    return directories


@pytest.mark.parametrize("saved_under", BACKENDS)
def test_model_saved_under_backend_loads_here(saved_under, saved_models):
    directory = saved_models[saved_under]
    expected = np.load(directory / "expected.npz")
    loaded = keras.saving.load_model(directory / "vae.keras", safe_mode=True)
    assert type(loaded) is keras_vae.VAE
    assert float(to_numpy(loaded.beta)) == 0.5

    z_mean, z_log_var = loaded.encode(expected["x"])
    np.testing.assert_allclose(z_mean, expected["z_mean"], atol=1e-5)
    np.testing.assert_allclose(z_log_var, expected["z_log_var"], atol=1e-5)
    np.testing.assert_allclose(
        loaded.decode(expected["z"]), expected["decoded"], atol=1e-5
    )

    # Training continues from the saved optimizer state.
    assert int(to_numpy(loaded.optimizer.iterations)) == 4
    history = loaded.fit(
        synthetic_digits(64, seed=2)[0], epochs=1, batch_size=32, verbose=0
    )
    assert np.isfinite(history.history["loss"][0])
    assert int(to_numpy(loaded.optimizer.iterations)) == 6


@pytest.mark.parametrize("saved_under", BACKENDS)
def test_variants_saved_under_backend_load_here(saved_under, saved_models):
    directory = saved_models[saved_under]
    expected = np.load(directory / "expected.npz")
    cvae = keras.saving.load_model(directory / "cvae.keras", safe_mode=True)
    assert type(cvae) is keras_vae.ConditionalVAE
    np.testing.assert_allclose(
        cvae.reconstruct(expected["x"], expected["y"]),
        expected["cvae_reconstructed"],
        atol=1e-5,
    )
    autoencoder = keras.saving.load_model(
        directory / "autoencoder.keras", safe_mode=True
    )
    assert type(autoencoder) is keras_vae.Autoencoder
    np.testing.assert_allclose(
        autoencoder.reconstruct(expected["x"]),
        expected["autoencoder_reconstructed"],
        atol=1e-5,
    )
    iwae = keras.saving.load_model(directory / "iwae.keras", safe_mode=True)
    assert type(iwae) is keras_vae.IWAE
    assert iwae.num_samples == 3 and iwae.dynamic_binarization
    np.testing.assert_allclose(
        iwae.encode(expected["x"])[0], expected["iwae_z_mean"], atol=1e-5
    )
    assert np.isfinite(iwae.evaluate(expected["x"], verbose=0)[0])
    hvae = keras.saving.load_model(directory / "hvae.keras", safe_mode=True)
    assert type(hvae) is keras_vae.HierarchicalVAE
    assert isinstance(hvae.prior, keras_vae.priors.VampPrior)
    np.testing.assert_allclose(
        to_numpy(hvae.prior.log_prob(expected["z"])),
        expected["hvae_log_prior"],
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        hvae.decode(expected["z"]), expected["hvae_decoded"], atol=1e-5
    )
