"""Test-set quality of keras_vae's MLP and conv VAEs on MNIST and Fashion-MNIST.

Usage:

    python benchmarks/quality.py [--epochs 10] [--iw-samples 5000] \
        [--iw-examples 100] [--datasets mnist,fashion_mnist] \
        [--architectures mlp,conv] [--latent-dim 50] [--batch-size 128] \
        [--seed 0] [--mlp-backend jax] [--conv-backend tensorflow] \
        [--data-dir DIR] [--json [OUT]]

For each (dataset, architecture), trains in its own subprocess, with its own
`KERAS_BACKEND` (JAX for the MLP, TensorFlow for the conv model: the
fastest on a CPU, see the README's Performance section), a `keras_vae.VAE`
built with the library builders' defaults on the full training split (real
data from TFDS, offline copy included), for `--epochs` epochs with
`Adam(1e-3)` and `VAE.compile`'s defaults. Then, on the test split:

- test -ELBO, reconstruction loss and KL (nats per example, from
  `vae.evaluate` on all test images, one `z` sample per image);
- IWAE-k NLL, `-mean(vae.log_likelihood(x, num_samples=k))`, on the first
  `--iw-examples` test images, with its standard error over those images and
  the -ELBO of the same images, so the gap between the two is paired;
- active latent units: latent dimensions whose `z_mean` varies across the
  test set with variance above 0.01 (Burda et al., 2016).

Prints the table, next to the published VAE rows of Burda, Grosse &
Salakhutdinov (2016), "Importance Weighted Autoencoders", ICLR, Table 1
(MNIST). The setups differ, so the numbers are context, not a target:

- data: ours are grey levels in [0, 1] under a Bernoulli likelihood, a
  continuous relaxation whose "NLL" is not a likelihood of binary images and
  has a floor above 0 (the pixels' binary entropy); theirs is MNIST binarized
  at random each time an image is used, 59,600 training images (400 held
  out), and a binarized test set;
- architecture: theirs 784-200-200-50 (tanh, 1 stochastic layer) or
  784-200-200-100-100-100-50 (2 stochastic layers); ours the builders'
  defaults: MLP 784-512-`latent_dim` (ReLU), conv 2 strided Conv2D (32, 64)
  + Dense(16), mirrored decoders;
- training: theirs 3^i passes at learning rate 1e-3 * 10^(-i/7) for i = 0..7
  (3,280 passes), batch 20, Adam with eps 1e-4 (their `optimizers.py`:
  beta_1 = 0.99, beta_2 = 0.999; the paper's text was not checked); ours
  `--epochs` passes, batch `--batch-size`, Keras Adam(1e-3) defaults;
- active units: they measured the variance of the posterior means over 500
  training images; we use the whole test set.

With the defaults the whole run is estimated at 22-27 minutes on a 2-core
CPU, from shorter runs (a conv epoch took 30-40 s, an MLP epoch 3-11 s; IWAE
with k = 5000 took 2-3 s per test image on the conv model, 0.5 s on the MLP;
about 20 s per model for start-up, data and evaluation): `--epochs` and
`--iw-examples` set most of it.
`--json` also writes the results, date, machine, versions and command (to
`benchmarks/quality.json` unless a path is given). It measures; it asserts
nothing.
"""

import argparse
import importlib.metadata
import json
import os
import pathlib
import platform
import sys
import time

import numpy as np

from throughput import HERE
from throughput import backend_env
from throughput import default_data_dir
from throughput import run_script

ARCHITECTURES = ("mlp", "conv")
DATASETS = ("mnist", "fashion_mnist")
# Burda et al. (2016), Table 1, MNIST, VAE trained with k = 1; test NLL
# estimated with k = 5000. NLL confirmed from the authors' repository
# (github.com/yburda/iwae, the code behind Table 1) and from
# github.com/nbip/IWAE/README.md, which quotes the table. The active-unit
# counts could not be confirmed from a source we could read, so they are
# left out rather than quoted from memory.
PUBLISHED = (
    {
        "model": "VAE, 1 stochastic layer (784-200-200-50)",
        "dataset": "mnist",
        "nll": 86.76,
        "active_units": None,
    },
    {
        "model": "VAE, 2 stochastic layers (784-200-200-100-100-100-50)",
        "dataset": "mnist",
        "nll": 85.33,
        "active_units": None,
    },
)
PUBLISHED_SOURCE = (
    "Burda, Grosse & Salakhutdinov (2016), Importance Weighted Autoencoders, "
    "ICLR, arXiv:1509.00519, Table 1 (MNIST, VAE, k=1)"
)
SETUP_DIFFERENCES = (
    "data: ours grey levels in [0, 1] under a Bernoulli likelihood (not a "
    "likelihood of binary images; its floor is the pixels' binary entropy, "
    "above 0); theirs MNIST binarized at random at every use, 59,600 "
    "training images, binarized test set",
    "architecture: theirs 784-200-200-50 tanh MLP (1 stochastic layer) or "
    "784-200-200-100-100-100-50 (2 layers); ours the builders' defaults: "
    "MLP 784-512-latent_dim ReLU, conv Conv2D(32, 64, stride 2)+Dense(16)",
    "training: theirs 3,280 passes (3^i at lr 1e-3*10^(-i/7), i=0..7), "
    "batch 20, Adam eps 1e-4 (beta_1 0.99 in their code); ours --epochs "
    "passes, batch --batch-size, Keras Adam(1e-3) defaults",
    "active units: theirs variance of posterior means over 500 training "
    "images; ours over the whole test set (threshold 0.01 in both)",
    "NLL: theirs on all 10,000 test images; ours on the first --iw-examples",
)
ACTIVE_UNIT_THRESHOLD = 0.01
# The options a worker is run with, recorded in the JSON as its settings.
SETTINGS = (
    "epochs",
    "iw_samples",
    "iw_examples",
    "latent_dim",
    "batch_size",
    "seed",
)
# About this many decoded rows per log_likelihood call: 5000 rows of the conv
# decoder's activations take about 2 GB.
_IW_ROWS = 5000


def active_units(z_mean, threshold=ACTIVE_UNIT_THRESHOLD):
    """Counts the latent dimensions used by the encoder (Burda et al., 2016).

    A dimension is active when the variance, across examples, of its
    posterior mean exceeds `threshold`.

    Args:
        z_mean: array of shape `(num_examples, latent_dim)`, the posterior
            means, e.g. `vae.encode(x_test)[0]`.
        threshold: float, the variance above which a dimension is active.

    Returns:
        Integer between 0 and `latent_dim`.

    Example:

    ```python
    z_mean = np.stack([np.zeros(100), np.linspace(-1, 1, 100)], axis=1)
    active_units(z_mean)  # 1
    ```
    """
    return int(np.sum(np.var(np.asarray(z_mean), axis=0) > threshold))


def build_vae(architecture, data_shape, latent_dim, seed=None):
    """The benchmark's VAE: the library builders with their defaults.

    Args:
        architecture: `"mlp"` or `"conv"`.
        data_shape: shape of one image, e.g. `(28, 28, 1)`.
        latent_dim: positive integer, the size of `z`.
        seed: optional integer seed of the sampling noise.

    Returns:
        An uncompiled `keras_vae.VAE` with a Bernoulli likelihood.

    Example:

    ```python
    vae = build_vae("mlp", (28, 28, 1), latent_dim=50, seed=0)
    ```
    """
    import keras_vae

    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"Unknown architecture: {architecture!r}. Known architectures "
            f"are: {list(ARCHITECTURES)}"
        )
    encoder = getattr(keras_vae, f"build_{architecture}_encoder")(
        data_shape, latent_dim
    )
    decoder = getattr(keras_vae, f"build_{architecture}_decoder")(
        data_shape, latent_dim
    )
    return keras_vae.VAE(encoder, decoder, likelihood="bernoulli", seed=seed)


def evaluate_model(
    architecture,
    x_train,
    x_test,
    epochs,
    batch_size=128,
    latent_dim=50,
    iw_samples=5000,
    iw_examples=100,
    seed=0,
):
    """Trains one VAE on the current backend and measures it on `x_test`.

    Args:
        architecture: `"mlp"` or `"conv"`.
        x_train: float32 images in `[0, 1]`, `(num_examples, 28, 28, 1)`.
        x_test: test images, same format.
        epochs: positive integer, passes over `x_train`.
        batch_size: training batch size.
        latent_dim: size of `z`.
        iw_samples: `k`, importance samples per test image for the NLL.
        iw_examples: how many test images, the first ones, get the NLL.
        seed: integer seed of the weights, the data order and the noise.

    Returns:
        A dict of floats in nats per example: `test_neg_elbo`,
        `reconstruction_loss` and `kl_loss` (all of `x_test`),
        `train_neg_elbo` (last epoch), `iw_nll` and `iw_nll_stderr` (the
        IWAE-k NLL of the first `iw_examples` test images and its standard
        error over them), `iw_subset_neg_elbo` (the -ELBO of those images);
        and `active_units`, `latent_dim`, `iw_samples`, `iw_examples`,
        `epochs`, `backend`, `train_seconds`, `iw_seconds`.

    Example:

    ```python
    result = evaluate_model("mlp", x_train, x_test, epochs=1, iw_samples=50)
    result["iw_nll"], result["test_neg_elbo"]
    ```
    """
    import keras

    keras.utils.set_random_seed(seed)
    vae = build_vae(architecture, x_train.shape[1:], latent_dim, seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    start = time.perf_counter()
    history = vae.fit(x_train, epochs=epochs, batch_size=batch_size, verbose=0)
    train_seconds = time.perf_counter() - start

    metrics = vae.evaluate(x_test, batch_size=1000, return_dict=True, verbose=0)
    z_mean, _ = vae.encode(x_test, batch_size=1000)
    x_iw = x_test[:iw_examples]
    subset = (
        metrics
        if len(x_iw) == len(x_test)
        else vae.evaluate(x_iw, batch_size=1000, return_dict=True, verbose=0)
    )
    start = time.perf_counter()
    log_likelihood = vae.log_likelihood(
        x_iw,
        num_samples=iw_samples,
        batch_size=max(1, _IW_ROWS // iw_samples),
        seed=seed,
    )
    iw_seconds = time.perf_counter() - start
    return {
        "backend": keras.backend.backend(),
        "epochs": epochs,
        "latent_dim": latent_dim,
        "train_neg_elbo": float(history.history["loss"][-1]),
        "test_neg_elbo": float(metrics["loss"]),
        "reconstruction_loss": float(metrics["reconstruction_loss"]),
        "kl_loss": float(metrics["kl_loss"]),
        "iw_samples": iw_samples,
        "iw_examples": len(x_iw),
        "iw_nll": float(-np.mean(log_likelihood)),
        "iw_nll_stderr": float(np.std(log_likelihood) / np.sqrt(len(x_iw))),
        "iw_subset_neg_elbo": float(subset["loss"]),
        "active_units": active_units(z_mean),
        "train_seconds": train_seconds,
        "iw_seconds": iw_seconds,
    }


def run_model(dataset, architecture, backend, args):
    """Runs `evaluate_model` in a subprocess on `backend`; returns its dict.

    Args:
        dataset: `"mnist"` or `"fashion_mnist"`.
        architecture: `"mlp"` or `"conv"`.
        backend: the child's `KERAS_BACKEND`.
        args: the parsed command line, whose settings the child gets.

    Returns:
        `evaluate_model`'s dict plus `dataset`, `architecture`,
        `wall_seconds` (the whole child, data loading included) and
        `peak_rss_mib`.
    """
    child_args = ["--worker", dataset, architecture]
    for name in SETTINGS:
        child_args += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    if args.data_dir:
        child_args += ["--data-dir", args.data_dir]
    start = time.perf_counter()
    stdout, peak_rss_mib = run_script(
        HERE / "quality.py", child_args, backend_env(backend)
    )
    result = json.loads(stdout.strip().splitlines()[-1])
    return {
        "dataset": dataset,
        "architecture": architecture,
        **result,
        "wall_seconds": time.perf_counter() - start,
        "peak_rss_mib": peak_rss_mib,
    }


def format_results(rows):
    """Formats the measured rows as a text table.

    Args:
        rows: list of `run_model` dicts.

    Returns:
        The table as one string.
    """
    header = (
        f"{'dataset':14} {'arch':5} {'backend':10} {'epochs':>6} "
        f"{'test -ELBO':>10} {'rec':>7} {'KL':>6} {'IWAE NLL':>15} "
        f"{'-ELBO same':>10} {'active':>7} {'train s':>8} {'IWAE s':>7}"
    )
    lines = [header]
    for row in rows:
        nll = f"{row['iw_nll']:.2f} +- {row['iw_nll_stderr']:.2f}"
        active = f"{row['active_units']}/{row['latent_dim']}"
        lines.append(
            f"{row['dataset']:14} {row['architecture']:5} "
            f"{row['backend']:10} {row['epochs']:6d} "
            f"{row['test_neg_elbo']:10.2f} "
            f"{row['reconstruction_loss']:7.2f} {row['kl_loss']:6.2f} "
            f"{nll:>15} {row['iw_subset_neg_elbo']:10.2f} {active:>7} "
            f"{row['train_seconds']:8.0f} {row['iw_seconds']:7.0f}"
        )
    return "\n".join(lines)


def format_published():
    """Formats the published rows, with their source, as a text table.

    Returns:
        The table as one string; a value we could not confirm reads
        "not confirmed".
    """
    lines = [f"Published: {PUBLISHED_SOURCE}"]
    for row in PUBLISHED:
        active = (
            "not confirmed"
            if row["active_units"] is None
            else str(row["active_units"])
        )
        lines.append(
            f"  {row['dataset']:8} {row['model']:55} NLL {row['nll']:6.2f}"
            f"   active units: {active}"
        )
    return "\n".join(lines)


def _versions():
    # TensorFlow installs as tensorflow or tensorflow-cpu.
    distributions = {
        "keras": ("keras",),
        "jax": ("jax",),
        "tensorflow": ("tensorflow", "tensorflow-cpu"),
        "torch": ("torch",),
        "tensorflow-datasets": ("tensorflow-datasets",),
    }
    versions = {"python": platform.python_version()}
    for name, candidates in distributions.items():
        versions[name] = None
        for candidate in candidates:
            try:
                versions[name] = importlib.metadata.version(candidate)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return versions


def _names(text, known, parser, option):
    names = [name for name in text.split(",") if name]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        parser.error(f"{option}: expected some of {list(known)}, got {text!r}")
    return names


def _worker(args):
    import keras_vae.datasets

    dataset, architecture = args.worker
    (x_train, _), (x_test, _) = keras_vae.datasets.load(
        dataset, data_dir=args.data_dir, download=False
    )
    result = evaluate_model(
        architecture,
        x_train,
        x_test,
        epochs=args.epochs,
        batch_size=args.batch_size,
        latent_dim=args.latent_dim,
        iw_samples=args.iw_samples,
        iw_examples=args.iw_examples,
        seed=args.seed,
    )
    print(json.dumps(result))


def main():
    """Parses the command line, runs every model and prints the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument(
        "--iw-samples", type=int, default=5000, help="k of the IWAE NLL"
    )
    parser.add_argument(
        "--iw-examples",
        type=int,
        default=100,
        help="the IWAE NLL is measured on the first N test images",
    )
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--architectures", default=",".join(ARCHITECTURES))
    parser.add_argument("--latent-dim", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mlp-backend", default="jax")
    parser.add_argument("--conv-backend", default="tensorflow")
    parser.add_argument(
        "--data-dir",
        default=default_data_dir(),
        help="TFDS data directory (default: $TFDS_DATA_DIR, else "
        "../shared/tensorflow_datasets when present)",
    )
    parser.add_argument(
        "--json",
        nargs="?",
        const=str(HERE / "quality.json"),
        default=None,
        help="also write the results as JSON (default path: "
        "benchmarks/quality.json)",
    )
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for name in ("epochs", "iw_samples", "iw_examples", "latent_dim"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.worker:
        _worker(args)
        return
    datasets = _names(args.datasets, DATASETS, parser, "--datasets")
    architectures = _names(
        args.architectures, ARCHITECTURES, parser, "--architectures"
    )
    backends = {"mlp": args.mlp_backend, "conv": args.conv_backend}

    rows = []
    for dataset in datasets:
        for architecture in architectures:
            row = run_model(dataset, architecture, backends[architecture], args)
            rows.append(row)
            print(
                f"{dataset} {architecture} ({row['backend']}): "
                f"{row['wall_seconds']:.0f} s",
                flush=True,
            )

    print(
        f"\n{args.epochs} epochs, batch {args.batch_size}, latent "
        f"{args.latent_dim}, seed {args.seed}; IWAE NLL with k="
        f"{args.iw_samples} on the first {args.iw_examples} test images "
        "(+- standard error over them), '-ELBO same' on those images; "
        "test -ELBO, rec and KL on the whole test set (one z sample per "
        f"image); active = latent dims with Var(z_mean) > "
        f"{ACTIVE_UNIT_THRESHOLD}. Nats per example."
    )
    print(format_results(rows))
    print()
    print(format_published())
    print("Differences in setup (so not a like-for-like comparison):")
    for difference in SETUP_DIFFERENCES:
        print(f"  - {difference}")
    if args.json:
        record = {
            "command": " ".join(
                [pathlib.Path(sys.argv[0]).name, *sys.argv[1:]]
            ),
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{platform.platform()}, "
            f"{platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} CPUs",
            "versions": _versions(),
            "settings": {name: getattr(args, name) for name in SETTINGS},
            "results": rows,
            "published": {"source": PUBLISHED_SOURCE, "rows": PUBLISHED},
            "setup_differences": SETUP_DIFFERENCES,
        }
        pathlib.Path(args.json).write_text(json.dumps(record, indent=2))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
