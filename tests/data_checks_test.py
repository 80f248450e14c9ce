"""Bad data is refused before training, with an error that says why."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import IMAGE_SHAPE
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae
from tests.helpers import to_numpy


@pytest.fixture(scope="module")
def digits():
    return synthetic_digits(64, seed=0)[0]


@pytest.fixture(scope="module")
def vae():
    # One model for the module, so its train step is traced (or compiled)
    # once: each test compares with the state it found, not a fresh one.
    return tiny_vae()


def with_nan(x):
    x = x.copy()
    x[3, 10, 12, 0] = np.nan
    return x


def with_inf(x):
    x = x.copy()
    x[0, 0, 0, 0] = -np.inf
    return x


BAD_ARRAYS = {
    "flattened": (
        lambda x: x.reshape(len(x), -1),
        ValueError,
        r"shape \(None, 28, 28, 1\).*\(64, 784\).*reshape",
    ),
    "rank_2_image": (
        lambda x: x[..., 0],
        ValueError,
        r"shape \(None, 28, 28, 1\).*\(64, 28, 28\)",
    ),
    "uint8_pixels": (
        lambda x: (x * 255).astype("uint8"),
        ValueError,
        r"Bernoulli.*\[0, 1\].*\[0, 255\].*/ 255",
    ),
    "negative_values": (
        lambda x: x - 0.5,
        ValueError,
        r"Bernoulli.*\[0, 1\].*\[-0.5, 0.5\]",
    ),
    "nan": (with_nan, ValueError, r"1 NaN or infinite.*\(3, 10, 12, 0\)"),
    "inf": (with_inf, ValueError, r"1 NaN or infinite.*-inf"),
    "empty": (lambda x: x[:0], ValueError, "empty"),
    "strings": (
        lambda x: x.astype(str),
        TypeError,
        "to hold numbers.*dtype <U",
    ),
    "objects": (
        lambda x: x.astype(object),
        TypeError,
        "to hold numbers.*dtype object",
    ),
    "ragged_list": (
        lambda x: [[0.0, 1.0], [0.5]],
        TypeError,
        "NumPy cannot read",
    ),
}


def iterations_of(vae):
    return int(to_numpy(vae.optimizer.iterations))


def state_of(vae):
    return [to_numpy(v).copy() for v in vae.weights], iterations_of(vae)


def assert_unchanged_and_usable(vae, state_before, digits):
    weights_before, iterations_before = state_before
    weights_after, iterations_after = state_of(vae)
    for before, after in zip(weights_before, weights_after):
        np.testing.assert_array_equal(after, before)
    assert iterations_after == iterations_before
    history = vae.fit(digits, epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert iterations_of(vae) == iterations_before + 2
    assert vae.encode(digits[:2])[0].shape == (2, 2)


@pytest.mark.parametrize("case", sorted(BAD_ARRAYS))
def test_fit_refuses_bad_arrays_and_the_model_stays_usable(case, digits, vae):
    make_bad, error, message = BAD_ARRAYS[case]
    before = state_of(vae)
    with pytest.raises(error, match=message):
        vae.fit(make_bad(digits), epochs=1, batch_size=32, verbose=0)
    assert_unchanged_and_usable(vae, before, digits)


@pytest.mark.parametrize("case", ["flattened", "uint8_pixels", "nan"])
def test_evaluate_encode_and_reconstruct_refuse_bad_arrays(case, digits, vae):
    make_bad, error, message = BAD_ARRAYS[case]
    for method in (vae.evaluate, vae.encode, vae.reconstruct):
        with pytest.raises(error, match=message):
            method(make_bad(digits))


def test_validation_data_is_checked_too(digits, vae):
    before = state_of(vae)
    with pytest.raises(ValueError, match=r"`validation_data\[0\]`.*\[0, 1\]"):
        vae.fit(digits, validation_data=(digits * 255,), verbose=0)
    assert_unchanged_and_usable(vae, before, digits)


def test_gaussian_likelihood_takes_any_finite_range(digits):
    vae = tiny_vae(likelihood="gaussian")
    history = vae.fit(digits * 4 - 2, epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        vae.fit(with_nan(digits), epochs=1, verbose=0)


def test_decode_checks_the_latent_shape(vae):
    with pytest.raises(ValueError, match=r"`z` of shape \(None, 2\).*\(4, 3\)"):
        vae.decode(np.zeros((4, 3), "float32"))


def uint8_dataset(digits):
    labels = np.zeros(len(digits), "int64")
    images = (digits * 255).astype("uint8")
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(16)


def uint8_generator(digits):
    for start in range(0, len(digits), 16):
        yield ((digits[start : start + 16] * 255).astype("uint8"),)


class Batches(keras.utils.PyDataset):
    def __init__(self, x, batch_size=16):
        super().__init__()
        self.x, self.batch_size = x, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        start = index * self.batch_size
        return (self.x[start : start + self.batch_size],)


@pytest.mark.parametrize(
    "make_data",
    [uint8_dataset, uint8_generator, lambda x: Batches(x * 255)],
    ids=["tf_data", "generator", "py_dataset"],
)
def test_first_batch_of_a_stream_is_checked_before_any_update(
    make_data, digits, vae
):
    before = state_of(vae)
    with pytest.raises(ValueError, match=r"Bernoulli.*\[0(.0)?, 255(.0)?\]"):
        vae.fit(make_data(digits), epochs=1, verbose=0)
    assert_unchanged_and_usable(vae, before, digits)


@pytest.mark.parametrize(
    "empty",
    [
        lambda: tf.data.Dataset.from_tensor_slices(
            np.zeros((0, *IMAGE_SHAPE), "float32")
        ).batch(8),
        lambda: (batch for batch in ()),
        lambda: Batches(np.zeros((0, *IMAGE_SHAPE), "float32")),
    ],
    ids=["tf_data", "generator", "py_dataset"],
)
def test_empty_streams_are_refused(empty, vae):
    with pytest.raises(ValueError, match="empty"):
        vae.fit(empty(), epochs=1, verbose=0)


def test_a_checked_generator_still_yields_every_batch(digits, vae):
    # Checking reads the first batch; training must still see every batch,
    # as many steps as Keras' own fit takes on the same generator.
    def batches():
        return ((digits[i : i + 16],) for i in range(0, 64, 16))

    start = iterations_of(vae)
    vae.fit(batches(), epochs=1, verbose=0)
    steps = iterations_of(vae) - start
    keras.Model.fit(vae, batches(), epochs=1, verbose=0)
    assert steps >= 4
    assert steps == iterations_of(vae) - start - steps


def test_string_dataset_is_refused(vae):
    dataset = tf.data.Dataset.from_tensor_slices(["a", "b"]).batch(2)
    with pytest.raises(TypeError, match="to hold numbers.*dtype object"):
        vae.fit(dataset, verbose=0)


def test_torch_data_loader_is_checked(digits, vae):
    import torch

    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(digits * 255)),
        batch_size=16,
    )
    with pytest.raises(ValueError, match=r"Bernoulli.*\[0.0, 255.0\]"):
        vae.fit(loader, epochs=1, verbose=0)
