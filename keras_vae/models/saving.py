"""How keras-vae models save: atomically, with the compile requests (not
what they resolved to), so that every backend loads them."""

import os
import pathlib
import uuid

import keras

from keras_vae import execution


class CompiledSaving:
    """Mixin of `BaseAutoencoder`: `compile` and `save`, and the compile
    config that a `.keras` file carries from one backend to another."""

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
          asked (`execution.dividing_steps_per_execution`).
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
            steps_per_execution=execution.resolve_steps_per_execution(
                steps_per_execution
            ),
            jit_compile=execution.resolve_jit_compile(jit_compile),
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
        config["steps_per_execution"] = execution.loadable_steps_per_execution(
            config.get("steps_per_execution", 1)
        )
        self.compile(**config)
        self.optimizer.build(self.trainable_variables)


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
