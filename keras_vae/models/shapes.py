"""Whether an encoder and a decoder fit together, and the shapes they imply."""

import keras


def latent_and_data_shapes(encoder, decoder, num_encoder_outputs, num_classes):
    """Checks that `encoder` and `decoder` fit together.

    Args:
        encoder: the encoder model.
        decoder: the decoder model.
        num_encoder_outputs: 2 (`[z_mean, z_log_var]`) or 1 (a code).
        num_classes: `None`, or the size of the one-hot label that both
            models take as their second input.

    Returns:
        `(latent_dim, data_shape)`.

    Example:

    ```python
    latent_dim, data_shape = latent_and_data_shapes(encoder, decoder, 2, None)
    ```
    """
    num_inputs = 1 if num_classes is None else 2
    for name, model in (("encoder", encoder), ("decoder", decoder)):
        if not isinstance(model, keras.Model) or (
            len(model.inputs or ()) != num_inputs
        ):
            expected = (
                "one input"
                if num_classes is None
                else "two inputs, the data (or z) and a one-hot label"
            )
            raise ValueError(
                f"Expected `{name}` to be a functional `keras.Model` with "
                f"{expected}, such as `keras_vae.build_mlp_{name}(...)`. "
                f"Received: {name}={model!r}"
            )
    outputs = encoder.outputs
    if (
        len(outputs) != num_encoder_outputs
        or len({tuple(output.shape) for output in outputs}) != 1
    ):
        expected = (
            "exactly two tensors `[z_mean, z_log_var]` of the same shape"
            if num_encoder_outputs == 2
            else "a code (or `[z_mean, z_log_var]`)"
        )
        raise ValueError(
            f"Expected `encoder` to output {expected}, each of shape "
            "(batch_size, latent_dim). Received outputs of shapes "
            f"{[output.shape for output in outputs]}"
        )
    latent_shape = tuple(outputs[0].shape)
    if len(latent_shape) != 2:
        raise ValueError(
            "Expected `encoder` outputs of shape (batch_size, latent_dim). "
            f"Received: {latent_shape}"
        )
    if tuple(decoder.inputs[0].shape) != latent_shape:
        raise ValueError(
            f"The encoder's latent_dim={latent_shape[1]} does not match the "
            f"decoder's input shape {decoder.inputs[0].shape}; expected "
            f"{latent_shape}."
        )
    for name, model in (("encoder", encoder), ("decoder", decoder)):
        if num_classes is not None and (
            tuple(model.inputs[1].shape) != (None, num_classes)
        ):
            raise ValueError(
                f"Expected the `{name}`'s second input to be a one-hot label "
                f"of shape (None, {num_classes}), as the encoder's. Received: "
                f"{model.inputs[1].shape}"
            )
    data_shape = tuple(encoder.inputs[0].shape[1:])
    decoder_shape = tuple(decoder.outputs[0].shape[1:])
    if len(decoder.outputs) != 1 or decoder_shape != data_shape:
        raise ValueError(
            "Expected `decoder` to output one tensor with the data's shape "
            f"(batch_size, *{data_shape}), the encoder's input shape. "
            f"Received decoder outputs of shapes "
            f"{[output.shape for output in decoder.outputs]}"
        )
    return latent_shape[1], data_shape
