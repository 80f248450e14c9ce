"""Fixtures and checks shared by the tests (one backend per process)."""

import contextlib
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np

import keras_vae

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_TFDS_DIR = REPO_ROOT.parent / "shared" / "tensorflow_datasets"
BACKENDS = ("tensorflow", "jax", "torch")
IMAGE_SHAPE = (28, 28, 1)


def tfds_data_dir():
    """The TFDS directory holding real MNIST, or None: tests never download."""
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
def offline_tfds():
    """Makes TFDS read the offline copy, else TFDS' mock data; no download.

    Yields the offline directory (also set as TFDS_DATA_DIR), or None when
    mock data stands in for it.
    """
    data_dir = tfds_data_dir()
    if data_dir is None:
        import tensorflow_datasets as tfds

        with tfds.testing.mock_data(num_examples=256):
            yield None
        return
    previous = os.environ.get("TFDS_DATA_DIR")
    os.environ["TFDS_DATA_DIR"] = data_dir
    try:
        yield data_dir
    finally:
        if previous is None:
            del os.environ["TFDS_DATA_DIR"]
        else:
            os.environ["TFDS_DATA_DIR"] = previous


_REAL_DATA = {}


def load_real(name):
    """`keras_vae.datasets.load(name)` from the offline copy, cached; or None."""
    data_dir = tfds_data_dir()
    if data_dir is None:
        return None
    if name not in _REAL_DATA:
        _REAL_DATA[name] = keras_vae.datasets.load(
            name, data_dir=data_dir, download=False
        )
    return _REAL_DATA[name]


def mnist_subset(num_train, num_test):
    """Real MNIST from the offline TFDS copy when present, else synthetic.

    Returns:
        `(x_train, x_test, source)` with source "mnist" or "synthetic".
    """
    real = load_real("mnist")
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


def to_numpy(value):
    return keras.ops.convert_to_numpy(value)


def seed_state(vae):
    return to_numpy(vae.sampling.seed_generator.state.value).copy()


def gradients(fn, *inputs):
    """Gradients of the scalar `fn(*inputs)` with respect to each input.

    The one place the tests take gradients outside `fit`, so it is written
    per backend, as the library's own `models/steps.py` is.
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

        argnums = tuple(range(len(inputs)))
        return [np.asarray(g) for g in jax.grad(stateless_fn, argnums)(*inputs)]
    import torch

    tensors = [torch.tensor(value, requires_grad=True) for value in inputs]
    fn(*tensors).backward()
    return [t.grad.numpy() for t in tensors]


def run_in_backend(backend, script, *args, timeout=300):
    """Runs `python script args` under `KERAS_BACKEND=backend`; returns stdout."""
    env = {**os.environ, "KERAS_BACKEND": backend}
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
