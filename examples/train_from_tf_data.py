"""Trains a VAE from a `tf.data` pipeline straight out of TensorFlow Datasets.

Run with any backend (`tf.data` feeds JAX and PyTorch too), e.g.:

    KERAS_BACKEND=torch python examples/train_from_tf_data.py --epochs 5

The pipeline scales the uint8 images to float32 in [0, 1], caches, shuffles,
batches and prefetches; `fit()` ignores the labels of `(image, label)` pairs.
"""

import argparse

import keras
import tensorflow as tf
import tensorflow_datasets as tfds

import keras_vae


def mnist_pipeline(split, batch_size, limit=None):
    dataset = tfds.load("mnist", split=split, as_supervised=True)
    if limit:
        dataset = dataset.take(limit)
    dataset = dataset.map(
        lambda image, label: (tf.cast(image, "float32") / 255.0, label),
        num_parallel_calls=tf.data.AUTOTUNE,
    ).cache()
    if split == "train":
        dataset = dataset.shuffle(10_000, seed=0)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--limit", type=int, help="use the first N images")
    args = parser.parse_args(argv)

    train = mnist_pipeline("train", 128, args.limit)
    test = mnist_pipeline("test", 500, args.limit)
    encoder = keras_vae.build_mlp_encoder((28, 28, 1), latent_dim=8)
    decoder = keras_vae.build_mlp_decoder((28, 28, 1), latent_dim=8)
    vae = keras_vae.VAE(encoder, decoder, seed=0)
    # By default, 32 steps per compiled call on JAX and TensorFlow, 1 on torch.
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(train, epochs=args.epochs, validation_data=test, verbose=2)
    print(vae.evaluate(test, return_dict=True, verbose=0))


if __name__ == "__main__":
    main()
