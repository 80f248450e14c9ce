"""What `compile`'s `"auto"` settings mean on this backend.

`jit_compile` and `steps_per_execution` are Keras' own arguments; keras-vae
models resolve `"auto"` per backend (measured: see each function), keep
what the user asked for in their saved config, and run `fit`, `evaluate`
and `predict` with a number of steps per call that divides the steps asked.
"""

import math

import keras


def resolve_jit_compile(jit_compile):
    """What `VAE.compile(jit_compile="auto")` means on this backend.

    Args:
        jit_compile: `"auto"`, `True` or `False`.

    Returns:
        `False` for `"auto"` on TensorFlow without a GPU (XLA was about 2x
        slower there, for the MLP and the conv VAE alike); otherwise
        `jit_compile` unchanged, for Keras to resolve.

    Example:

    ```python
    model.compile(jit_compile=resolve_jit_compile("auto"))
    ```
    """
    if jit_compile != "auto" or keras.backend.backend() != "tensorflow":
        return jit_compile
    import tensorflow as tf

    return "auto" if tf.config.list_physical_devices("GPU") else False


def predict_jit_compile(decoded_rows):
    """Whether `log_likelihood`'s `predict()` should compile its step.

    Args:
        decoded_rows: how many `(example, draw)` rows the whole estimate
            decodes, `num_examples * num_samples`.

    Returns:
        On torch, `True` (`torch.compile`) from 2**24 rows, e.g. 3,400
        images at `k = 5000`: it fuses the likelihood's elementwise ops,
        which made the estimate 1.6x faster on a 2-core CPU, but takes
        20-40 s to compile, more than a smaller estimate takes eagerly.
        Elsewhere what `jit_compile="auto"` means (see
        `resolve_jit_compile`).

    Example:

    ```python
    estimator.compile(jit_compile=predict_jit_compile(10_000 * 5000))
    ```
    """
    if keras.backend.backend() == "torch":
        return decoded_rows >= 2**24
    return resolve_jit_compile("auto")


def resolve_steps_per_execution(steps_per_execution):
    """What `VAE.compile(steps_per_execution="auto")` means on this backend.

    Args:
        steps_per_execution: `"auto"` or a positive integer.

    Returns:
        A positive integer: for `"auto"`, 32 on JAX and TensorFlow (the MLP
        VAE trains about 1.6x faster on JAX than with 1) and 1 on torch,
        which runs one step per call only, and on TensorFlow inside a
        `tf.distribute` scope with several replicas, where Keras' loop of
        steps fails (keras-team/keras#19246); otherwise
        `steps_per_execution`.

    Example:

    ```python
    model.compile(steps_per_execution=resolve_steps_per_execution("auto"))
    ```
    """
    if steps_per_execution != "auto":
        return steps_per_execution
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        if tf.distribute.get_strategy().num_replicas_in_sync > 1:
            return 1
    return 1 if backend == "torch" else 32


def dividing_steps_per_execution(steps_per_execution, *step_counts):
    """The most steps per compiled call, up to `steps_per_execution`, that
    divide every given number of steps.

    Keras runs whole calls of `steps_per_execution` steps, so that with
    `fit(steps_per_epoch=10)` and 32 steps per call each epoch would take
    32 batches from an endless generator. `fit`, `evaluate` and `predict`
    run with this value instead where it differs.

    Args:
        steps_per_execution: the compiled model's positive integer.
        *step_counts: `steps_per_epoch`, `validation_steps` or `steps`:
            positive integers, or `None` where not given.

    Returns:
        The largest divisor of every given count that is at most
        `steps_per_execution`; `steps_per_execution` when none is given.

    Example:

    ```python
    dividing_steps_per_execution(32, 10)  # 10
    dividing_steps_per_execution(32, 100, 30)  # 10
    ```
    """
    counts = [count for count in step_counts if count]
    if not counts:
        return steps_per_execution
    common = math.gcd(*counts)
    return max(
        divisor
        for divisor in range(1, min(steps_per_execution, common) + 1)
        if common % divisor == 0
    )


def loadable_steps_per_execution(saved):
    """The `steps_per_execution` of a saved model, as this backend runs it.

    Args:
        saved: the value in the saved compile config.

    Returns:
        `saved`, except on torch, which runs one step per call only: there a
        value above 1 that another backend saved becomes `"auto"`.

    Example:

    ```python
    config["steps_per_execution"] = loadable_steps_per_execution(32)
    ```
    """
    if keras.backend.backend() == "torch" and saved not in ("auto", 1):
        return "auto"
    return saved
