"""Trains an MLP VAE on MNIST, saves it, and plots what it learned.

Run with any backend, e.g.:

    KERAS_BACKEND=jax python examples/train_mnist_mlp.py --epochs 10

MNIST comes from TensorFlow Datasets (`TFDS_DATA_DIR` or `~/tensorflow_datasets`,
downloaded on first use). Writes `vae_mnist.keras`,
`vae_mnist_reconstructions.png` and `vae_mnist_samples.png` to `--output-dir`.
"""

import argparse
import pathlib
import time

import keras

import keras_vae


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--latent-dim", type=int, default=2)
    parser.add_argument(
        "--limit", type=int, help="use the first N images of each split"
    )
    parser.add_argument("--output-dir", default="saved_models")
    args = parser.parse_args(argv)
    output_dir = pathlib.Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)

    (x_train, _), (x_test, _) = keras_vae.datasets.load(
        "mnist", limit=args.limit
    )
    input_shape = x_train.shape[1:]
    encoder = keras_vae.build_mlp_encoder(input_shape, args.latent_dim)
    decoder = keras_vae.build_mlp_decoder(input_shape, args.latent_dim)
    vae = keras_vae.VAE(encoder, decoder, likelihood="bernoulli", seed=0)
    # By default, 32 steps per compiled call on JAX and TensorFlow, 1 on torch.
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))

    start = time.perf_counter()
    vae.fit(
        x_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_data=(x_test,),
        verbose=2,
    )
    train_seconds = time.perf_counter() - start
    test = vae.evaluate(x_test, batch_size=1000, return_dict=True, verbose=0)

    model_path = output_dir / "vae_mnist.keras"
    vae.save(model_path)
    reconstructions_path = output_dir / "vae_mnist_reconstructions.png"
    keras_vae.plots.plot_reconstructions(vae, x_test[:12], reconstructions_path)
    samples_path = output_dir / "vae_mnist_samples.png"
    keras_vae.plots.plot_samples(vae, 64, seed=0, path=samples_path)

    print(
        f"backend={keras.backend.backend()} epochs={args.epochs} "
        f"latent_dim={args.latent_dim} train_seconds={train_seconds:.1f}"
    )
    print(
        f"test -ELBO={test['loss']:.2f} nats "
        f"(reconstruction {test['reconstruction_loss']:.2f}, "
        f"KL {test['kl_loss']:.2f})"
    )
    for path in (model_path, reconstructions_path, samples_path):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
