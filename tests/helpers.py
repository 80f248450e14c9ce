"""Fixtures and checks shared by the tests (one backend per process)."""

import contextlib
import http.client
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
from unittest import mock

import keras
import numpy as np

import keras_vae

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_TFDS_DIR = REPO_ROOT.parent / "shared" / "tensorflow_datasets"
BACKENDS = ("tensorflow", "jax", "torch")
IMAGE_SHAPE = (28, 28, 1)
# `keras-vae` in a process of its own, on TFDS mock data.
RUN_CLI = REPO_ROOT / "tests" / "run_cli.py"


# Set by `pytest --hide-offline-data` (tests/conftest.py), and inherited by
# the processes the tests start: the lookup below then finds nothing, as on a
# machine that has no offline copy.
HIDE_OFFLINE_DATA = "KERAS_VAE_TESTS_HIDE_OFFLINE_DATA"
# What the skips of the tests that need real digits say is missing.
NO_OFFLINE_DATA = (
    "no offline TFDS copy of real MNIST (TFDS_DATA_DIR or "
    "../shared/tensorflow_datasets)"
)
# The datasets `mock_tfds` serves when not told which.
MOCKED_DATASETS = ("mnist", "fashion_mnist")


def tfds_data_dir():
    """The TFDS directory holding real MNIST, or None: tests never download."""
    if os.environ.get(HIDE_OFFLINE_DATA):
        return None
    for directory in (os.environ.get("TFDS_DATA_DIR"), SHARED_TFDS_DIR):
        if directory and (pathlib.Path(directory) / "mnist").is_dir():
            return str(directory)
    return None


def synthetic_digits(num_examples, seed=0, shape=IMAGE_SHAPE):
    """Learnable stand-in for MNIST: noisy copies of 10 random prototypes.

    Returns float32 images in [0, 1] and int64 labels.
    """
    rng = np.random.default_rng(seed)
    prototype_rng = np.random.default_rng(1234)
    prototypes = (prototype_rng.random((10, *shape)) > 0.7).astype("float32")
    labels = rng.integers(0, 10, size=num_examples)
    flips = rng.random((num_examples, *shape)) < 0.05
    images = np.abs(prototypes[labels] - flips).astype("float32")
    return images, labels.astype("int64")


@contextlib.contextmanager
def mock_tfds(
    data_dir=None,
    names=MOCKED_DATASETS,
    splits=("train", "test"),
    num_examples=256,
):
    """Makes TFDS serve random images for `names`; nothing is read or fetched.

    Writes each dataset's metadata, with the given split names, to
    `data_dir` (a temporary folder by default), so that `builder.info.splits`
    is known as for prepared data; `tfds.testing.mock_data` then serves
    `num_examples` random examples per split (the same for every split) to
    `keras_vae.datasets.load` and anything else that asks TFDS, whatever
    `data_dir` they pass. It patches this process only: a test that starts
    the command in another process uses it there (`tests/run_cli.py`).

    Yields a function returning the split names `as_dataset` was asked for.
    """
    import tensorflow_datasets as tfds

    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory())
        for name in names:
            builder = tfds.builder(name, data_dir=data_dir)
            builder.info.set_splits(
                tfds.core.SplitDict(
                    [
                        tfds.core.SplitInfo(
                            name=split,
                            shard_lengths=[num_examples],
                            num_bytes=0,
                        )
                        for split in splits
                    ]
                )
            )
            builder.data_path.mkdir(parents=True)
            builder.info.write_to_directory(builder.data_dir)
        requested = []
        original_as_dataset = tfds.core.DatasetBuilder.as_dataset

        def recording_as_dataset(self, split=None, **kwargs):
            requested.append(split)
            return original_as_dataset(self, split=split, **kwargs)

        stack.enter_context(
            tfds.testing.mock_data(
                num_examples=num_examples,
                policy=tfds.testing.MockPolicy.USE_FILES,
                data_dir=str(data_dir),
            )
        )
        stack.enter_context(
            mock.patch.object(
                tfds.core.DatasetBuilder, "as_dataset", recording_as_dataset
            )
        )
        yield lambda: list(requested)


_REAL_DATA = {}


def load_real(name, limit=None):
    """`keras_vae.datasets.load(name, limit=limit)` from the offline copy,
    cached; or None when there is no copy."""
    data_dir = tfds_data_dir()
    if data_dir is None:
        return None
    if (name, limit) not in _REAL_DATA:
        _REAL_DATA[name, limit] = keras_vae.datasets.load(
            name, data_dir=data_dir, download=False, limit=limit
        )
    return _REAL_DATA[name, limit]


def mnist_subset(num_train, num_test):
    """Real MNIST from the offline TFDS copy when present, else synthetic.

    Returns:
        `(x_train, x_test, source)` with source "mnist" or "synthetic".
    """
    real = load_real("mnist", limit=max(num_train, num_test))
    if real is None:
        return (
            synthetic_digits(num_train, seed=0)[0],
            synthetic_digits(num_test, seed=1)[0],
            "synthetic",
        )
    (x_train, _), (x_test, _) = real
    return x_train[:num_train], x_test[:num_test], "mnist"


def tiny_vae(
    architecture="mlp",
    latent_dim=2,
    likelihood="bernoulli",
    beta=1.0,
    seed=0,
    shape=IMAGE_SHAPE,
    learning_rate=1e-3,
):
    """A small compiled VAE with seeded weights."""
    keras.utils.set_random_seed(seed)
    if architecture == "mlp":
        encoder = keras_vae.build_mlp_encoder(
            shape, latent_dim, hidden_units=(64,)
        )
        decoder = keras_vae.build_mlp_decoder(
            shape, latent_dim, hidden_units=(64,)
        )
    else:
        encoder = keras_vae.build_conv_encoder(
            shape, latent_dim, filters=(4, 8)
        )
        decoder = keras_vae.build_conv_decoder(
            shape, latent_dim, filters=(4, 8)
        )
    vae = keras_vae.VAE(
        encoder, decoder, likelihood=likelihood, beta=beta, seed=seed
    )
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return vae


def shared_cache(tmp_path_factory, name):
    """A directory for files that the three backends' runs share.

    `make test` points KERAS_VAE_TEST_CACHE at a directory it empties before
    its three pytest runs, so such files are made once per `make test`, not
    once per backend (the runs lock the directory while one of them makes
    them); plain pytest uses its own tmp directory.
    """
    shared = os.environ.get("KERAS_VAE_TEST_CACHE")
    if not shared:
        return tmp_path_factory.mktemp(name)
    directory = pathlib.Path(shared) / name
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def to_numpy(value):
    return keras.ops.convert_to_numpy(value)


def seed_state(vae):
    return to_numpy(vae.sampling.seed_generator.state.value).copy()


def gradients(fn, *inputs):
    """Gradients of the scalar `fn(*inputs)` with respect to each input.

    The one place the tests take gradients outside `fit`, so it is written
    per backend, as the library's own `keras_vae/backend/` is.
    """
    backend = keras.backend.backend()
    inputs = [np.asarray(value, dtype="float32") for value in inputs]
    if backend == "tensorflow":
        import tensorflow as tf

        tensors = [tf.constant(value) for value in inputs]
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            output = fn(*tensors)
        return [g.numpy() for g in tape.gradient(output, tensors)]
    if backend == "jax":
        import jax

        def stateless_fn(*args):
            # Random draws update a SeedGenerator; inside a trace that update
            # must go to a scope, not to the variable.
            with keras.StatelessScope():
                return fn(*args)

        # Compiled whole: op by op, JAX compiles each new shape's ops one
        # at a time, several times slower for the property tests' shapes.
        argnums = tuple(range(len(inputs)))
        gradient_fn = jax.jit(jax.grad(stateless_fn, argnums))
        return [np.asarray(g) for g in gradient_fn(*inputs)]
    import torch

    tensors = [torch.tensor(value, requires_grad=True) for value in inputs]
    fn(*tensors).backward()
    return [t.grad.numpy() for t in tensors]


def start_explore(model, *options, env=None, cwd=None):
    """`keras-vae explore MODEL` in a process of its own, on TFDS mock data
    (64 test images, any free port).

    Args:
        model: a `.keras` path or a preset name.
        *options: more arguments of the command.
        env: the process's environment (default: this one's).
        cwd: its working folder (default: this one's).

    Returns:
        `(process, host, port)`, from the URL it printed.
    """
    process = subprocess.Popen(
        [sys.executable, str(RUN_CLI), "explore", str(model)]
        + ["--limit", "64", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**(env or os.environ), "TF_CPP_MIN_LOG_LEVEL": "3"},
        cwd=cwd,
        # `make test` starts pytest in the background, where the shell
        # ignores SIGINT, and children inherit that: give the command the
        # Ctrl-C of a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    line = process.stdout.readline()
    match = re.search(r"http://([\d.]+):(\d+)/", line)
    if match is None:
        process.kill()
        raise AssertionError(
            f"no URL printed: {line!r} {process.stderr.read()[-2000:]}"
        )
    return process, match.group(1), int(match.group(2))


def http_get(host, port, path):
    """`(status, body bytes)` of `GET path`."""
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def run_in_backend(backend, script, *args, timeout=300, environment=None):
    """Runs `python script args` under `KERAS_BACKEND=backend`, with the
    variables of `environment` set (a value of None unsets one); returns
    stdout."""
    env = {**os.environ, **(environment or {}), "KERAS_BACKEND": backend}
    env = {name: value for name, value in env.items() if value is not None}
    result = subprocess.run(
        [sys.executable, str(script), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{script} failed under {backend}:\n{result.stderr[-4000:]}"
        )
    return result.stdout
