"""A loss that becomes NaN or infinite stops `fit()` with a clear error,
and data far wider than the Gaussian's fixed scale is warned about."""

import warnings

import keras
import numpy as np
import pytest

import keras_vae
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae
from tests.helpers import to_numpy


@pytest.fixture(scope="module")
def digits():
    return synthetic_digits(256, seed=0)[0]


def test_unscaled_pixels_under_the_gaussian_warn_then_stop_at_nan(digits):
    vae = tiny_vae(likelihood="gaussian")
    initial = vae.get_weights()
    pixels = digits * 255.0
    with pytest.warns(UserWarning, match=r"standard deviation of .*x the"):
        with pytest.raises(keras_vae.NonFiniteLossError) as error:
            vae.fit(pixels, epochs=2, batch_size=32, verbose=0)
    message = str(error.value)
    assert message.startswith("Training stopped in epoch ")
    assert "loss=nan" in message or "loss=inf" in message
    assert "gaussian_scale=1.0" in message and "x.std()" in message
    # The model is back as it was, and stays usable: it trains.
    for before, after in zip(initial, vae.get_weights()):
        np.testing.assert_array_equal(before, after)
    standardised = (pixels - pixels.mean()) / pixels.std()
    history = vae.fit(standardised, epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert np.isfinite(vae.encode(standardised[:4])[0]).all()


def test_a_diverged_epoch_is_neither_validated_nor_backed_up(digits, tmp_path):
    vae = tiny_vae(learning_rate=1e30)
    log = tmp_path / "log.csv"
    with pytest.raises(keras_vae.NonFiniteLossError, match="epoch 1, by"):
        vae.fit(
            digits,
            epochs=2,
            batch_size=32,
            validation_data=(digits,),
            callbacks=[
                keras.callbacks.BackupAndRestore(tmp_path / "backup"),
                keras.callbacks.CSVLogger(log),
            ],
            verbose=0,
        )
    assert not (tmp_path / "backup").exists() or not any(
        (tmp_path / "backup").iterdir()
    )
    assert log.read_text().count("\n") <= 1
    assert "clipnorm" in str(
        pytest.raises(
            keras_vae.NonFiniteLossError, vae.fit, digits, verbose=0
        ).value
    )


def test_data_within_the_gaussian_scale_trains_without_warning(digits):
    vae = tiny_vae(likelihood="gaussian")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        history = vae.fit(digits * 3.0, epochs=1, batch_size=64, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert np.isfinite(to_numpy(vae.trainable_variables[0])).all()
