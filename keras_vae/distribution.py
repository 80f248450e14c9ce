"""Data parallelism over this machine's devices: `data_parallel()`.

On JAX, `keras.distribution.DataParallel`; on TensorFlow,
`tf.distribute.MirroredStrategy`; torch refuses (Keras has no multi-device
`fit` there). On JAX, CPU devices split by `XLA_FLAGS` are made safe first.
"""

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
    # Not run in the tests: it needs several devices, set up before the
    # backend starts; tests/distribution_test.py runs it in processes of
    # their own.
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
