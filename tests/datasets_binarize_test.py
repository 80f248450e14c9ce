"""`keras_vae.datasets.binarize` and `mean_logits`."""

import hypothesis
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import strategies as st

import keras_vae

intensities = hnp.arrays(
    "float32",
    hnp.array_shapes(min_dims=2, max_dims=4, max_side=6),
    elements=st.floats(0.0, 1.0, width=32),
)


@hypothesis.given(x=intensities, seed=st.integers(0, 2**32 - 1))
@hypothesis.settings(deadline=None, max_examples=60)
def test_binarize_gives_zeros_and_ones_on_and_off_where_certain(x, seed):
    binary = keras_vae.datasets.binarize(x, seed=seed)
    assert binary.shape == x.shape and binary.dtype == np.float32
    assert set(np.unique(binary)) <= {0.0, 1.0}
    assert (binary[x == 1.0] == 1).all() and (binary[x == 0.0] == 0).all()
    np.testing.assert_array_equal(keras_vae.datasets.binarize(binary), binary)
    np.testing.assert_array_equal(
        keras_vae.datasets.binarize(x, seed=seed), binary
    )


def test_binarize_is_a_bernoulli_draw_and_seeds_differ():
    x = np.full((200, 28, 28, 1), 0.3, "float32")
    first = keras_vae.datasets.binarize(x, seed=0)
    assert abs(first.mean() - 0.3) < 0.005  # 156,800 pixels
    assert (keras_vae.datasets.binarize(x, seed=1) != first).mean() > 0.3


@hypothesis.given(
    x=hnp.arrays(
        "float32",
        hnp.array_shapes(min_dims=2, max_dims=3, max_side=5),
        elements=st.one_of(
            st.floats(1.0, 300.0, exclude_min=True, width=32),
            st.floats(-300.0, -(2.0**-10), width=32),
            st.just(float("nan")),
        ),
    )
)
@hypothesis.settings(deadline=None, max_examples=30)
def test_binarize_refuses_values_outside_0_1(x):
    with pytest.raises(ValueError, match=r"\[0, 1\]|NaN"):
        keras_vae.datasets.binarize(x)


def test_mean_logits_are_the_logits_of_the_clipped_pixel_means():
    x = np.zeros((4, 3), "float32")
    x[:, 1] = [0.0, 0.5, 1.0, 0.5]
    x[:, 2] = 1.0
    logits = keras_vae.datasets.mean_logits(x)
    np.testing.assert_allclose(
        logits, [np.log(1e-3 / (1 - 1e-3)), 0.0, np.log((1 - 1e-3) / 1e-3)],
        rtol=1e-5, atol=1e-6,
    )
    with pytest.raises(ValueError, match="clip"):
        keras_vae.datasets.mean_logits(x, clip=0.5)
