"""The benchmark scripts still run: a tiny training through `run_script`."""

import json
import os
import sys

import keras
import numpy as np
import pytest

import keras_vae
from tests.helpers import REPO_ROOT
from tests.helpers import mock_tfds
from tests.helpers import synthetic_digits
from tests.helpers import to_numpy

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


def test_quality_worker_reports_consistent_elbo_nll_and_active_units():
    import quality

    rng = np.random.default_rng(0)
    x_train = rng.random((256, 28, 28, 1)).astype("float32")
    x_test = rng.random((32, 28, 28, 1)).astype("float32")
    result = quality.evaluate_model(
        "mlp",
        x_train,
        x_test,
        epochs=1,
        batch_size=64,
        latent_dim=4,
        iw_samples=50,
        iw_examples=32,
        seed=0,
    )
    assert result["backend"] == keras.backend.backend()
    assert (result["iw_samples"], result["iw_examples"]) == (50, 32)
    np.testing.assert_allclose(
        result["reconstruction_loss"] + result["kl_loss"],
        result["test_neg_elbo"],
        rtol=1e-5,
    )
    assert result["kl_loss"] >= 0

    # Under a Bernoulli likelihood, grey levels cost at least their binary
    # entropy, whatever the model: a floor for every -log p(x) estimate.
    def entropy_floor(x):
        x = np.clip(x.astype("float64"), 1e-12, 1 - 1e-12)
        entropy = -(x * np.log(x) + (1 - x) * np.log(1 - x))
        return entropy.sum(axis=(1, 2, 3)).mean()

    assert result["reconstruction_loss"] >= entropy_floor(x_test)
    assert result["iw_nll"] >= entropy_floor(x_test)
    # The k-sample bound is tighter than the ELBO in expectation; 1 nat
    # covers the noise of the one-sample ELBO on these 32 images (here all
    # of x_test, so the worker reuses the test -ELBO).
    assert result["iw_nll"] <= result["iw_subset_neg_elbo"] + 1.0
    # Uniform random pixels: nothing learned scores 784 * log(2) = 543.
    assert result["iw_nll"] < 600
    assert result["iw_nll_stderr"] > 0
    assert 0 <= result["active_units"] <= 4

    # Columns with variances 0, 0.0099, 0.0101 and 1: two are active.
    signs = np.resize([1.0, -1.0], 100)[:, None]
    z_mean = signs * np.sqrt([0.0, 0.0099, 0.0101, 1.0])
    assert quality.active_units(z_mean) == 2


def test_scaling_axes_set_the_flags_and_environment_of_each_point():
    import argparse

    from scaling import axis_points

    args = argparse.Namespace(
        batch_sizes=[32, 64],
        dataset_sizes=[100],
        devices=[1, 2],
        dtype_policies="float32,mixed_bfloat16",
        examples=1000,
    )
    assert axis_points("devices", "torch", args) == []
    two_devices = axis_points("devices", "jax", args)[1]
    assert two_devices[0] == 2
    assert (
        "--xla_force_host_platform_device_count=2"
        in (two_devices[1]["XLA_FLAGS"])
    )
    assert two_devices[2]["data_parallel"] is True
    policies = axis_points("dtype_policy", "tensorflow", args)
    assert [options["dtype_policy"] for _, _, options in policies] == [
        "float32",
        "mixed_bfloat16",
    ]
    assert [
        value for value, _, _ in axis_points("batch_size", "jax", args)
    ] == [
        32,
        64,
    ]


def test_likelihood_trains_scores_and_ships_each_row_then_resumes(
    tmp_path, monkeypatch, capsys
):
    import likelihood

    argv = [
        "likelihood.py",
        "--rows", "iwae5",
        "--epochs", "2",
        "--limit", "128",
        "--validation-images", "32",
        "--eval-iw-samples", "20",
        "--ema-momentum", "0.9",
        "--work-dir", str(tmp_path / "work"),
        "--models-dir", str(tmp_path / "models"),
        "--json", str(tmp_path / "likelihood.json"),
        "--verbose", "0",
    ]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    with mock_tfds():
        likelihood.main()
        rows = json.loads((tmp_path / "likelihood.json").read_text())["rows"]
        (row,) = rows
        assert row["name"] == "iwae5" and row["objective"] == "iwae"
        assert row["prior"] == "standard_normal"
        assert row["stochastic_layers"] == 1
        assert row["epochs"] == 2 and row["test_images"] == 128
        assert row["backend"] == keras.backend.backend()
        # The 20-sample bound is tighter than the -ELBO, on average.
        assert row["test_nll"] < row["test_elbo"] + 1.0
        assert 0 < row["spot_check"]["test_nll"] < 800
        assert "second_test_draw" in row
        # Validation scores the moving average, not the trained weights.
        assert row["ema_momentum"] == 0.9
        assert row["adam_epsilon"] == likelihood.ADAM_EPSILON["standard_normal"]
        log = likelihood.read_log(
            tmp_path / "work" / "iwae5" / "training_log.csv"
        )
        assert all(
            float(epoch["val_loss"]) != float(epoch["val_loss_without_ema"])
            for epoch in log
        )
        model = keras.saving.load_model(row["model"], safe_mode=True)
        assert type(model) is keras_vae.IWAE and model.num_samples == 5
        assert model.dynamic_binarization and not model.compiled
        # Run again: the row is trained already, and is scored again.
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", [*argv, "--second-test-seed", "none"])
        likelihood.main()
    assert "iwae5: trained already (2 epochs" in capsys.readouterr().out


def test_prior_perplexity_counts_the_components_that_hold_the_codes(
    monkeypatch,
):
    import likelihood
    import likelihood_callbacks

    x = synthetic_digits(16, seed=0)[0]
    model = likelihood.build_model("vae_vamp", x, seed=0, pseudo_inputs=3)
    callback = likelihood_callbacks.PriorPerplexity(x)
    callback.set_model(model)
    # Three equal components share every code equally.
    model.prior.pseudo_inputs.assign(
        np.full(model.prior.pseudo_inputs.shape, 0.5, "float32")
    )
    logs = {}
    callback.on_epoch_end(0, logs)
    assert logs["val_prior_perplexity"] == pytest.approx(3.0, rel=1e-6)
    # Two components far from every code: one component holds them all.
    means, log_vars = (
        keras.ops.convert_to_numpy(part) for part in model.prior.components()
    )
    means[1:] += 50.0
    far_components = tuple(map(keras.ops.convert_to_tensor, (means, log_vars)))
    monkeypatch.setattr(model.prior, "components", lambda: far_components)
    callback.on_epoch_end(1, logs)
    assert logs["val_prior_perplexity"] == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize(
    "name, model_class, prior_class, latent_dims",
    [
        ("vae_vamp", "VAE", "VampPrior", (40,)),
        ("hvae", "HierarchicalVAE", "StandardNormal", (100, 50)),
        ("hiwae5_vamp", "HierarchicalVAE", "VampPrior", (100, 50)),
    ],
)
def test_likelihood_rows_build_the_models_they_name(
    name, model_class, prior_class, latent_dims
):
    import likelihood

    x_train = synthetic_digits(16, seed=0)[0]
    objective, k, prior, layers = likelihood.ROWS[name]
    model = likelihood.build_model(name, x_train, seed=0, pseudo_inputs=3)
    assert type(model).__name__ == model_class
    assert type(model.prior).__name__ == prior_class
    assert getattr(model, "latent_dims", (model.latent_dim,)) == latent_dims
    assert getattr(model, "num_samples", 1) == k and model.dynamic_binarization
    if prior == "vamp_prior":
        # Started at the mean training image, plus noise of 0.01.
        np.testing.assert_allclose(
            to_numpy(model.prior.pseudo_inputs).mean(axis=0),
            x_train.mean(axis=0),
            atol=0.03,
        )


def test_data_layouts_times_each_layout_in_every_round():
    import data_layouts

    times = data_layouts.time_layouts(steps=2, rounds=2)
    assert sorted(times) == ["flat", "image"]
    for milliseconds in times.values():
        assert len(milliseconds) == 2 and all(ms > 0 for ms in milliseconds)


def test_profile_step_prints_the_step_time_and_both_rankings(
    monkeypatch, capsys
):
    import profile_step

    monkeypatch.setattr(sys, "argv", ["profile_step.py", "--steps", "3"])
    profile_step.main()
    out = capsys.readouterr().out
    assert f"{keras.backend.backend()}, data (28, 28, 1), 3 steps" in out
    assert "by tottime" in out and "by cumtime" in out
    # The model's own fit is the whole profiled epoch, on the top row.
    assert "  fit  (" in out.split("by cumtime")[1].splitlines()[1]


def test_roofline_writes_flops_speed_and_roof_of_each_row(
    tmp_path, monkeypatch
):
    import roofline

    output = tmp_path / "roofline.json"
    argv = [
        "roofline.py",
        "--rows", "vae1",
        "--examples", "200",
        "--epochs", "1",
        "--matmul-seconds", "0.01",
        "--matmul-flops-per-call", "1e7",
        "--note", "smoke test",
        "--json", str(output),
    ]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    roofline.main()
    record = json.loads(output.read_text())
    assert record["backend"] == keras.backend.backend()
    assert record["note"] == "smoke test"
    assert "--rows vae1" in record["command"]
    for field in ("date", "machine", "versions", "flop_counting"):
        assert record[field]
    (row,) = record["rows"]
    assert row["name"] == "vae1" and row["examples_per_epoch"] == 200
    # 784-200-200-(50, 50) and 50-200-200-784, 2 FLOPs per multiply-add,
    # training 3x forward.
    forward = 784 * 200 + 200 * 200 + 2 * 200 * 50 + 50 * 200 + 200 * 200
    forward += 200 * 784
    assert row["flop_per_sample"] == 3 * 2 * forward
    assert row["samples_per_s"] > 0 and row["roof_gflops"] > 0
    np.testing.assert_allclose(
        row["achieved_gflops"],
        row["samples_per_s"] * row["flop_per_sample"] / 1e9,
        rtol=0.01,
    )
    np.testing.assert_allclose(
        row["hours_measured"],
        3280 * 59_000 / row["samples_per_s"] / 3600,
        rtol=0.01,
        atol=0.05,
    )
    assert row["hours_at_roof"] > 0 and 0 < row["fraction_of_roof"]
    assert all(matmul["gflops"] > 0 for matmul in row["matmuls"])

    # Two layers, k = 50: the first encoder (784-200-200-(100, 100)) runs
    # once per example, the rest once per draw: the upper encoder
    # 100-100-100-(50, 50), the upper decoder 50-100-100-(100, 100) and
    # the data decoder 100-200-200-784.
    model = roofline.build_model("hvae50", synthetic_digits(8)[0], seed=0)
    once = 784 * 200 + 200 * 200 + 2 * 200 * 100
    upper_encoder = 100 * 100 + 100 * 100 + 2 * 100 * 50
    upper_decoder = 50 * 100 + 100 * 100 + 2 * 100 * 100
    data_decoder = 100 * 200 + 200 * 200 + 200 * 784
    per_draw = upper_encoder + upper_decoder + data_decoder
    flops = roofline.training_flops(roofline.step_matmuls(model, 100))
    assert flops == 100 * 3 * 2 * (once + 50 * per_draw)
