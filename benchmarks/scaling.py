"""How keras_vae's training speed grows with batch size and dataset size.

Usage:

    python benchmarks/scaling.py [--architectures mlp,conv] \
        [--backends jax,tensorflow,torch] [--batch-sizes 32,128,512,2048] \
        [--dataset-sizes 1000,10000,60000] [--examples 10000] [--epochs 3]

For each architecture and backend, trains (in a subprocess, via
`keras_vae_run.py`, on real MNIST) once per batch size on `--examples`
images, and once per dataset size at batch 128. Speed is the median
samples/s of the epochs after the first (compilation). Prints the tables and
writes them as JSON beside this script. It measures; it asserts nothing.
"""

import argparse
import json
import os
import pathlib
import platform
import statistics
import sys
import tempfile
import time

from throughput import HERE
from throughput import default_data_dir
from throughput import run_keras_vae
from throughput import write_mnist


def samples_per_s(data, backend, architecture, batch_size, examples, epochs):
    result = run_keras_vae(
        backend,
        data,
        epochs,
        batch_size=batch_size,
        architecture=architecture,
        train_examples=examples,
    )
    return statistics.median(result["samples_per_s"][1:])


def _ints(text):
    return [int(value) for value in text.split(",") if value]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architectures", default="mlp,conv")
    parser.add_argument("--backends", default="jax,tensorflow,torch")
    parser.add_argument("--batch-sizes", type=_ints, default="32,128,512,2048")
    parser.add_argument(
        "--dataset-sizes", type=_ints, default="1000,10000,60000"
    )
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--json", default=str(HERE / "scaling.json"))
    parser.add_argument("--data-dir", default=default_data_dir())
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first is warm-up")

    results = []
    with tempfile.TemporaryDirectory() as directory:
        data = pathlib.Path(directory) / "data.npz"
        write_mnist(data, args.data_dir)
        for architecture in args.architectures.split(","):
            for backend in args.backends.split(","):
                points = [
                    ("batch_size", b, b, args.examples)
                    for b in args.batch_sizes
                ]
                points += [
                    ("dataset_size", n, 128, n) for n in args.dataset_sizes
                ]
                for axis, value, batch_size, examples in points:
                    speed = samples_per_s(
                        data,
                        backend,
                        architecture,
                        batch_size,
                        examples,
                        args.epochs,
                    )
                    results.append(
                        {
                            "architecture": architecture,
                            "backend": backend,
                            "axis": axis,
                            "value": value,
                            "samples_per_s": speed,
                        }
                    )
                    print(
                        f"{architecture:5} {backend:11} {axis}={value:<6} "
                        f"{speed:9.0f} samples/s",
                        flush=True,
                    )
    record = {
        "command": " ".join(["scaling.py", *sys.argv[1:]]),
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "examples": args.examples,
        "epochs": args.epochs,
        "results": results,
    }
    pathlib.Path(args.json).write_text(json.dumps(record, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
