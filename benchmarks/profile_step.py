"""Where the time of a training step goes: cProfile of `fit` on one backend.

Usage:

    KERAS_BACKEND=torch python benchmarks/profile_step.py \
        [--steps 300] [--data-shape image|flat] [--top 25]

Builds the throughput benchmark's model (the reference's MLP 784-400-20,
Bernoulli, Adam 1e-3, `VAE.compile`'s defaults), on random pixels of shape
`(28, 28, 1)` as the README's quick start passes them (or flat rows of
784), trains one warm-up epoch, then profiles one epoch of `--steps` steps
of batch 128. Prints the step time and the functions that took the most time,
by own time and by time including callees, as a share of the epoch. On JAX
and TensorFlow the compiled step is one opaque call; the profile is most
telling on torch, where every layer runs in Python. It measures; it asserts
nothing.
"""

import argparse
import cProfile
import pstats
import time

import keras
import numpy as np

from keras_vae_run import DATA_SHAPES
from keras_vae_run import build_vae

BATCH_SIZE = 128


def profile_epoch(vae, x):
    """Profiles one epoch of `vae.fit(x)`; returns `(stats, seconds)`."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    vae.fit(x, epochs=1, batch_size=BATCH_SIZE, shuffle=False, verbose=0)
    profiler.disable()
    return pstats.Stats(profiler), time.perf_counter() - start


def print_top(stats, seconds, sort_key, top):
    """Prints the `top` functions by `sort_key` ("tottime" or "cumtime")."""
    column = {"tottime": 2, "cumtime": 3}[sort_key]
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][column])
    print(f"\nby {sort_key} (share of the profiled epoch):")
    for (path, line, name), values in rows[:top]:
        where = f"{path.rsplit('site-packages/', 1)[-1]}:{line}"
        print(f"  {values[column] / seconds:6.1%}  {name}  ({where})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument(
        "--data-shape", choices=tuple(DATA_SHAPES), default="image"
    )
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    shape = DATA_SHAPES[args.data_shape]
    rng = np.random.default_rng(0)
    x = rng.random((args.steps * BATCH_SIZE, *shape)).astype("float32")
    keras.utils.set_random_seed(0)
    vae = build_vae("mlp", shape, upsampling=None)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x, epochs=1, batch_size=BATCH_SIZE, verbose=0)  # warm-up
    stats, seconds = profile_epoch(vae, x)
    print(
        f"{keras.backend.backend()}, data {shape}, {args.steps} steps of "
        f"{BATCH_SIZE}: {seconds / args.steps * 1000:.2f} ms a step "
        f"(under cProfile, which slows Python-heavy code)"
    )
    print_top(stats, seconds, "tottime", args.top)
    print_top(stats, seconds, "cumtime", args.top)


if __name__ == "__main__":
    main()
