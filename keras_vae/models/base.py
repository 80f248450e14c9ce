"""What every keras-vae model shares: checks, training, saving, decoding.

`BaseAutoencoder` is the common parent of `VAE`, `ConditionalVAE` and
`Autoencoder`. It checks that the encoder and decoder fit together, checks
the data before `fit` and `evaluate`, runs the backend's gradient step
(`keras_vae.models.steps`) on the subclass' `call` and
`compute_loss_terms`, decodes and samples, and saves atomically. Subclasses
define the forward pass, the loss terms and how to encode.
"""

import contextlib
import inspect
import os
import pathlib
import uuid

import keras
import numpy as np
from keras import ops

from keras_vae import checks
from keras_vae import data_checks
from keras_vae import losses
from keras_vae.layers.binarization import DynamicBinarization
from keras_vae.models import steps
from keras_vae.models.divergence import NonFiniteLossGuard


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


class BaseAutoencoder(keras.Model):
    """Parent of the keras-vae models; not used on its own.

    Subclasses define `call(inputs)` (returning the arguments of
    `compute_loss_terms` after the data), `compute_loss_terms(x, ...)`,
    `encode`, `codes(x, batch_size)` (the latent point standing for each
    example, used by `reconstruct`) and `LOSS_TERMS`, the names of the
    terms logged by `fit()`.

    Args:
        encoder: functional `keras.Model` from the data to the latent code.
        decoder: functional `keras.Model` from the latent code to the
            likelihood's parameters, with the data's shape.
        likelihood: `"bernoulli"` (data in `[0, 1]`) or `"gaussian"`.
        gaussian_scale: positive float, the fixed standard deviation of the
            Gaussian likelihood. Not used by `"bernoulli"`.
        num_encoder_outputs: 2 for `[z_mean, z_log_var]`, 1 for a code.
        num_classes: `None`, or the number of classes of a one-hot label
            that both models take as a second input.
        dynamic_binarization: bool. If `True` (Bernoulli likelihood only),
            every batch that `fit()` and `evaluate()` pass to the model is
            first drawn afresh as `Bernoulli(pixel intensity)` by a
            `keras_vae.layers.DynamicBinarization` layer, in the compiled
            step: the model is one of binary data, trained on a new binary
            draw of each image every time it sees it (Burda et al., 2016).
            Binary data passes unchanged, so evaluate on a test set
            binarized once (`keras_vae.datasets.binarize`).
        binarization_seed: optional integer seed of those draws.
        **kwargs: base `keras.Model` keyword arguments, such as `name`.

    Example:

    ```python
    class MyAutoencoder(BaseAutoencoder):
        LOSS_TERMS = ("loss", "reconstruction_loss")
        ...  # call, compute_loss_terms, encode, codes
    ```
    """

    LOSS_TERMS = ("loss", "reconstruction_loss")

    def __init__(
        self,
        encoder,
        decoder,
        likelihood="bernoulli",
        gaussian_scale=1.0,
        num_encoder_outputs=2,
        num_classes=None,
        dynamic_binarization=False,
        binarization_seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if likelihood not in losses.LIKELIHOODS:
            raise ValueError(
                "Received an invalid value for `likelihood`, expected one of "
                f"{list(losses.LIKELIHOODS)}. Received: likelihood={likelihood!r}"
            )
        gaussian_scale = checks.non_negative_float(
            "gaussian_scale", gaussian_scale, allow_zero=False
        )
        self.latent_dim, self.data_shape = latent_and_data_shapes(
            encoder, decoder, num_encoder_outputs, num_classes
        )
        self.encoder = encoder
        self.decoder = decoder
        self.likelihood = likelihood
        self.gaussian_scale = float(gaussian_scale)
        self.loss_trackers = [
            keras.metrics.Mean(name=name) for name in self.LOSS_TERMS
        ]
        if not isinstance(dynamic_binarization, bool):
            raise TypeError(
                "Expected `dynamic_binarization` to be True or False. "
                f"Received: dynamic_binarization={dynamic_binarization!r}"
            )
        if dynamic_binarization and likelihood != "bernoulli":
            raise ValueError(
                "`dynamic_binarization=True` draws binary data, which only "
                "the Bernoulli likelihood models: expected "
                "likelihood='bernoulli'. Received: "
                f"likelihood={likelihood!r}"
            )
        self.dynamic_binarization = dynamic_binarization
        self.binarization = (
            DynamicBinarization(seed=binarization_seed, name="binarization")
            if dynamic_binarization
            else None
        )

    def build(self, input_shape):
        # Subclasses call this at the end of `__init__`, once all their state
        # exists: a custom train_step never calls the model, so Keras would
        # leave it unbuilt, and an unbuilt model loads from `.keras` without
        # its optimizer state. The encoder and decoder are built already.
        self.built = True

    @property
    def metrics(self):
        # Listed here so that fit() and evaluate() reset them every epoch.
        return list(self.loss_trackers)

    def reconstruction_loss(self, x, decoder_output, data_rank=None):
        """`-log p(x | z)` per example, in nats, for this model's likelihood.

        Args:
            x: data batch of shape `(batch_size, *data_shape)`.
            decoder_output: the decoder's output for that batch, or
                `(num_samples, batch_size, *data_shape)` for several draws
                of `z` per example (then pass `data_rank`).
            data_rank: how many trailing axes are data dimensions; `None`
                sums all axes but the first.

        Returns:
            Float32 tensor of shape `(batch_size,)`, or
            `(num_samples, batch_size)`.

        Example:

        ```python
        nll = model.reconstruction_loss(x, model.decoder(z))
        ```
        """
        return losses.reconstruction_loss(
            self.likelihood, x, decoder_output, self.gaussian_scale, data_rank
        )

    def unpack_x(self, data):
        """The model's input for a batch as the data pipeline yields it.

        Args:
            data: a batch `x`, `(x,)` or `(x, y)`; `y` is ignored.

        Returns:
            `x`, what `call` and `compute_loss_terms` take.

        Example:

        ```python
        x = model.unpack_x((x_batch, y_batch))
        ```
        """
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return x

    def unpack_sample_weight(self, data):
        """The batch's sample weights, as `fit(..., sample_weight=w)` or a
        dataset of `(x, y, w)` batches gives them.

        Args:
            data: a batch `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`.

        Returns:
            `None` when the batch has no weights, else a float32 tensor of
            shape `(batch_size,)`.

        Example:

        ```python
        weights = model.unpack_sample_weight((x_batch, None, w_batch))
        ```
        """
        _, _, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if sample_weight is None:
            return None
        return ops.reshape(ops.cast(sample_weight, "float32"), (-1,))

    def binarized(self, inputs):
        """The batch as the model sees it: a fresh binary draw of each image
        under `dynamic_binarization`, else `inputs` unchanged.

        Args:
            inputs: a batch as `unpack_x` returns it.

        Returns:
            The same structure, the images binarized.

        Example:

        ```python
        x_binary = model.binarized(x_batch)
        ```
        """
        if self.binarization is None:
            return inputs
        return self.binarization(inputs)

    def update_loss_trackers(self, terms, inputs, sample_weight=None):
        """Adds a batch's loss terms to the trackers, weighted by batch size,
        or by the sum of the batch's sample weights: the epoch's logs are
        then the weighted mean over all its examples.

        Args:
            terms: the dict returned by `compute_loss_terms`.
            inputs: the batch the terms were computed on, as `unpack_x`
                returned it.
            sample_weight: `None`, or the batch's weights, as
                `unpack_sample_weight` returned them.

        Returns:
            A dict of the trackers' running means, the logs of `fit()`.

        Example:

        ```python
        inputs = model.unpack_x(batch)
        logs = model.update_loss_trackers(
            model.compute_loss_terms(inputs, *model(inputs)), inputs
        )
        ```
        """
        if sample_weight is None:
            weight = ops.shape(keras.tree.flatten(inputs)[0])[0]
        else:
            weight = ops.sum(sample_weight)
        for tracker in self.metrics:
            tracker.update_state(terms[tracker.name], sample_weight=weight)
        return {tracker.name: tracker.result() for tracker in self.metrics}

    def train_step(self, *args):
        # (data) on TensorFlow and torch, (state, data) on JAX.
        return steps.train_step(self, *args)

    def test_step(self, *args):
        return steps.test_step(self, *args)

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
        """Runs with `steps.dividing_steps_per_execution` steps per call
        where the counts given need fewer, then restores the compiled
        value; the compiled functions are rebuilt at each change."""
        compiled = self.steps_per_execution
        dividing = steps.dividing_steps_per_execution(compiled, *step_counts)
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
        z_mean, z_log_var, decoder_output = model.predict(x_test)
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

    @staticmethod
    def _predict(model, inputs, batch_size):
        """`model.predict(inputs)` as float32 NumPy arrays, whatever the
        dtype policy: one array, or a tuple for several outputs. Inputs of
        one batch or less are run by a direct call: `predict` builds a data
        pipeline per call, which took 120 ms for one row on TensorFlow
        (`benchmarks/explorer_latency.py`), against 2-6 ms on JAX and torch."""
        if len(keras.tree.flatten(inputs)[0]) <= batch_size:
            if isinstance(model.input, list) and not isinstance(inputs, list):
                inputs = [inputs]  # as the model was built, without a warning
            outputs = keras.tree.map_structure(
                ops.convert_to_numpy, model(inputs, training=False)
            )
        else:
            outputs = model.predict(inputs, batch_size=batch_size, verbose=0)
        if isinstance(outputs, (list, tuple)):
            return tuple(output.astype("float32") for output in outputs)
        return outputs.astype("float32")

    def _decode(self, decoder_inputs, batch_size):
        decoder_output = self._predict(self.decoder, decoder_inputs, batch_size)
        return ops.convert_to_numpy(
            losses.likelihood_mean(self.likelihood, decoder_output)
        )

    def decode(self, z, batch_size=256):
        """Decodes latent points to the mean of `p(x | z)`.

        Args:
            z: array of shape `(num_points, latent_dim)`.
            batch_size: how many points to decode at once.

        Returns:
            Float32 NumPy array of shape `(num_points, *data_shape)`: pixel
            probabilities in `[0, 1]` for `"bernoulli"`, the mean for
            `"gaussian"`.

        Example:

        ```python
        images = model.decode(np.zeros((1, model.latent_dim), "float32"))
        ```
        """
        z = data_checks.check_batch(
            z, (self.latent_dim,), likelihood=None, name="z"
        )
        return self._decode(z, batch_size)

    def reconstruct(self, x, batch_size=256):
        """Decodes the latent point of each example: `decode(codes(x))`.

        Args:
            x: data of shape `(num_examples, *data_shape)`.
            batch_size: how many examples to process at once.

        Returns:
            NumPy array with the shape of `x`.

        Example:

        ```python
        reconstructions = model.reconstruct(x_test[:8])
        ```
        """
        return self.decode(self.codes(x, batch_size), batch_size=batch_size)

    def sample(self, num_samples, seed=None, batch_size=256):
        """Decodes `num_samples` draws of `z ~ N(0, I)`, the VAE prior.

        Args:
            num_samples: positive integer, how many samples to generate.
            seed: optional integer; the same seed gives the same samples.
                `None` draws fresh ones.
            batch_size: how many points to decode at once.

        Returns:
            NumPy array of shape `(num_samples, *data_shape)`, as `decode`.

        Example:

        ```python
        new_images = model.sample(16, seed=1)
        ```
        """
        return self.decode(
            self.prior_draws(num_samples, seed), batch_size=batch_size
        )

    def prior_draws(self, num_samples, seed=None):
        """`num_samples` draws of `z ~ N(0, I)` as a float32 NumPy array.

        Args:
            num_samples: positive integer.
            seed: optional integer seed.

        Returns:
            Array of shape `(num_samples, latent_dim)`.

        Example:

        ```python
        z = model.prior_draws(16, seed=0)
        ```
        """
        num_samples = checks.positive_int("num_samples", num_samples)
        z = keras.random.normal((num_samples, self.latent_dim), seed=seed)
        return ops.convert_to_numpy(z)

    def save(self, filepath, overwrite=True, **kwargs):
        """Saves the model to a `.keras` file without ever half-writing it.

        As `keras.Model.save`, but a local `.keras` file is first written
        beside `filepath` under a temporary name, then renamed over it: if
        saving fails or the process dies, `filepath` holds either the old
        model or the new one, never a truncated file. Callbacks such as
        `keras.callbacks.ModelCheckpoint` save through this method too.

        Args:
            filepath: path of the `.keras` file to write.
            overwrite: whether to replace an existing file silently; `False`
                asks first, as Keras does.
            **kwargs: passed to `keras.Model.save`.

        Example:

        ```python
        model.save("saved_models/vae.keras")
        ```
        """
        location = os.fspath(filepath)
        path = pathlib.Path(location)
        remote = "://" in location  # e.g. gs://, left to Keras
        if (
            remote
            or path.suffix != ".keras"
            or (path.exists() and not overwrite)
        ):
            return super().save(filepath, overwrite=overwrite, **kwargs)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.keras")
        try:
            super().save(partial, **kwargs)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    def get_config(self):
        config = {
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "likelihood": self.likelihood,
            "gaussian_scale": self.gaussian_scale,
            "dynamic_binarization": self.dynamic_binarization,
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for name in ("encoder", "decoder"):
            config[name] = keras.saving.deserialize_keras_object(
                config[name], custom_objects=custom_objects
            )
        return cls(**config)

    def compile(
        self,
        *args,
        steps_per_execution="auto",
        jit_compile="auto",
        **kwargs,
    ):
        """Configures the model for training, as `keras.Model.compile`.

        Two defaults, chosen by `benchmarks/throughput.py`, make training
        fast on every backend:

        - `steps_per_execution="auto"` runs 32 training steps per compiled
          call on JAX and TensorFlow (the MLP VAE trains about 1.6x faster
          on JAX than with Keras' default of 1) and 1 on torch, which
          supports no other value. Batch-level callbacks then see every
          32nd batch: pass `steps_per_execution=1` for every batch. Where
          `fit(steps_per_epoch=...)`, `validation_steps` or `steps` call
          for fewer steps than a whole number of calls, those runs use the
          largest number of steps per call that divides them (10 for
          `steps_per_epoch=10`), so that no epoch draws more batches than
          asked (`steps.dividing_steps_per_execution`).
        - `jit_compile="auto"` uses XLA on JAX, as Keras does, but not on
          TensorFlow without a GPU, where XLA trained this model about 2x
          slower, nor on torch.

        The requests, not what they resolved to, are saved with the model,
        so each backend that loads it resolves them again.

        Args:
            *args: `keras.Model.compile` positional arguments (`optimizer`).
            steps_per_execution: `"auto"` (the default) or a positive
                integer.
            jit_compile: `"auto"`, `True` or `False`.
            **kwargs: other `keras.Model.compile` arguments.

        Example:

        ```python
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        ```
        """
        super().compile(
            *args,
            steps_per_execution=steps.resolve_steps_per_execution(
                steps_per_execution
            ),
            jit_compile=steps.resolve_jit_compile(jit_compile),
            **kwargs,
        )
        self._requested_steps_per_execution = steps_per_execution
        self._requested_jit_compile = jit_compile

    def get_compile_config(self):
        # Keras records what "auto" resolved to on the saving backend:
        # `jit_compile=True` under JAX would mean a slow `torch.compile`
        # under torch, and `steps_per_execution=32` an error there. Recording
        # the requests lets each loading backend resolve "auto" itself.
        config = super().get_compile_config()
        if config:
            config["jit_compile"] = self._requested_jit_compile
            config["steps_per_execution"] = self._requested_steps_per_execution
        return config

    def compile_from_config(self, config):
        # Under torch, Keras records the optimizer's module as the torch-only
        # `keras.src.backend.torch.optimizers...`; loaded under JAX or
        # TensorFlow that class cannot update their variables. The public
        # `keras.optimizers` module gives each backend its own class.
        # Keras' own `compile_from_config` skips models that override
        # `compile`, so this does its two steps.
        config = keras.saving.deserialize_keras_object(
            _with_public_optimizer_modules(config)
        )
        config["steps_per_execution"] = steps.loadable_steps_per_execution(
            config.get("steps_per_execution", 1)
        )
        self.compile(**config)
        self.optimizer.build(self.trainable_variables)


def _targets_keeping_weights(x, y, sample_weight):
    """`y`, or placeholder targets where there are weights but no `y`: Keras
    drops the weights of data given without targets (its
    `pack_x_y_sample_weight`), and the models ignore `y` but for labels."""
    if y is None and sample_weight is not None:
        return np.zeros((len(x),), "float32")
    return y


def _with_public_optimizer_modules(config):
    if isinstance(config, dict):
        config = {
            key: _with_public_optimizer_modules(value)
            for key, value in config.items()
        }
        module = config.get("module")
        if (
            isinstance(module, str)
            and module.startswith("keras.src.backend.")
            and ".optimizers" in module
        ):
            config["module"] = "keras.optimizers"
    return config
