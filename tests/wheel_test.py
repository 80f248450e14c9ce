"""The wheel works outside the checkout: import, the command, the explorer's
page and files, and the presets.

The wheel is built once per `make test` from a copy of what the package is
made of, installed with `pip install --no-deps --target DIR`, and run with
`PYTHONPATH=DIR` from a folder outside the repository, so that a file the
wheel lacks, or code that reads files relative to the checkout, fails here.
"""

import fcntl
import inspect
import json
import os
import shutil
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_vae
from tests.helpers import REPO_ROOT
from tests.helpers import http_get
from tests.helpers import shared_cache
from tests.helpers import start_explore

# What `pip wheel .` reads: the build's configuration and the package.
SOURCES = ("pyproject.toml", "README.md", "keras_vae", "saved_models")
# The shipped files, as the checkout holds them.
PRESET_FILES = {
    "binarized_mnist_vae": "saved_models/binarized_mnist/vae.keras",
    "binarized_mnist_iwae5": "saved_models/binarized_mnist/iwae5.keras",
    "binarized_mnist_hvae": "saved_models/binarized_mnist/hvae.keras",
    "binarized_mnist_vae_vamp": "saved_models/binarized_mnist/vae_vamp.keras",
}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The folder the wheel is installed in (for `PYTHONPATH`)."""
    cache = shared_cache(tmp_path_factory, "wheel")
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        target = cache / "site"
        if not target.is_dir():
            _build_and_install(cache, target)
    return target


def _build_and_install(cache, target):
    source = cache / "source"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir()
    for name in SOURCES:
        path = REPO_ROOT / name
        if path.is_dir():
            shutil.copytree(
                path,
                source / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
        else:
            shutil.copy(path, source / name)
    _pip("wheel", "--no-build-isolation", "-w", cache / "dist", source)
    (wheel,) = (cache / "dist").glob("keras_vae-*.whl")
    _pip("install", "--target", cache / "installing", wheel)
    (cache / "installing").rename(target)  # complete, or absent


def _pip(command, *args):
    result = subprocess.run(
        [sys.executable, "-m", "pip", command, "--no-deps", "-q"]
        + [str(arg) for arg in args],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-4000:]


@pytest.fixture
def outside(installed, tmp_path):
    """The environment and folder of a process away from the checkout, with
    the wheel's folder as its `PYTHONPATH`."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(installed),
        "KERAS_BACKEND": keras.backend.backend(),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    return {"env": environment, "cwd": tmp_path}


def codes(latent_dim):
    """Three fixed codes of the model's top latent layer, to decode."""
    return np.linspace(-2, 2, 3 * latent_dim, dtype="float32").reshape(3, -1)


def test_the_wheel_imports_and_loads_every_preset(installed, outside, tmp_path):
    script = f"""
import json, sys
import numpy as np
import keras_vae
{inspect.getsource(codes)}
decoded, types = {{}}, {{}}
for name in keras_vae.presets():
    model = keras_vae.from_preset(name)
    decoded[name] = np.asarray(model.decode(codes(model.latent_dim)))
    types[name] = type(model).__name__
np.savez({str(tmp_path / "decoded.npz")!r}, **decoded)
print(json.dumps({{
    "file": keras_vae.__file__,
    "presets": keras_vae.presets(),
    "types": types,
}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        **outside,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["file"] == str(installed / "keras_vae" / "__init__.py")
    assert report["presets"] == keras_vae.presets()
    assert report["types"] == {
        "binarized_mnist_vae": "VAE",
        "binarized_mnist_iwae5": "IWAE",
        "binarized_mnist_hvae": "HierarchicalVAE",
        "binarized_mnist_vae_vamp": "VAE",
    }
    # The wheel's models are the checkout's files.
    decoded = np.load(tmp_path / "decoded.npz")
    for name, path in PRESET_FILES.items():
        model = keras.saving.load_model(REPO_ROOT / path, safe_mode=True)
        np.testing.assert_allclose(
            decoded[name],
            keras.ops.convert_to_numpy(model.decode(codes(model.latent_dim))),
            atol=1e-6,
        )


def test_the_wheels_command_prints_its_help(installed, outside):
    result = subprocess.run(
        [str(installed / "bin" / "keras-vae"), "explore", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        **outside,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert result.stdout.startswith("usage: keras-vae explore")
    for preset in keras_vae.presets():
        assert preset in " ".join(result.stdout.split())


def test_the_wheels_explorer_serves_a_preset_and_its_files(installed, outside):
    # tests/run_cli.py serves TFDS mock data; it appends the checkout to
    # sys.path, after PYTHONPATH, so keras_vae comes from the wheel.
    process, _, port = start_explore("binarized_mnist_vae", **outside)
    try:
        static = installed / "keras_vae" / "explorer" / "static"
        # The page and every file of the checkout's static folder (each of
        # the page's ES modules): the wheel ships and serves them all.
        checkout = REPO_ROOT / "keras_vae" / "explorer" / "static"
        names = sorted(file.name for file in checkout.iterdir())
        assert {"index.html", "explorer.js", "explorer.css"} <= set(names)
        pages = {"/": "index.html"}
        pages.update({f"/static/{name}": name for name in names})
        for path, name in pages.items():
            status, body = http_get("127.0.0.1", port, path)
            assert status == 200, path
            assert body == (static / name).read_bytes(), path
            assert body == (checkout / name).read_bytes(), path
        status, body = http_get("127.0.0.1", port, "/api/info")
        info = json.loads(body)
        assert status == 200 and info["num_points"] == 64
        assert info["latent_dim"] == 50
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-4000:]
