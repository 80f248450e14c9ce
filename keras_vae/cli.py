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
from keras_vae.losses import LIKELIHOODS
from keras_vae.models import steps
from keras_vae.models.decoders import UPSAMPLING

BACKENDS = ("jax", "tensorflow", "torch")
ARCHITECTURES = ("mlp", "conv")
MODELS = ("vae", "iwae", "cvae", "autoencoder")
ACTIVATIONS = ("relu", "tanh", "elu", "gelu", "silu", "sigmoid")
MODEL_HELP = (
    "a .keras file written by train, or the name of a shipped model: "
    f"{', '.join(keras_vae.presets())}"
)


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
        help="vae (the ELBO), iwae (the --iw-samples bound), cvae "
        "(conditioned on the labels) or autoencoder (no KL term)",
    )
    train.add_argument(
        "--iw-samples",
        type=_positive_int,
        metavar="K",
        help="samples per example of the IWAE bound (--model iwae; default 5)",
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
        default=(512,),
        metavar="N[,N...]",
        help="MLP hidden layer widths, encoder order (default 512; the "
        "IWAE paper's: 200,200)",
    )
    train.add_argument(
        "--activation",
        choices=ACTIVATIONS,
        default="relu",
        help="activation of the hidden layers (default relu)",
    )
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
        description="Decode draws of z ~ N(0, I) and write them as a PNG grid.",
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


def _load_model(model):
    """The model in the `.keras` file `model`, or the preset of that name."""
    if model in keras_vae.presets() and not pathlib.Path(model).exists():
        return keras_vae.from_preset(model)
    try:
        return keras_vae.load_vae(model)
    except FileNotFoundError as error:
        raise FileNotFoundError(
            f"{error} Or a preset name: {', '.join(keras_vae.presets())}."
        ) from None


def _load_data(args):
    return keras_vae.datasets.load(
        args.dataset, data_dir=args.data_dir, limit=args.limit
    )


def _check_model_arguments(args):
    if args.iw_samples is not None and args.model != "iwae":
        raise CommandError(
            "--iw-samples sets the bound of --model iwae. Received: "
            f"--model {args.model}"
        )
    if args.mean_output_bias and args.architecture != "mlp":
        raise CommandError(
            "--mean-output-bias starts the MLP decoder's per-pixel bias: "
            "expected --architecture mlp. Received: --architecture "
            f"{args.architecture}"
        )
    if args.upsampling is not None and args.architecture != "conv":
        raise CommandError(
            "--upsampling sets the conv decoder's layers: expected "
            f"--architecture conv. Received: --architecture {args.architecture}"
        )
    if args.dynamic_binarization and args.likelihood != "bernoulli":
        raise CommandError(
            "--dynamic-binarization draws binary images, which only the "
            "Bernoulli likelihood models: expected --likelihood bernoulli. "
            f"Received: --likelihood {args.likelihood}"
        )
    if args.model == "cvae" and args.data_parallel:
        raise CommandError(
            "--data-parallel trains --model vae, iwae or autoencoder, not cvae"
        )


def _build_model(args, x_train, num_classes):
    data_shape = x_train.shape[1:]
    num_classes = num_classes if args.model == "cvae" else None
    if args.architecture == "mlp":
        output_bias = (
            keras_vae.datasets.mean_logits(x_train)
            if args.mean_output_bias
            else None
        )
        mlp = {"hidden_units": args.hidden_units, "activation": args.activation}
        encoder = keras_vae.build_mlp_encoder(
            data_shape, args.latent_dim, num_classes=num_classes, **mlp
        )
        decoder = keras_vae.build_mlp_decoder(
            data_shape,
            args.latent_dim,
            num_classes=num_classes,
            output_bias=output_bias,
            **mlp,
        )
    else:
        encoder = keras_vae.build_conv_encoder(
            data_shape, args.latent_dim, num_classes=num_classes
        )
        decoder = keras_vae.build_conv_decoder(
            data_shape,
            args.latent_dim,
            num_classes=num_classes,
            upsampling=args.upsampling or "transpose",
        )
    common = {
        "likelihood": args.likelihood,
        "seed": args.seed,
        "dynamic_binarization": args.dynamic_binarization,
    }
    if args.model == "autoencoder":
        return keras_vae.Autoencoder(encoder, decoder, **common)
    common["beta"] = args.beta
    if args.model == "iwae":
        return keras_vae.IWAE(
            encoder, decoder, num_samples=args.iw_samples or 5, **common
        )
    model_class = {"vae": keras_vae.VAE, "cvae": keras_vae.ConditionalVAE}
    return model_class[args.model](
        encoder, decoder, free_bits=args.free_bits, **common
    )


def _test_data(model, x_test, args):
    """The test images a model is scored on: binarized once, with the
    seed of `--test-binarization-seed`, for a dynamically binarized one."""
    if not model.dynamic_binarization:
        return x_test
    print(
        "scoring on the test set binarized once with seed "
        f"{args.test_binarization_seed}"
    )
    return keras_vae.datasets.binarize(x_test, seed=args.test_binarization_seed)


def _labels(model, y):
    """`y` for a ConditionalVAE's `evaluate` and plots, else nothing."""
    if not isinstance(model, keras_vae.ConditionalVAE):
        return {}
    if y is None:
        raise CommandError(
            "--model cvae is conditioned on class labels, and this dataset "
            "has no `label` feature."
        )
    return {"y": y}


def _print_metrics(model, metrics):
    if "kl_loss" not in metrics:  # an Autoencoder
        print(
            f"test reconstruction {metrics['reconstruction_loss']:.2f} nats "
            "per example"
        )
        return
    # The -ELBO is reconstruction + KL whatever beta and free bits make of
    # the training loss.
    neg_elbo = metrics["reconstruction_loss"] + metrics["kl_loss"]
    print(
        f"test -ELBO {neg_elbo:.2f} nats per example "
        f"(reconstruction {metrics['reconstruction_loss']:.2f}, "
        f"KL {metrics['kl_loss']:.2f})"
    )
    if isinstance(model, keras_vae.IWAE):
        print(
            f"test -IWAE bound {metrics['loss']:.2f} nats per example "
            f"({model.num_samples} samples)"
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
    _check_model_arguments(args)
    # First: on JAX it may add an XLA flag, which only works before JAX
    # starts, and seeding starts it.
    scope, num_replicas = _data_parallel(args)
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = _load_data(args)
    output_dir = pathlib.Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    model_path = output_dir / "model.keras"
    with scope:
        # Every batch, the last one included, must split evenly across the
        # devices: drop the fewer than `num_replicas` examples in excess.
        train_size = len(x_train) // num_replicas * num_replicas
        test_size = len(x_test) // num_replicas * num_replicas
        model = _build_model(args, x_train, _num_classes(y_train))
        x_test = _test_data(model, x_test, args)
        history = _fit(
            args,
            model,
            (x_train[:train_size], _labels(model, y_train).get("y")),
            (x_test[:test_size], _labels(model, y_test).get("y")),
            output_dir,
            model_path,
        )
    if args.data_parallel:
        # A single-device copy evaluates and plots any number of examples.
        model = keras_vae.load_vae(model_path)
    metrics = model.evaluate(
        x_test,
        **_labels(model, y_test),
        batch_size=500,
        return_dict=True,
        verbose=0,
    )
    history_path = output_dir / "history.json"
    history_path.write_text(json.dumps(history, indent=2))
    metrics_path = output_dir / "metrics.json"
    metrics_path.write_text(json.dumps(metrics, indent=2))
    plot_paths = keras_vae.plots.save_all(
        model, x_test, y_test, history=history, output_dir=output_dir
    )
    _print_metrics(model, metrics)
    _print_written([model_path, history_path, metrics_path, *plot_paths])


def _num_classes(y):
    return None if y is None else int(y.max()) + 1


def _fit(args, model, train_data, test_data, output_dir, model_path):
    """Trains and saves the model of `train`; returns its history."""
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    backup_dir = output_dir / "backup"
    log_path = output_dir / "training_log.csv"
    callbacks = [
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
    x_train, y_train = train_data
    try:
        model.fit(
            x_train,
            y_train,
            epochs=args.epochs,
            batch_size=args.batch_size,
            # `(x_test,)`, or `(x_test, y_test)` for a ConditionalVAE.
            validation_data=tuple(
                part for part in test_data if part is not None
            ),
            callbacks=callbacks,
            verbose=args.verbose,
        )
    except keras_vae.NonFiniteLossError as error:
        raise CommandError(
            f"{error} The model was not saved; the backup holds the last "
            "finished epoch. Try a lower --learning-rate."
        ) from None
    model.save(model_path)
    # Read back from the log, the history covers the epochs of every run
    # that resumed the training, not only the last one.
    return _read_training_log(log_path)


def _read_training_log(path):
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    names = [name for name in rows[0] if name != "epoch"] if rows else []
    return {name: [float(row[name]) for row in rows] for name in names}


def _evaluate(args):
    model = _load_model(args.model)
    _, (x_test, y_test) = _load_data(args)
    x_test = _test_data(model, x_test, args)
    labels = _labels(model, y_test)
    _print_metrics(
        model,
        model.evaluate(
            x_test,
            **labels,
            batch_size=args.batch_size,
            return_dict=True,
            verbose=0,
        ),
    )
    if args.iw_samples:
        if isinstance(model, keras_vae.Autoencoder):
            raise CommandError(
                "--iw-samples: an autoencoder has no posterior q(z | x) to "
                "draw from, so no importance-weighted likelihood."
            )
        label_arguments = (labels["y"],) if labels else ()
        log_likelihood = model.log_likelihood(
            x_test, *label_arguments, num_samples=args.iw_samples, seed=0
        )
        print(
            f"test NLL {-log_likelihood.mean():.2f} nats per example "
            f"(importance-weighted, {args.iw_samples} samples)"
        )


def _plot(args):
    model = _load_model(args.model)
    _, (x_test, y_test) = _load_data(args)
    _print_written(
        keras_vae.plots.save_all(
            model, x_test, y_test, output_dir=args.output_dir
        )
    )


def _sample(args):
    vae = _load_model(args.model)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    keras_vae.plots.plot_samples(
        vae, args.num_samples, seed=args.seed, path=out
    )
    _print_written([out])


def _explore(args):
    from keras_vae.explorer import LatentSpace
    from keras_vae.explorer import make_server

    model = _load_model(args.model)
    _, (x_test, y_test) = _load_data(args)
    space = LatentSpace(model, x_test, y_test, dataset=args.dataset)
    try:
        server = make_server(space, args.host, args.port)
    except OSError as error:
        raise CommandError(
            f"cannot serve on {args.host}:{args.port}: {error.strerror}"
        ) from None
    host, port = server.server_address[:2]
    if args.host in ("0.0.0.0", "::", ""):
        print(
            f"warning: serving on all interfaces ({args.host}): anyone who "
            "can reach this machine can use the page",
            file=sys.stderr,
        )
    print(f"exploring {args.model}: http://{host}:{port}/ (Ctrl-C stops)")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()


COMMANDS = {
    "train": _train,
    "evaluate": _evaluate,
    "plot": _plot,
    "sample": _sample,
    "explore": _explore,
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
