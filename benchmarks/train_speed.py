"""Prints the training speed of one keras_vae model on the current backend.

Usage:

    KERAS_BACKEND=tensorflow python benchmarks/train_speed.py --architecture conv

Trains on random images (speed does not depend on the pixels): a warm-up
epoch on 256 images (compilation), then one timed epoch of `--examples`
images. Prints samples per second and the implied seconds per MNIST epoch.
"""

import argparse
import time

import keras
import numpy as np

import keras_vae

BUILDERS = {
    "mlp": (keras_vae.build_mlp_encoder, keras_vae.build_mlp_decoder),
    "conv": (keras_vae.build_conv_encoder, keras_vae.build_conv_decoder),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--architecture", choices=sorted(BUILDERS), default="mlp"
    )
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--examples", type=int, default=2560)
    args = parser.parse_args()

    x = np.random.default_rng(0).random((args.examples, 28, 28, 1))
    x = x.astype("float32")
    build_encoder, build_decoder = BUILDERS[args.architecture]
    vae = keras_vae.VAE(
        build_encoder((28, 28, 1), args.latent_dim),
        build_decoder((28, 28, 1), args.latent_dim),
        seed=0,
    )
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x[:256], epochs=1, batch_size=args.batch_size, verbose=0)
    start = time.perf_counter()
    vae.fit(x, epochs=1, batch_size=args.batch_size, verbose=0)
    samples_per_second = len(x) / (time.perf_counter() - start)
    print(
        f"backend={keras.backend.backend()} architecture={args.architecture} "
        f"batch_size={args.batch_size} samples_per_s={samples_per_second:.0f} "
        f"mnist_epoch_s={60000 / samples_per_second:.0f}"
    )


if __name__ == "__main__":
    main()
