"""The benchmark scripts still run: a tiny training through `run_script`."""

import json
import os
import sys

import keras
import numpy as np

from tests.helpers import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

from throughput import run_script  # noqa: E402


def test_keras_vae_run_reports_epoch_speeds_elbo_and_peak_memory(tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "data.npz"
    np.savez(
        data,
        x_train=rng.integers(0, 256, (256, 28, 28), dtype=np.uint8),
        x_test=rng.integers(0, 256, (64, 28, 28), dtype=np.uint8),
    )
    env = {**os.environ, "KERAS_BACKEND": keras.backend.backend()}
    stdout, peak_rss_mib = run_script(
        REPO_ROOT / "benchmarks" / "keras_vae_run.py",
        [str(data), "2", "--batch-size", "64"],
        env,
    )
    result = json.loads(stdout.strip().splitlines()[-1])
    assert len(result["samples_per_s"]) == 2
    assert all(speed > 0 for speed in result["samples_per_s"])
    # Uniform random pixels: a model that learned nothing scores about
    # 784 * log(2) = 543 nats; two tiny epochs leave it near that.
    assert 400 < result["test_neg_elbo"] < 1000
    # A Python process with Keras loaded holds well over 100 MiB.
    assert 100 < peak_rss_mib < 20_000
