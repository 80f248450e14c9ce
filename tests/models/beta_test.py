"""`beta` as a variable, `free_bits`, and the `KLWarmup` schedules."""

import io
import zipfile

import h5py
import keras
import numpy as np
import pytest

import keras_vae
from keras_vae.callbacks import KLWarmup
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae
from tests.helpers import to_numpy
from tests.losses_test import numpy_kl


@pytest.fixture(scope="module")
def digits():
    return synthetic_digits(64, seed=0)[0]


class BetaRecorder(keras.callbacks.Callback):
    """The value of `model.beta` after every batch."""

    def __init__(self):
        super().__init__()
        self.values = []

    def on_train_batch_end(self, batch, logs=None):
        self.values.append(float(to_numpy(self.model.beta)))


def test_beta_is_a_non_trainable_variable_saved_with_the_weights(tmp_path):
    vae = tiny_vae(beta=4.0)
    assert isinstance(vae.beta, keras.Variable)
    assert not vae.beta.trainable
    assert all(v is not vae.beta for v in vae.trainable_variables)
    assert float(to_numpy(vae.beta)) == 4.0
    vae.beta.assign(0.25)
    vae.save(tmp_path / "vae.keras")
    loaded = keras_vae.load_vae(tmp_path / "vae.keras")
    assert float(to_numpy(loaded.beta)) == 0.25
    # The config keeps the target, the weights the value reached.
    assert loaded.get_config()["beta"] == loaded.target_beta == 4.0


def test_a_file_saved_before_beta_was_a_variable_loads(tmp_path):
    vae = tiny_vae(beta=2.0)
    vae.save(tmp_path / "new.keras")
    old = tmp_path / "old.keras"
    # keras-vae 0.1.0 wrote no top-level variable: remove `beta`'s entry.
    with zipfile.ZipFile(tmp_path / "new.keras") as source:
        entries = {name: source.read(name) for name in source.namelist()}
    weights = io.BytesIO(entries["model.weights.h5"])
    with h5py.File(weights, "r+") as store:
        assert list(store["vars"]) == ["0"]
        del store["vars/0"]
    entries["model.weights.h5"] = weights.getvalue()
    with zipfile.ZipFile(old, "w") as target:
        for name, content in entries.items():
            target.writestr(name, content)
    loaded = keras_vae.load_vae(old)
    assert float(to_numpy(loaded.beta)) == 2.0
    np.testing.assert_allclose(
        to_numpy(loaded.decoder.weights[0]), to_numpy(vae.decoder.weights[0])
    )


@pytest.mark.parametrize("free_bits", [0.0, 0.3])
def test_free_bits_floor_each_dimensions_batch_mean_kl(free_bits):
    latent_dim = 3
    encoder = keras_vae.build_mlp_encoder((4,), latent_dim, (8,))
    decoder = keras_vae.build_mlp_decoder((4,), latent_dim, (8,))
    vae = keras_vae.VAE(encoder, decoder, beta=0.5, free_bits=free_bits)
    rng = np.random.default_rng(0)
    x = rng.random((5, 4)).astype("float32")
    # Dimension 0 far from the prior, 1 near it, 2 exactly on it.
    z_mean = np.stack(
        [rng.normal(2, 1, 5), rng.normal(0, 0.1, 5), np.zeros(5)], axis=1
    ).astype("float32")
    z_log_var = np.stack(
        [rng.normal(-2, 0.5, 5), rng.normal(0, 0.1, 5), np.zeros(5)], axis=1
    ).astype("float32")
    logits = rng.normal(size=(5, 4)).astype("float32")
    terms = vae.compute_loss_terms(x, z_mean, z_log_var, logits)
    kl_per_dimension = np.mean(
        [
            [
                numpy_kl(m[None, j : j + 1], v[None, j : j + 1])[0]
                for j in range(3)
            ]
            for m, v in zip(z_mean, z_log_var)
        ],
        axis=0,
    )
    reconstruction = float(to_numpy(terms["reconstruction_loss"]))
    np.testing.assert_allclose(
        to_numpy(terms["kl_loss"]), kl_per_dimension.sum(), rtol=1e-5
    )
    penalty = np.maximum(kl_per_dimension, free_bits).sum()
    np.testing.assert_allclose(
        to_numpy(terms["loss"]), reconstruction + 0.5 * penalty, rtol=1e-5
    )
    assert (penalty > kl_per_dimension.sum()) == (free_bits > 0)


@pytest.mark.parametrize("name", ["beta", "free_bits"])
@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf"), "1"])
def test_bad_beta_or_free_bits_are_refused(name, value):
    encoder = keras_vae.build_mlp_encoder((4,), 2, (8,))
    decoder = keras_vae.build_mlp_decoder((4,), 2, (8,))
    with pytest.raises(ValueError, match=f"`{name}`.*finite float >= 0"):
        keras_vae.VAE(encoder, decoder, **{name: value})


def test_free_bits_is_in_the_config_and_trains():
    encoder = keras_vae.build_mlp_encoder((4,), 2, (8,))
    decoder = keras_vae.build_mlp_decoder((4,), 2, (8,))
    vae = keras_vae.VAE(encoder, decoder, free_bits=0.5, seed=0)
    restored = keras_vae.VAE.from_config(vae.get_config())
    assert restored.free_bits == 0.5
    vae.compile(optimizer="adam")
    x = np.random.default_rng(0).random((32, 4)).astype("float32")
    history = vae.fit(x, epochs=2, batch_size=8, verbose=0).history
    # Two latent dimensions with a floor of 0.5 nat each: the penalty is at
    # least 1 nat more than the reconstruction.
    assert all(
        loss >= rec + 1.0 - 1e-4
        for loss, rec in zip(history["loss"], history["reconstruction_loss"])
    )


@pytest.mark.parametrize(
    "initial_beta, betas",
    [(0.0, [0.0, 1.0, 2.0, 2.0]), (0.5, [0.5, 1.25, 2.0, 2.0])],
)
def test_epoch_warmup_reaches_the_compiled_step(digits, initial_beta, betas):
    vae = tiny_vae(beta=2.0)
    # By default, several steps per compiled call on JAX and TensorFlow.
    history = vae.fit(
        digits,
        epochs=4,
        batch_size=16,
        verbose=0,
        callbacks=[KLWarmup(epochs=2, initial_beta=initial_beta)],
    ).history
    assert history["beta"] == betas
    # beta is fixed within an epoch, so the epoch's mean loss is exactly
    # reconstruction + beta * KL if the step read the variable: a step
    # compiled with beta as a constant would use 2.0 throughout.
    for loss, rec, kl, beta in zip(
        history["loss"],
        history["reconstruction_loss"],
        history["kl_loss"],
        history["beta"],
    ):
        np.testing.assert_allclose(loss, rec + beta * kl, rtol=1e-5)
    assert float(to_numpy(vae.beta)) == 2.0


def test_step_warmup_follows_the_optimizer_steps_across_fits(digits):
    vae = tiny_vae(beta=1.0)
    # One step per call: with N, beta changes every N steps (documented).
    vae.compile(optimizer="adam", steps_per_execution=1)
    recorder = BetaRecorder()
    warmup = KLWarmup(steps=8)
    vae.fit(
        digits, epochs=1, batch_size=16, verbose=0, callbacks=[warmup, recorder]
    )
    vae.fit(
        digits, epochs=2, batch_size=16, verbose=0, callbacks=[warmup, recorder]
    )
    # 4 steps per epoch; the second fit continues from step 4.
    expected = [t / 8 for t in range(8)] + [1.0] * 4
    np.testing.assert_allclose(recorder.values, expected)


def test_cyclical_schedule_repeats():
    warmup = KLWarmup(epochs=4, schedule="cyclical", ramp_fraction=0.5)
    values = [warmup.fraction_at(t) for t in range(9)]
    assert values == [0.0, 0.5, 1.0, 1.0, 0.0, 0.5, 1.0, 1.0, 0.0]
    linear = KLWarmup(steps=4)
    assert [linear.fraction_at(t) for t in range(6)] == [
        0.0,
        0.25,
        0.5,
        0.75,
        1.0,
        1.0,
    ]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "exactly one of `epochs` and `steps`"),
        ({"epochs": 2, "steps": 2}, "exactly one of `epochs` and `steps`"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 2, "schedule": "cosine"}, "schedule"),
        ({"epochs": 2, "ramp_fraction": 0.0}, "ramp_fraction"),
        ({"epochs": 2, "target": -1.0}, "target"),
        ({"epochs": 2, "initial_beta": -0.1}, "initial_beta"),
        ({"epochs": 2, "initial_beta": float("nan")}, "initial_beta"),
    ],
)
def test_bad_warmup_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        KLWarmup(**kwargs)


def test_warmup_starting_above_its_target_is_refused(digits):
    with pytest.raises(ValueError, match="`initial_beta` <= the target"):
        tiny_vae(beta=1.0).fit(
            digits,
            epochs=1,
            verbose=0,
            callbacks=[KLWarmup(epochs=2, initial_beta=1.5)],
        )


def test_warmup_on_a_model_without_beta_is_refused():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    model.compile(optimizer="adam", loss="mse")
    x = np.zeros((8, 4), "float32")
    with pytest.raises(ValueError, match="`beta` variable"):
        model.fit(x, x, epochs=1, verbose=0, callbacks=[KLWarmup(epochs=2)])


def test_warmup_beta_is_logged_for_csv_logger(tmp_path, digits):
    vae = tiny_vae()
    log = tmp_path / "log.csv"
    vae.fit(
        digits,
        epochs=2,
        batch_size=32,
        verbose=0,
        callbacks=[KLWarmup(epochs=2), keras.callbacks.CSVLogger(str(log))],
    )
    rows = log.read_text().splitlines()
    beta_column = rows[0].split(",").index("beta")
    assert [float(row.split(",")[beta_column]) for row in rows[1:]] == [
        0.0,
        0.5,
    ]
