import keras
import numpy as np
import pytest

import keras_vae
from tests.helpers import synthetic_digits
from tests.helpers import to_numpy

BUILDERS = {
    "mlp": (keras_vae.build_mlp_encoder, keras_vae.build_mlp_decoder),
    "conv": (keras_vae.build_conv_encoder, keras_vae.build_conv_decoder),
}


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3)])
def test_encoder_and_decoder_shapes(architecture, shape):
    build_encoder, build_decoder = BUILDERS[architecture]
    encoder = build_encoder(input_shape=shape, latent_dim=3)
    decoder = build_decoder(output_shape=shape, latent_dim=3)
    z_mean, z_log_var = encoder(np.zeros((2, *shape), "float32"))
    assert to_numpy(z_mean).shape == (2, 3)
    assert to_numpy(z_log_var).shape == (2, 3)
    assert to_numpy(decoder(z_mean)).shape == (2, *shape)


def test_resize_decoder_upsamples_then_convolves_with_as_many_weights():
    transpose, resize = (
        keras_vae.build_conv_decoder((28, 28, 1), 2, upsampling=upsampling)
        for upsampling in ("transpose", "resize")
    )
    assert resize.count_params() == transpose.count_params()
    kinds = [type(layer).__name__ for layer in resize.layers]
    assert "Conv2DTranspose" not in kinds
    assert kinds.count("UpSampling2D") == 2 and kinds.count("Conv2D") == 3
    z = np.random.default_rng(0).normal(scale=3.0, size=(16, 2))
    output = to_numpy(resize(z.astype("float32")))
    assert output.shape == (16, 28, 28, 1)
    assert output.min() < 0 and output.max() > 0


def test_unknown_upsampling_names_the_choices():
    with pytest.raises(ValueError, match=r"\['transpose', 'resize'\]"):
        keras_vae.build_conv_decoder((28, 28, 1), 2, upsampling="deconv")


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_decoder_output_is_linear(architecture):
    # Logits must be able to leave [0, 1]; a sigmoid or relu would be a bug.
    _, build_decoder = BUILDERS[architecture]
    decoder = build_decoder(output_shape=(28, 28, 1), latent_dim=2)
    z = np.random.default_rng(0).normal(scale=3.0, size=(16, 2))
    output = to_numpy(decoder(z.astype("float32")))
    assert output.min() < 0 and output.max() > 0


def test_mlp_hidden_units_mirror():
    encoder = keras_vae.build_mlp_encoder((4,), 2, hidden_units=(16, 8))
    decoder = keras_vae.build_mlp_decoder((4,), 2, hidden_units=(16, 8))
    encoder_widths = [w.shape[-1] for w in encoder.weights if len(w.shape) == 2]
    decoder_widths = [w.shape[-1] for w in decoder.weights if len(w.shape) == 2]
    assert encoder_widths == [16, 8, 2, 2]
    assert decoder_widths == [8, 16, 4]


@pytest.mark.parametrize("latent_dim", [0, -1, 2.5, "2", True])
@pytest.mark.parametrize("builder", ["mlp", "conv"])
def test_invalid_latent_dim(builder, latent_dim):
    build_encoder, build_decoder = BUILDERS[builder]
    for build in (build_encoder, build_decoder):
        with pytest.raises(ValueError, match="expected a positive integer"):
            build((28, 28, 1), latent_dim)


def test_invalid_input_shape():
    with pytest.raises(ValueError, match="input_shape"):
        keras_vae.build_mlp_encoder((28, -28), 2)


@pytest.mark.parametrize("shape", [(30, 30, 1), (28, 28), (28, 26, 1)])
def test_conv_shape_not_divisible_by_strides(shape):
    with pytest.raises(ValueError, match="divisible by 4"):
        keras_vae.build_conv_encoder(input_shape=shape, latent_dim=2)
    with pytest.raises(ValueError, match="divisible by 4"):
        keras_vae.build_conv_decoder(output_shape=shape, latent_dim=2)


def test_conv_shape_error_names_the_nearest_valid_shapes():
    with pytest.raises(
        ValueError,
        match=r"Nearest valid shapes: \(28, 28, 1\) or \(32, 32, 1\); .*"
        r"`image_size=\(32, 32\)`",
    ):
        keras_vae.build_conv_encoder(input_shape=(30, 30, 1), latent_dim=2)
    with pytest.raises(
        ValueError,
        match=r"Nearest valid shapes: \(64, 56, 3\) or \(64, 64, 3\)",
    ):
        keras_vae.build_conv_decoder(
            output_shape=(64, 60, 3), latent_dim=2, filters=(8, 16, 32)
        )
    with pytest.raises(ValueError, match=r"Nearest valid shapes: \(4, 4, 3\);"):
        keras_vae.build_conv_encoder(input_shape=(2, 3, 3), latent_dim=2)


@pytest.mark.parametrize(
    "shape, upsampling",
    [
        ((32, 32, 3), "transpose"),
        ((64, 64, 3), "transpose"),
        ((32, 32, 3), "resize"),
    ],
)
def test_conv_vae_on_color_images_trains_and_round_trips(
    shape, upsampling, tmp_path
):
    keras.utils.set_random_seed(0)
    vae = keras_vae.VAE(
        keras_vae.build_conv_encoder(shape, 2, filters=(4, 8)),
        keras_vae.build_conv_decoder(
            shape, 2, filters=(4, 8), upsampling=upsampling
        ),
        seed=0,
    )
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    images = np.random.default_rng(0).random((2, *shape)).astype("float32")
    before = [to_numpy(w).copy() for w in vae.trainable_weights]
    history = vae.fit(images, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    changed = [
        not np.array_equal(to_numpy(w), old)
        for w, old in zip(vae.trainable_weights, before)
    ]
    assert all(changed)
    vae.save(tmp_path / "vae.keras")
    loaded = keras_vae.load_vae(tmp_path / "vae.keras", safe_mode=True)
    assert type(loaded) is keras_vae.VAE
    z = np.random.default_rng(1).normal(size=(2, 2)).astype("float32")
    decoded = to_numpy(vae.decode(z))
    assert decoded.shape == (2, *shape)
    np.testing.assert_array_equal(to_numpy(loaded.decode(z)), decoded)


@pytest.mark.parametrize("output_bias", [1.5, "mean_logits"])
def test_mlp_decoder_output_bias_is_the_untrained_output_at_z_0(output_bias):
    x = synthetic_digits(32, seed=0)[0] * 0.8 + 0.1
    if output_bias == "mean_logits":
        output_bias = keras_vae.datasets.mean_logits(x)
    decoder = keras_vae.build_mlp_decoder(
        (28, 28, 1), 3, (8,), output_bias=output_bias
    )
    # At z = 0 the hidden layer is 0 (zero biases): the output is the bias.
    np.testing.assert_allclose(
        to_numpy(decoder(np.zeros((2, 3), "float32"))),
        np.broadcast_to(output_bias, (2, 28, 28, 1)),
        rtol=1e-6,
    )


@pytest.mark.parametrize("output_bias", [np.zeros((28, 28)), np.nan, [1, 2]])
def test_mlp_decoder_refuses_a_bias_of_another_shape(output_bias):
    with pytest.raises(ValueError, match="output_bias"):
        keras_vae.build_mlp_decoder((28, 28, 1), 3, output_bias=output_bias)
