"""Property-based tests of input handling (`hypothesis`).

Arrays of random shapes, dtypes, ranges, NaN/inf positions and empty sizes,
random sample weights, and random argument values: each is either accepted
(and trains, with a finite loss) or refused with `ValueError`/`TypeError`
before any weight changes, and the model stays usable afterwards.
"""

import hypothesis
import hypothesis.extra.numpy as hnp
import keras
import numpy as np
import pytest
from hypothesis import strategies as st

import keras_vae
from tests.helpers import to_numpy

DATA_SHAPE = (4, 4, 1)
# 12 examples a property: each new shape or dtype compiles a JAX step, and
# the suite runs within its budget (README, Tests).
SETTINGS = hypothesis.settings(
    deadline=None,
    max_examples=12,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
)
numbers = st.one_of(
    st.floats(0.0, 1.0),
    st.floats(-2.0, 3.0),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 255.0]),
)


ELEMENTS = {
    "float32": numbers,
    "float64": numbers,
    "float16": numbers,
    "int32": st.integers(-2, 300),
    "uint8": st.integers(0, 255),
    "bool": st.booleans(),
    # NumPy strips a trailing NUL, so "\x00" cannot be a U1 element.
    "U1": st.text(st.characters(exclude_characters="\x00"), max_size=1),
}


def arrays_of(shape):
    """Arrays of the given shape strategy, of any dtype of ELEMENTS."""
    return st.sampled_from(sorted(ELEMENTS)).flatmap(
        lambda dtype: hnp.arrays(dtype, shape, elements=ELEMENTS[dtype])
    )


right_shapes = st.integers(0, 6).map(lambda n: (n, *DATA_SHAPE))
any_shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)
valid_data = hnp.arrays(
    "float32", right_shapes, elements=st.floats(0.0, 1.0, width=32)
)
data = st.one_of(valid_data, arrays_of(st.one_of(right_shapes, any_shapes)))
weights = st.one_of(
    st.none(),
    hnp.arrays(
        "float32",
        st.integers(0, 6).map(lambda n: (n,)),
        elements=st.one_of(
            st.floats(0.0, 4.0, width=32),
            st.sampled_from([-1.0, float("nan"), float("inf")]),
        ),
    ),
)


@pytest.fixture(scope="module")
def vae():
    keras.utils.set_random_seed(0)
    model = keras_vae.VAE(
        keras_vae.build_mlp_encoder(DATA_SHAPE, 2, (8,)),
        keras_vae.build_mlp_decoder(DATA_SHAPE, 2, (8,)),
        seed=0,
    )
    model.compile(optimizer=keras.optimizers.SGD(0.01))
    return model


def variables_of(model):
    return [to_numpy(v).copy() for v in model.trainable_variables]


def assert_usable(model):
    probe = np.full((3, *DATA_SHAPE), 0.5, "float32")
    assert np.isfinite(model.encode(probe)[0]).all()
    history = model.fit(probe, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


@hypothesis.given(x=data, sample_weight=weights)
@SETTINGS
def test_fit_accepts_and_trains_or_refuses_before_any_step(
    vae, x, sample_weight
):
    before = variables_of(vae)
    try:
        history = vae.fit(
            x, sample_weight=sample_weight, epochs=1, batch_size=4, verbose=0
        )
    except (ValueError, TypeError):
        hypothesis.event("refused")
        for old, new in zip(before, variables_of(vae)):
            np.testing.assert_array_equal(old, new)
    else:
        hypothesis.event("accepted")
        assert np.isfinite(history.history["loss"]).all()
        assert x.shape[1:] == DATA_SHAPE and len(x) > 0
        assert x.dtype.kind in "biuf" and 0 <= x.min() and x.max() <= 1
    assert_usable(vae)


@hypothesis.given(x=data)
@SETTINGS
def test_encode_and_evaluate_accept_or_refuse_and_stay_usable(vae, x):
    for method in (vae.encode, vae.evaluate):
        try:
            result = (
                method(x, verbose=0) if method == vae.evaluate else (method(x))
            )
        except (ValueError, TypeError):
            continue
        assert np.isfinite(keras.tree.flatten(result)).all()
    assert_usable(vae)


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 6),
    # Magnitudes a user might type; a scale of 1e-300 overflows any loss.
    st.floats(-100.0, 100.0).filter(lambda v: v == 0 or abs(v) >= 1e-3),
    st.sampled_from([float("nan"), float("inf"), -float("inf")]),
    st.text(max_size=3),
    st.lists(st.integers(-1, 9), max_size=3),
)


VALID_ARGUMENTS = {
    "latent_dim": st.integers(1, 4),
    "hidden_units": st.lists(st.integers(1, 8), min_size=1, max_size=2),
    "beta": st.floats(0.0, 10.0),
    "gaussian_scale": st.floats(0.01, 10.0),
    "free_bits": st.floats(0.0, 2.0),
    "num_samples": st.integers(1, 5),
}


@st.composite
def arguments(draw):
    """Valid arguments, one of them replaced by any value half the time."""
    drawn = {name: draw(valid) for name, valid in VALID_ARGUMENTS.items()}
    if draw(st.booleans()):
        drawn[draw(st.sampled_from(sorted(drawn)))] = draw(values)
    return drawn


@hypothesis.given(arguments=arguments())
@SETTINGS
def test_arguments_are_accepted_and_work_or_refused(arguments):
    latent_dim = arguments["latent_dim"]
    hidden_units = arguments["hidden_units"]
    try:
        encoder = keras_vae.build_mlp_encoder(
            DATA_SHAPE, latent_dim, hidden_units
        )
        decoder = keras_vae.build_mlp_decoder(
            DATA_SHAPE, latent_dim, hidden_units
        )
        vae = keras_vae.VAE(
            encoder,
            decoder,
            likelihood="gaussian",
            beta=arguments["beta"],
            gaussian_scale=arguments["gaussian_scale"],
            free_bits=arguments["free_bits"],
        )
        iwae = keras_vae.IWAE(
            encoder, decoder, num_samples=arguments["num_samples"]
        )
    except (ValueError, TypeError):
        hypothesis.event("refused")
        return
    hypothesis.event("accepted")
    x = np.full((2, *DATA_SHAPE), 0.5, "float32")
    for model in (vae, iwae):
        terms = model.compute_loss_terms(x, *model(x))
        assert all(np.isfinite(to_numpy(value)) for value in terms.values())
    assert vae.target_beta == arguments["beta"]
    assert vae.gaussian_scale == arguments["gaussian_scale"]
    assert vae.free_bits == arguments["free_bits"]
    assert iwae.num_samples == arguments["num_samples"]
    assert vae.latent_dim == latent_dim
