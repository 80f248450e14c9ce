"""What each `keras-vae` command does, once its arguments are parsed.

Wiring only: the model, the data and the figures come from the library
(`keras_vae.VAE`, `keras_vae.datasets`, `keras_vae.plots`).
"""

import contextlib
import csv
import json
import pathlib
import sys

import keras

import keras_vae
from keras_vae import distribution


class CommandError(Exception):
    """A command could not do its job; the message says why, in one line."""


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


# What a one-layer model's options are when not given.
DEFAULT_LATENT_DIM = 2
DEFAULT_HIDDEN_UNITS = (512,)


def _refuse_unless_model(args, given, what, models):
    """Raises `CommandError` when an option that only `models` (two or
    more) use, `what` says how, is `given` with another `--model`."""
    if given and args.model not in models:
        expected = f"{', '.join(models[:-1])} or {models[-1]}"
        raise CommandError(
            f"{what} of --model {expected}. Received: --model {args.model}"
        )


def _check_model_arguments(args):
    _refuse_unless_model(
        args,
        args.iw_samples is not None,
        "--iw-samples sets the bound",
        ("iwae", "hvae"),
    )
    if args.model == "hvae":
        given = [
            option
            for option, value in (
                ("--latent-dim", args.latent_dim),
                ("--hidden-units", args.hidden_units),
                ("--upsampling", args.upsampling),
            )
            if value is not None
        ]
        if args.architecture != "mlp":
            given.append(f"--architecture {args.architecture}")
        if given:
            raise CommandError(
                "--model hvae trains Burda et al.'s two-layer MLPs "
                "(keras_vae.build_mlp_hierarchy): expected none of "
                f"--latent-dim, --hidden-units, --architecture conv, "
                f"--upsampling. Received: {', '.join(given)}"
            )
    _refuse_unless_model(
        args,
        args.prior != "standard_normal",
        f"--prior {args.prior} is a prior",
        ("vae", "iwae", "hvae"),
    )
    _refuse_unless_model(
        args,
        args.free_bits > 0,
        "--free-bits floors the KL term",
        ("vae", "cvae"),
    )
    if args.pseudo_inputs is not None and args.prior != "vamp_prior":
        raise CommandError(
            "--pseudo-inputs sets the mixture of --prior vamp_prior. "
            f"Received: --prior {args.prior}"
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


def _build_networks(args, x_train, num_classes):
    """`(encoder, decoder)`, or for --model hvae `(encoders, decoders)`."""
    data_shape = x_train.shape[1:]
    latent_dim = args.latent_dim or DEFAULT_LATENT_DIM
    output_bias = (
        keras_vae.datasets.mean_logits(x_train)
        if args.mean_output_bias
        else None
    )
    if args.model == "hvae":
        return keras_vae.build_mlp_hierarchy(
            data_shape, activation=args.activation, output_bias=output_bias
        )
    if args.architecture == "conv":
        return (
            keras_vae.build_conv_encoder(
                data_shape, latent_dim, num_classes=num_classes
            ),
            keras_vae.build_conv_decoder(
                data_shape,
                latent_dim,
                num_classes=num_classes,
                upsampling=args.upsampling or "transpose",
            ),
        )
    mlp = {
        "hidden_units": args.hidden_units or DEFAULT_HIDDEN_UNITS,
        "activation": args.activation,
        "num_classes": num_classes,
    }
    return (
        keras_vae.build_mlp_encoder(data_shape, latent_dim, **mlp),
        keras_vae.build_mlp_decoder(
            data_shape, latent_dim, output_bias=output_bias, **mlp
        ),
    )


def _build_prior(args):
    """The `prior=` of the model: None, the default, or a VampPrior."""
    if args.prior == "standard_normal":
        return None
    return keras_vae.priors.VampPrior(
        num_pseudo_inputs=args.pseudo_inputs or 500, seed=args.seed
    )


def _build_model(args, x_train, num_classes):
    num_classes = num_classes if args.model == "cvae" else None
    encoder, decoder = _build_networks(args, x_train, num_classes)
    common = {
        "likelihood": args.likelihood,
        "seed": args.seed,
        "dynamic_binarization": args.dynamic_binarization,
    }
    if args.model == "autoencoder":
        return keras_vae.Autoencoder(encoder, decoder, **common)
    common["beta"] = args.beta
    if args.model == "cvae":
        return keras_vae.ConditionalVAE(
            encoder, decoder, free_bits=args.free_bits, **common
        )
    prior = _build_prior(args)
    common["prior"] = prior
    if args.model == "iwae":
        model = keras_vae.IWAE(
            encoder, decoder, num_samples=args.iw_samples or 5, **common
        )
    elif args.model == "hvae":
        model = keras_vae.HierarchicalVAE(
            encoder, decoder, num_samples=args.iw_samples or 1, **common
        )
    else:
        model = keras_vae.VAE(
            encoder, decoder, free_bits=args.free_bits, **common
        )
    if prior is not None:
        prior.initialize_pseudo_inputs(x_train, seed=args.seed)
    return model


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
    """`(scope, num_replicas)` of `distribution.data_parallel()`, or no scope."""
    if not args.data_parallel:
        return contextlib.nullcontext(), 1
    scope, num_replicas = distribution.data_parallel()
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


def _kl_warmup(args):
    """`--kl-warmup`'s callback. With a VampPrior the ramp starts at
    `beta / epochs`, as Tomczak & Welling's: after an epoch at beta = 0 one
    component of the mixture holds every code (`KLWarmup`)."""
    vamp = args.prior == "vamp_prior"
    return keras_vae.callbacks.KLWarmup(
        epochs=args.kl_warmup,
        initial_beta=args.beta / args.kl_warmup if vamp else 0.0,
    )


def _fit(args, model, train_data, test_data, output_dir, model_path):
    """Trains and saves the model of `train`; returns its history."""
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    backup_dir = output_dir / "backup"
    log_path = output_dir / "training_log.csv"
    callbacks = [
        keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True),
    ]
    if args.kl_warmup:
        callbacks.append(_kl_warmup(args))
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
