"""Trains a tiny VAE on 2 CPU devices; prints what `distribution_test` checks.

Run as `python tests/run_distributed.py MODE OUTPUT_DIR` with `KERAS_BACKEND`
set and `XLA_FLAGS=--xla_force_host_platform_device_count=2` (without the
thread flag); the devices must be split before the backend starts, hence a
process of its own. MODE is one of:

- `checks`, three in order in one process: `xla_flags`, `data_parallel()`
  before JAX starts (the flags it sets); `step`, one SGD step on one batch
  on one device and data-parallel (JAX: under
  `keras.distribution.DataParallel`, then save and load; TensorFlow: under
  `tf.distribute.MirroredStrategy`, with `evaluate`, and `z = z_mean` so
  that both see the same `z`); `xla_flags_late`, `data_parallel()` after
  JAX started (`keras.random.normal` starts it), under the incomplete flags
  again: its error.
- `cli`: `keras-vae train --data-parallel` on 2 devices, on TFDS mock data,
  into OUTPUT_DIR. A process of its own: after the step, a second
  `MirroredStrategy` failed in TensorFlow's collectives, and JAX's global
  distribution was the step's.

The last line of stdout is a JSON dict of the results.
"""

import json
import os
import sys

import keras

if keras.backend.backend() == "tensorflow":
    import tensorflow as tf

    # Two logical CPU devices, for MirroredStrategy to mirror over.
    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices("CPU")[0],
        [tf.config.LogicalDeviceConfiguration()] * 2,
    )

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras_vae  # noqa: E402
from keras_vae import cli  # noqa: E402
from keras_vae import backend  # noqa: E402
from keras_vae import distribution  # noqa: E402
from tests.helpers import mock_tfds  # noqa: E402
from tests.helpers import synthetic_digits  # noqa: E402
from tests.helpers import tiny_vae  # noqa: E402

BATCH_SIZE = 64
LEARNING_RATE = 0.1


def sgd_vae():
    # Plain SGD: Adam's update is nearly blind to the gradients' scale, so
    # gradients twice too large would go unnoticed.
    vae = tiny_vae()
    vae.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE))
    return vae


def weights(vae):
    return [np.array(variable.numpy()) for variable in vae.weights]


def one_step(vae, x):
    """The logged loss of one `fit` step on `x`, and the weights after it."""
    history = vae.fit(
        x, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0
    )
    return history.history["loss"][0], weights(vae)


def largest_difference(first, second):
    return max(float(np.max(np.abs(a - b))) for a, b in zip(first, second))


def sharding_of(array):
    return {
        "num_devices": len(array.sharding.device_set),
        "spec": str(array.sharding.spec),
    }


def jax_step(x, output_dir):
    import jax

    single_vae = sgd_vae()
    initial_weights = weights(single_vae)
    single_loss, single_weights = one_step(single_vae, x)

    keras.distribution.set_distribution(
        keras.distribution.DataParallel(
            devices=keras.distribution.list_devices()
        )
    )
    batch_shardings = []
    train_step = backend.train_step

    def recording_train_step(model, state, data):
        # Called while Keras traces its jitted step: records the sharding of
        # the batch as the compiled step receives it.
        jax.debug.inspect_array_sharding(
            data, callback=lambda sharding: batch_shardings.append(sharding)
        )
        return train_step(model, state, data)

    backend.train_step = recording_train_step
    vae = sgd_vae()
    initial_difference = largest_difference(weights(vae), initial_weights)
    loss, trained_weights = one_step(vae, x)
    backend.train_step = train_step

    path = os.path.join(output_dir, "vae.keras")
    vae.save(path)
    loaded = keras_vae.load_vae(path)
    return {
        "devices": len(jax.devices()),
        "batch_shardings": [
            {
                "num_devices": len(sharding.device_set),
                "spec": str(sharding.spec),
            }
            for sharding in batch_shardings
        ],
        "variable_shardings": [
            sharding_of(variable.value)
            for variable in [
                *vae.variables,
                *vae.optimizer.variables,
                *vae.metrics_variables,
            ]
        ],
        "initial_weight_difference": initial_difference,
        "single_loss": single_loss,
        "loss": loss,
        "weight_difference": largest_difference(
            trained_weights, single_weights
        ),
        "seed_state": vae.sampling.seed_generator.state.numpy().tolist(),
        "single_seed_state": (
            single_vae.sampling.seed_generator.state.numpy().tolist()
        ),
        "loaded_weight_difference": largest_difference(
            weights(loaded), trained_weights
        ),
        "loaded_class": type(loaded).__name__,
    }


def posterior_mean_vae():
    vae = sgd_vae()
    # `z = z_mean`: the replicas would each draw the same noise for their
    # half of the batch, the single device other noise for the whole.
    vae.sampling.call = lambda inputs: inputs[0]
    return vae


def tensorflow_step(x, output_dir):
    single_vae = posterior_mean_vae()
    initial_weights = weights(single_vae)
    global_terms = single_vae.compute_loss_terms(x, *single_vae(x))
    single_loss, single_weights = one_step(single_vae, x)
    single_evaluation = single_vae.evaluate(
        x, batch_size=BATCH_SIZE // 2, return_dict=True, verbose=0
    )

    scope, num_replicas = distribution.data_parallel()
    with scope:
        vae = posterior_mean_vae()
    initial_difference = largest_difference(weights(vae), initial_weights)
    loss, trained_weights = one_step(vae, x)
    evaluation = vae.evaluate(
        x, batch_size=BATCH_SIZE // 2, return_dict=True, verbose=0
    )
    return {
        "num_replicas": num_replicas,
        "strategy": type(vae.distribute_strategy).__name__,
        "initial_weight_difference": initial_difference,
        "global_batch_loss": float(global_terms["loss"]),
        "single_loss": single_loss,
        "loss": loss,
        "weight_difference": largest_difference(
            trained_weights, single_weights
        ),
        "single_weight_change": largest_difference(
            single_weights, initial_weights
        ),
        "single_evaluation": single_evaluation,
        "evaluation": evaluation,
    }


def cli_train(output_dir):
    """`keras-vae train --data-parallel` on 101 examples: 1 is dropped."""
    num_replicas = []
    data_parallel = distribution.data_parallel

    def recording_data_parallel():
        scope, count = data_parallel()
        num_replicas.append(count)
        return scope, count

    distribution.data_parallel = recording_data_parallel
    with mock_tfds():
        status = cli.main(
            [
                "train",
                "--limit",
                "101",
                "--epochs",
                "2",
                "--batch-size",
                "32",
                "--hidden-units",
                "32",
                "--verbose",
                "0",
                "--output-dir",
                output_dir,
                "--data-parallel",
            ]
        )
    distribution.data_parallel = data_parallel
    return {"status": status, "num_replicas": sum(num_replicas)}


def data_parallel_flags(start_first):
    if start_first:
        keras.random.normal((1,))
    try:
        _, num_replicas = distribution.data_parallel()
    except ValueError as error:
        return {"error": str(error)}
    return {
        "xla_flags": os.environ.get("XLA_FLAGS"),
        "nproc": os.environ.get("NPROC"),
        "num_replicas": num_replicas,
    }


def backend_step(output_dir):
    run_step = {"jax": jax_step, "tensorflow": tensorflow_step}
    x = synthetic_digits(BATCH_SIZE)[0]
    return run_step[keras.backend.backend()](x, output_dir)


def checks(output_dir):
    """The checks but the command's, in one process (each process pays
    seconds of imports): `data_parallel()` before JAX starts, which adds
    the flags it needs; the step, under them; then, JAX started, the
    incomplete flags again, which it must refuse."""
    incomplete_flags = os.environ["XLA_FLAGS"]
    results = {"xla_flags": data_parallel_flags(start_first=False)}
    results["step"] = backend_step(output_dir)
    os.environ["XLA_FLAGS"] = incomplete_flags
    os.environ.pop("NPROC", None)
    results["xla_flags_late"] = data_parallel_flags(start_first=True)
    return results


def main(mode, output_dir):
    results = {"checks": checks, "cli": cli_train}[mode](output_dir)
    print(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:])
