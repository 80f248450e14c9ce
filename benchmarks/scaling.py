"""How keras_vae's training speed changes with batch size, dataset size,
devices and dtype policy.

Usage:

    python benchmarks/scaling.py [--architectures mlp,conv] \
        [--backends jax,tensorflow,torch] \
        [--axes batch_size,dataset_size,devices,dtype_policy] \
        [--batch-sizes 32,128,512,2048] [--dataset-sizes 1000,10000,60000] \
        [--devices 1,2] [--dtype-policies float32,mixed_float16,mixed_bfloat16] \
        [--examples 10000] [--epochs 3] [--json PATH]

For each architecture and backend, trains (in a subprocess, via
`keras_vae_run.py`, on real MNIST) once per point of each axis:

- `batch_size`: each batch size, on `--examples` images;
- `dataset_size`: each number of training images, at batch 128;
- `devices` (JAX only): `keras.distribution.DataParallel` over N devices at
  batch 128. On a CPU the N devices are made with
  `XLA_FLAGS=--xla_force_host_platform_device_count=N`; on an
  accelerator machine, N must not exceed its devices. Each CPU device runs
  single-threaded (see `cpu_devices_flags`), so N devices use N cores;
- `dtype_policy`: each `keras.mixed_precision` policy at batch 128.

Speed is the median samples/s of the epochs after the first (compilation).
Prints the tables and writes them as JSON. It measures; it asserts nothing.
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


def samples_per_s(data, backend, architecture, epochs, env, **options):
    result = run_keras_vae(
        backend, data, epochs, env=env, architecture=architecture, **options
    )
    return statistics.median(result["samples_per_s"][1:])


def cpu_devices_flags(num_devices):
    """XLA flags that make `num_devices` JAX devices of a CPU.

    Each device runs its matrix products on one thread: with XLA's shared
    multi-threaded Eigen pool, the devices' all-reduce deadlocked on this
    2-core machine (a participant never arrived).
    """
    return (
        f"--xla_force_host_platform_device_count={num_devices} "
        "--xla_cpu_multi_thread_eigen=false"
    )


def axis_points(axis, backend, args):
    """`(value, env, keras_vae_run options)` of each point of `axis`."""
    if axis == "batch_size":
        return [
            (b, {}, {"batch_size": b, "train_examples": args.examples})
            for b in args.batch_sizes
        ]
    if axis == "dataset_size":
        return [
            (n, {}, {"batch_size": 128, "train_examples": n})
            for n in args.dataset_sizes
        ]
    common = {"batch_size": 128, "train_examples": args.examples}
    if axis == "devices":
        if backend != "jax":
            return []
        return [
            (
                n,
                {"XLA_FLAGS": cpu_devices_flags(n)},
                {**common, "data_parallel": True},
            )
            for n in args.devices
        ]
    return [
        (policy, {}, {**common, "dtype_policy": policy})
        for policy in args.dtype_policies.split(",")
    ]


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
    parser.add_argument(
        "--axes", default="batch_size,dataset_size,devices,dtype_policy"
    )
    parser.add_argument("--devices", type=_ints, default="1,2")
    parser.add_argument(
        "--dtype-policies", default="float32,mixed_float16,mixed_bfloat16"
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
                for axis in args.axes.split(","):
                    for value, env, options in axis_points(axis, backend, args):
                        speed = samples_per_s(
                            data,
                            backend,
                            architecture,
                            args.epochs,
                            env,
                            **options,
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
                            f"{architecture:5} {backend:11} {axis}={value:<15}"
                            f" {speed:9.0f} samples/s",
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
