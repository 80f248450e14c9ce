"""Each script in examples/ runs, on a few images and one epoch."""

import runpy

import pytest

from tests.helpers import REPO_ROOT
from tests.helpers import mock_tfds
from tests.helpers import tiny_vae

EXAMPLES = REPO_ROOT / "examples"


def example_main(name):
    return runpy.run_path(str(EXAMPLES / name), run_name=name)["main"]


@pytest.mark.parametrize(
    "name, argv, written",
    [
        (
            "train_mnist_mlp.py",
            ["--epochs", "1", "--limit", "64"],
            ["vae_mnist.keras", "vae_mnist_samples.png"],
        ),
        (
            "train_fashion_mnist_conv.py",
            ["--epochs", "1", "--limit", "64"],
            ["vae_fashion_mnist.keras", "images/epoch_001_samples.png"],
        ),
        (
            "autoencoder_vs_vae.py",
            ["--epochs", "1", "--limit", "64", "--latent-dim", "4"],
            ["prior_samples.png"],
        ),
        (
            "conditional_mnist.py",
            ["--epochs", "1", "--limit", "64"],
            ["cvae_mnist.keras", "class_samples.png"],
        ),
    ],
)
def test_training_examples(tmp_path, name, argv, written):
    with mock_tfds():
        example_main(name)([*argv, "--output-dir", str(tmp_path)])
    for path in written:
        assert (tmp_path / path).stat().st_size > 0


def test_tf_data_example(capsys):
    with mock_tfds():
        example_main("train_from_tf_data.py")(
            ["--epochs", "1", "--limit", "64"]
        )
    assert "'kl_loss'" in capsys.readouterr().out


def test_latent_space_tour(tmp_path):
    vae = tiny_vae()
    vae.save(tmp_path / "vae.keras")
    with mock_tfds():
        example_main("latent_space_tour.py")(
            [
                str(tmp_path / "vae.keras"),
                "--output-dir",
                str(tmp_path / "tour"),
            ]
        )
    written = sorted(path.name for path in (tmp_path / "tour").iterdir())
    assert written == [
        "interpolation.png",
        "latent_manifold.png",
        "latent_scatter.png",
        "reconstructions.png",
        "samples.png",
        "traversals.png",
    ]
