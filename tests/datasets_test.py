import numpy as np
import pytest

import keras_vae
from tests.helpers import NO_OFFLINE_DATA
from tests.helpers import load_real
from tests.helpers import tfds_data_dir

requires_offline_tfds = pytest.mark.skipif(
    tfds_data_dir() is None,
    reason=NO_OFFLINE_DATA,
)


def test_unknown_name_lists_the_known_ones():
    # Close matches among all TFDS names first, then examples that work.
    with pytest.raises(
        ValueError,
        match=r"'cifar11'.*'cifar10'.*\['mnist', 'fashion_mnist', 'cifar10'",
    ):
        keras_vae.datasets.load("cifar11")


def test_missing_data_names_the_directory_searched(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        keras_vae.datasets.load("mnist", data_dir=tmp_path, download=False)
    message = str(error.value)
    assert str(tmp_path) in message
    assert "TFDS_DATA_DIR" in message and "data_dir=" in message


def test_tfds_data_dir_environment_variable_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        keras_vae.datasets.load("fashion_mnist", download=False)


@requires_offline_tfds
@pytest.mark.parametrize(
    "name, limit", [("mnist", None), ("fashion_mnist", 1000)]
)
def test_load_real_data(name, limit):
    # All of MNIST; the first 1,000 of Fashion-MNIST, read by the same code.
    (x_train, y_train), (x_test, y_test) = load_real(name, limit=limit)
    assert x_train.shape == (limit or 60000, 28, 28, 1)
    assert x_test.shape == (limit or 10000, 28, 28, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert sorted(np.unique(y_test)) == list(range(10))
    # Scaled from uint8: every value is a multiple of 1/255.
    np.testing.assert_allclose(
        np.round(x_test[:10] * 255) / 255, x_test[:10], atol=1e-6
    )


@requires_offline_tfds
def test_limit_reads_the_first_examples_of_each_split():
    (x_train, y_train), (x_test, y_test) = keras_vae.datasets.load(
        "mnist", data_dir=tfds_data_dir(), download=False, limit=100
    )
    assert x_train.shape == (100, 28, 28, 1) and y_test.shape == (100,)
    (full_train, _), (full_test, _) = load_real("mnist")
    np.testing.assert_array_equal(x_train, full_train[:100])
    np.testing.assert_array_equal(x_test, full_test[:100])


@pytest.mark.parametrize("limit", [0, -5, 2.5])
def test_invalid_limit(limit):
    with pytest.raises(ValueError, match="limit"):
        keras_vae.datasets.load("mnist", limit=limit)
