"""Trains a convolutional VAE on Fashion-MNIST and logs images every epoch.

Run with any backend; on a CPU, TensorFlow is the fastest for this model:

    KERAS_BACKEND=tensorflow python examples/train_fashion_mnist_conv.py --epochs 10

Writes `vae_fashion_mnist.keras` and, every epoch, reconstruction and sample
grids (`ImageLogger`) to `--output-dir`.
"""

import argparse
import pathlib

import keras

import keras_vae


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument(
        "--limit", type=int, help="use the first N images of each split"
    )
    parser.add_argument(
        "--output-dir", default="saved_models/fashion_mnist_conv"
    )
    args = parser.parse_args(argv)
    output_dir = pathlib.Path(args.output_dir)

    (x_train, _), (x_test, _) = keras_vae.datasets.load(
        "fashion_mnist", limit=args.limit
    )
    encoder = keras_vae.build_conv_encoder((28, 28, 1), args.latent_dim)
    decoder = keras_vae.build_conv_decoder((28, 28, 1), args.latent_dim)
    vae = keras_vae.VAE(encoder, decoder, likelihood="bernoulli", seed=0)
    # By default, 32 steps per compiled call on JAX and TensorFlow, 1 on torch.
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(
        x_train,
        epochs=args.epochs,
        batch_size=128,
        validation_data=(x_test[:2000],),
        callbacks=[
            keras_vae.callbacks.ImageLogger(
                x_test[:10], every=1, directory=output_dir / "images"
            )
        ],
        verbose=2,
    )
    vae.save(output_dir / "vae_fashion_mnist.keras")
    print(
        f"wrote {output_dir / 'vae_fashion_mnist.keras'} and {output_dir / 'images'}"
    )


if __name__ == "__main__":
    main()
