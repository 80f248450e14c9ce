"""Training-step time on `(28, 28, 1)` images against flat `(784,)` rows.

Usage:

    python benchmarks/data_layouts.py [--backends jax,tensorflow,torch] \
        [--steps 300] [--rounds 5]

For each backend, in a process of its own: the throughput benchmark's model
(the reference's MLP 784-400-20, Bernoulli, Adam 1e-3) built twice, once per
layout, with the same weights, trained with `train_on_batch` on one batch of
128 random pixels in that layout. The rounds alternate the layouts, each
timing `--steps` steps after a warm-up, so that machine noise hits both
alike. Prints, per backend, the median milliseconds per step of each layout
and their ratio. Without `fit`'s input pipeline and epoch loop, this is the
step alone: `throughput.py` times whole epochs. It measures; it asserts
nothing.
"""

import argparse
import json
import os
import statistics
import sys
import time

from throughput import BACKENDS
from throughput import backend_env
from throughput import run_child

BATCH_SIZE = 128


def time_layouts(steps, rounds):
    """Milliseconds per step of each layout, one figure per round."""
    import keras
    import numpy as np

    from keras_vae_run import DATA_SHAPES
    from keras_vae_run import build_vae

    pixels = np.random.default_rng(0).random((BATCH_SIZE, 784))
    models, batches = {}, {}
    for layout, shape in DATA_SHAPES.items():
        keras.utils.set_random_seed(0)
        models[layout] = build_vae("mlp", shape, upsampling=None)
        models[layout].compile(optimizer=keras.optimizers.Adam(1e-3))
        batches[layout] = pixels.reshape(BATCH_SIZE, *shape).astype("float32")
        models[layout].train_on_batch(batches[layout])  # compiles
    times = {layout: [] for layout in DATA_SHAPES}
    for _ in range(rounds):
        for layout, model in models.items():
            start = time.perf_counter()
            for _ in range(steps):
                logs = model.train_on_batch(batches[layout], return_dict=True)
            float(logs["loss"])
            seconds = time.perf_counter() - start
            times[layout].append(seconds / steps * 1000)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(time_layouts(args.steps, args.rounds)))
        return
    print(f"{'backend':12} {'image ms':>9} {'flat ms':>8} {'image/flat':>11}")
    for backend in args.backends.split(","):
        command = [
            sys.executable,
            os.path.abspath(__file__),
            "--child",
            f"--steps={args.steps}",
            f"--rounds={args.rounds}",
        ]
        result = run_child(command, backend_env(backend))
        times = json.loads(result.stdout.strip().splitlines()[-1])
        image, flat = (statistics.median(times[k]) for k in ("image", "flat"))
        print(f"{backend:12} {image:9.2f} {flat:8.2f} {image / flat:11.2f}")
        print(f"  per round: image {times['image']}, flat {times['flat']}")


if __name__ == "__main__":
    main()
