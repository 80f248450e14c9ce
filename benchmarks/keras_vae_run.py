"""Trains the benchmark's keras_vae model once; prints one JSON line.

Usage:

    KERAS_BACKEND=jax python benchmarks/keras_vae_run.py DATA.npz EPOCHS \
        [--batch-size 128] [--architecture mlp|conv] [--jit-compile auto] \
        [--steps-per-execution auto] [--train-examples N] \
        [--dtype-policy mixed_bfloat16] [--data-parallel] \
        [--data-shape image|flat] [--upsampling transpose|resize]

`DATA.npz` holds uint8 `x_train` and `x_test`, as for
`../shared/bench/ref_torch_vae.py`. The MLP is the reference's model:
784-400-20 / 20-400-784, ReLU, Bernoulli decoder, Adam 1e-3, compiled with
`VAE.compile`'s defaults (`steps_per_execution="auto"`, `jit_compile="auto"`)
unless told otherwise. The data are images of shape `(28, 28, 1)`, as
`keras_vae.datasets.load` returns them and the README's quick start passes
them (`--data-shape flat`: rows of 784, the conv model refuses it); `--dtype-policy` sets a `keras.mixed_precision`
policy and `--data-parallel` trains under `keras.distribution.DataParallel`
over all devices (JAX; on a CPU, `XLA_FLAGS=--xla_force_host_platform_
device_count=N` makes N devices of the same cores). Prints, as JSON,
the samples/s of each training epoch (timed by a callback, so the data
checks and set-up before the first epoch are excluded) and the test -ELBO
after the last epoch. `throughput.py` runs this script; it is not meant to
be read for figures on its own.
"""

import argparse
import json
import time

import keras
import numpy as np

import keras_vae

# What `--data-shape` names: the quick start's images, or flat rows.
DATA_SHAPES = {"image": (28, 28, 1), "flat": (784,)}


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of each training epoch."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def build_vae(architecture, data_shape, upsampling):
    """The benchmark's model: the reference MLP, or the library's conv VAE
    with the decoder's `upsampling`."""
    if architecture == "mlp":
        encoder = keras_vae.build_mlp_encoder(data_shape, 20, (400,))
        decoder = keras_vae.build_mlp_decoder(data_shape, 20, (400,))
    else:
        encoder = keras_vae.build_conv_encoder(data_shape, 20)
        decoder = keras_vae.build_conv_decoder(
            data_shape, 20, upsampling=upsampling
        )
    return keras_vae.VAE(encoder, decoder, likelihood="bernoulli", seed=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("epochs", type=int)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--architecture", choices=("mlp", "conv"), default="mlp"
    )
    parser.add_argument("--jit-compile", default="auto")
    parser.add_argument("--steps-per-execution", default="auto")
    parser.add_argument(
        "--train-examples",
        type=int,
        default=None,
        help="train on the first N examples only (default: all)",
    )
    parser.add_argument("--dtype-policy", default="float32")
    parser.add_argument("--data-parallel", action="store_true")
    parser.add_argument(
        "--data-shape", choices=tuple(DATA_SHAPES), default="image"
    )
    parser.add_argument(
        "--upsampling",
        choices=("transpose", "resize"),
        default="transpose",
        help="the conv decoder's (build_conv_decoder's upsampling)",
    )
    args = parser.parse_args()
    if args.architecture == "conv" and args.data_shape != "image":
        parser.error("the conv model takes images: --data-shape image")
    keras.config.set_dtype_policy(args.dtype_policy)
    num_devices = 1
    if args.data_parallel:
        devices = keras.distribution.list_devices()
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=devices)
        )
        num_devices = len(devices)

    data = np.load(args.data)
    shape = DATA_SHAPES[args.data_shape]
    x_train = (data["x_train"] / 255.0).astype("float32").reshape(-1, *shape)
    x_test = (data["x_test"] / 255.0).astype("float32").reshape(-1, *shape)
    x_train = x_train[: args.train_examples]
    jit_compile = {"true": True, "false": False}.get(
        args.jit_compile.lower(), "auto"
    )

    keras.utils.set_random_seed(0)
    vae = build_vae(args.architecture, shape, args.upsampling)
    vae.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        jit_compile=jit_compile,
        steps_per_execution=(
            "auto"
            if args.steps_per_execution == "auto"
            else int(args.steps_per_execution)
        ),
    )
    timer = EpochTimer()
    vae.fit(
        x_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        callbacks=[timer],
        verbose=0,
    )
    metrics = vae.evaluate(
        x_test, batch_size=10_000, return_dict=True, verbose=0
    )
    print(
        json.dumps(
            {
                "samples_per_s": [len(x_train) / s for s in timer.seconds],
                "test_neg_elbo": metrics["loss"],
                "jit_compile": bool(vae.jit_compile),
                "dtype_policy": args.dtype_policy,
                "devices": num_devices,
                "data_shape": list(shape),
            }
        )
    )


if __name__ == "__main__":
    main()
