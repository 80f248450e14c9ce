"""The shipped models by name: `keras_vae.presets()` and `from_preset`, on
every backend, giving the figures of benchmarks/likelihood.json."""

import json

import pytest

import keras_vae
from keras_vae import cli
from tests.helpers import NO_OFFLINE_DATA
from tests.helpers import REPO_ROOT
from tests.helpers import load_real

RESULTS = json.loads((REPO_ROOT / "benchmarks" / "likelihood.json").read_text())
# Each row of the JSON is the preset of this name.
ROWS = {f"binarized_mnist_{row['name']}": row for row in RESULTS["rows"]}


@pytest.fixture(scope="module")
def mnist_test():
    # The first test images: their binarization is the first images' of the
    # whole test set's, drawn in order from the same seed.
    real = load_real(
        "mnist",
        limit=max(row["spot_check"]["test_images"] for row in ROWS.values()),
    )
    if real is None:
        pytest.skip(NO_OFFLINE_DATA)
    return real[1][0]


def test_presets_name_each_shipped_model_with_its_measured_nll():
    presets = keras_vae.presets()
    assert sorted(presets) == sorted(ROWS)
    for name, description in presets.items():
        row = ROWS[name]
        assert "\n" not in description
        assert f"test NLL {row['test_nll']:.2f} nats" in description
        assert f"{row['eval_iw_samples']:,} samples" in description
        assert f"{row['test_images']:,} test images" in description
        assert f"seed {row['test_binarization_seed']}" in description
        assert f"{row['epochs']:,} passes" in description


@pytest.mark.parametrize("name", sorted(ROWS))
def test_a_preset_loads_as_the_model_its_row_trained(name):
    row = ROWS[name]
    model = keras_vae.from_preset(name)
    if row["stochastic_layers"] == 2:
        # Burda et al.'s two layers, z1 of 100 and z2 of 50.
        assert type(model) is keras_vae.HierarchicalVAE
        assert model.latent_dims == (100, 50)
    else:
        assert type(model) is (
            keras_vae.VAE if row["objective"] == "elbo" else keras_vae.IWAE
        )
        # Tomczak & Welling's z of 40 with their prior; Burda et al.'s 50.
        vamp = row["prior"] == "vamp_prior"
        assert model.latent_dim == (40 if vamp else 50)
    assert type(model.prior).__name__ == (
        "VampPrior" if row["prior"] == "vamp_prior" else "StandardNormal"
    )
    assert model.dynamic_binarization
    assert getattr(model, "num_samples", 1) == row["train_iw_samples"]
    # Shipped without the optimizer's state: Adam's two moments and the
    # weights' average would make the file four times the float32 weights.
    size = (REPO_ROOT / row["model"]).stat().st_size
    assert size < 2 * 4 * model.count_params()


def test_an_unknown_preset_lists_the_known_names():
    with pytest.raises(ValueError) as error:
        keras_vae.from_preset("binarized_mnist_vea")
    message = str(error.value)
    assert "'binarized_mnist_vea'" in message
    for name in ROWS:
        assert name in message


def test_the_command_takes_a_preset_name(tmp_path, capsys):
    out = tmp_path / "samples.png"
    status = cli.main(
        ["sample", "binarized_mnist_iwae5", "-n", "4", "--out", str(out)]
    )
    assert status == 0 and out.stat().st_size > 0
    status = cli.main(["sample", "binarized_mnist", "--out", str(out)])
    error = capsys.readouterr().err
    assert status == 1 and error.count("\n") == 1
    assert "No model file at binarized_mnist" in error
    assert all(name in error for name in ROWS)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_a_preset_gives_its_spot_check(name, mnist_test):
    row = ROWS[name]
    model = keras_vae.from_preset(name)
    spot_check = row["spot_check"]
    x = keras_vae.datasets.binarize(
        mnist_test, seed=row["test_binarization_seed"]
    )[: spot_check["test_images"]]
    nll = -model.log_likelihood(
        x,
        num_samples=spot_check["eval_iw_samples"],
        seed=row["test_binarization_seed"],
        verbose=0,
    ).mean()
    # Backends draw different z, and the estimate's tail is heavy: on JAX,
    # seeds 0-4 gave 89.47-89.66 for the IWAE, TensorFlow's draw 89.23
    # (2026-12-01). A model that loaded wrong is off by nats.
    assert abs(nll - spot_check["test_nll"]) < 0.6
