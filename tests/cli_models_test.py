"""`keras-vae train --model iwae|hvae|cvae|autoencoder`, `--prior` and the
binarized protocol."""

import json

import keras
import numpy as np
import pytest

import keras_vae
from keras_vae import cli
from keras_vae.cli import commands
from tests.helpers import mock_tfds


def run(capsys, *argv):
    status = cli.main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def quick_train(capsys, run_dir, *argv):
    with mock_tfds():
        return run(
            capsys,
            "train",
            "--hidden-units",
            "32,16",
            "--epochs",
            1,
            "--limit",
            128,
            "--verbose",
            0,
            "--output-dir",
            run_dir,
            *argv,
        )


def test_iwae_on_the_binarized_protocol_trains_and_evaluates(tmp_path, capsys):
    run_dir = tmp_path / "iwae"
    status, out, err = quick_train(
        capsys,
        run_dir,
        "--model",
        "iwae",
        "--iw-samples",
        3,
        "--dynamic-binarization",
        "--mean-output-bias",
        "--activation",
        "tanh",
    )
    assert status == 0, err
    assert "binarized once with seed 0" in out
    assert "test -IWAE bound" in out and "(3 samples)" in out
    model = keras_vae.load_vae(run_dir / "model.keras")
    assert type(model) is keras_vae.IWAE
    assert model.num_samples == 3 and model.dynamic_binarization
    activations = {
        layer.get_config().get("activation")
        for layer in model.decoder.layers
        if isinstance(layer, keras.layers.Dense)
    }
    assert activations == {"tanh", "linear"}
    metrics = json.loads((run_dir / "metrics.json").read_text())
    # The k-sample bound is tighter than the -ELBO beside it.
    assert (
        metrics["loss"]
        < metrics["reconstruction_loss"] + metrics["kl_loss"] + 1.0
    )
    with mock_tfds():
        status, out, _ = run(
            capsys,
            "evaluate",
            run_dir / "model.keras",
            "--limit",
            128,
            "--iw-samples",
            20,
            "--test-binarization-seed",
            3,
        )
    assert status == 0
    assert "binarized once with seed 3" in out
    assert out.strip().splitlines()[-1].startswith("test NLL ")


@pytest.mark.parametrize(
    "model, model_class, plot",
    [
        ("cvae", keras_vae.ConditionalVAE, "class_samples.png"),
        ("autoencoder", keras_vae.Autoencoder, "samples.png"),
    ],
)
def test_the_other_models_train(tmp_path, capsys, model, model_class, plot):
    status, out, err = quick_train(capsys, tmp_path, "--model", model)
    assert status == 0, err
    assert type(keras_vae.load_vae(tmp_path / "model.keras")) is model_class
    assert (tmp_path / plot).stat().st_size > 0
    assert "test " in out


def test_hvae_with_a_vamp_prior_is_burdas_two_layers_and_the_bound_asked():
    # Built only: how any model trains, saves and evaluates through the
    # command is the other tests' (and HierarchicalVAE's own tests').
    args = cli.build_parser().parse_args(
        ["train", "--output-dir", "unused", "--model", "hvae"]
        + ["--iw-samples", "2", "--prior", "vamp_prior", "--pseudo-inputs", "5"]
    )
    x_train = np.random.default_rng(0).random((16, 28, 28, 1), "float32")
    model = commands._build_model(args, x_train, num_classes=None)
    assert type(model) is keras_vae.HierarchicalVAE
    assert model.num_samples == 2 and model.latent_dims == (100, 50)
    assert isinstance(model.prior, keras_vae.priors.VampPrior)
    assert model.prior.num_pseudo_inputs == 5
    args.iw_samples = None
    assert commands._build_model(args, x_train, None).num_samples == 1


def test_a_vamp_prior_starts_at_the_mean_training_image():
    args = cli.build_parser().parse_args(
        ["train", "--output-dir", "unused", "--prior", "vamp_prior"]
    )
    x_train = np.random.default_rng(0).random((16, 28, 28, 1), "float32")
    model = commands._build_model(args, x_train, num_classes=None)
    assert type(model) is keras_vae.VAE and model.latent_dim == 2
    pseudo_inputs = keras.ops.convert_to_numpy(
        model.prior.clipped_pseudo_inputs()
    )
    assert pseudo_inputs.shape == (500, 28, 28, 1)
    np.testing.assert_allclose(
        pseudo_inputs.mean(axis=0), x_train.mean(axis=0), atol=0.01
    )


@pytest.mark.parametrize(
    "prior, initial_beta", [("standard_normal", 0.0), ("vamp_prior", 0.5)]
)
def test_a_vamp_prior_warms_up_from_above_zero(prior, initial_beta):
    args = cli.build_parser().parse_args(
        ["train", "--output-dir", "unused", "--prior", prior]
        + ["--beta", "2", "--kl-warmup", "4"]
    )
    warmup = commands._kl_warmup(args)
    assert warmup.epochs == 4 and warmup.initial_beta == initial_beta


def test_upsampling_builds_the_conv_decoder_asked_for():
    args = cli.build_parser().parse_args(
        ["train", "--output-dir", "unused", "--architecture", "conv"]
        + ["--upsampling", "resize"]
    )
    x_train = np.zeros((4, 28, 28, 1), "float32")
    decoder = commands._build_model(args, x_train, num_classes=None).decoder
    kinds = {type(layer).__name__ for layer in decoder.layers}
    assert "UpSampling2D" in kinds and "Conv2DTranspose" not in kinds
    args.upsampling = None
    decoder = commands._build_model(args, x_train, num_classes=None).decoder
    assert "Conv2DTranspose" in {
        type(layer).__name__ for layer in decoder.layers
    }


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--model", "vae", "--iw-samples", "5"], "--model iwae"),
        (
            ["--architecture", "conv", "--mean-output-bias"],
            "--architecture mlp",
        ),
        (
            ["--likelihood", "gaussian", "--dynamic-binarization"],
            "--likelihood bernoulli",
        ),
        (["--upsampling", "resize"], "--architecture conv"),
        (["--model", "hvae"], "Received: --hidden-units"),
        (["--model", "cvae", "--prior", "vamp_prior"], "vae, iwae or hvae"),
        (["--pseudo-inputs", "5"], "--prior vamp_prior"),
        (["--model", "iwae", "--free-bits", "0.5"], "--model vae or cvae"),
        (["--prior", "vamp_prior", "--free-bits", "0.5"], "free_bits"),
    ],
)
def test_conflicting_options_fail_with_one_line(
    tmp_path, capsys, argv, message
):
    status, _, err = quick_train(capsys, tmp_path, *argv)
    assert status == 1
    assert err.count("\n") == 1 and message in err
