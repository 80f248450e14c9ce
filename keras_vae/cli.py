"""`keras-vae`: train, evaluate, plot and sample VAEs from the command line.

Argument parsing and wiring only: the model, the data and the figures come
from the library (`keras_vae.VAE`, `keras_vae.datasets`, `keras_vae.plots`).
"""

import argparse
import contextlib
import csv
import json
import math
import os
import pathlib
import subprocess
import sys

import keras

import keras_vae
from keras_vae.datasets import KNOWN_DATASETS
from keras_vae.losses import LIKELIHOODS
from keras_vae.models import steps

BACKENDS = ("jax", "tensorflow", "torch")
ARCHITECTURES = ("mlp", "conv")


class CommandError(Exception):
    """A command could not do its job; the message says why, in one line."""


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
    parser.add_argument("--dataset", choices=KNOWN_DATASETS, default="mnist")
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
    train.add_argument("--architecture", choices=ARCHITECTURES, default="mlp")
    train.add_argument("--latent-dim", type=_positive_int, default=2)
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
        help="ramp beta linearly from 0 to --beta over this many epochs",
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
    evaluate.add_argument("model", help="a .keras file written by train")
    _add_data_arguments(evaluate)
    evaluate.add_argument("--batch-size", type=_positive_int, default=500)
    evaluate.add_argument(
        "--iw-samples",
        type=_positive_int,
        default=None,
        metavar="K",
        help="also print the importance-weighted negative log-likelihood "
        "with K samples per example (e.g. 5000)",
    )
    _add_common_arguments(evaluate)

    plot = commands.add_parser(
        "plot",
        help="write every plot of a saved model",
        description="Write every plot of a saved model on the test split.",
    )
    plot.add_argument("model", help="a .keras file written by train")
    _add_data_arguments(plot)
    plot.add_argument("--output-dir", required=True)
    _add_common_arguments(plot)

    sample = commands.add_parser(
        "sample",
        help="write a PNG grid of samples from the prior",
        description="Decode draws of z ~ N(0, I) and write them as a PNG grid.",
    )
    sample.add_argument("model", help="a .keras file written by train")
    sample.add_argument("-n", "--num-samples", type=_positive_int, default=64)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", required=True, help="PNG file to write")
    _add_common_arguments(sample)
    return parser


def _load_data(args):
    return keras_vae.datasets.load(
        args.dataset, data_dir=args.data_dir, limit=args.limit
    )


def _build_vae(args, data_shape):
    if args.architecture == "mlp":
        encoder = keras_vae.build_mlp_encoder(data_shape, args.latent_dim)
        decoder = keras_vae.build_mlp_decoder(data_shape, args.latent_dim)
    else:
        encoder = keras_vae.build_conv_encoder(data_shape, args.latent_dim)
        decoder = keras_vae.build_conv_decoder(data_shape, args.latent_dim)
    return keras_vae.VAE(
        encoder,
        decoder,
        likelihood=args.likelihood,
        beta=args.beta,
        seed=args.seed,
        free_bits=args.free_bits,
    )


def _print_metrics(metrics):
    # The -ELBO is reconstruction + KL whatever beta and free bits make of
    # the training loss.
    neg_elbo = metrics["reconstruction_loss"] + metrics["kl_loss"]
    print(
        f"test -ELBO {neg_elbo:.2f} nats per example "
        f"(reconstruction {metrics['reconstruction_loss']:.2f}, "
        f"KL {metrics['kl_loss']:.2f})"
    )


def _print_written(paths):
    for path in paths:
        print(f"wrote {path}")


def _data_parallel(args):
    """`(scope, num_replicas)` of `steps.data_parallel()`, or no scope."""
    if not args.data_parallel:
        return contextlib.nullcontext(), 1
    scope, num_replicas = steps.data_parallel()
    if args.batch_size % num_replicas:
        raise CommandError(
            f"--data-parallel splits each batch across {num_replicas} "
            "devices: expected a --batch-size that is a multiple of "
            f"{num_replicas}. Received: --batch-size {args.batch_size}"
        )
    return scope, num_replicas


def _train(args):
    keras.utils.set_random_seed(args.seed)
    scope, num_replicas = _data_parallel(args)
    (x_train, _), (x_test, y_test) = _load_data(args)
    output_dir = pathlib.Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    model_path = output_dir / "model.keras"
    with scope:
        # Every batch, the last one included, must split evenly across the
        # devices: drop the fewer than `num_replicas` examples in excess.
        vae, history = _fit(
            args,
            x_train[: len(x_train) // num_replicas * num_replicas],
            x_test[: len(x_test) // num_replicas * num_replicas],
            output_dir,
            model_path,
        )
    if args.data_parallel:
        # A single-device copy evaluates and plots any number of examples.
        vae = keras_vae.load_vae(model_path)
    metrics = vae.evaluate(x_test, batch_size=500, return_dict=True, verbose=0)
    history_path = output_dir / "history.json"
    history_path.write_text(json.dumps(history, indent=2))
    metrics_path = output_dir / "metrics.json"
    metrics_path.write_text(json.dumps(metrics, indent=2))
    plot_paths = keras_vae.plots.save_all(
        vae, x_test, y_test, history=history, output_dir=output_dir
    )
    _print_metrics(metrics)
    _print_written([model_path, history_path, metrics_path, *plot_paths])


def _fit(args, x_train, x_test, output_dir, model_path):
    """Builds, trains and saves the VAE of `train`: `(vae, history)`."""
    vae = _build_vae(args, x_train.shape[1:])
    vae.compile(
        optimizer=keras.optimizers.Adam(args.learning_rate),
        steps_per_execution="auto",
    )
    backup_dir = output_dir / "backup"
    log_path = output_dir / "training_log.csv"
    callbacks = [
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True),
    ]
    if args.kl_warmup:
        callbacks.append(keras_vae.callbacks.KLWarmup(epochs=args.kl_warmup))
    # Last, so that the log holds what callbacks before it add (`beta`).
    callbacks.append(keras.callbacks.CSVLogger(log_path, append=True))
    if (backup_dir / "training_metadata.json").exists():
        print(f"resuming the interrupted training backed up in {backup_dir}")
    else:
        log_path.unlink(missing_ok=True)
    vae.fit(
        x_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_data=(x_test,),
        callbacks=callbacks,
        verbose=args.verbose,
    )
    # Read back from the log, the history covers the epochs of every run
    # that resumed the training, not only the last one.
    history = _read_training_log(log_path)
    if vae.stop_training:
        raise CommandError(
            f"training stopped in epoch {len(history['loss'])}: the loss "
            "became NaN or infinite. The model was not saved. Try a lower "
            "--learning-rate."
        )
    vae.save(model_path)
    return vae, history


def _read_training_log(path):
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    names = [name for name in rows[0] if name != "epoch"] if rows else []
    return {name: [float(row[name]) for row in rows] for name in names}


def _evaluate(args):
    vae = keras_vae.load_vae(args.model)
    _, (x_test, _) = _load_data(args)
    _print_metrics(
        vae.evaluate(
            x_test, batch_size=args.batch_size, return_dict=True, verbose=0
        )
    )
    if args.iw_samples:
        log_likelihood = vae.log_likelihood(
            x_test, num_samples=args.iw_samples, seed=0
        )
        print(
            f"test NLL {-log_likelihood.mean():.2f} nats per example "
            f"(importance-weighted, {args.iw_samples} samples)"
        )


def _plot(args):
    vae = keras_vae.load_vae(args.model)
    _, (x_test, y_test) = _load_data(args)
    _print_written(
        keras_vae.plots.save_all(
            vae, x_test, y_test, output_dir=args.output_dir
        )
    )


def _sample(args):
    vae = keras_vae.load_vae(args.model)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    keras_vae.plots.plot_samples(
        vae, args.num_samples, seed=args.seed, path=out
    )
    _print_written([out])


COMMANDS = {
    "train": _train,
    "evaluate": _evaluate,
    "plot": _plot,
    "sample": _sample,
}


def main(argv=None):
    """Runs the `keras-vae` command (also `python -m keras_vae`).

    Args:
        argv: the arguments, without the program name; `None` reads
            `sys.argv[1:]`.

    Returns:
        The exit status: 0 on success, 1 when the command failed with a
        user error (printed in one line), 2 for invalid arguments.

    Example:

    ```python
    main(["train", "--dataset", "mnist", "--epochs", "1", "--output-dir", "run"])
    ```
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.backend and args.backend != keras.backend.backend():
        # Keras fixes its backend at import, which has happened by now: run
        # the command again in a process started on the requested backend.
        environment = {**os.environ, "KERAS_BACKEND": args.backend}
        command = [sys.executable, "-m", "keras_vae", *argv]
        return subprocess.call(command, env=environment)
    try:
        COMMANDS[args.command](args)
    except (CommandError, FileNotFoundError, ValueError, TypeError) as error:
        print(f"keras-vae {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0
