"""The torch step: `zero_grad()`, `backward()`, the update under
`torch.no_grad()`; and `predict()` outputs kept on the host."""

import keras
import torch

from keras_vae.backend import eager

test_step = eager.test_step


def train_step(model, data):
    """One gradient step on a batch; returns the loss trackers' logs."""
    inputs, sample_weight = eager.batch(model, data)
    # Clear the gradients left by the previous step before accumulating.
    model.zero_grad()
    terms = eager.forward(model, inputs, sample_weight, training=True)
    model.optimizer.scale_loss(terms["loss"]).backward()
    trainable_variables = model.trainable_variables
    gradients = [variable.value.grad for variable in trainable_variables]
    with torch.no_grad():
        model.optimizer.apply(gradients, trainable_variables)
    return model.update_loss_trackers(terms, inputs, sample_weight)


def predict_outputs_on_host(predict_function):
    """A model's predict function, made safe to run for many steps.

    Keras' torch `predict()` keeps every step's output tensor until the last
    step. Kept by the thousand, even 4-byte tensors from a `torch.compile`d
    step pinned glibc's heap between the step's large temporary buffers: the
    10,000-step `log_likelihood` of the MNIST test set at `k = 5000` grew
    about 2.5 MB a step, to 24 GB, and was killed for memory on a 24 GiB
    machine. NumPy copies of the outputs kept its memory flat.

    Args:
        predict_function: the model's `predict_function`, as its
            `make_predict_function()` set it.

    Returns:
        `predict_function` returning its outputs as NumPy arrays. (On JAX
        and TensorFlow, whose predict loops kept memory flat, the function
        of the same name returns `predict_function` itself.)

    Example:

    ```python
    model.make_predict_function(force=True)
    model.predict_function = predict_outputs_on_host(model.predict_function)
    ```
    """

    def predict_on_host(data):
        return keras.tree.map_structure(
            keras.ops.convert_to_numpy, predict_function(data)
        )

    return predict_on_host
