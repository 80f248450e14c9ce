import json

import keras
import numpy as np
import pytest

import keras_vae
from tests.helpers import IMAGE_SHAPE
from tests.helpers import mnist_subset
from tests.helpers import seed_state
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae
from tests.helpers import to_numpy
from tests.losses_test import numpy_bernoulli_nll
from tests.losses_test import numpy_gaussian_nll
from tests.losses_test import numpy_kl

BACKEND = keras.backend.backend()


@pytest.fixture(scope="module")
def digits():
    return synthetic_digits(256, seed=0)[0]


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_loss_terms_match_numpy_reference(likelihood):
    vae = tiny_vae(likelihood=likelihood, beta=0.5)
    rng = np.random.default_rng(0)
    x = rng.random((6, *IMAGE_SHAPE)).astype("float32")
    z_mean = rng.normal(size=(6, 2)).astype("float32")
    z_log_var = rng.normal(size=(6, 2)).astype("float32")
    decoder_output = rng.normal(size=x.shape).astype("float32")
    terms = vae.compute_loss_terms(x, z_mean, z_log_var, decoder_output)
    if likelihood == "bernoulli":
        reconstruction = numpy_bernoulli_nll(x, decoder_output).mean()
    else:
        reconstruction = numpy_gaussian_nll(x, decoder_output, 1.0).mean()
    kl = numpy_kl(z_mean, z_log_var).mean()
    np.testing.assert_allclose(
        to_numpy(terms["reconstruction_loss"]), reconstruction, rtol=1e-5
    )
    np.testing.assert_allclose(to_numpy(terms["kl_loss"]), kl, rtol=1e-5)
    np.testing.assert_allclose(
        to_numpy(terms["loss"]), reconstruction + 0.5 * kl, rtol=1e-5
    )


def test_fit_on_mnist_subset_lowers_validation_loss():
    x_train, x_test, source = mnist_subset(2048, 512)
    vae = tiny_vae()
    before = vae.evaluate(x_test, batch_size=256, return_dict=True, verbose=0)
    history = vae.fit(
        x_train,
        epochs=3,
        batch_size=64,
        validation_data=(x_test,),
        verbose=0,
    )
    val_loss = history.history["val_loss"]
    assert val_loss[-1] < val_loss[0] < before["loss"], (
        source,
        before,
        val_loss,
    )
    # A model that learned something reconstructs better than chance.
    assert val_loss[-1] < 0.8 * before["loss"], (source, val_loss)
    for key in ("loss", "reconstruction_loss", "kl_loss"):
        assert np.all(np.isfinite(history.history[key]))
        assert np.all(np.isfinite(history.history[f"val_{key}"]))


def test_conv_vae_trains(digits):
    vae = tiny_vae(architecture="conv")
    before = vae.evaluate(digits, return_dict=True, verbose=0)["loss"]
    vae.fit(digits, epochs=3, batch_size=32, verbose=0)
    after = vae.evaluate(digits, return_dict=True, verbose=0)["loss"]
    assert after < before


def test_gaussian_vae_trains(digits):
    vae = tiny_vae(likelihood="gaussian")
    history = vae.fit(digits, epochs=3, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_evaluate_reports_the_three_terms_and_loss_is_their_sum(digits):
    vae = tiny_vae(beta=0.25)
    logs = vae.evaluate(digits, return_dict=True, verbose=0)
    assert sorted(logs) == ["kl_loss", "loss", "reconstruction_loss"]
    np.testing.assert_allclose(
        logs["loss"],
        logs["reconstruction_loss"] + 0.25 * logs["kl_loss"],
        rtol=1e-5,
    )


def test_evaluate_averages_over_examples_not_batches(digits):
    # The KL term needs no noise, so it can be checked exactly: with a last
    # batch of 1 example, an unweighted mean of batches would differ.
    vae = tiny_vae()
    vae.fit(digits, epochs=1, batch_size=32, verbose=0)
    x = digits[:9]
    logs = vae.evaluate(x, batch_size=4, return_dict=True, verbose=0)
    z_mean, z_log_var = vae.encode(x)
    np.testing.assert_allclose(
        logs["kl_loss"], numpy_kl(z_mean, z_log_var).mean(), rtol=1e-4
    )


def test_two_evaluations_in_a_row_draw_different_noise(digits):
    vae = tiny_vae()
    first = vae.evaluate(digits, return_dict=True, verbose=0)
    second = vae.evaluate(digits, return_dict=True, verbose=0)
    assert first["reconstruction_loss"] != second["reconstruction_loss"]
    assert first["kl_loss"] == pytest.approx(second["kl_loss"], rel=1e-5)


def test_training_advances_the_noise_seed(digits):
    # A train step that drops the seed update trains on frozen noise.
    vae = tiny_vae()
    before = seed_state(vae)
    vae.fit(digits[:64], epochs=1, batch_size=32, verbose=0)
    after_one = seed_state(vae)
    vae.fit(digits[:64], epochs=1, batch_size=32, verbose=0)
    assert not np.array_equal(before, after_one)
    assert not np.array_equal(after_one, seed_state(vae))


def test_same_seed_same_training(digits):
    losses = [
        tiny_vae(seed=3).fit(digits, epochs=1, batch_size=64, verbose=0).history
        for _ in range(2)
    ]
    np.testing.assert_allclose(losses[0]["loss"], losses[1]["loss"], rtol=1e-4)


def test_fit_accepts_tf_data_of_x_and_of_x_y(digits):
    import tensorflow as tf

    labels = np.zeros(len(digits), "int64")
    for dataset in (
        tf.data.Dataset.from_tensor_slices(digits).batch(32),
        tf.data.Dataset.from_tensor_slices((digits, labels)).batch(32),
    ):
        vae = tiny_vae()
        history = vae.fit(dataset, epochs=2, verbose=0)
        assert history.history["loss"][1] < history.history["loss"][0]
        assert int(to_numpy(vae.optimizer.iterations)) == 2 * 8


@pytest.mark.parametrize("with_labels", [False, True])
def test_fit_accepts_a_python_generator(digits, with_labels):
    # As for any Keras model, a generator yields `(x,)` or `(x, y)`.
    def batches():
        while True:
            for start in range(0, len(digits), 32):
                x = digits[start : start + 32]
                yield (x, np.zeros(len(x))) if with_labels else (x,)

    vae = tiny_vae()
    history = vae.fit(batches(), steps_per_epoch=8, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    assert int(to_numpy(vae.optimizer.iterations)) == 16


@pytest.mark.skipif(
    BACKEND == "torch", reason="jit_compile with XLA is for JAX and TensorFlow"
)
def test_fit_with_jit_compile(digits):
    vae = tiny_vae()
    vae.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=True)
    before = seed_state(vae)
    history = vae.fit(digits, epochs=2, batch_size=32, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    assert not np.array_equal(before, seed_state(vae))


def test_encode_decode_sample_and_reconstruct(digits):
    vae = tiny_vae()
    vae.fit(digits, epochs=1, batch_size=32, verbose=0)
    z_mean, z_log_var = vae.encode(digits[:8])
    assert isinstance(z_mean, np.ndarray) and z_mean.shape == (8, 2)
    assert z_log_var.shape == (8, 2)
    expected_z_mean, _ = vae.encoder(digits[:8])
    np.testing.assert_allclose(z_mean, to_numpy(expected_z_mean), atol=1e-5)

    images = vae.decode(z_mean)
    assert images.shape == (8, *IMAGE_SHAPE)
    assert images.min() >= 0.0 and images.max() <= 1.0
    logits = to_numpy(vae.decoder(z_mean))
    np.testing.assert_allclose(images, 1 / (1 + np.exp(-logits)), atol=1e-5)
    np.testing.assert_allclose(vae.reconstruct(digits[:8]), images, atol=1e-6)

    samples = vae.sample(16, seed=1)
    assert samples.shape == (16, *IMAGE_SHAPE)
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    np.testing.assert_array_equal(samples, vae.sample(16, seed=1))
    assert not np.allclose(samples, vae.sample(16, seed=2))


def test_gaussian_decode_returns_the_mean():
    vae = tiny_vae(likelihood="gaussian")
    z = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    np.testing.assert_allclose(
        vae.decode(z), to_numpy(vae.decoder(z)), atol=1e-5
    )


@pytest.mark.parametrize("num_samples", [0, -3, 2.5, "4"])
def test_sample_rejects_bad_counts(num_samples):
    with pytest.raises(ValueError, match="num_samples"):
        tiny_vae().sample(num_samples)


def test_vae_is_built_on_construction():
    vae = tiny_vae()
    assert vae.built
    assert vae.latent_dim == 2 and vae.data_shape == IMAGE_SHAPE
    assert len(vae.trainable_variables) == len(
        vae.encoder.trainable_variables
    ) + len(vae.decoder.trainable_variables)


def build_pair(latent_dim=2, shape=IMAGE_SHAPE):
    return (
        keras_vae.build_mlp_encoder(shape, latent_dim, hidden_units=(8,)),
        keras_vae.build_mlp_decoder(shape, latent_dim, hidden_units=(8,)),
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"likelihood": "poisson"}, r"likelihood.*\['bernoulli', 'gaussian'\]"),
        ({"beta": -1.0}, "beta"),
        ({"beta": float("nan")}, "beta"),
        ({"beta": float("inf")}, "beta"),
        ({"beta": "1"}, "beta"),
        ({"gaussian_scale": 0.0}, "gaussian_scale"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras_vae.VAE(*build_pair(), **kwargs)


def test_latent_dim_mismatch():
    encoder, _ = build_pair(latent_dim=2)
    _, decoder = build_pair(latent_dim=3)
    with pytest.raises(ValueError, match="latent_dim=2"):
        keras_vae.VAE(encoder, decoder)


def test_decoder_output_shape_mismatch():
    encoder, _ = build_pair(shape=IMAGE_SHAPE)
    _, decoder = build_pair(shape=(784,))
    with pytest.raises(ValueError, match="data's shape"):
        keras_vae.VAE(encoder, decoder)


def test_encoder_with_one_output():
    inputs = keras.Input(IMAGE_SHAPE)
    encoder = keras.Model(
        inputs, keras.layers.Dense(2)(keras.layers.Flatten()(inputs))
    )
    _, decoder = build_pair()
    with pytest.raises(ValueError, match="exactly two tensors"):
        keras_vae.VAE(encoder, decoder)


def test_config_round_trip():
    vae = tiny_vae(likelihood="gaussian", beta=0.5, seed=4)
    config = vae.get_config()
    restored = keras_vae.VAE.from_config(json.loads(json.dumps(config)))
    assert json.dumps(restored.get_config(), sort_keys=True) == json.dumps(
        config, sort_keys=True
    )
    assert (restored.likelihood, restored.beta, restored.seed) == (
        "gaussian",
        0.5,
        4,
    )


def test_encoder_outputs_of_different_shapes():
    inputs = keras.Input(IMAGE_SHAPE)
    hidden = keras.layers.Flatten()(inputs)
    encoder = keras.Model(
        inputs, [keras.layers.Dense(2)(hidden), keras.layers.Dense(3)(hidden)]
    )
    _, decoder = build_pair()
    with pytest.raises(
        ValueError, match=r"same shape.*\(None, 2\).*\(None, 3\)"
    ):
        keras_vae.VAE(encoder, decoder)


def test_auto_jit_compile_is_xla_on_jax_and_never_on_tensorflow_cpu():
    # Measured: XLA trains this model ~2x slower on TensorFlow on CPU.
    import tensorflow as tf

    gpu = bool(tf.config.list_physical_devices("GPU"))
    vae = tiny_vae()
    assert vae.jit_compile is (BACKEND == "jax" or (BACKEND != "torch" and gpu))
    vae.compile(optimizer="adam", jit_compile=True)
    assert vae.jit_compile is True
