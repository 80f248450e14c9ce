"""Training throughput and test -ELBO of keras_vae against plain PyTorch.

Usage:

    python benchmarks/throughput.py [--epochs 3] [--rounds 2] \
        [--batch-size 128] [--architecture mlp|conv] \
        [--backends jax,tensorflow,torch] [--steps-per-execution auto] \
        [--one-step-rows jax,tensorflow] [--flat-rows jax,tensorflow,torch] \
        [--train-examples N] \
        [--jit-compile auto|true|false] [--upsampling transpose|resize] \
        [--reference PATH] [--json OUT]

Writes real MNIST (from TFDS, offline copy included) as uint8 arrays to a
temporary `data.npz`, then, for each round, runs one subprocess each of the
plain-PyTorch reference (`../shared/bench/ref_torch_vae.py`, the same MLP
model) and of `keras_vae_run.py` under each backend, interleaved, so that
machine noise hits them alike. Each run trains `--epochs` epochs on the
same data with the same batch size. Speed is the median of the per-epoch
samples/s of every epoch but the first (compilation, warm-up), over all
rounds; the ratio is to the reference's median. Each backend trains on
images of shape `(28, 28, 1)`, as the README's quick start passes them,
compiled as `VAE.compile` is called with no options
(`steps_per_execution="auto"`); those of `--flat-rows` also on the same
pixels as flat rows of 784 (the reference's layout; MLP only), and those of
`--one-step-rows` also with `steps_per_execution=1`, Keras' own default, to
show what the default buys. `--train-examples` shortens the
keras_vae runs' epochs (for the conv model; the reference keeps all
60,000). The test -ELBO (one sample, nats per example, the same definition
in both) is the median over rounds.
Peak RSS is the child process's. Last rows time each backend's input pipeline
alone: batches of the training array drawn as `fit` draws them, no model.

Prints a table and writes it as JSON beside this script (or to `--json`).
It measures; it asserts nothing.
"""

import argparse
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
DEFAULT_REFERENCE = REPO_ROOT.parent / "shared" / "bench" / "ref_torch_vae.py"
BACKENDS = ("jax", "tensorflow", "torch")


def default_data_dir():
    """`$TFDS_DATA_DIR`, else the offline copy beside the repository."""
    offline = REPO_ROOT.parent / "shared" / "tensorflow_datasets"
    if os.environ.get("TFDS_DATA_DIR") or not offline.is_dir():
        return None
    return str(offline)


def write_mnist(path, data_dir=None):
    """Writes MNIST as uint8 `x_train`, `x_test` (the reference's format)."""
    sys.path.insert(0, str(REPO_ROOT))
    import keras_vae.datasets

    (x_train, _), (x_test, _) = keras_vae.datasets.load(
        "mnist", data_dir=data_dir
    )
    np.savez(
        path,
        x_train=np.round(x_train * 255).astype("uint8"),
        x_test=np.round(x_test * 255).astype("uint8"),
    )
    return len(x_train)


# Runs a script and then reports its own peak resident memory (VmHWM). A
# child's rusage would not do: Linux counts in it the parent's memory at the
# time of fork.
_WITH_PEAK_RSS = """
import os, runpy, sys
script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
try:
    runpy.run_path(script, run_name="__main__")
finally:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                print("peak_rss_kib", line.split()[1], file=sys.stderr)
"""


def run_child(command, env):
    """Runs `command`; returns its stdout, raising if it fails."""
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{command} failed:\n{result.stderr[-3000:]}")
    return result


def run_script(script, args, env):
    """Runs a Python script; returns `(stdout, peak RSS in MiB)`."""
    command = [sys.executable, "-c", _WITH_PEAK_RSS, str(script), *args]
    result = run_child(command, env)
    peak = [
        line.split()[1]
        for line in result.stderr.splitlines()
        if line.startswith("peak_rss_kib ")
    ]
    return result.stdout, int(peak[-1]) / 1024


def backend_env(backend):
    """The environment of a child process on `backend`, TF logs quiet."""
    return {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}


def run_reference(reference, data, epochs):
    stdout, rss = run_script(reference, [str(data), str(epochs)], os.environ)
    # Lines of "epoch 1 train_samples_per_s 21431 test_neg_elbo 127.98".
    epochs = [
        dict(zip(words[::2], words[1::2]))
        for words in map(str.split, stdout.splitlines())
        if words[:1] == ["epoch"]
    ]
    return {
        "samples_per_s": [float(e["train_samples_per_s"]) for e in epochs],
        "test_neg_elbo": float(epochs[-1]["test_neg_elbo"]),
        "peak_rss_mib": rss,
    }


def run_keras_vae(backend, data, epochs, env=None, **options):
    """Runs `keras_vae_run.py` on `backend`; returns its JSON and peak RSS.

    `env` adds environment variables. `options` are its flags:
    `batch_size=128` passes `--batch-size 128`, `data_parallel=True`
    passes `--data-parallel`.
    """
    script_args = [str(data), str(epochs)]
    for name, value in options.items():
        flag = f"--{name.replace('_', '-')}"
        script_args += [flag] if value is True else [flag, str(value)]
    stdout, rss = run_script(
        HERE / "keras_vae_run.py",
        script_args,
        {**backend_env(backend), **(env or {})},
    )
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_rss_mib"] = rss
    return result


def pipeline_samples_per_s(data, batch_size, backend):
    """Samples/s of `fit`'s input pipeline alone on `backend`, no model.

    Iterates the batches of the training array through the iterator that
    Keras' trainer for `backend` builds from a NumPy array (private Keras
    API: the only way to time exactly what `fit` consumes).
    """
    code = f"""
import time, numpy as np, keras
from keras.src.trainers.data_adapters import get_data_adapter
x = (np.load({str(data)!r})["x_train"] / 255.0).astype("float32")
x = x.reshape(len(x), 28, 28, 1)
adapter = get_data_adapter(x, batch_size={batch_size}, shuffle=True)
batches = {{
    "jax": adapter.get_jax_iterator,
    "tensorflow": adapter.get_tf_dataset,
    "torch": adapter.get_torch_dataloader,
}}[keras.backend.backend()]
rates = []
for _ in range(3):
    start = time.perf_counter()
    for batch in batches():
        pass
    rates.append(len(x) / (time.perf_counter() - start))
print(sorted(rates)[1])
"""
    result = run_child([sys.executable, "-c", code], backend_env(backend))
    return float(result.stdout.strip().splitlines()[-1])


def summarize(runs, reference_speed=None):
    speeds = [s for run in runs for s in run["samples_per_s"][1:]]
    speed = statistics.median(speeds)
    return {
        "samples_per_s": speed,
        "ratio": speed / reference_speed if reference_speed else 1.0,
        "test_neg_elbo": statistics.median(r["test_neg_elbo"] for r in runs),
        "test_neg_elbo_per_round": [r["test_neg_elbo"] for r in runs],
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "epoch_samples_per_s": [r["samples_per_s"] for r in runs],
    }


def row_name(variant, args):
    """The table's name of a keras_vae run: what differs from the default."""
    backend, steps_per_execution, data_shape, upsampling = variant
    name = f"keras_vae, {backend}"
    if data_shape == "flat":
        name += ", flat (784,) rows"
    if upsampling == "resize":
        name += ", resize-conv decoder"
    if steps_per_execution != args.steps_per_execution:
        name += f", steps_per_execution={steps_per_execution}"
    return name


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--architecture", choices=("mlp", "conv"), default="mlp"
    )
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument(
        "--steps-per-execution",
        default="auto",
        help="passed to keras_vae's compile (default: its own, auto)",
    )
    parser.add_argument(
        "--one-step-rows",
        default="jax,tensorflow",
        help="backends also run with steps_per_execution=1, to show what "
        "the default buys ('' for none)",
    )
    parser.add_argument(
        "--flat-rows",
        default=",".join(BACKENDS),
        help="backends also run on flat (784,) rows, beside the images "
        "('' for none; MLP only)",
    )
    parser.add_argument(
        "--train-examples",
        type=int,
        help="train on the first N training images (default: all 60,000)",
    )
    parser.add_argument(
        "--jit-compile",
        default="auto",
        choices=("auto", "true", "false"),
        help="passed to keras_vae's compile",
    )
    parser.add_argument(
        "--upsampling",
        default="transpose",
        help="the conv decoder's, comma-separated: a row for each "
        "(build_conv_decoder's upsampling: transpose, resize)",
    )
    parser.add_argument("--reference", default=str(DEFAULT_REFERENCE))
    parser.add_argument("--json", default=str(HERE / "throughput.json"))
    parser.add_argument(
        "--data-dir",
        default=default_data_dir(),
        help="TFDS data directory (default: $TFDS_DATA_DIR, else "
        "../shared/tensorflow_datasets when present)",
    )
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first is warm-up")
    backends = [b for b in args.backends.split(",") if b]
    reference = pathlib.Path(args.reference)
    if args.architecture == "conv" or args.batch_size != 128:
        # The reference script is fixed at the MLP and batch 128.
        reference = None
    elif not reference.is_file():
        parser.error(f"no reference script at {reference}")

    one_step = [b for b in args.one_step_rows.split(",") if b in backends]
    flat = [b for b in args.flat_rows.split(",") if b in backends]
    if args.architecture == "conv":
        flat = []
    upsamplings = [None]
    if args.architecture == "conv":
        upsamplings = args.upsampling.split(",")
    # (backend, steps_per_execution, data shape, conv decoder's upsampling)
    # of each keras_vae row.
    default = args.steps_per_execution
    variants = [(b, default, "image", u) for u in upsamplings for b in backends]
    variants += [(b, default, "flat", None) for b in flat]
    if default != "1":
        variants += [(b, "1", "image", upsamplings[0]) for b in one_step]
    options = {}
    if args.train_examples:
        options["train_examples"] = args.train_examples
    runs = {"reference": [], **{variant: [] for variant in variants}}
    with tempfile.TemporaryDirectory() as directory:
        data = pathlib.Path(directory) / "data.npz"
        write_mnist(data, args.data_dir)
        for round_index in range(args.rounds):
            if reference:
                runs["reference"].append(
                    run_reference(reference, data, args.epochs)
                )
                print(f"round {round_index + 1}: reference done", flush=True)
            for variant in variants:
                backend, steps_per_execution, data_shape, upsampling = variant
                runs[variant].append(
                    run_keras_vae(
                        backend,
                        data,
                        args.epochs,
                        batch_size=args.batch_size,
                        architecture=args.architecture,
                        steps_per_execution=steps_per_execution,
                        jit_compile=args.jit_compile,
                        data_shape=data_shape,
                        **({"upsampling": upsampling} if upsampling else {}),
                        **options,
                    )
                )
                print(
                    f"round {round_index + 1}: {row_name(variant, args)} done",
                    flush=True,
                )
        pipeline = {
            backend: pipeline_samples_per_s(data, args.batch_size, backend)
            for backend in backends
        }

    rows = {}
    if reference:
        rows["reference (plain PyTorch)"] = summarize(runs.pop("reference"))
    else:
        runs.pop("reference")
    reference_speed = (
        rows["reference (plain PyTorch)"]["samples_per_s"] if rows else None
    )
    for variant in variants:
        rows[row_name(variant, args)] = summarize(
            runs[variant], reference_speed
        )

    print(
        f"\n{args.architecture} on (28, 28, 1) images, batch {args.batch_size}, {args.epochs} epochs "
        f"x {args.rounds} rounds, {platform.node()} ({os.cpu_count()} CPUs), "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print(
        f"{'run':52} {'samples/s':>10} {'x ref':>6} {'test -ELBO':>11} "
        f"{'peak RSS MiB':>13}"
    )
    for name, row in rows.items():
        ratio = f"{row['ratio']:.2f}" if reference_speed else "-"
        print(
            f"{name:52} {row['samples_per_s']:10.0f} {ratio:>6} "
            f"{row['test_neg_elbo']:11.2f} {row['peak_rss_mib']:13.0f}"
        )
    for backend, speed in pipeline.items():
        print(f"{'input pipeline alone, ' + backend:52} {speed:10.0f}")
    record = {
        "command": " ".join([pathlib.Path(sys.argv[0]).name, *sys.argv[1:]]),
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs",
        "architecture": args.architecture,
        "upsampling": upsamplings,
        "data_shape": [28, 28, 1],
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "rounds": args.rounds,
        "train_examples": args.train_examples or 60000,
        "rows": rows,
        "input_pipeline_samples_per_s": pipeline,
    }
    pathlib.Path(args.json).write_text(json.dumps(record, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
