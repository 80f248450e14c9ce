"""`keras_vae.layers.DynamicBinarization`: fresh binary draws of images."""

import keras
import numpy as np

import keras_vae
from tests.helpers import to_numpy


def test_binary_images_pass_unchanged():
    x = (np.random.default_rng(0).random((16, 28, 28, 1)) < 0.3).astype(
        "float32"
    )
    layer = keras_vae.layers.DynamicBinarization(seed=0)
    for _ in range(3):
        np.testing.assert_array_equal(to_numpy(layer(x)), x)


def test_the_mean_of_many_draws_is_the_intensity():
    intensities = np.linspace(0.0, 1.0, 11, dtype="float32")
    x = np.tile(intensities, (20000, 1))
    draws = to_numpy(keras_vae.layers.DynamicBinarization(seed=1)(x))
    assert set(np.unique(draws)) <= {0.0, 1.0}
    # 20,000 draws: the standard error is at most 0.0036.
    np.testing.assert_allclose(draws.mean(axis=0), intensities, atol=0.015)
    assert draws[:, 0].max() == 0 and draws[:, -1].min() == 1


def test_each_call_draws_afresh_and_a_seed_repeats_the_sequence():
    x = np.full((4, 100), 0.5, "float32")
    layer = keras_vae.layers.DynamicBinarization(seed=3)
    first, second = to_numpy(layer(x)), to_numpy(layer(x))
    assert (first != second).any()
    again = keras_vae.layers.DynamicBinarization(seed=3)
    np.testing.assert_array_equal(to_numpy(again(x)), first)
    np.testing.assert_array_equal(to_numpy(again(x)), second)


def test_8_bit_binary_images_come_out_float32():
    x = np.array([[0, 1, 1, 0]], "uint8")
    out = keras_vae.layers.DynamicBinarization(seed=0)(x)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    np.testing.assert_array_equal(to_numpy(out), x.astype("float32"))
