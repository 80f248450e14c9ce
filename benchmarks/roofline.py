"""What the likelihood rows cost: FLOPs per sample against the matmul roof.

Usage:

    KERAS_BACKEND=jax python benchmarks/roofline.py \
        [--rows vae1,iwae5,iwae50,hvae1,hvae5,hvae50,vamp1] \
        [--examples 6400] [--draws-per-epoch 160000] [--epochs 5] \
        [--batch-size 100] [--matmul-seconds 0.25] \
        [--matmul-flops-per-call 2e9] [--passes 3280] [--pass-images 59000] \
        [--note TEXT] [--json OUT]

For each row, on the backend of `KERAS_BACKEND`, the model of a row of
`benchmarks/likelihood.py` (`likelihood.build_model`: dynamic binarization,
Bernoulli, tanh MLPs; here with Adam, batch 100):

- `vae1`, `iwae5`, `iwae50`: Burda et al.'s one-layer model, 784-200-200-50
  and 50-200-200-784, trained on the ELBO (`VAE`) or the k-sample bound
  (`IWAE(num_samples=k)`);
- `hvae1`, `hvae5`, `hvae50`: their two-layer model
  (`build_mlp_hierarchy`: 784-200-200-100, 100-100-100-50 and the mirror)
  as a `HierarchicalVAE(num_samples=k)`;
- `vamp1`: the one-layer VAE of Tomczak & Welling's size, 784-300-300-40,
  with a `VampPrior` of 500 pseudo-inputs.

FLOPs per training sample are counted from the models' `Dense` layers: 2
FLOPs per multiply-add of each forward matmul, times the rows each layer
sees per example (the data encoder 1; for k draws, everything after the
first encoder k: `IWAE`'s decoder, `HierarchicalVAE`'s upper encoders and
decoders and data decoder; a VampPrior's encoder also runs on its 500
pseudo-inputs once per batch), and training as 3x forward (the backward
pass as 2x: the gradients of the input and of the kernel). Element-wise work
(activations, bias adds, sampling, log-densities, the VampPrior's scoring
of each z against its 500 components, Adam) is not counted.

Training speed is measured through `fit` on random binary MNIST-shaped
images, `--examples` per epoch (fewer for large k: at most
`--draws-per-epoch` / k), after one warm-up epoch (compilation). After each
timed epoch, in the same process, the matmul roof is measured on the
row's own shapes: for each of its `Dense` layers, at that layer's rows per
batch (100, 100 * k, or 500), the three matmuls of its training step
(`x @ W`, `dy @ W.T`, `x.T @ dy`) in `keras.ops`, chained in a
`keras.ops.fori_loop` and run as a compiled `predict_on_batch` (XLA on JAX),
for `--matmul-seconds`. The row's roof is its FLOPs per step over the time
those matmuls take alone; achieved GFLOP/s is FLOPs per sample times
samples/s, and each timed epoch is compared with the roof measured right
after it, so that machine load hits both alike. Figures are medians over
the timed epochs. Hours are those of `--passes` passes over
`--pass-images` images (Burda et al.'s 3,280 passes of 59,000), at the
measured speed and at the roof.

Prints a table and writes it as JSON beside this script (or to `--json`).
It measures; it asserts nothing.
"""

import argparse
import datetime
import importlib.metadata
import json
import os
import pathlib
import platform
import shlex
import statistics
import sys
import time

import keras
import numpy as np
from keras import ops

import keras_vae
import likelihood

HERE = pathlib.Path(__file__).resolve().parent
IMAGE_SHAPE = (28, 28, 1)
ONE_LAYER = "784-200-200-50 / 50-200-200-784 tanh, standard normal"
TWO_LAYERS = "784-200-200-100-100-100-50 / mirror tanh, standard normal"
# name: (the likelihood.py row whose model it is, what that model is).
ROWS = {
    "vae1": ("vae", ONE_LAYER),
    "iwae5": ("iwae5", ONE_LAYER),
    "iwae50": ("iwae50", ONE_LAYER),
    "hvae1": ("hvae", TWO_LAYERS),
    "hvae5": ("hiwae5", TWO_LAYERS),
    "hvae50": ("hiwae50", TWO_LAYERS),
    "vamp1": (
        "vae_vamp",
        "784-300-300-40 / 40-300-300-784 tanh, VampPrior(500)",
    ),
}
FLOP_COUNTING = (
    "2 FLOPs per multiply-add of each Dense layer's forward matmul, times the "
    "rows the layer sees per example; training = 3x forward (backward = 2x "
    "forward: input and kernel gradients; this counts the first encoder "
    "layer's input gradient, which training skips for data: 2*784*200 "
    "FLOPs = 0.31 MFLOP per example, 0.47 MFLOP for vamp1). Element-wise "
    "ops (activations, bias adds, sampling, log-densities, the VampPrior's "
    "mixture scoring, Adam) are ignored."
)


def build_model(name, x, seed):
    """The row's model: `likelihood.py`'s, built on the images `x`."""
    keras.utils.set_random_seed(seed)
    return likelihood.build_model(ROWS[name][0], x, seed)


def num_samples_of(name):
    """k of the row's training bound."""
    return likelihood.ROWS[ROWS[name][0]][1]


def dense_kernels(model):
    """`(units_in, units_out)` of every `Dense` layer of a functional model."""
    kernels = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            kernels += dense_kernels(layer)
        elif isinstance(layer, keras.layers.Dense):
            kernels.append(tuple(layer.kernel.shape))
    return kernels


def step_matmuls(model, batch_size):
    """The forward matmuls of one training step: `{(rows, units_in,
    units_out): count}`, where each sub-model runs on `rows` rows."""
    num_samples = getattr(model, "num_samples", 1)
    draws = batch_size * num_samples
    # The data encoder runs once per example; every model after it once
    # per draw (see `importance_sampling.draw_and_decode`, `draw_hierarchy`).
    parts = [(model.encoder, batch_size), (model.decoder, draws)]
    for upper in (*getattr(model, "upper_encoders", ()),) + (
        *getattr(model, "upper_decoders", ()),
    ):
        parts.append((upper, draws))
    # `VampPrior.log_prob` encodes the pseudo-inputs once per call, and the
    # loss calls it once per step.
    if isinstance(model.prior, keras_vae.priors.VampPrior):
        parts.append((model.encoder, model.prior.num_pseudo_inputs))
    matmuls = {}
    for part, rows in parts:
        for units_in, units_out in dense_kernels(part):
            shape = (rows, units_in, units_out)
            matmuls[shape] = matmuls.get(shape, 0) + 1
    return matmuls


def training_flops(matmuls):
    """FLOPs of one training step: 3x the forward matmuls' 2 per MAC."""
    return sum(
        3 * 2 * rows * units_in * units_out * count
        for (rows, units_in, units_out), count in matmuls.items()
    )


class MatmulChain(keras.Model):
    """A `Dense` layer's three training matmuls, `repeats` times per call.

    Each repeat computes `y = x @ W` (forward), `x = y @ W.T` (the input
    gradient's shape) and `x.T @ y` (the kernel gradient's), the next
    repeat starting from the new `x`: no repeat can be hoisted out of the
    loop. `W` has orthonormal rows or columns, so `x @ W @ W.T` keeps `x`'s
    scale however many repeats run.
    """

    def __init__(self, units_in, units_out, repeats, seed=0):
        super().__init__()
        self.repeats = repeats
        rng = np.random.default_rng(seed)
        square = rng.standard_normal(
            (max(units_in, units_out), min(units_in, units_out))
        )
        orthonormal, _ = np.linalg.qr(square)
        kernel = orthonormal if units_in >= units_out else orthonormal.T
        self.kernel = self.add_weight(
            shape=(units_in, units_out), initializer="zeros", trainable=False
        )
        self.kernel.assign(kernel.astype("float32"))

    def call(self, x):
        def repeat(index, carry):
            x, total = carry
            y = ops.matmul(x, self.kernel)
            x = ops.matmul(y, ops.transpose(self.kernel))
            kernel_gradient = ops.matmul(ops.transpose(x), y)
            return x, total + ops.sum(kernel_gradient)

        _, total = ops.fori_loop(
            0, self.repeats, repeat, (x, ops.zeros((), "float32"))
        )
        return ops.reshape(total, (1,))


class MatmulRoof:
    """Times the training matmuls of each `(rows, units_in, units_out)`."""

    def __init__(self, seconds, flops_per_call):
        self.seconds = seconds
        self.flops_per_call = flops_per_call
        self.chains = {}

    def chain(self, shape):
        """The compiled chain of `shape` and its input, built and warmed up
        once (the first call compiles)."""
        if shape not in self.chains:
            rows, units_in, units_out = shape
            flops = 3 * 2 * rows * units_in * units_out
            repeats = max(1, round(self.flops_per_call / flops))
            chain = MatmulChain(units_in, units_out, repeats)
            chain.compile()
            x = np.random.default_rng(0).random((rows, units_in))
            x = x.astype("float32")
            chain.predict_on_batch(x)
            self.chains[shape] = (chain, x, flops * repeats)
        return self.chains[shape]

    def gflops(self, shape):
        """GFLOP/s of the three matmuls of `shape`, over `seconds`."""
        chain, x, flops_per_call = self.chain(shape)
        calls = 0
        start = time.perf_counter()
        while True:
            chain.predict_on_batch(x)
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= self.seconds:
                return flops_per_call * calls / elapsed / 1e9

    def measure(self, matmuls):
        """`(roof, per shape)`: the step's GFLOP/s were its matmuls all it
        ran, and each shape's GFLOP/s."""
        rates = {shape: self.gflops(shape) for shape in matmuls}
        seconds = sum(
            training_flops({shape: count}) / (rates[shape] * 1e9)
            for shape, count in matmuls.items()
        )
        return training_flops(matmuls) / seconds / 1e9, rates


class EpochsAndRoof(keras.callbacks.Callback):
    """Times each epoch, then measures the matmul roof right after it
    (outside the epoch's time), from the second epoch on."""

    def __init__(self, roof, matmuls):
        super().__init__()
        self.roof = roof
        self.matmuls = matmuls
        self.seconds = []
        self.roofs = []
        self.rates = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        # Reading the loss waits for the epoch's last step to finish.
        float(logs["loss"])
        self.seconds.append(time.perf_counter() - self._start)
        if epoch > 0:
            roof, rates = self.roof.measure(self.matmuls)
            self.roofs.append(roof)
            self.rates.append(rates)


def measure_row(name, args, roof):
    num_samples = num_samples_of(name)
    examples = min(args.examples, args.draws_per_epoch // num_samples)
    examples = max(
        args.batch_size, examples // args.batch_size * args.batch_size
    )
    rng = np.random.default_rng(args.seed)
    x = (rng.random((examples, *IMAGE_SHAPE)) < 0.5).astype("float32")
    model = build_model(name, x, args.seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    matmuls = step_matmuls(model, args.batch_size)
    flop_per_sample = training_flops(matmuls) / args.batch_size
    roof.measure(matmuls)  # compiles the chains before the clock starts
    epochs = EpochsAndRoof(roof, matmuls)
    model.fit(
        x,
        epochs=args.epochs + 1,
        batch_size=args.batch_size,
        callbacks=[epochs],
        verbose=0,
    )
    speeds = [examples / seconds for seconds in epochs.seconds[1:]]
    fractions = [
        speed * flop_per_sample / 1e9 / roof_gflops
        for speed, roof_gflops in zip(speeds, epochs.roofs)
    ]
    samples_per_s = statistics.median(speeds)
    roof_gflops = statistics.median(epochs.roofs)
    images = args.passes * args.pass_images
    return {
        "name": name,
        "model": ROWS[name][1],
        "class": type(model).__name__,
        "num_samples": num_samples,
        "batch_size": args.batch_size,
        "examples_per_epoch": examples,
        "timed_epochs": args.epochs,
        "flop_per_sample": flop_per_sample,
        "samples_per_s": round(samples_per_s, 1),
        "samples_per_s_per_epoch": [round(speed, 1) for speed in speeds],
        "achieved_gflops": round(samples_per_s * flop_per_sample / 1e9, 2),
        "roof_gflops": round(roof_gflops, 2),
        "roof_gflops_per_epoch": [round(value, 2) for value in epochs.roofs],
        "fraction_of_roof": round(statistics.median(fractions), 3),
        "fraction_of_roof_per_epoch": [round(value, 3) for value in fractions],
        "hours_measured": round(images / samples_per_s / 3600, 1),
        "hours_at_roof": round(
            images * flop_per_sample / (roof_gflops * 1e9) / 3600, 1
        ),
        "matmuls": [
            {
                "rows": rows,
                "units_in": units_in,
                "units_out": units_out,
                "count": count,
                "gflops": round(
                    statistics.median(
                        rates[(rows, units_in, units_out)]
                        for rates in epochs.rates
                    ),
                    2,
                ),
            }
            for (rows, units_in, units_out), count in matmuls.items()
        ],
    }


def format_table(rows, args):
    lines = [
        f"{'row':7} {'k':>3} {'MFLOP/sample':>12} {'samples/s':>10} "
        f"{'GFLOP/s':>8} {'roof':>7} {'of roof':>7} "
        f"{'hours':>8} {'at roof':>8}"
    ]
    for row in rows:
        lines.append(
            f"{row['name']:7} {row['num_samples']:3d} "
            f"{row['flop_per_sample'] / 1e6:12.2f} "
            f"{row['samples_per_s']:10.0f} {row['achieved_gflops']:8.1f} "
            f"{row['roof_gflops']:7.1f} {row['fraction_of_roof']:7.0%} "
            f"{row['hours_measured']:8.1f} {row['hours_at_roof']:8.1f}"
        )
    lines.append(
        f"hours: {args.passes} passes of {args.pass_images} images; roof: "
        "GFLOP/s of the row's own matmuls alone, measured after each epoch"
    )
    return "\n".join(lines)


def cpu_name():
    """The CPU's model name where Linux says it, else `platform`'s."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def versions():
    # TensorFlow installs as tensorflow or tensorflow-cpu.
    found = {"python": platform.python_version()}
    names = ("keras", "jax", "jaxlib", "tensorflow", "tensorflow-cpu", "torch")
    for name in (*names, "numpy"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--examples", type=int, default=6400)
    parser.add_argument(
        "--draws-per-epoch",
        type=int,
        default=160_000,
        help="at most this many examples times k per epoch",
    )
    parser.add_argument(
        "--epochs", type=int, default=5, help="timed, after a warm-up epoch"
    )
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument(
        "--matmul-seconds",
        type=float,
        default=0.25,
        help="seconds each matmul shape is timed, after each epoch",
    )
    parser.add_argument(
        "--matmul-flops-per-call",
        type=float,
        default=2e9,
        help="FLOPs of each compiled matmul call (the default takes some "
        "20 ms at 100 GFLOP/s, so that the call's own overhead is small)",
    )
    parser.add_argument("--passes", type=int, default=3280)
    parser.add_argument("--pass-images", type=int, default=59_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--note", default="", help="how the machine was shared, if it was"
    )
    parser.add_argument("--json", default=str(HERE / "roofline.json"))
    args = parser.parse_args()
    names = args.rows.split(",")
    unknown = sorted(set(names) - set(ROWS))
    if unknown:
        parser.error(f"unknown rows {unknown}; expected some of {list(ROWS)}")
    for option in ("examples", "draws_per_epoch", "epochs", "batch_size"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")

    load_before = os.getloadavg()
    roof = MatmulRoof(args.matmul_seconds, args.matmul_flops_per_call)
    rows = []
    for name in names:
        row = measure_row(name, args, roof)
        print(json.dumps(row), flush=True)
        rows.append(row)
    load_after = os.getloadavg()
    print()
    print(
        f"{keras.backend.backend()}, {cpu_name()}, {os.cpu_count()} CPUs; "
        f"1-min load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after. {args.note}".rstrip()
    )
    print(format_table(rows, args))
    print(f"FLOPs: {FLOP_COUNTING}")
    record = {
        "date": datetime.date.today().isoformat(),
        "command": f"KERAS_BACKEND={keras.backend.backend()} python "
        f"benchmarks/roofline.py {shlex.join(sys.argv[1:])}".rstrip(),
        "backend": keras.backend.backend(),
        "machine": f"{cpu_name()} ({platform.processor() or platform.machine()}"
        f"), {os.cpu_count()} CPUs",
        "load_average_1min": {
            "before": round(load_before[0], 2),
            "after": round(load_after[0], 2),
        },
        "note": args.note,
        "versions": versions(),
        "flop_counting": FLOP_COUNTING,
        "passes": args.passes,
        "pass_images": args.pass_images,
        "rows": rows,
    }
    pathlib.Path(args.json).write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
