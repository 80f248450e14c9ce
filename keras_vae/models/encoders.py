"""Functional encoder builders: data in, `[z_mean, z_log_var]` out."""

import keras
from keras import layers

from keras_vae import checks


def _inputs(input_shape, num_classes):
    """The encoder's inputs: `x`, and a one-hot label when conditioned."""
    x = keras.Input(shape=input_shape, name="x")
    if num_classes is None:
        return [x]
    num_classes = checks.positive_int("num_classes", num_classes)
    return [x, keras.Input(shape=(num_classes,), name="label")]


def _with_label(features, inputs):
    """Appends the one-hot label, when there is one, to flat features."""
    if len(inputs) == 1:
        return features
    return layers.Concatenate()([features, inputs[1]])


def _latent_heads(features, latent_dim):
    z_mean = layers.Dense(latent_dim, name="z_mean")(features)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(features)
    return [z_mean, z_log_var]


def build_mlp_encoder(
    input_shape,
    latent_dim,
    hidden_units=(512,),
    activation="relu",
    name="mlp_encoder",
    num_classes=None,
):
    """Builds a fully connected encoder `x -> [z_mean, z_log_var]`.

    The input is flattened, passed through `Dense` layers of
    `hidden_units`, then two linear `Dense(latent_dim)` heads give the mean
    and log-variance of the Gaussian posterior `q(z | x)`.

    Args:
        input_shape: tuple of positive integers, the shape of one example,
            e.g. `(28, 28, 1)`.
        latent_dim: positive integer, the size of `z`.
        hidden_units: tuple of positive integers, the width of each hidden
            layer, first to last.
        activation: activation of the hidden layers.
        name: name of the returned model.
        num_classes: optional positive integer: the model then takes a
            second input, a one-hot label `(batch_size, num_classes)`,
            concatenated to the flattened image (for `ConditionalVAE`).

    Returns:
        A built functional `keras.Model` with outputs `[z_mean, z_log_var]`,
        each of shape `(batch_size, latent_dim)`.

    Example:

    ```python
    encoder = keras_vae.build_mlp_encoder(input_shape=(28, 28, 1), latent_dim=2)
    z_mean, z_log_var = encoder(np.zeros((8, 28, 28, 1), "float32"))
    ```
    """
    input_shape = checks.shape_tuple("input_shape", input_shape)
    latent_dim = checks.positive_int("latent_dim", latent_dim)
    hidden_units = checks.positive_int_tuple("hidden_units", hidden_units)
    inputs = _inputs(input_shape, num_classes)
    features = _with_label(layers.Flatten()(inputs[0]), inputs)
    for units in hidden_units:
        features = layers.Dense(units, activation=activation)(features)
    return keras.Model(
        inputs if num_classes else inputs[0],
        _latent_heads(features, latent_dim),
        name=name,
    )


def build_conv_encoder(
    input_shape,
    latent_dim,
    filters=(32, 64),
    dense_units=16,
    activation="relu",
    name="conv_encoder",
    num_classes=None,
):
    """Builds a convolutional encoder `x -> [z_mean, z_log_var]`.

    As in the keras.io VAE example: one `Conv2D(kernel_size=3, strides=2,
    padding="same")` per entry of `filters`, a `Dense(dense_units)` layer, then
    linear heads for the mean and log-variance.

    Args:
        input_shape: `(height, width, channels)`; height and width must be
            divisible by `2 ** len(filters)` so that
            `build_conv_decoder` can mirror the encoder exactly.
        latent_dim: positive integer, the size of `z`.
        filters: tuple of positive integers, the filters of each strided
            convolution.
        dense_units: positive integer, the width of the dense layer.
        activation: activation of the hidden layers.
        name: name of the returned model.
        num_classes: optional positive integer: the model then takes a
            second input, a one-hot label `(batch_size, num_classes)`,
            concatenated to the flattened feature maps (for
            `ConditionalVAE`).

    Returns:
        A built functional `keras.Model` with outputs `[z_mean, z_log_var]`.

    Example:

    ```python
    encoder = keras_vae.build_conv_encoder(input_shape=(28, 28, 1), latent_dim=2)
    ```
    """
    input_shape = checks.conv_image_shape("input_shape", input_shape, filters)
    latent_dim = checks.positive_int("latent_dim", latent_dim)
    dense_units = checks.positive_int("dense_units", dense_units)
    inputs = _inputs(input_shape, num_classes)
    features = inputs[0]
    for count in filters:
        features = layers.Conv2D(
            count, 3, strides=2, padding="same", activation=activation
        )(features)
    features = _with_label(layers.Flatten()(features), inputs)
    features = layers.Dense(dense_units, activation=activation)(features)
    return keras.Model(
        inputs if num_classes else inputs[0],
        _latent_heads(features, latent_dim),
        name=name,
    )
