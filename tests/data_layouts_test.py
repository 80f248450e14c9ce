"""Image-shaped and flat data give the same losses, gradients and training.

The losses and the dynamic binarization work on each example's data as one
flat vector (XLA's CPU code is slow on a last axis of size 1); these tests
hold them to the math of the data's own layout.
"""

import hypothesis
import hypothesis.extra.numpy as hnp
import keras
import numpy as np
import pytest
from hypothesis import strategies as st

import keras_vae
from keras_vae import losses
from keras_vae.layers import DynamicBinarization
from tests.helpers import gradients
from tests.helpers import to_numpy

# Each new shape compiles JAX's ops again: 10 examples keep the test quick.
SETTINGS = hypothesis.settings(deadline=None, max_examples=10)
# Data shapes with axes of size 1 where images have them: channels last.
data_shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=4).map(
    lambda shape: (*shape, 1)
)


def loss_and_gradient(likelihood, x, output, data_rank):
    def total(output):
        return keras.ops.sum(
            losses.reconstruction_loss(
                likelihood, x, output, gaussian_scale=0.5, data_rank=data_rank
            )
        )

    per_example = losses.reconstruction_loss(
        likelihood, x, output, gaussian_scale=0.5, data_rank=data_rank
    )
    (gradient,) = gradients(total, output)
    return to_numpy(per_example), gradient


@hypothesis.given(
    likelihood=st.sampled_from(losses.LIKELIHOODS),
    data_shape=data_shapes,
    batch_size=st.integers(1, 3),
    num_draws=st.sampled_from([None, 2]),
    seed=st.integers(0, 2**16),
)
@SETTINGS
def test_losses_and_gradients_equal_on_the_flat_view(
    likelihood, data_shape, batch_size, num_draws, seed
):
    rng = np.random.default_rng(seed)
    x = rng.random((batch_size, *data_shape)).astype("float32")
    draws = () if num_draws is None else (num_draws,)
    output = rng.normal(size=(*draws, batch_size, *data_shape))
    output = output.astype("float32")
    data_rank = None if num_draws is None else len(data_shape)

    loss, gradient = loss_and_gradient(likelihood, x, output, data_rank)
    flat_loss, flat_gradient = loss_and_gradient(
        likelihood,
        x.reshape(batch_size, -1),
        output.reshape(*draws, batch_size, -1),
        None if num_draws is None else 1,
    )
    assert loss.shape == (*draws, batch_size)
    np.testing.assert_allclose(loss, flat_loss, rtol=1e-6, atol=1e-5)
    assert gradient.shape == output.shape
    np.testing.assert_allclose(
        gradient, flat_gradient.reshape(output.shape), rtol=1e-6, atol=1e-6
    )


def test_a_broadcast_data_axis_is_summed_over_the_broadcast_shape():
    # The mean of one row for every row: the data axes differ, nothing is
    # flattened, and each example still sums over all of its pixels.
    x = np.full((2, 3, 4), 0.25, "float32")
    output = np.zeros((2, 1, 4), "float32")
    nll = to_numpy(losses.reconstruction_loss("gaussian", x, output))
    per_pixel = 0.5 * 0.25**2 + 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(nll, [12 * per_pixel] * 2, rtol=1e-6)


def test_binarization_draws_the_same_pixels_in_either_layout():
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    image = to_numpy(DynamicBinarization(seed=3)(x))
    flat = to_numpy(DynamicBinarization(seed=3)(x.reshape(4, -1)))
    assert image.shape == x.shape
    np.testing.assert_array_equal(image.reshape(4, -1), flat)
    assert 0.4 < image.mean() < 0.6


def sgd_vae(shape, dynamic_binarization):
    keras.utils.set_random_seed(0)
    vae = keras_vae.VAE(
        keras_vae.build_mlp_encoder(shape, 4, hidden_units=(16,)),
        keras_vae.build_mlp_decoder(shape, 4, hidden_units=(16,)),
        dynamic_binarization=dynamic_binarization,
        seed=0,
    )
    vae.compile(optimizer=keras.optimizers.SGD(0.1))
    return vae


@pytest.mark.parametrize("dynamic_binarization", [False, True])
def test_a_model_trains_alike_on_images_and_on_flat_rows(
    dynamic_binarization,
):
    x = np.random.default_rng(1).random((64, 6, 6, 1)).astype("float32")
    image_vae = sgd_vae((6, 6, 1), dynamic_binarization)
    flat_vae = sgd_vae((36,), dynamic_binarization)
    for image_weight, flat_weight in zip(image_vae.weights, flat_vae.weights):
        np.testing.assert_array_equal(
            to_numpy(image_weight), to_numpy(flat_weight)
        )

    fit = dict(epochs=2, batch_size=16, shuffle=False, verbose=0)
    image_history = image_vae.fit(x, **fit).history
    flat_history = flat_vae.fit(x.reshape(64, -1), **fit).history
    for name in ("loss", "reconstruction_loss", "kl_loss"):
        np.testing.assert_allclose(
            image_history[name], flat_history[name], rtol=1e-5
        )
    for image_weight, flat_weight in zip(image_vae.weights, flat_vae.weights):
        np.testing.assert_allclose(
            to_numpy(image_weight), to_numpy(flat_weight), atol=1e-5
        )
    assert image_vae.decode(np.zeros((2, 4), "float32")).shape == (2, 6, 6, 1)
