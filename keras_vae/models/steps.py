"""The gradient step of `VAE.train_step`: the only backend-specific code.

The forward pass, the loss and dynamic binarization are written once, in `keras.ops`, by
`VAE.call` and `VAE.compute_loss_terms`. What differs between backends is
how gradients are taken and how state is carried, so this module picks one
`train_step` / `test_step` pair at import, as Keras picks its Trainer:

- TensorFlow: record the forward pass on a `tf.GradientTape`.
- PyTorch: `zero_grad()`, `backward()`, apply under `torch.no_grad()`.
- JAX: pure functions of `state` that return the new state, including the
  non-trainable variables: the `SeedGenerator` state of the `Sampling`
  layer lives there, and dropping its update would replay the same noise at
  every step.

`data_parallel()` gives the backend's way to train on all local devices:
`keras.distribution.DataParallel` on JAX, `tf.distribute.MirroredStrategy`
on TensorFlow.
"""

import math
import os
import re

import keras

# JAX's CPU devices, split with the first flag, share XLA's multi-threaded
# Eigen pool unless the second flag is given, and their all-reduce
# deadlocked on a 2-core machine: XLA aborted the process after the first
# epoch. With both flags it still deadlocked in 3 two-epoch runs of 4
# there: XLA's thread pools have one thread per core (or `NPROC`), too few
# for both devices' threads to meet. With NPROC=8, 5 runs of 5 finished.
_FORCED_CPU_DEVICES = re.compile(
    r"--xla_force_host_platform_device_count=(\d+)"
)
_ONE_THREAD_PER_CPU_DEVICE = "--xla_cpu_multi_thread_eigen=false"
_MIN_XLA_THREADS_PER_CPU_DEVICE = 4


def _forward(model, inputs, sample_weight, training):
    outputs = model(inputs, training=training)
    return model.compute_loss_terms(
        inputs, *outputs, sample_weight=sample_weight
    )


def _eager_batch(model, data):
    inputs = model.binarized(model.unpack_x(data))
    return inputs, model.unpack_sample_weight(data)


def _eager_test_step(model, data):
    inputs, sample_weight = _eager_batch(model, data)
    terms = _forward(model, inputs, sample_weight, training=False)
    return model.update_loss_trackers(terms, inputs, sample_weight)


def _tensorflow_train_step(model, data):
    import tensorflow as tf

    inputs, sample_weight = _eager_batch(model, data)
    # Under `tf.distribute` each replica gets a slice of the batch and the
    # optimizer sums the replicas' gradients: dividing each replica's mean
    # loss by their number, as Keras' own losses do, makes that sum the
    # gradient of the mean over the whole batch. The trackers get the
    # unscaled terms, weighted by the slice's size and summed over replicas.
    num_replicas = tf.distribute.get_strategy().num_replicas_in_sync
    with tf.GradientTape() as tape:
        terms = _forward(model, inputs, sample_weight, training=True)
        scaled_loss = model.optimizer.scale_loss(terms["loss"] / num_replicas)
    trainable_variables = model.trainable_variables
    gradients = tape.gradient(scaled_loss, trainable_variables)
    model.optimizer.apply(gradients, trainable_variables)
    return model.update_loss_trackers(terms, inputs, sample_weight)


def _torch_train_step(model, data):
    import torch

    inputs, sample_weight = _eager_batch(model, data)
    # Clear the gradients left by the previous step before accumulating.
    model.zero_grad()
    terms = _forward(model, inputs, sample_weight, training=True)
    model.optimizer.scale_loss(terms["loss"]).backward()
    trainable_variables = model.trainable_variables
    gradients = [variable.value.grad for variable in trainable_variables]
    with torch.no_grad():
        model.optimizer.apply(gradients, trainable_variables)
    return model.update_loss_trackers(terms, inputs, sample_weight)


def _jax_stateless(variables, values, function):
    """`function()` with `variables` read from `values`, the state
    that JAX carries: returns its result and the variables' values after it
    (a `SeedGenerator` advanced, a tracker updated)."""
    mapping = list(zip(variables, values))
    with keras.StatelessScope(state_mapping=mapping) as scope:
        result = function()
    return result, [scope.get_current_value(variable) for variable in variables]


def _jax_loss_terms(
    model, non_trainable_variables, inputs, outputs, sample_weight
):
    # The loss reads non-trainable variables such as `beta`: from the
    # state, or the compiled step would keep their values at tracing time.
    terms, _ = _jax_stateless(
        model.non_trainable_variables,
        non_trainable_variables,
        lambda: model.compute_loss_terms(
            inputs, *outputs, sample_weight=sample_weight
        ),
    )
    return terms


def _jax_loss(
    trainable_variables,
    non_trainable_variables,
    optimizer_variables,
    model,
    inputs,
    sample_weight,
):
    outputs, non_trainable_variables = model.stateless_call(
        trainable_variables, non_trainable_variables, inputs, training=True
    )
    terms = _jax_loss_terms(
        model, non_trainable_variables, inputs, outputs, sample_weight
    )
    # Loss scaling (mixed precision) reads the optimizer's scale variable.
    scaled_loss, _ = _jax_stateless(
        model.optimizer.variables,
        optimizer_variables,
        lambda: model.optimizer.scale_loss(terms["loss"]),
    )
    return scaled_loss, (terms, non_trainable_variables)


def _jax_batch(model, non_trainable_variables, data):
    # Dynamic binarization draws from a SeedGenerator, a non-trainable
    # variable: draw on the state's value and return the advanced one.
    inputs, non_trainable_variables = _jax_stateless(
        model.non_trainable_variables,
        non_trainable_variables,
        lambda: model.binarized(model.unpack_x(data)),
    )
    return inputs, model.unpack_sample_weight(data), non_trainable_variables


def _jax_train_step(model, state, data):
    import jax

    (
        trainable_variables,
        non_trainable_variables,
        optimizer_variables,
        metrics_variables,
    ) = state
    inputs, sample_weight, non_trainable_variables = _jax_batch(
        model, non_trainable_variables, data
    )
    gradient_fn = jax.value_and_grad(_jax_loss, has_aux=True)
    (_, (terms, non_trainable_variables)), gradients = gradient_fn(
        trainable_variables,
        non_trainable_variables,
        optimizer_variables,
        model,
        inputs,
        sample_weight,
    )
    trainable_variables, optimizer_variables = model.optimizer.stateless_apply(
        optimizer_variables, gradients, trainable_variables
    )
    logs, metrics_variables = _jax_stateless(
        model.metrics_variables,
        metrics_variables,
        lambda: model.update_loss_trackers(terms, inputs, sample_weight),
    )
    return logs, (
        trainable_variables,
        non_trainable_variables,
        optimizer_variables,
        metrics_variables,
    )


def _jax_test_step(model, state, data):
    trainable_variables, non_trainable_variables, metrics_variables = state
    inputs, sample_weight, non_trainable_variables = _jax_batch(
        model, non_trainable_variables, data
    )
    outputs, non_trainable_variables = model.stateless_call(
        trainable_variables, non_trainable_variables, inputs, training=False
    )
    terms = _jax_loss_terms(
        model, non_trainable_variables, inputs, outputs, sample_weight
    )
    logs, metrics_variables = _jax_stateless(
        model.metrics_variables,
        metrics_variables,
        lambda: model.update_loss_trackers(terms, inputs, sample_weight),
    )
    return logs, (
        trainable_variables,
        non_trainable_variables,
        metrics_variables,
    )


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
        On torch, `predict_function` returning its outputs as NumPy arrays;
        on JAX and TensorFlow, whose predict loops kept memory flat,
        `predict_function` itself.

    Example:

    ```python
    model.make_predict_function(force=True)
    model.predict_function = predict_outputs_on_host(model.predict_function)
    ```
    """
    if keras.backend.backend() != "torch":
        return predict_function

    def predict_on_host(data):
        return keras.tree.map_structure(
            keras.ops.convert_to_numpy, predict_function(data)
        )

    return predict_on_host


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


def data_parallel():
    """Data parallelism over this machine's devices, for building and fit.

    Each batch is split across the devices, which all hold a copy of the
    variables: on JAX, `keras.distribution.DataParallel` over
    `keras.distribution.list_devices()`; on TensorFlow,
    `tf.distribute.MirroredStrategy` over the GPUs, or over the logical CPU
    devices when there is no GPU. Every batch, the last one included, must
    split evenly across the devices (JAX refuses other batches).

    On JAX, CPU devices split by `XLA_FLAGS` with
    `--xla_force_host_platform_device_count` also get
    `--xla_cpu_multi_thread_eigen=false` and at least 4 XLA threads each
    (`NPROC`) when JAX has not started yet: without them their all-reduce
    deadlocked on a 2-core machine, and XLA aborted the process.

    Returns:
        A tuple `(scope, num_replicas)`: the context manager under which to
        build, compile and fit the model, and the number of devices.

    Raises:
        ValueError: on torch, where Keras has no data-parallel `fit`; on
            JAX, for CPU devices split without that flag once JAX has
            started.

    Example:

    ```python
    scope, num_replicas = data_parallel()
    with scope:
        vae = keras_vae.VAE(encoder, decoder)
        vae.compile(optimizer="adam")
        vae.fit(x_train[: len(x_train) // num_replicas * num_replicas])
    ```
    """
    backend = keras.backend.backend()
    if backend == "jax":
        _safe_forced_cpu_devices()
        devices = keras.distribution.list_devices()
        distribution = keras.distribution.DataParallel(devices=devices)
        return distribution.scope(), len(devices)
    if backend == "tensorflow":
        import tensorflow as tf

        devices = tf.config.list_logical_devices("GPU")
        devices = devices or tf.config.list_logical_devices("CPU")
        strategy = tf.distribute.MirroredStrategy([d.name for d in devices])
        return strategy.scope(), len(devices)
    raise ValueError(
        "Data-parallel training needs the jax or tensorflow backend; Keras "
        "has no multi-device `fit` on torch. Received: "
        f"KERAS_BACKEND={backend!r}"
    )


def _safe_forced_cpu_devices():
    """Before JAX starts, when `XLA_FLAGS` split the CPU into several JAX
    devices: adds `--xla_cpu_multi_thread_eigen=false` to them and gives
    XLA at least 4 threads per device (`NPROC`). Once JAX has started
    without them, refuses at once rather than let XLA abort."""
    flags = os.environ.get("XLA_FLAGS", "")
    forced = _FORCED_CPU_DEVICES.search(flags)
    if forced is None or int(forced.group(1)) < 2:
        return
    num_threads = _MIN_XLA_THREADS_PER_CPU_DEVICE * int(forced.group(1))
    safe_flags = flags
    if _ONE_THREAD_PER_CPU_DEVICE not in flags:
        safe_flags = f"{flags} {_ONE_THREAD_PER_CPU_DEVICE}"
    safe_nproc = str(max(int(os.environ.get("NPROC", 0)), num_threads))
    if safe_flags == flags and safe_nproc == os.environ.get("NPROC"):
        return
    from jax._src import xla_bridge

    if not xla_bridge.backends_are_initialized():
        os.environ["XLA_FLAGS"] = safe_flags
        os.environ["NPROC"] = safe_nproc
        return
    raise ValueError(
        f"XLA_FLAGS split the CPU into {forced.group(1)} JAX devices, whose "
        "all-reduce can deadlock and abort the process unless each device "
        "runs on one thread and XLA has threads enough, and JAX has "
        f"started, too late to set that: run `NPROC={safe_nproc} "
        f'XLA_FLAGS="{safe_flags}"` before Python starts.'
    )


_STEPS = {
    "tensorflow": (_tensorflow_train_step, _eager_test_step),
    "torch": (_torch_train_step, _eager_test_step),
    "jax": (_jax_train_step, _jax_test_step),
}

if keras.backend.backend() not in _STEPS:
    raise ImportError(
        "keras_vae supports the backends "
        f"{sorted(_STEPS)}. Received: KERAS_BACKEND={keras.backend.backend()!r}"
    )
train_step, test_step = _STEPS[keras.backend.backend()]
