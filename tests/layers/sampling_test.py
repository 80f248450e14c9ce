import json

import keras
import numpy as np

from keras_vae import Sampling
from tests.helpers import gradients
from tests.helpers import to_numpy

Z_MEAN = np.array([0.0, 2.0, -1.5], "float32")
Z_LOG_VAR = np.array([0.0, -2.0, 1.0], "float32")


def tiled(value, num_rows):
    return np.tile(value[None, :], (num_rows, 1))


def test_draws_have_the_requested_mean_and_variance():
    num_draws = 40_000
    z = to_numpy(
        Sampling(seed=0)(
            [tiled(Z_MEAN, num_draws), tiled(Z_LOG_VAR, num_draws)]
        )
    )
    assert z.shape == (num_draws, 3)
    np.testing.assert_allclose(z.mean(axis=0), Z_MEAN, atol=0.05)
    np.testing.assert_allclose(z.var(axis=0), np.exp(Z_LOG_VAR), rtol=0.05)


def test_reparameterization_gradients():
    # z = mu + exp(0.5 * log_var) * eps, so dz/dmu = 1 and
    # dz/dlog_var = 0.5 * (z - mu): nonzero, and exact given the draw.
    z_mean, z_log_var = tiled(Z_MEAN, 4), tiled(Z_LOG_VAR, 4)

    def total(mean, log_var):
        return keras.ops.sum(Sampling(seed=5)([mean, log_var]))

    grad_mean, grad_log_var = gradients(total, z_mean, z_log_var)
    z = to_numpy(Sampling(seed=5)([z_mean, z_log_var]))
    np.testing.assert_allclose(grad_mean, np.ones_like(z_mean))
    np.testing.assert_allclose(grad_log_var, 0.5 * (z - z_mean), rtol=1e-5)
    assert np.all(grad_log_var != 0)


def test_same_seed_same_draws_and_successive_calls_differ():
    inputs = [tiled(Z_MEAN, 8), tiled(Z_LOG_VAR, 8)]
    first_layer, second_layer = Sampling(seed=7), Sampling(seed=7)
    first = to_numpy(first_layer(inputs))
    np.testing.assert_array_equal(first, to_numpy(second_layer(inputs)))
    assert not np.allclose(first, to_numpy(first_layer(inputs)))
    assert not np.allclose(first, to_numpy(Sampling(seed=8)(inputs)))


def test_seed_generator_state_is_a_tracked_variable():
    layer = Sampling(seed=1)
    assert layer.built
    assert len(layer.non_trainable_variables) == 1
    assert layer.trainable_variables == []
    before = to_numpy(layer.seed_generator.state.value).copy()
    layer([tiled(Z_MEAN, 2), tiled(Z_LOG_VAR, 2)])
    assert not np.array_equal(
        before, to_numpy(layer.seed_generator.state.value)
    )


def test_config_round_trip_and_output_shape():
    layer = Sampling(seed=11, name="z")
    restored = Sampling.from_config(layer.get_config())
    assert json.dumps(restored.get_config()) == json.dumps(layer.get_config())
    assert restored.seed == 11
    assert layer.compute_output_shape([(None, 3), (None, 3)]) == (None, 3)
