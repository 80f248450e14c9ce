"""Test NLL on dynamically binarized MNIST, on the protocol of Burda et al.

Usage:

    KERAS_BACKEND=jax python benchmarks/likelihood.py [--rows vae,iwae5] \
        [--epochs 1000] [--batch-size 100] [--kl-warmup-fraction 0.1] \
        [--eval-iw-samples 5000] [--test-seed 0] [--second-test-seed 1] \
        [--evaluate-only] [--data-dir DIR]

Each row trains one model on the backend of `KERAS_BACKEND` and evaluates
it on all 10,000 test images:

- training data: the first 59,000 MNIST training images, binarized afresh
  every time they are used (`dynamic_binarization=True`); the last 1,000
  are the validation set, binarized once with `--validation-seed`;
- model: one stochastic layer, 784-200-200-50 tanh MLP encoder and decoder,
  or two (`keras_vae.HierarchicalVAE`, `build_mlp_hierarchy`: 784-200-200-
  100 then 100-100-50, mirrored), Bernoulli decoder whose output bias
  starts at the logit of the training images' mean pixel
  (`keras_vae.datasets.mean_logits`), as in Burda et al. (2016); the rows
  with a VampPrior (Tomczak & Welling, 2018) have 500 pseudo-inputs that
  start at the mean training image plus noise of 0.01, and the one-layer
  one has their 784-300-300-40 shape (tanh; their code gates its layers);
- objective: the ELBO (`keras_vae.VAE`, or `HierarchicalVAE` with k = 1) or
  the k-sample bound (`keras_vae.IWAE(num_samples=k)`, `HierarchicalVAE
  (num_samples=k)`), with KL warm-up (beta from 0 to 1 over
  the first `--kl-warmup-fraction` of the epochs; from 1 / its epochs with
  a VampPrior, as Tomczak & Welling's), Adam (epsilon 1e-4; 1e-8 with a
  VampPrior, `ADAM_EPSILON`) whose
  learning rate decays exponentially from `--learning-rate` to
  `--final-learning-rate` over the run; with `--ema-momentum M`, the
  weights scored and shipped are Adam's exponential moving average of the
  trained weights (Polyak averaging, `use_ema=True`);
- model selection: the epoch with the best validation loss once beta is 1,
  never the test set (with `--ema-momentum`, of the averaged weights; the
  trained weights' validation loss is logged beside it, as
  `val_loss_without_ema`);
- test set: the 10,000 test images binarized once with `--test-seed`
  (`keras_vae.datasets.binarize`); test NLL = -mean `log_likelihood` with
  `--eval-iw-samples` samples, test -ELBO beside it; the first row is also
  scored on a second draw of the test set (`--second-test-seed`).

Work files (backups, logs, the best checkpoint) go to `--work-dir`: kill
the command and run it again, and each row resumes after its last finished
epoch (`keras.callbacks.BackupAndRestore`). The selected model is saved
without optimizer state to `saved_models/binarized_mnist/NAME.keras`, and
each row to `benchmarks/likelihood.json` (rows of other names are kept).
`--evaluate-only` scores the saved models again, e.g. on another backend.
It measures; it asserts nothing.
"""

import argparse
import csv
import datetime
import importlib.metadata
import json
import math
import pathlib
import platform
import sys
import time

import keras

import keras_vae
from likelihood_callbacks import EpochSeconds
from likelihood_callbacks import PriorPerplexity
from likelihood_callbacks import SaveBestAfterWarmup
from likelihood_callbacks import ValidationWithoutEMA

ROOT = pathlib.Path(__file__).resolve().parent.parent
# name: (objective, k of the training bound, prior, stochastic layers).
ROWS = {
    "vae": ("elbo", 1, "standard_normal", 1),
    "iwae5": ("iwae", 5, "standard_normal", 1),
    "iwae50": ("iwae", 50, "standard_normal", 1),
    "vae_vamp": ("elbo", 1, "vamp_prior", 1),
    "hvae": ("elbo", 1, "standard_normal", 2),
    "hiwae5": ("iwae", 5, "standard_normal", 2),
    "hiwae5_vamp": ("iwae", 5, "vamp_prior", 2),
    "hiwae50": ("iwae", 50, "standard_normal", 2),
}
# Burda et al.'s one-layer model: 784-200-200-50, tanh.
HIDDEN_UNITS = (200, 200)
LATENT_DIM = 50
# Tomczak & Welling's (2018): 300 hidden units, z of 40 (tanh here; their
# code gates its dense layers), K = 500 pseudo-inputs.
VAMP_HIDDEN_UNITS = (300, 300)
VAMP_LATENT_DIM = 40
PSEUDO_INPUTS = 500
# The last 1,000 training images, binarized once, select the epoch.
VALIDATION_IMAGES = 1000
# Adam's epsilon by prior: Burda et al.'s 1e-4 for N(0, I); for a VampPrior,
# Tomczak & Welling's (PyTorch's default, 1e-8): the pseudo-inputs' gradients
# are small (scaled by beta during warm-up, and by each component's share of
# the codes), and 1e-4 damps them. In a 12-epoch probe (10,000 images, warm-
# up over 6 epochs) 43 of 500 components held the codes with 1e-4, 195 with
# 1e-8 (`val_prior_perplexity`). A `vae_vamp` run with 1e-4 and a warm-up
# from beta = 0 had one component holding them all after 170 epochs.
ADAM_EPSILON = {"standard_normal": 1e-4, "vamp_prior": 1e-8}
# The first test images and the samples of the spot check.
SPOT_CHECK_IMAGES = 100
SPOT_CHECK_SAMPLES = 500


def mnist(data_dir, limit):
    (x_train, _), (x_test, _) = keras_vae.datasets.load(
        "mnist", data_dir=data_dir, limit=limit
    )
    return x_train, x_test


def build_prior(prior, seed, pseudo_inputs):
    """The row's prior; a VampPrior's pseudo-inputs start near the mean
    training image (`initialize_pseudo_inputs`, once it is attached)."""
    if prior == "standard_normal":
        return keras_vae.priors.StandardNormal()
    return keras_vae.priors.VampPrior(
        num_pseudo_inputs=pseudo_inputs, seed=seed
    )


def build_model(name, x_train, seed, pseudo_inputs=PSEUDO_INPUTS):
    """The model of row `name`, its decoder's output bias at the logit of
    the mean training pixel and a VampPrior's pseudo-inputs near the mean
    training image."""
    objective, train_iw_samples, prior_name, stochastic_layers = ROWS[name]
    prior = build_prior(prior_name, seed, pseudo_inputs)
    output_bias = keras_vae.datasets.mean_logits(x_train)
    common = {"seed": seed, "dynamic_binarization": True, "prior": prior}
    if stochastic_layers == 2:
        # Burda et al.'s: 784-200-200-(100), 100-100-(50), mirrored, tanh.
        model = keras_vae.HierarchicalVAE(
            *keras_vae.build_mlp_hierarchy(
                x_train.shape[1:], output_bias=output_bias
            ),
            num_samples=train_iw_samples,
            **common,
        )
    else:
        one_layer_vamp = prior_name == "vamp_prior"
        hidden_units = VAMP_HIDDEN_UNITS if one_layer_vamp else HIDDEN_UNITS
        latent_dim = VAMP_LATENT_DIM if one_layer_vamp else LATENT_DIM
        encoder = keras_vae.build_mlp_encoder(
            x_train.shape[1:], latent_dim, hidden_units, activation="tanh"
        )
        decoder = keras_vae.build_mlp_decoder(
            x_train.shape[1:],
            latent_dim,
            hidden_units,
            activation="tanh",
            output_bias=output_bias,
        )
        if objective == "elbo":
            model = keras_vae.VAE(encoder, decoder, **common)
        else:
            model = keras_vae.IWAE(
                encoder, decoder, num_samples=train_iw_samples, **common
            )
    if prior_name == "vamp_prior":
        prior.initialize_pseudo_inputs(x_train, seed=seed)
    return model


def read_log(path):
    if not path.exists():
        return []
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def epochs_done(logged):
    """Epochs trained, from the log's last epoch: a row can be missing
    when a process stops between an epoch's backup and its log row."""
    return int(logged[-1]["epoch"]) + 1 if logged else 0


def train(name, args, x_train, x_validation):
    work_dir = pathlib.Path(args.work_dir) / name
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / "training_log.csv"
    best_path = work_dir / "best.keras"
    warmup_epochs = max(1, round(args.kl_warmup_fraction * args.epochs))
    keras.utils.set_random_seed(args.seed)
    model = build_model(name, x_train, args.seed)
    steps_per_epoch = math.ceil(len(x_train) / args.batch_size)
    learning_rate = keras.optimizers.schedules.ExponentialDecay(
        args.learning_rate,
        decay_steps=args.epochs * steps_per_epoch,
        decay_rate=args.final_learning_rate / args.learning_rate,
    )
    ema = (
        {}
        if args.ema_momentum is None
        else {"use_ema": True, "ema_momentum": args.ema_momentum}
    )
    prior_name = ROWS[name][2]
    model.compile(
        optimizer=keras.optimizers.Adam(
            learning_rate, epsilon=ADAM_EPSILON[prior_name], **ema
        )
    )
    vamp = prior_name == "vamp_prior"
    usage = [PriorPerplexity(x_validation)] if vamp else []
    # A VampPrior's warm-up starts above 0, as Tomczak & Welling's: after
    # an epoch at beta = 0 one component takes every code (KLWarmup).
    initial_beta = 1 / warmup_epochs if vamp else 0.0
    averaging = (
        [
            ValidationWithoutEMA(x_validation, args.batch_size),
            keras.callbacks.SwapEMAWeights(swap_on_epoch=True),
        ]
        if ema
        else []
    )
    logged = read_log(log_path)
    best = min(
        (
            float(row["val_loss"])
            for row in logged
            if int(row["epoch"]) >= warmup_epochs
        ),
        default=math.inf,
    )
    if epochs_done(logged) >= args.epochs:
        print(f"{name}: trained already ({epochs_done(logged)} epochs)")
    else:
        if logged:
            print(f"{name}: resuming after epoch {epochs_done(logged)}")
        model.fit(
            x_train,
            epochs=args.epochs,
            batch_size=args.batch_size,
            validation_data=(x_validation,),
            callbacks=[
                keras.callbacks.TerminateOnNaN(),
                keras.callbacks.BackupAndRestore(
                    work_dir / "backup", double_checkpoint=True
                ),
                keras_vae.callbacks.KLWarmup(
                    epochs=warmup_epochs, initial_beta=initial_beta
                ),
                EpochSeconds(),
                *usage,
                # After BackupAndRestore, so that backups hold the trained
                # weights, not the average swapped in at the epoch's end.
                *averaging,
                SaveBestAfterWarmup(best_path, warmup_epochs, best),
                keras.callbacks.CSVLogger(log_path, append=True),
            ],
            verbose=args.verbose,
        )
    logged = read_log(log_path)
    best_epoch = min(
        (row for row in logged if int(row["epoch"]) >= warmup_epochs),
        key=lambda row: float(row["val_loss"]),
    )
    shipped = keras_vae.load_vae(best_path)
    model_path = ROOT / args.models_dir / f"{name}.keras"
    model_path.parent.mkdir(parents=True, exist_ok=True)
    # The weights alone (about 1.7 MB), without the optimizer's state.
    uncompiled = shipped.__class__.from_config(shipped.get_config())
    uncompiled.set_weights(shipped.get_weights())
    uncompiled.save(model_path)
    unlogged = sorted(
        set(range(epochs_done(logged))) - {int(row["epoch"]) for row in logged}
    )
    return {
        "epochs": epochs_done(logged),
        # Trained, but the process stopped between the epoch's backup and
        # its log row: their seconds are missing from train_seconds.
        **({"unlogged_epochs": unlogged} if unlogged else {}),
        "selected_epoch": int(best_epoch["epoch"]) + 1,
        "validation_loss": float(best_epoch["val_loss"]),
        "kl_warmup_epochs": warmup_epochs,
        "kl_warmup_initial_beta": initial_beta,
        "ema_momentum": args.ema_momentum,
        "adam_epsilon": ADAM_EPSILON[prior_name],
        "train_seconds": round(
            sum(float(row["epoch_seconds"]) for row in logged), 1
        ),
    }


def evaluate(name, args, x_test, test_seed):
    model_path = ROOT / args.models_dir / f"{name}.keras"
    model = keras.saving.load_model(model_path, safe_mode=True)
    x = keras_vae.datasets.binarize(x_test, seed=test_seed)
    start = time.perf_counter()
    log_likelihood = model.log_likelihood(
        x, num_samples=args.eval_iw_samples, seed=test_seed, verbose=2
    )
    seconds = time.perf_counter() - start
    # -ELBO with the closed-form KL: one draw of z per image for the VAE,
    # the mean over the k draws for the IWAE.
    terms = model.evaluate(x, batch_size=500, verbose=0, return_dict=True)
    # A figure the tests recompute on every backend in a second.
    spot_check = model.log_likelihood(
        x[:SPOT_CHECK_IMAGES],
        num_samples=SPOT_CHECK_SAMPLES,
        seed=test_seed,
        verbose=0,
    )
    return {
        "spot_check": {
            "test_images": SPOT_CHECK_IMAGES,
            "eval_iw_samples": SPOT_CHECK_SAMPLES,
            "test_nll": round(float(-spot_check.mean()), 3),
        },
        "test_nll": round(float(-log_likelihood.mean()), 3),
        "test_nll_stderr": round(
            float(log_likelihood.std() / math.sqrt(len(x))), 3
        ),
        "test_elbo": round(terms["reconstruction_loss"] + terms["kl_loss"], 3),
        "eval_seconds": round(seconds, 1),
    }


def versions():
    names = ("keras", "jax", "tensorflow-cpu", "torch", "numpy")
    found = {}
    for package in names:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def read_rows(path):
    if not path.exists():
        return {}
    return {row["name"]: row for row in json.loads(path.read_text())["rows"]}


def write_rows(path, rows):
    """Writes `rows` over those of the same names; each row names the
    command that trained it."""
    previous = json.loads(path.read_text()) if path.exists() else {}
    by_name = {row["name"]: row for row in previous.get("rows", [])}
    by_name.update({row["name"]: row for row in rows})
    result = {
        "protocol": __doc__.split("\n\n", 2)[2].split("\n\nWork files")[0],
        "machine": f"{platform.processor() or platform.machine()}, "
        f"{__import__('os').cpu_count()} CPUs",
        "versions": versions(),
        "rows": [by_name[name] for name in ROWS if name in by_name],
    }
    path.write_text(json.dumps(result, indent=2) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="vae,iwae5")
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--final-learning-rate", type=float, default=1e-4)
    parser.add_argument("--kl-warmup-fraction", type=float, default=0.1)
    parser.add_argument(
        "--ema-momentum",
        type=float,
        help="score and ship the moving average of the weights, with this "
        "momentum per step (e.g. 0.9999); default: the trained weights",
    )
    parser.add_argument("--eval-iw-samples", type=int, default=5000)
    parser.add_argument("--test-seed", type=int, default=0)
    parser.add_argument(
        "--second-test-seed",
        type=lambda text: None if text == "none" else int(text),
        default=1,
        help="seed of a second test draw for the first row ('none': skip)",
    )
    parser.add_argument("--validation-seed", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--validation-images", type=int, default=VALIDATION_IMAGES
    )
    parser.add_argument(
        "--limit",
        type=int,
        help="train on the first N images and test on the first N (smoke "
        "tests; not the protocol)",
    )
    parser.add_argument("--evaluate-only", action="store_true")
    parser.add_argument("--data-dir")
    parser.add_argument(
        "--work-dir", default=str(ROOT / "benchmarks" / "likelihood_runs")
    )
    parser.add_argument("--models-dir", default="saved_models/binarized_mnist")
    parser.add_argument(
        "--json", default=str(ROOT / "benchmarks" / "likelihood.json")
    )
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args()
    names = args.rows.split(",")
    unknown = sorted(set(names) - set(ROWS))
    if unknown:
        parser.error(f"unknown rows {unknown}; expected some of {list(ROWS)}")
    x_train, x_test = mnist(
        args.data_dir, args.limit and args.limit + args.validation_images
    )
    if args.limit:
        x_test = x_test[: args.limit]
    x_validation = keras_vae.datasets.binarize(
        x_train[-args.validation_images :], seed=args.validation_seed
    )
    x_train = x_train[: -args.validation_images]
    json_path = pathlib.Path(args.json)
    command = " ".join(sys.argv)
    rows = []
    for index, name in enumerate(names):
        if args.evaluate_only:
            # Scores of the saved model on this backend, beside the row.
            seed = read_rows(json_path)[name]["test_binarization_seed"]
            scores = evaluate(name, args, x_test, seed)
            # Read again: another backend's evaluation may have been
            # written meanwhile.
            row = read_rows(json_path)[name]
            row.setdefault("evaluations", {})[keras.backend.backend()] = {
                **scores,
                "command": command,
            }
            print(json.dumps(row))
            write_rows(json_path, [row])
            continue
        objective, train_iw_samples, prior, stochastic_layers = ROWS[name]
        row = {
            "name": name,
            "objective": objective,
            "train_iw_samples": train_iw_samples,
            "prior": prior,
            "stochastic_layers": stochastic_layers,
            "model": f"{args.models_dir}/{name}.keras",
            **train(name, args, x_train, x_validation),
            "batch_size": args.batch_size,
            **evaluate(name, args, x_test, args.test_seed),
            "test_images": len(x_test),
            "eval_iw_samples": args.eval_iw_samples,
            "test_binarization_seed": args.test_seed,
            "backend": keras.backend.backend(),
            "date": datetime.date.today().isoformat(),
            "command": command,
        }
        if index == 0 and args.second_test_seed is not None:
            other = evaluate(name, args, x_test, args.second_test_seed)
            row["second_test_draw"] = {
                "test_binarization_seed": args.second_test_seed,
                "test_nll": other["test_nll"],
                "test_elbo": other["test_elbo"],
            }
        print(json.dumps(row))
        rows.append(row)
        write_rows(json_path, rows)


if __name__ == "__main__":
    main()
