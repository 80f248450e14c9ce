import os
import tempfile

import keras
import numpy as np
import pytest

import keras_vae
from tests import helpers

# Tests in a module that uses one of these read datasets: TFDS mock data, or
# the offline copy of real MNIST when it is there. They get the
# `reads_datasets` marker without having to remember it, so that CI's second
# pass (`make test-hidden-data`) runs every one of them with the copy hidden.
DATASET_HELPERS = (
    helpers.mock_tfds,
    helpers.load_real,
    helpers.mnist_subset,
    helpers.tfds_data_dir,
    helpers.RUN_CLI,
    helpers.start_explore,
)


def pytest_addoption(parser):
    parser.addoption(
        "--run_large",
        action="store_true",
        default=False,
        help="Also run the slow tests marked `large` (full MNIST training).",
    )
    parser.addoption(
        "--hide-offline-data",
        action="store_true",
        default=False,
        help="Run as on a machine without the offline TFDS copy: the tests "
        "find no real MNIST (those that need it skip) and TFDS_DATA_DIR is an "
        "empty folder, in this process and the ones it starts.",
    )


# XLA compiles each JAX step with LLVM at its lowest optimization level: the
# same program, generated code a little slower, compiled about a third
# faster (the JAX suite spends most of its time compiling small models).
# Timings are the benchmarks' job, which run without it.
FAST_COMPILATION_FLAGS = (
    "--xla_backend_optimization_level=0",
    "--xla_llvm_disable_expensive_passes=true",
)


def pytest_configure(config):
    _add_xla_flags(*FAST_COMPILATION_FLAGS, *ONE_THREAD_XLA_FLAGS)
    _one_thread_each()
    _share_jax_compilations()
    if config.getoption("--hide-offline-data"):
        os.environ[helpers.HIDE_OFFLINE_DATA] = "1"
        empty = tempfile.mkdtemp(prefix="keras_vae_no_tfds_")
        os.environ["TFDS_DATA_DIR"] = empty


def _add_xla_flags(*new_flags):
    """Adds `new_flags` to XLA_FLAGS, here and in subprocesses.

    Set before the tests start JAX (XLA reads its flags once, when its CPU
    backend starts); TensorFlow's XLA accepts the same flags.
    """
    flags = os.environ.get("XLA_FLAGS", "").split()
    flags += [flag for flag in new_flags if flag not in flags]
    os.environ["XLA_FLAGS"] = " ".join(flags)
    if keras.backend.backend() == "jax":
        from jax._src import xla_bridge

        assert not xla_bridge.backends_are_initialized(), (
            "JAX started before the tests set XLA_FLAGS"
        )


# `make test` runs three pytest processes on the machine's cores; each
# backend's own thread pools (OpenMP for torch, Eigen for TensorFlow and
# XLA) would start a thread per core in each, and their waiting threads spin
# on cores the others need. One compute thread each, here and in the
# processes the tests start (they read these variables).
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}
ONE_THREAD_XLA_FLAGS = ("--xla_cpu_multi_thread_eigen=false",)


def _one_thread_each():
    """Sets ONE_THREAD before any backend computes (XLA's flags are set
    with the others, `_add_xla_flags`)."""
    for name, value in ONE_THREAD.items():
        os.environ.setdefault(name, value)
    if keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(1)


def _share_jax_compilations():
    """Turns on JAX's persistent compilation cache for this run.

    The tests build many models of the same shapes, and JAX compiles each
    one's steps again; the cache keys a compilation on the program, so the
    second identical one is read back instead (about 30% of the JAX time of
    a model test file, measured 2026-12-07). Set in the environment, it
    also serves the processes the tests start (JAX only reads it there).
    Under `make test`, in KERAS_VAE_TEST_CACHE, emptied before each run.
    """
    shared = os.environ.get("KERAS_VAE_TEST_CACHE")
    directory = os.path.join(shared, "jax_compilations") if shared else None
    directory = directory or tempfile.mkdtemp(prefix="keras_vae_jax_cache_")
    settings = {
        "jax_compilation_cache_dir": directory,
        "jax_persistent_cache_min_compile_time_secs": 0,
        "jax_persistent_cache_min_entry_size_bytes": -1,
    }
    for name, value in settings.items():
        os.environ[name.upper()] = str(value)
    if keras.backend.backend() == "jax":
        import jax

        for name, value in settings.items():
            jax.config.update(name, value)


def pytest_report_header(config):
    header = [f"keras backend: {keras.backend.backend()}"]
    data_dir = helpers.tfds_data_dir()
    header.append(f"offline MNIST: {data_dir or helpers.NO_OFFLINE_DATA}")
    return header


def _reads_datasets(module):
    return any(
        any(value is helper for helper in DATASET_HELPERS)
        or (isinstance(value, os.PathLike) and value in DATASET_HELPERS)
        for value in vars(module).values()
    )


def pytest_collection_modifyitems(config, items):
    skip_large = pytest.mark.skip(reason="large test: run with --run_large")
    for item in items:
        if _reads_datasets(item.module):
            item.add_marker(pytest.mark.reads_datasets)
        if "large" in item.keywords and not config.getoption("--run_large"):
            item.add_marker(skip_large)


@pytest.fixture(scope="session")
def quick_start_names():
    """What the README's quick start defines, small, made once per backend.

    The documentation's pages that continue the quick start and the
    docstrings' examples take these names as given: data (128 training and
    16 test images of `synthetic_digits`, with labels), a fresh `encoder`
    and `decoder`, and `vae`, trained one epoch, with its `history`. The
    tests that use them may train `vae` further, as a reader's session
    would; each takes a copy of the dictionary.
    """
    (x_train, y_train), (x_test, y_test) = (
        helpers.synthetic_digits(128, seed=0),
        helpers.synthetic_digits(16, seed=1),
    )
    keras.utils.set_random_seed(0)
    vae = keras_vae.VAE(
        keras_vae.build_mlp_encoder(helpers.IMAGE_SHAPE, 2),
        keras_vae.build_mlp_decoder(helpers.IMAGE_SHAPE, 2),
        seed=0,
    )
    vae.compile(optimizer="adam")
    history = vae.fit(
        x_train, epochs=1, batch_size=64, validation_data=(x_test,), verbose=0
    )
    return {
        "keras": keras,
        "keras_vae": keras_vae,
        "np": np,
        "x_train": x_train,
        "y_train": y_train,
        "x_test": x_test,
        "y_test": y_test,
        "encoder": keras_vae.build_mlp_encoder(helpers.IMAGE_SHAPE, 2),
        "decoder": keras_vae.build_mlp_decoder(helpers.IMAGE_SHAPE, 2),
        "vae": vae,
        "history": history,
    }
