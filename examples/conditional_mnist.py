"""Trains a conditional VAE on MNIST and draws each digit on demand.

The encoder and decoder both see the one-hot label, so `z` is free to hold
the style (slant, thickness) and `sample(n, labels=...)` writes the digit
asked for. Run with any backend, e.g.:

    KERAS_BACKEND=jax python examples/conditional_mnist.py --epochs 10

Writes `cvae_mnist.keras` and `class_samples.png` (one row per digit; each
column decodes the same `z`, so it keeps one style across digits) to
`--output-dir`, and prints the test -ELBO of `log p(x | y)`.
"""

import argparse
import pathlib

import keras

import keras_vae


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--latent-dim", type=int, default=2)
    parser.add_argument(
        "--limit", type=int, help="use the first N images of each split"
    )
    parser.add_argument("--output-dir", default="saved_models/cvae_mnist")
    args = parser.parse_args(argv)
    output_dir = pathlib.Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)

    (x_train, y_train), (x_test, y_test) = keras_vae.datasets.load(
        "mnist", limit=args.limit
    )
    encoder = keras_vae.build_mlp_encoder(
        (28, 28, 1), args.latent_dim, num_classes=10
    )
    decoder = keras_vae.build_mlp_decoder(
        (28, 28, 1), args.latent_dim, num_classes=10
    )
    cvae = keras_vae.ConditionalVAE(encoder, decoder, seed=0)
    cvae.compile(optimizer=keras.optimizers.Adam(1e-3))
    cvae.fit(
        x_train,
        y_train,
        epochs=args.epochs,
        batch_size=128,
        validation_data=(x_test, y_test),
        verbose=2,
    )
    test = cvae.evaluate(
        x_test, y_test, batch_size=1000, return_dict=True, verbose=0
    )
    print(
        f"test -ELBO of log p(x | y): {test['loss']:.2f} nats "
        f"(reconstruction {test['reconstruction_loss']:.2f}, "
        f"KL {test['kl_loss']:.2f})"
    )
    model_path = output_dir / "cvae_mnist.keras"
    cvae.save(model_path)
    plot_path = output_dir / "class_samples.png"
    keras_vae.plots.plot_class_samples(
        cvae, samples_per_class=12, path=plot_path
    )
    for path in (model_path, plot_path):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
