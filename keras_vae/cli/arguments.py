"""The `keras-vae` command's arguments: `build_parser()`."""

import argparse
import math

import keras_vae
from keras_vae.backend import BACKENDS
from keras_vae.losses import LIKELIHOODS
from keras_vae.models.decoders import UPSAMPLING

ARCHITECTURES = ("mlp", "conv")
MODELS = ("vae", "iwae", "hvae", "cvae", "autoencoder")
PRIORS = ("standard_normal", "vamp_prior")
ACTIVATIONS = ("relu", "tanh", "elu", "gelu", "silu", "sigmoid")
MODEL_HELP = (
    "a .keras file written by train, or the name of a shipped model: "
    f"{', '.join(keras_vae.presets())}"
)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {text!r}"
        )
    return value


def _float_at_least_zero(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            f"expected a finite number >= 0, got {text!r}"
        )
    return value


def _positive_ints(text):
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        values = ()
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError(
            f"expected positive integers separated by commas, got {text!r}"
        )
    return values


def _positive_float(text):
    value = _float_at_least_zero(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _add_common_arguments(parser):
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        help="Keras backend to run on (default: $KERAS_BACKEND, else "
        "Keras' own default).",
    )


def _add_data_arguments(parser):
    parser.add_argument(
        "--dataset",
        default="mnist",
        help="any TensorFlow Datasets image dataset, e.g. mnist, "
        "fashion_mnist, cifar10, svhn_cropped (default: mnist)",
    )
    parser.add_argument(
        "--data-dir",
        help="TensorFlow Datasets directory (default: $TFDS_DATA_DIR, else "
        "~/tensorflow_datasets).",
    )
    parser.add_argument(
        "--limit",
        type=_positive_int,
        help="use only the first N examples of each split (quick runs).",
    )


def _add_test_binarization_argument(parser):
    parser.add_argument(
        "--test-binarization-seed",
        type=int,
        default=0,
        metavar="SEED",
        help="for a model trained with --dynamic-binarization, the seed of "
        "the one binary draw of the test set it is scored on (default 0)",
    )


def build_parser():
    """Returns the `argparse.ArgumentParser` of the `keras-vae` command.

    Returns:
        An `argparse.ArgumentParser` with the sub-commands `train`,
        `evaluate`, `plot` and `sample`.

    Example:

    ```python
    args = build_parser().parse_args(["sample", "model.keras", "-n", "16"])
    ```
    """
    parser = argparse.ArgumentParser(
        prog="keras-vae",
        description="Train, evaluate and look inside variational "
        "autoencoders on TensorFlow, JAX or PyTorch.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND"
    )

    train = commands.add_parser(
        "train",
        help="train a VAE; write model.keras, history.json and every plot",
        description="Train a VAE and write OUTPUT_DIR/model.keras, "
        "OUTPUT_DIR/history.json, OUTPUT_DIR/metrics.json and every plot. "
        "Each finished epoch is backed up in OUTPUT_DIR/backup and logged in "
        "OUTPUT_DIR/training_log.csv: run an interrupted command again and it "
        "resumes after the last finished epoch. Training stops, without "
        "saving the model, if the loss becomes NaN or infinite.",
    )
    _add_data_arguments(train)
    train.add_argument(
        "--model",
        choices=MODELS,
        default="vae",
        help="vae (the ELBO), iwae (the --iw-samples bound), hvae (two "
        "stochastic layers, Burda et al.'s MLPs: 784-200-200-100, "
        "100-100-50, mirrored; the ELBO, or the --iw-samples bound), cvae "
        "(conditioned on the labels) or autoencoder (no KL term)",
    )
    train.add_argument(
        "--iw-samples",
        type=_positive_int,
        metavar="K",
        help="samples per example of the importance-weighted bound "
        "(--model iwae, default 5; --model hvae, default 1: the ELBO)",
    )
    train.add_argument(
        "--prior",
        choices=PRIORS,
        default="standard_normal",
        help="p(z) of --model vae, iwae or hvae: standard_normal (the "
        "default) or vamp_prior (a mixture of the encoder's posteriors at "
        "--pseudo-inputs learned inputs, started at the mean training "
        "image; Tomczak & Welling, 2018)",
    )
    train.add_argument(
        "--pseudo-inputs",
        type=_positive_int,
        metavar="K",
        help="pseudo-inputs of --prior vamp_prior (default 500)",
    )
    train.add_argument(
        "--dynamic-binarization",
        action="store_true",
        help="train on a fresh Bernoulli draw of every image each time it "
        "is used (binarized-MNIST protocol); the test set is binarized once "
        "with --test-binarization-seed",
    )
    train.add_argument(
        "--mean-output-bias",
        action="store_true",
        help="start the MLP decoder's output bias at the logit of the "
        "training images' mean pixel (Burda et al., 2016)",
    )
    train.add_argument("--architecture", choices=ARCHITECTURES, default="mlp")
    train.add_argument(
        "--upsampling",
        choices=UPSAMPLING,
        default=None,
        help="how the conv decoder doubles its maps: transpose "
        "(Conv2DTranspose, the default) or resize (UpSampling2D + Conv2D; "
        "faster on JAX, see the README's Performance section)",
    )
    train.add_argument(
        "--hidden-units",
        type=_positive_ints,
        metavar="N[,N...]",
        help="MLP hidden layer widths, encoder order (default 512; the "
        "IWAE paper's: 200,200; not with --model hvae)",
    )
    train.add_argument(
        "--activation",
        choices=ACTIVATIONS,
        default="relu",
        help="activation of the hidden layers (default relu)",
    )
    train.add_argument(
        "--latent-dim",
        type=_positive_int,
        help="size of z (default 2; not with --model hvae)",
    )
    train.add_argument("--likelihood", choices=LIKELIHOODS, default="bernoulli")
    train.add_argument(
        "--beta",
        type=_float_at_least_zero,
        default=1.0,
        help="weight of the KL term (1: the ELBO; other values: beta-VAE)",
    )
    train.add_argument(
        "--kl-warmup",
        type=_positive_int,
        metavar="EPOCHS",
        help="ramp beta linearly from 0 to --beta over this many epochs "
        "(with --prior vamp_prior, from --beta / EPOCHS: at beta = 0 the "
        "mixture collapses to one component)",
    )
    train.add_argument(
        "--free-bits",
        type=_float_at_least_zero,
        default=0.0,
        metavar="NATS",
        help="KL floor per latent dimension in the loss (0: off)",
    )
    train.add_argument("--epochs", type=_positive_int, default=10)
    train.add_argument("--batch-size", type=_positive_int, default=128)
    train.add_argument("--learning-rate", type=_positive_float, default=1e-3)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--output-dir", required=True)
    _add_test_binarization_argument(train)
    train.add_argument(
        "--data-parallel",
        action="store_true",
        help="split each batch across all local devices: "
        "keras.distribution.DataParallel on JAX, tf.distribute."
        "MirroredStrategy on TensorFlow (GPUs, else logical CPUs); not "
        "available on torch. --batch-size must be a multiple of the device "
        "count.",
    )
    train.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=1,
        help="Keras' progress output: 0 silent, 1 bar, 2 one line per epoch.",
    )
    _add_common_arguments(train)

    evaluate = commands.add_parser(
        "evaluate",
        help="print the test loss, reconstruction and KL of a saved model",
        description="Print the test -ELBO, reconstruction and KL terms (nats "
        "per example) of a saved model.",
    )
    evaluate.add_argument("model", help=MODEL_HELP)
    _add_data_arguments(evaluate)
    evaluate.add_argument("--batch-size", type=_positive_int, default=500)
    evaluate.add_argument(
        "--iw-samples",
        type=_positive_int,
        default=None,
        metavar="K",
        help="also print the importance-weighted negative log-likelihood "
        "with K samples per example (e.g. 5000: minutes on the 10,000 "
        "MNIST test images on a CPU)",
    )
    _add_test_binarization_argument(evaluate)
    _add_common_arguments(evaluate)

    plot = commands.add_parser(
        "plot",
        help="write every plot of a saved model",
        description="Write every plot of a saved model on the test split.",
    )
    plot.add_argument("model", help=MODEL_HELP)
    _add_data_arguments(plot)
    plot.add_argument("--output-dir", required=True)
    _add_common_arguments(plot)

    sample = commands.add_parser(
        "sample",
        help="write a PNG grid of samples from the prior",
        description="Decode draws of the model's prior, z ~ p(z), and write "
        "them as a PNG grid.",
    )
    sample.add_argument("model", help=MODEL_HELP)
    sample.add_argument("-n", "--num-samples", type=_positive_int, default=64)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", required=True, help="PNG file to write")
    _add_common_arguments(sample)

    explore = commands.add_parser(
        "explore",
        help="explore a saved model's latent space in the browser",
        description="Encode the test split and serve an interactive page: "
        "the latent plane, one slider per dimension, interpolation and "
        "drawing. Ctrl-C stops it.",
    )
    explore.add_argument("model", help=MODEL_HELP)
    _add_data_arguments(explore)
    explore.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to serve on (default 127.0.0.1, this machine only)",
    )
    explore.add_argument(
        "--port", type=int, default=8000, help="port (default 8000; 0: any)"
    )
    _add_common_arguments(explore)
    return parser
