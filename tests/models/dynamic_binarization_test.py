"""`dynamic_binarization=True`: every batch drawn afresh inside the step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_vae
from tests.helpers import IMAGE_SHAPE
from tests.helpers import synthetic_digits
from tests.helpers import to_numpy


def frozen_autoencoder(dynamic_binarization, seed=0):
    # No sampling noise and a learning rate of 0: the epoch losses differ
    # only if the data the step sees differs. The output bias makes the
    # loss depend on the pixels (at logits of 0 every image scores log 2).
    keras.utils.set_random_seed(seed)
    model = keras_vae.Autoencoder(
        keras_vae.build_mlp_encoder(IMAGE_SHAPE, 2, (16,)),
        keras_vae.build_mlp_decoder(IMAGE_SHAPE, 2, (16,), output_bias=1.0),
        dynamic_binarization=dynamic_binarization,
        seed=seed,
    )
    model.compile(optimizer=keras.optimizers.SGD(0.0))
    return model


@pytest.fixture(scope="module")
def grey():
    # The synthetic digits are binary: grey levels 0.1 and 0.9 instead.
    return 0.1 + 0.8 * synthetic_digits(64, seed=0)[0]


def test_each_epoch_trains_on_a_new_draw(grey):
    history = frozen_autoencoder(True).fit(
        grey, epochs=3, batch_size=64, shuffle=False, verbose=0
    )
    losses = history.history["loss"]
    assert len(set(losses)) == 3
    # Without binarization the same frozen model sees the same data.
    plain = frozen_autoencoder(False).fit(
        grey, epochs=3, batch_size=64, shuffle=False, verbose=0
    )
    assert len(set(plain.history["loss"])) == 1


def test_binary_data_trains_unchanged(grey):
    binary = keras_vae.datasets.binarize(grey, seed=0)
    binarized = frozen_autoencoder(True).fit(
        binary, epochs=2, batch_size=64, shuffle=False, verbose=0
    )
    plain = frozen_autoencoder(False).fit(
        binary, epochs=2, batch_size=64, shuffle=False, verbose=0
    )
    np.testing.assert_allclose(
        binarized.history["loss"], plain.history["loss"], rtol=1e-6
    )


def test_the_step_trains_on_the_binary_draw_not_the_grey_levels(grey):
    # The loss of a draw is that of binary targets: its mean over many
    # draws is the grey-level loss (the cross-entropy is linear in the
    # target), and the spread of single draws is far from zero.
    model = frozen_autoencoder(True)
    draws = [
        model.evaluate(grey, batch_size=64, verbose=0) for _ in range(40)
    ]
    grey_loss = frozen_autoencoder(False).evaluate(
        grey, batch_size=64, verbose=0
    )
    assert np.std(draws) > 0.5
    np.testing.assert_allclose(np.mean(draws), grey_loss, rtol=0.01)


def test_a_tf_data_pipeline_is_binarized_too(grey):
    dataset = tf.data.Dataset.from_tensor_slices(grey).batch(32)
    history = frozen_autoencoder(True).fit(dataset, epochs=2, verbose=0)
    assert len(set(history.history["loss"])) == 2


def test_the_draws_advance_in_the_compiled_step_and_are_saved(grey, tmp_path):
    vae = keras_vae.VAE(
        keras_vae.build_mlp_encoder(IMAGE_SHAPE, 2, (16,)),
        keras_vae.build_mlp_decoder(IMAGE_SHAPE, 2, (16,)),
        seed=4,
        dynamic_binarization=True,
    )
    vae.compile(optimizer="adam", steps_per_execution="auto")
    start = to_numpy(vae.binarization.seed_generator.state.value).copy()
    vae.fit(grey, epochs=1, batch_size=16, verbose=0)
    after = to_numpy(vae.binarization.seed_generator.state.value)
    assert not np.array_equal(start, after)
    # Its own stream: not the Sampling layer's.
    assert not np.array_equal(
        after, to_numpy(vae.sampling.seed_generator.state.value)
    )
    vae.save(tmp_path / "vae.keras")
    loaded = keras.saving.load_model(tmp_path / "vae.keras", safe_mode=True)
    assert loaded.dynamic_binarization
    np.testing.assert_array_equal(
        to_numpy(loaded.binarization.seed_generator.state.value), after
    )


def test_dynamic_binarization_needs_the_bernoulli_likelihood():
    with pytest.raises(ValueError, match="likelihood='bernoulli'"):
        keras_vae.VAE(
            keras_vae.build_mlp_encoder(IMAGE_SHAPE, 2, (16,)),
            keras_vae.build_mlp_decoder(IMAGE_SHAPE, 2, (16,)),
            likelihood="gaussian",
            dynamic_binarization=True,
        )
    with pytest.raises(TypeError, match="True or False"):
        keras_vae.VAE(
            keras_vae.build_mlp_encoder(IMAGE_SHAPE, 2, (16,)),
            keras_vae.build_mlp_decoder(IMAGE_SHAPE, 2, (16,)),
            dynamic_binarization="yes",
        )
