"""Builder of the encoders and decoders of a `HierarchicalVAE`."""

from keras_vae import checks
from keras_vae.models.decoders import build_mlp_decoder
from keras_vae.models.encoders import build_mlp_encoder


def build_mlp_hierarchy(
    input_shape,
    latent_dims=(100, 50),
    hidden_units=((200, 200), (100, 100)),
    activation="tanh",
    output_bias=None,
):
    """Builds the MLPs of a `HierarchicalVAE`, Burda et al.'s by default.

    For each stochastic layer `l` (lowest first) an encoder `q(z_l |
    z_(l-1))` (`z_0 = x`) with hidden layers `hidden_units[l]`, and a
    decoder that mirrors it: `p(x | z_1)` for the first layer (as
    `build_mlp_decoder`), `p(z_(l-1) | z_l)`, a diagonal Gaussian with
    outputs `[mean, log_var]`, for the others. The defaults are the
    two-layer model of Burda et al. (2016): encoder 784-200-200-(z_1: 100)
    then 100-100-(z_2: 50), decoder 50-100-100-(z_1: 100) then
    100-200-200-784, tanh.

    Args:
        input_shape: tuple of positive integers, the shape of one example.
        latent_dims: the sizes of `z_1 ... z_L`, lowest first, `L >= 2`.
        hidden_units: one tuple of hidden widths per layer, lowest first;
            each decoder uses its layer's widths last to first.
        activation: activation of the hidden layers.
        output_bias: optional starting bias of the data decoder's output
            layer, as for `build_mlp_decoder`.

    Returns:
        `(encoders, decoders)`: two lists of `L` functional `keras.Model`s,
        lowest first, as `HierarchicalVAE` takes them.

    Example:

    ```python
    encoders, decoders = keras_vae.build_mlp_hierarchy((28, 28, 1))
    hvae = keras_vae.HierarchicalVAE(encoders, decoders)
    ```
    """
    input_shape = checks.shape_tuple("input_shape", input_shape)
    latent_dims = checks.positive_int_tuple("latent_dims", latent_dims)
    hidden_units = tuple(
        checks.positive_int_tuple("hidden_units", units)
        for units in hidden_units
    )
    if len(latent_dims) < 2 or len(hidden_units) != len(latent_dims):
        raise ValueError(
            "Expected at least two stochastic layers and one tuple of "
            "hidden widths per layer. Received: "
            f"latent_dims={latent_dims}, hidden_units={hidden_units}"
        )
    encoders = [
        build_mlp_encoder(
            input_shape,
            latent_dims[0],
            hidden_units[0],
            activation,
            name="encoder_1",
        )
    ]
    decoders = [
        build_mlp_decoder(
            input_shape,
            latent_dims[0],
            hidden_units[0],
            activation,
            name="decoder_1",
            output_bias=output_bias,
        )
    ]
    for level in range(1, len(latent_dims)):
        below, above = latent_dims[level - 1], latent_dims[level]
        encoders.append(
            build_mlp_encoder(
                (below,),
                above,
                hidden_units[level],
                activation,
                name=f"encoder_{level + 1}",
            )
        )
        # p(z_(l-1) | z_l) is a diagonal Gaussian, as an encoder's output:
        # the encoder builder, widths reversed, makes it.
        decoders.append(
            build_mlp_encoder(
                (above,),
                below,
                tuple(reversed(hidden_units[level])),
                activation,
                name=f"decoder_{level + 1}",
            )
        )
    return encoders, decoders
