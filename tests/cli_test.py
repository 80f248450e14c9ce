import json
import math

import keras
import pytest

import keras_vae
from keras_vae import cli
from tests.helpers import mock_tfds

BACKEND = keras.backend.backend()


def run(capsys, *argv):
    status = cli.main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_train_evaluate_plot_sample_round_trip(tmp_path, capsys):
    run_dir = tmp_path / "run"
    with mock_tfds():
        status, out, _ = run(
            capsys,
            "train",
            "--dataset",
            "mnist",
            "--architecture",
            "mlp",
            "--latent-dim",
            2,
            "--hidden-units",
            32,
            "--epochs",
            2,
            "--batch-size",
            64,
            "--limit",
            256,
            "--verbose",
            0,
            "--kl-warmup",
            2,
            "--free-bits",
            0.1,
            "--output-dir",
            run_dir,
        )
        assert status == 0
        assert "test -ELBO" in out
        for name in (
            "model.keras",
            "history.json",
            "metrics.json",
            "latent_manifold.png",
            "latent_scatter.png",
            "history.png",
        ):
            assert f"wrote {run_dir / name}" in out
            assert (run_dir / name).stat().st_size > 0
        history = json.loads((run_dir / "history.json").read_text())
        assert sorted(history) == sorted(
            [
                "loss",
                "reconstruction_loss",
                "kl_loss",
                "val_loss",
                "val_reconstruction_loss",
                "val_kl_loss",
                "beta",
            ]
        )
        assert len(history["loss"]) == 2
        assert history["beta"] == [0.0, 0.5]
        assert keras_vae.load_vae(run_dir / "model.keras").free_bits == 0.1
        metrics = json.loads((run_dir / "metrics.json").read_text())
        assert all(math.isfinite(value) for value in metrics.values())

        status, out, _ = run(
            capsys,
            "evaluate",
            run_dir / "model.keras",
            "--limit",
            256,
            "--iw-samples",
            10,
        )
        assert status == 0
        # Between the two: the progress bar of the importance sampling.
        lines = out.strip().splitlines()
        elbo_line, nll_line = lines[0], lines[-1]
        assert elbo_line.startswith("test -ELBO ") and "KL" in elbo_line
        assert nll_line.startswith("test NLL ") and "10 samples" in nll_line
        # The 10-sample bound is tighter than the ELBO, on average.
        assert float(nll_line.split()[2]) < float(elbo_line.split()[2]) + 1.0

        plot_dir = tmp_path / "plots"
        status, out, _ = run(
            capsys,
            "plot",
            run_dir / "model.keras",
            "--limit",
            256,
            "--output-dir",
            plot_dir,
        )
        assert status == 0
        assert (plot_dir / "latent_manifold.png").stat().st_size > 0

    samples = tmp_path / "samples.png"
    status, out, _ = run(
        capsys, "sample", run_dir / "model.keras", "-n", 9, "--out", samples
    )
    assert status == 0 and samples.stat().st_size > 0

    # --backend runs the command on another backend, in a new process: JAX,
    # the quickest to start, unless that is this one.
    other_backend = "jax" if BACKEND != "jax" else "tensorflow"
    other_samples = tmp_path / "other.png"
    status, _, _ = run(
        capsys,
        "sample",
        run_dir / "model.keras",
        "-n",
        4,
        "--out",
        other_samples,
        "--backend",
        other_backend,
    )
    assert status == 0 and other_samples.stat().st_size > 0


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "COMMAND"),
        (["frobnicate"], "invalid choice"),
        (["train"], "--output-dir"),
        (
            ["train", "--output-dir", "x", "--latent-dim", "0"],
            "positive integer",
        ),
        (["train", "--output-dir", "x", "--epochs", "two"], "positive integer"),
        (["train", "--output-dir", "x", "--beta", "nan"], "finite number >= 0"),
        (["train", "--output-dir", "x", "--beta", "-1"], "finite number >= 0"),
        (
            ["train", "--output-dir", "x", "--kl-warmup", "0"],
            "positive integer",
        ),
        (
            ["train", "--output-dir", "x", "--free-bits", "-1"],
            "finite number >= 0",
        ),
        (
            ["train", "--output-dir", "x", "--model", "gan"],
            "invalid choice",
        ),
        (
            ["train", "--output-dir", "x", "--hidden-units", "200,0"],
            "positive integers",
        ),
        (
            ["train", "--output-dir", "x", "--iw-samples", "0"],
            "positive integer",
        ),
        (
            ["train", "--output-dir", "x", "--architecture", "rnn"],
            "invalid choice",
        ),
        (
            ["train", "--output-dir", "x", "--backend", "theano"],
            "invalid choice",
        ),
        (
            ["sample", "m.keras", "-n", "-3", "--out", "s.png"],
            "positive integer",
        ),
    ],
)
def test_bad_arguments_exit_2_with_a_one_line_error(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "Traceback" not in error
    assert message in error.strip().splitlines()[-1]


def test_missing_model_file_is_a_one_line_error(tmp_path, capsys):
    status, _, err = run(
        capsys, "sample", tmp_path / "nope.keras", "--out", "s.png"
    )
    assert status == 1
    assert err.count("\n") == 1 and "No model file at" in err


def test_corrupt_model_file_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "broken.keras"
    path.write_bytes(b"not a zip archive")
    status, _, err = run(capsys, "sample", path, "--out", tmp_path / "s.png")
    assert status == 1
    assert err.count("\n") == 1 and "not a `.keras` model file" in err


@pytest.mark.parametrize(
    "command", [[], ["train"], ["evaluate"], ["plot"], ["sample"]]
)
def test_help_on_every_command(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: keras-vae {' '.join(command)}".rstrip())
