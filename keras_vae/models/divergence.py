"""Stopping `fit()` at the first non-finite loss, with a clear error.

A model whose loss became NaN or infinite learns nothing more: every later
step is NaN too. `BaseAutoencoder.fit` adds a `NonFiniteLossGuard` to the
callbacks, which raises `NonFiniteLossError` at the end of the first
execution whose loss is not finite, before the epoch ends: no validation
runs and no `BackupAndRestore` backup holds the broken weights, and the
model's variables and optimizer state are put back as they were when the
epoch began.
"""

import math

import keras
import numpy as np


class NonFiniteLossError(FloatingPointError):
    """Raised by `fit()` when the training loss becomes NaN or infinite.

    Example:

    ```python
    try:
        vae.fit(x_train, epochs=10)
    except keras_vae.NonFiniteLossError as error:
        print(error)  # which epoch and batch, the terms, what to change
    ```
    """


class NonFiniteLossGuard(keras.callbacks.Callback):
    """Raises `NonFiniteLossError` once the logged training loss is NaN or
    infinite, after putting the model's variables and its optimizer's state
    back as they were when the epoch began: the model stays usable, and
    can be trained again, e.g. at a lower learning rate.

    The loss is read where Keras calls the callbacks, every
    `steps_per_execution` steps; the logged loss is the epoch's running
    mean, which any non-finite step turns non-finite. The state is copied
    once an epoch, when it begins.

    Args:
        hint: what to tell the user to change, appended to the message.

    Example:

    ```python
    model.fit(x, callbacks=[NonFiniteLossGuard("Lower the learning rate.")])
    ```
    """

    def __init__(self, hint):
        super().__init__()
        self.hint = hint
        self.epoch = 0

    def _state(self):
        model = self.model
        return [
            *model.trainable_variables,
            *model.non_trainable_variables,
            *model.optimizer.variables,
        ]

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        optimizer = self.model.optimizer
        if not optimizer.built:
            # TensorFlow builds it in the first step: its moments must exist
            # now to be copied.
            optimizer.build(self.model.trainable_variables)
        # `numpy()`, not `convert_to_numpy`: it also reads the mirrored
        # variables of `tf.distribute`.
        self._epoch_start = [
            np.array(variable.numpy()) for variable in self._state()
        ]

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        if "loss" not in logs or math.isfinite(float(logs["loss"])):
            return
        # JAX keeps the training state apart from the variables during an
        # epoch: give it back to them before overwriting it.
        state_sync = getattr(self.model, "jax_state_sync", None)
        if state_sync is not None:
            state_sync()
        for variable, value in zip(self._state(), self._epoch_start):
            variable.assign(value)
        terms = ", ".join(
            f"{name}={float(value):.4g}" for name, value in logs.items()
        )
        raise NonFiniteLossError(
            f"Training stopped in epoch {self.epoch + 1}, by batch "
            f"{batch + 1}: the loss became non-finite ({terms}). The "
            "model's variables and optimizer state are back as they were "
            f"when epoch {self.epoch + 1} began. {self.hint}"
        )
