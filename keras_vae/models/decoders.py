"""Functional decoder builders: `z` in, the likelihood's parameters out.

The output has the data's shape and no activation: it holds logits for the
Bernoulli likelihood and the mean for the Gaussian one.
"""

import math

import keras
import numpy as np
from keras import layers

from keras_vae import checks

# How `build_conv_decoder` doubles the feature maps' height and width.
UPSAMPLING = ("transpose", "resize")


def _inputs(latent_dim, num_classes):
    """The decoder's inputs and their concatenation: `z`, and a one-hot
    label when conditioned."""
    z = keras.Input(shape=(latent_dim,), name="z")
    if num_classes is None:
        return [z], z
    num_classes = checks.positive_int("num_classes", num_classes)
    label = keras.Input(shape=(num_classes,), name="label")
    return [z, label], layers.Concatenate()([z, label])


def build_mlp_decoder(
    output_shape,
    latent_dim,
    hidden_units=(512,),
    activation="relu",
    name="mlp_decoder",
    num_classes=None,
    output_bias=None,
):
    """Builds a fully connected decoder `z -> parameters of p(x | z)`.

    Mirrors `build_mlp_encoder`: `Dense` layers of `hidden_units` in reverse
    order, a linear `Dense` layer with one unit per data dimension, then a
    reshape to `output_shape`.

    Args:
        output_shape: tuple of positive integers, the shape of one example,
            e.g. `(28, 28, 1)`.
        latent_dim: positive integer, the size of `z`.
        hidden_units: tuple of positive integers, the widths as given to
            `build_mlp_encoder`; the decoder uses them last to first.
        activation: activation of the hidden layers.
        name: name of the returned model.
        num_classes: optional positive integer: the model then takes a
            second input, a one-hot label `(batch_size, num_classes)`,
            concatenated to `z` (for `ConditionalVAE`).
        output_bias: optional starting value of the output layer's bias: a
            float, or an array of shape `output_shape`, such as
            `keras_vae.datasets.mean_logits(x_train)` (Burda et al., 2016:
            the untrained Bernoulli decoder then predicts the mean image).
            `None` starts it at zero. It is a starting weight, saved with
            the weights, not part of the config.

    Returns:
        A built functional `keras.Model` mapping `(batch_size, latent_dim)`
        to `(batch_size, *output_shape)`, with a linear output.

    Example:

    ```python
    decoder = keras_vae.build_mlp_decoder(output_shape=(28, 28, 1), latent_dim=2)
    logits = decoder(np.zeros((8, 2), "float32"))  # (8, 28, 28, 1)
    ```
    """
    output_shape = checks.shape_tuple("output_shape", output_shape)
    latent_dim = checks.positive_int("latent_dim", latent_dim)
    hidden_units = checks.positive_int_tuple("hidden_units", hidden_units)
    inputs, features = _inputs(latent_dim, num_classes)
    for units in reversed(hidden_units):
        features = layers.Dense(units, activation=activation)(features)
    output_layer = layers.Dense(math.prod(output_shape))
    features = output_layer(features)
    outputs = layers.Reshape(output_shape, name="decoder_output")(features)
    if output_bias is not None:
        output_layer.bias.assign(_output_bias_values(output_bias, output_shape))
    return keras.Model(inputs if num_classes else inputs[0], outputs, name=name)


def _output_bias_values(output_bias, output_shape):
    """`output_bias`, a float or an array of `output_shape`, flattened."""
    values = np.asarray(output_bias, dtype="float32")
    if values.shape not in ((), tuple(output_shape)) or not np.all(
        np.isfinite(values)
    ):
        raise ValueError(
            "Expected `output_bias` to be a finite float or an array of "
            f"finite values of the data's shape {tuple(output_shape)}. "
            f"Received: an array of shape {values.shape}"
        )
    return np.broadcast_to(values, output_shape).reshape(-1)


def build_conv_decoder(
    output_shape,
    latent_dim,
    filters=(32, 64),
    activation="relu",
    name="conv_decoder",
    num_classes=None,
    upsampling="transpose",
):
    """Builds a convolutional decoder `z -> parameters of p(x | z)`.

    Mirrors `build_conv_encoder`, as in the keras.io VAE example: a `Dense`
    layer to a `(height / 2**k, width / 2**k, filters[-1])` map, one
    doubling of height and width per entry of `filters` in reverse order,
    and a final linear 3x3 convolution to the data's channels.

    Each doubling is, with `upsampling="transpose"` (the default, the
    keras.io example's), a `Conv2DTranspose(kernel_size=3, strides=2)`;
    with `upsampling="resize"`, `UpSampling2D(2)` (nearest neighbour) and a
    `Conv2D(kernel_size=3)`, the resize-convolution of Odena et al. (2016),
    "Deconvolution and Checkerboard Artifacts". Same parameter count. Which
    trains faster depends on the backend: see the README's Performance
    section.

    Args:
        output_shape: `(height, width, channels)`; height and width must be
            divisible by `2 ** len(filters)`.
        latent_dim: positive integer, the size of `z`.
        filters: tuple of positive integers, as given to
            `build_conv_encoder`; the decoder uses them last to first.
        activation: activation of the hidden layers.
        name: name of the returned model.
        num_classes: optional positive integer: the model then takes a
            second input, a one-hot label `(batch_size, num_classes)`,
            concatenated to `z` (for `ConditionalVAE`).
        upsampling: `"transpose"` or `"resize"`, how each layer doubles
            the feature maps (see above).

    Returns:
        A built functional `keras.Model` mapping `(batch_size, latent_dim)`
        to `(batch_size, height, width, channels)`, with a linear output.

    Example:

    ```python
    decoder = keras_vae.build_conv_decoder(output_shape=(28, 28, 1), latent_dim=2)
    ```
    """
    output_shape = checks.conv_image_shape(
        "output_shape", output_shape, filters
    )
    latent_dim = checks.positive_int("latent_dim", latent_dim)
    if upsampling not in UPSAMPLING:
        raise ValueError(
            f"Expected `upsampling` to be one of {list(UPSAMPLING)}. "
            f"Received: upsampling={upsampling!r}"
        )
    height, width, channels = output_shape
    factor = 2 ** len(filters)
    start_shape = (height // factor, width // factor, filters[-1])
    inputs, features = _inputs(latent_dim, num_classes)
    features = layers.Dense(math.prod(start_shape), activation=activation)(
        features
    )
    features = layers.Reshape(start_shape)(features)
    for count in reversed(filters):
        if upsampling == "resize":
            features = layers.UpSampling2D(2)(features)
            features = layers.Conv2D(
                count, 3, padding="same", activation=activation
            )(features)
        else:
            features = layers.Conv2DTranspose(
                count, 3, strides=2, padding="same", activation=activation
            )(features)
    # Stride 1: a transposed convolution is a convolution (kernel flipped).
    output_layer = {
        "transpose": layers.Conv2DTranspose,
        "resize": layers.Conv2D,
    }
    outputs = output_layer[upsampling](
        channels, 3, padding="same", name="decoder_output"
    )(features)
    return keras.Model(inputs if num_classes else inputs[0], outputs, name=name)
