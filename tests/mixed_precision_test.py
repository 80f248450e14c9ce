"""Losses stay finite at extreme log-variances and under mixed precision."""

import keras
import numpy as np
import pytest

from keras_vae import Sampling
from keras_vae import losses
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae
from tests.helpers import to_numpy

LOG_VARIANCES = np.linspace(-30.0, 30.0, 13, dtype="float32")


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_kl_is_finite_and_float32_for_log_variances_in_30_30(dtype):
    z_log_var = keras.ops.cast(LOG_VARIANCES[:, None], dtype)
    z_mean = keras.ops.zeros_like(z_log_var)
    kl = to_numpy(losses.kl_divergence(z_mean, z_log_var))
    assert kl.dtype == np.float32
    assert np.all(np.isfinite(kl)) and np.all(kl >= 0)
    # At log_var = +-30 the KL is dominated by exp(30) / 2 and 30 / 2.
    np.testing.assert_allclose(kl[-1], 0.5 * (np.exp(30.0) - 31.0), rtol=1e-3)
    np.testing.assert_allclose(kl[0], 0.5 * (np.exp(-30.0) + 29.0), rtol=1e-3)


def test_training_loss_is_finite_for_log_variances_in_30_30():
    vae = tiny_vae()
    x = synthetic_digits(len(LOG_VARIANCES), seed=0)[0]
    z_log_var = np.repeat(LOG_VARIANCES[:, None], vae.latent_dim, axis=1)
    z_mean = np.zeros_like(z_log_var)
    z = Sampling(seed=0)([z_mean, z_log_var])
    assert np.all(np.isfinite(to_numpy(z)))
    terms = vae.compute_loss_terms(x, z_mean, z_log_var, vae.decoder(z))
    for name, value in terms.items():
        assert np.isfinite(to_numpy(value)), name


@pytest.fixture
def policy(request):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(request.param)
    yield request.param
    keras.config.set_dtype_policy(previous)


@pytest.mark.parametrize(
    "policy, architecture",
    [
        ("mixed_float16", "mlp"),
        ("mixed_float16", "conv"),
        ("mixed_bfloat16", "mlp"),
    ],
    indirect=["policy"],
)
def test_trains_under_mixed_precision_with_float32_losses(policy, architecture):
    vae = tiny_vae(architecture=architecture, learning_rate=1e-2)
    assert vae.encoder.layers[1].compute_dtype == policy.split("_")[1]
    x = synthetic_digits(64, seed=0)[0]
    # Batches of 8: loss scaling skips the first steps, whose float16
    # gradients overflow, while it lowers its scale.
    history = vae.fit(x, epochs=3, batch_size=8, verbose=0).history
    assert all(np.isfinite(history["loss"]))
    assert history["loss"][-1] < history["loss"][0]
    terms = vae.compute_loss_terms(x, *vae(x))
    for value in terms.values():
        assert keras.backend.standardize_dtype(value.dtype) == "float32"
    assert vae.decode(np.zeros((1, 2), "float32")).dtype == np.float32
    assert vae.encode(x[:2])[0].dtype == np.float32
