"""Data-parallel training on 2 CPU devices: JAX, TensorFlow; torch refuses.

The devices are split before the backend starts, so under JAX and
TensorFlow the cases run in two processes of their own
(`tests/run_distributed.py`), once per pytest process, and the tests check
their results. Under torch the same tests check that data parallelism is
refused with a clear error.
"""

import json
import pathlib

import keras
import numpy as np
import pytest

import keras_vae
from keras_vae import cli
from keras_vae import distribution
from tests.helpers import run_in_backend

BACKEND = keras.backend.backend()
SCRIPT = pathlib.Path(__file__).with_name("run_distributed.py")
# Its two processes (see its docstring).
MODES = ("checks", "cli")
# Two JAX devices of the CPU, each running its matrix products on one
# thread: with XLA's shared multi-threaded Eigen pool, their all-reduce
# deadlocked on a 2-core machine (benchmarks/scaling.py, cpu_devices_flags).
COUNT_ONLY = "--xla_force_host_platform_device_count=2"
TWO_CPU_DEVICES = f"{COUNT_ONLY} --xla_cpu_multi_thread_eigen=false"

# One step of float32 math with the batch's sums split in two and added:
# the order of additions differs, so results agree to float32 rounding
# (relative 1e-7, measured 1.1e-7 on the loss and 6e-8 on the weights),
# not bit for bit.
LOSS_RTOL = 1e-6
WEIGHT_ATOL = 1e-6


@pytest.fixture(scope="module")
def distributed(tmp_path_factory):
    """What `tests/run_distributed.py` found, in processes of its own."""
    if BACKEND == "torch":
        pytest.skip("torch refuses data parallelism: see each test")
    directories = {mode: tmp_path_factory.mktemp(mode) for mode in MODES}
    results = {}
    for mode, output_dir in directories.items():
        stdout = run_in_backend(
            BACKEND,
            SCRIPT,
            mode,
            output_dir,
            timeout=300,
            environment={"XLA_FLAGS": COUNT_ONLY, "NPROC": None},
        )
        results[mode] = json.loads(stdout.splitlines()[-1])
    return {
        **results["checks"],
        "cli": results["cli"],
        "cli_dir": directories["cli"],
    }


def check_jax_step(results):
    assert results["devices"] == 2
    # Keras' trainer gave our custom train_step the batch split along its
    # first axis over both devices...
    assert results["batch_shardings"] == [
        {"num_devices": 2, "spec": "P('batch',)"}
    ]
    # ... and every variable (weights, seed, optimizer, trackers) on both.
    assert all(
        sharding["num_devices"] == 2 and "batch" not in sharding["spec"]
        for sharding in results["variable_shardings"]
    )
    assert results["initial_weight_difference"] == 0
    # Same weights and seed: the same noise, so the same loss and update.
    np.testing.assert_allclose(
        results["loss"], results["single_loss"], rtol=LOSS_RTOL
    )
    assert results["weight_difference"] < WEIGHT_ATOL
    assert results["seed_state"] == results["single_seed_state"] == [0, 1]
    assert results["loaded_class"] == "VAE"
    assert results["loaded_weight_difference"] == 0


def check_tensorflow_step(results):
    assert results["num_replicas"] == 2
    assert results["strategy"] == "MirroredStrategy"
    assert results["initial_weight_difference"] == 0
    # Each replica's loss is the mean over its half: unscaled, the summed
    # gradients would be twice the global batch's and the update off by
    # as much as the whole step.
    assert results["single_weight_change"] > 0.01
    assert results["weight_difference"] < WEIGHT_ATOL
    np.testing.assert_allclose(
        [results["loss"], results["single_loss"]],
        results["global_batch_loss"],
        rtol=LOSS_RTOL,
    )
    evaluation, single_evaluation = (
        results["evaluation"],
        results["single_evaluation"],
    )
    assert sorted(evaluation) == ["kl_loss", "loss", "reconstruction_loss"]
    for name, value in evaluation.items():
        np.testing.assert_allclose(
            value, single_evaluation[name], rtol=LOSS_RTOL
        )


def test_one_step_on_two_devices_matches_one_device(request):
    if BACKEND == "torch":
        with pytest.raises(ValueError, match="KERAS_BACKEND='torch'"):
            distribution.data_parallel()
        return
    results = request.getfixturevalue("distributed")["step"]
    {"jax": check_jax_step, "tensorflow": check_tensorflow_step}[BACKEND](
        results
    )


def test_cpu_devices_split_without_one_thread_each_get_it_or_a_refusal(
    request,
):
    """Two JAX CPU devices sharing XLA's Eigen pool aborted the process
    (XLA's all-reduce "Termination timeout") after the first epoch."""
    if BACKEND == "torch":
        with pytest.raises(ValueError, match="KERAS_BACKEND='torch'"):
            distribution.data_parallel()
        return
    results = request.getfixturevalue("distributed")
    early, late = results["xla_flags"], results["xla_flags_late"]
    if BACKEND == "tensorflow":
        # TensorFlow's devices ignore XLA_FLAGS: nothing to add or refuse.
        assert (
            early
            == late
            == {
                "xla_flags": COUNT_ONLY,
                "nproc": None,
                "num_replicas": 2,
            }
        )
        return
    assert early == {
        "xla_flags": TWO_CPU_DEVICES,
        "nproc": "8",
        "num_replicas": 2,
    }
    assert set(late) == {"error"} and "\n" not in late["error"]
    assert "JAX has started" in late["error"]
    assert f'NPROC=8 XLA_FLAGS="{TWO_CPU_DEVICES}"' in late["error"]


# It trains on TFDS mock data, in the process `run_distributed` starts.
@pytest.mark.reads_datasets
def test_cli_data_parallel(request, tmp_path, capsys):
    if BACKEND == "torch":
        status = cli.main(
            ["train", "--data-parallel", "--output-dir", str(tmp_path)]
        )
        error = capsys.readouterr().err
        assert status == 1
        assert error.startswith("keras-vae train: error: Data-parallel")
        assert error.count("\n") == 1
        return
    results = request.getfixturevalue("distributed")
    assert results["cli"] == {"status": 0, "num_replicas": 2}
    output_dir = results["cli_dir"]
    history = json.loads((output_dir / "history.json").read_text())
    assert len(history["val_loss"]) == 2
    assert history["loss"][1] < history["loss"][0]
    vae = keras_vae.load_vae(output_dir / "model.keras")
    assert vae.latent_dim == 2
    assert (output_dir / "latent_manifold.png").stat().st_size > 0
