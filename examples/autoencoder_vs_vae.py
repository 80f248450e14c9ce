"""Autoencoder vs VAE: why a VAE can generate and an autoencoder cannot.

Trains a `keras_vae.Autoencoder` and a `keras_vae.VAE` with the same MLP
builders on MNIST, then decodes the same draws `z ~ N(0, I)` with both.
Nothing pulled the autoencoder's codes towards `N(0, I)`, so most draws land
where its decoder was never trained. Run with any backend, e.g.:

    KERAS_BACKEND=jax python examples/autoencoder_vs_vae.py --epochs 10

Writes `prior_samples.png` (a row per model) to `--output-dir` and prints,
for each model, how far its codes of the test set are from `N(0, I)` and
how a small MNIST classifier, trained here, sees 1,000 decoded prior draws:
its mean confidence (max softmax probability) and the entropy of the
predicted classes (2.30 nats when all ten digits appear equally often).
The same two figures for real test digits are printed for reference.
"""

import argparse
import pathlib

import keras
import numpy as np

import keras_vae


def train_classifier(x_train, y_train, epochs):
    """A small MLP digit classifier, the judge of the generated images."""
    classifier = keras.Sequential(
        [
            keras.Input(x_train.shape[1:]),
            keras.layers.Flatten(),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    classifier.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    classifier.fit(x_train, y_train, epochs=epochs, batch_size=128, verbose=0)
    return classifier


def judged(classifier, images):
    """`(mean confidence, entropy of the predicted classes)` of images."""
    logits = classifier.predict(images, batch_size=500, verbose=0)
    probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(logits))
    predicted = np.bincount(probabilities.argmax(axis=1), minlength=10)
    frequencies = predicted[predicted > 0] / len(images)
    entropy = float(-(frequencies * np.log(frequencies)).sum())
    return float(probabilities.max(axis=1).mean()), entropy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument(
        "--limit", type=int, help="use the first N images of each split"
    )
    parser.add_argument("--output-dir", default="saved_models/ae_vs_vae")
    args = parser.parse_args(argv)
    output_dir = pathlib.Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)

    (x_train, y_train), (x_test, y_test) = keras_vae.datasets.load(
        "mnist", limit=args.limit
    )
    models = {}
    for name, model_class in (
        ("Autoencoder", keras_vae.Autoencoder),
        ("VAE", keras_vae.VAE),
    ):
        encoder = keras_vae.build_mlp_encoder((28, 28, 1), args.latent_dim)
        decoder = keras_vae.build_mlp_decoder((28, 28, 1), args.latent_dim)
        model = model_class(encoder, decoder, likelihood="bernoulli")
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        model.fit(x_train, epochs=args.epochs, batch_size=128, verbose=0)
        test = model.evaluate(x_test, batch_size=1000, verbose=0)
        print(f"{name}: test reconstruction {test[1]:.2f} nats/image")
        models[name] = model

    path = output_dir / "prior_samples.png"
    keras_vae.plots.plot_sample_comparison(models, num_samples=12, path=path)

    classifier = train_classifier(x_train, y_train, epochs=2)
    accuracy = classifier.evaluate(x_test, y_test, verbose=0)[1]
    print(f"classifier test accuracy {accuracy:.3f}")
    confidence, entropy = judged(classifier, x_test[:1000])
    print(
        f"{'real test digits':>16}: confidence {confidence:.3f}, "
        f"class entropy {entropy:.2f}"
    )
    for name, model in models.items():
        codes = model.codes(x_test)
        confidence, entropy = judged(classifier, model.sample(1000, seed=0))
        print(
            f"{name:>16}: codes' std per dimension "
            f"{codes.std(axis=0).mean():.2f} (N(0, I): 1.00), "
            f"|mean| {np.abs(codes.mean(axis=0)).mean():.2f} (0.00); "
            f"prior samples: confidence {confidence:.3f}, "
            f"class entropy {entropy:.2f}"
        )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
