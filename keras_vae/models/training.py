"""`fit`, `evaluate` and `predict` of the keras-vae models: checked data,
a guard against non-finite losses, steps per call that divide the steps
asked."""

import contextlib
import inspect

import keras
import numpy as np

from keras_vae import data_checks
from keras_vae import execution
from keras_vae.models.divergence import NonFiniteLossGuard


class CheckedTraining:
    """Mixin of `BaseAutoencoder`: Keras' loops, on checked data.

    Needs `data_shape`, `likelihood`, `gaussian_scale` and
    `steps_per_execution` on the model. Subclasses that take labels override
    `_label_check_arguments`.
    """

    def fit(self, *args, **kwargs):
        """Trains the model, as `keras.Model.fit`, on checked data.

        The data (and any `sample_weight`) is checked first, before any
        step (see `check_data`). Training stops at the first non-finite
        loss with a `keras_vae.NonFiniteLossError` that says which epoch and
        batch, the logged terms and what to change; a model trained on NaN
        is never returned silently.

        Args:
            *args: `keras.Model.fit` positional arguments.
            **kwargs: `keras.Model.fit` keyword arguments.

        Returns:
            The `keras.callbacks.History` of the training.

        Raises:
            keras_vae.NonFiniteLossError: the training loss became NaN or
                infinite.

        Example:

        ```python
        history = model.fit(x_train, epochs=10, batch_size=128)
        ```
        """
        # The data is checked here, before Keras' trainer loop: an error
        # raised inside it can leave a JAX model's variables purged.
        bound = self._with_checked_data(super().fit, args, kwargs)
        guard = NonFiniteLossGuard(self._non_finite_loss_hint())
        callbacks = bound.arguments.get("callbacks")
        if isinstance(callbacks, keras.callbacks.CallbackList):
            callbacks.append(guard)
        else:
            bound.arguments["callbacks"] = [*(callbacks or []), guard]
        with self._steps_per_execution_dividing(
            bound.arguments.get("steps_per_epoch"),
            bound.arguments.get("validation_steps"),
        ):
            return super().fit(*bound.args, **bound.kwargs)

    @contextlib.contextmanager
    def _steps_per_execution_dividing(self, *step_counts):
        """Runs with `execution.dividing_steps_per_execution` steps per call
        where the counts given need fewer, then restores the compiled
        value; the compiled functions are rebuilt at each change."""
        compiled = self.steps_per_execution
        dividing = execution.dividing_steps_per_execution(
            compiled, *step_counts
        )
        if dividing == compiled:
            yield
            return
        self._set_steps_per_execution(dividing)
        try:
            yield
        finally:
            self._set_steps_per_execution(compiled)

    def _set_steps_per_execution(self, steps_per_execution):
        self.steps_per_execution = steps_per_execution
        self.train_function = None
        self.test_function = None
        self.predict_function = None

    def _non_finite_loss_hint(self):
        advice = (
            "Lower the learning rate or clip the gradients, e.g. "
            "`keras.optimizers.Adam(1e-4, clipnorm=1.0)`."
        )
        if self.likelihood != "gaussian":
            return advice
        return (
            "The Gaussian likelihood of fixed scale "
            f"gaussian_scale={self.gaussian_scale} makes the loss grow with "
            "the square of the data: standardise it, "
            "`(x - x.mean()) / x.std()`, or pass a `gaussian_scale` of the "
            f"order of its spread. Else: {advice[0].lower()}{advice[1:]}"
        )

    def evaluate(self, *args, **kwargs):
        bound = self._with_checked_data(super().evaluate, args, kwargs)
        args, kwargs = bound.args, bound.kwargs
        if not self.compiled:
            # Evaluating needs no optimizer: a model loaded from a file
            # saved uncompiled (such as those in saved_models/) evaluates
            # as it is.
            self.compile()
        with self._steps_per_execution_dividing(bound.arguments.get("steps")):
            return super().evaluate(*args, **kwargs)

    def predict(self, *args, **kwargs):
        """The model's outputs for `x`, as `keras.Model.predict`.

        With `steps`, runs a number of steps per compiled call that divides
        it (see `compile`), so that no more than `steps` batches are drawn.

        Args:
            *args: `keras.Model.predict` positional arguments.
            **kwargs: `keras.Model.predict` keyword arguments.

        Returns:
            What `call` returns, as NumPy arrays.

        Example:

        ```python
        z_mean, z_log_var, decoder_output, z = vae.predict(x_test)  # VAE.call's
        ```
        """
        bound = inspect.signature(super().predict).bind(*args, **kwargs)
        with self._steps_per_execution_dividing(bound.arguments.get("steps")):
            return super().predict(*args, **kwargs)

    def check_data(self, x, name="x"):
        """Checks that `x` is data this model can train on or encode.

        `fit`, `evaluate`, `encode` and `reconstruct` call it on their data
        before any computation: on all of an in-memory array, on the first
        batch of a dataset or generator.

        Args:
            x: a NumPy array or tensor of shape `(num_examples, *data_shape)`,
                a `tf.data.Dataset`, `keras.utils.PyDataset`, torch
                `DataLoader` or Python generator of `x` or `(x, y)` batches.
            name: what to call `x` in error messages.

        Returns:
            `x`, or for a generator one that yields the checked batch again.

        Raises:
            TypeError: the data is not numeric.
            ValueError: the data is empty, not of shape
                `(batch_size, *data_shape)`, holds NaN or infinity, or lies
                outside `[0, 1]` under the Bernoulli likelihood.

        Example:

        ```python
        model.check_data(x_train)  # raises if x_train holds 0..255 pixels
        ```
        """
        return data_checks.checked_data(
            x, self.data_shape, self.likelihood, name=name
        )

    def _with_checked_data(self, method, args, kwargs):
        bound = inspect.signature(method).bind(*args, **kwargs)
        arguments = bound.arguments
        arguments["x"] = self._checked_data(
            arguments.get("x"),
            arguments.get("y"),
            arguments.get("sample_weight"),
            "x",
        )
        arguments["y"] = _targets_keeping_weights(
            arguments["x"], arguments.get("y"), arguments.get("sample_weight")
        )
        validation_data = arguments.get("validation_data")
        if isinstance(validation_data, (tuple, list)):
            validation_x, validation_y, validation_sample_weight = (
                keras.utils.unpack_x_y_sample_weight(tuple(validation_data))
            )
            validation_x = self._checked_data(
                validation_x,
                validation_y,
                validation_sample_weight,
                "validation_data[0]",
            )
            arguments["validation_data"] = keras.utils.pack_x_y_sample_weight(
                validation_x,
                _targets_keeping_weights(
                    validation_x, validation_y, validation_sample_weight
                ),
                validation_sample_weight,
            )
        elif validation_data is not None:
            arguments["validation_data"] = self._checked_data(
                validation_data, None, None, "validation_data"
            )
        return bound

    def _checked_data(self, x, y, sample_weight, name):
        """`check_data(x)`, the weights, and the data's scale under the
        Gaussian likelihood, for `fit` and `evaluate`."""
        return data_checks.checked_data(
            x,
            self.data_shape,
            self.likelihood,
            name=name,
            sample_weight=sample_weight,
            gaussian_scale=self.gaussian_scale,
            **self._label_check_arguments(y),
        )

    def _label_check_arguments(self, y):
        """What `data_checks.checked_data` needs to check the labels: none
        here, where `y` is ignored; `ConditionalVAE` checks them."""
        return {}


def _targets_keeping_weights(x, y, sample_weight):
    """`y`, or placeholder targets where there are weights but no `y`: Keras
    drops the weights of data given without targets (its
    `pack_x_y_sample_weight`), and the models ignore `y` but for labels."""
    if y is None and sample_weight is not None:
        return np.zeros((len(x),), "float32")
    return y
