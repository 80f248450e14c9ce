"""What the eager backends' steps share (TensorFlow and torch)."""


def forward(model, inputs, sample_weight, training):
    """The model's loss terms on a batch: `call`, then `compute_loss_terms`."""
    outputs = model(inputs, training=training)
    return model.compute_loss_terms(
        inputs, *outputs, sample_weight=sample_weight
    )


def batch(model, data):
    """`(inputs, sample_weight)` of a batch, binarized if the model asks."""
    inputs = model.binarized(model.unpack_x(data))
    return inputs, model.unpack_sample_weight(data)


def test_step(model, data):
    """Updates the loss trackers with a batch's terms; returns the logs."""
    inputs, sample_weight = batch(model, data)
    terms = forward(model, inputs, sample_weight, training=False)
    return model.update_loss_trackers(terms, inputs, sample_weight)
