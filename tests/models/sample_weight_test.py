"""`sample_weight` in `fit` and `evaluate`, for every model and data kind.

The models' noise is made negligible (the posterior standard deviation is
`exp(-15)`), so that a batch and its copy with duplicated examples give the
same loss and the same step: a weight of 2 must count as a duplicate.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_vae
from tests.helpers import IMAGE_SHAPE
from tests.helpers import synthetic_digits
from tests.helpers import to_numpy

NUM_CLASSES = 3
MODELS = ("vae", "iwae", "cvae", "autoencoder", "hvae")


def near_deterministic(name, seed=0):
    """A compiled model whose `z` is its posterior mean to float32 precision."""
    keras.utils.set_random_seed(seed)
    num_classes = NUM_CLASSES if name == "cvae" else None
    encoder = keras_vae.build_mlp_encoder(
        IMAGE_SHAPE, 2, (16,), num_classes=num_classes
    )
    decoder = keras_vae.build_mlp_decoder(
        IMAGE_SHAPE, 2, (16,), num_classes=num_classes
    )
    if name == "hvae":
        encoders, decoders = keras_vae.build_mlp_hierarchy(
            IMAGE_SHAPE, latent_dims=(3, 2), hidden_units=((16,), (8,))
        )
        encoder = encoders[0]
    log_var = encoder.get_layer("z_log_var")
    log_var.set_weights(
        [np.zeros_like(log_var.kernel), np.full(log_var.bias.shape, -30.0)]
    )
    if name == "hvae":
        # beta=0: the upper layers' densities depend on the noise.
        model = keras_vae.HierarchicalVAE(
            encoders, decoders, num_samples=3, beta=0.0, seed=seed
        )
    elif name == "vae":
        model = keras_vae.VAE(encoder, decoder, seed=seed)
    elif name == "iwae":
        # beta=0: log q(z | x) depends on the noise however small it is.
        model = keras_vae.IWAE(
            encoder, decoder, num_samples=3, beta=0.0, seed=seed
        )
    elif name == "cvae":
        model = keras_vae.ConditionalVAE(encoder, decoder, seed=seed)
    else:
        model = keras_vae.Autoencoder(encoder, decoder)
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    return model


@pytest.fixture(scope="module")
def data():
    x, _ = synthetic_digits(8, seed=0)
    y = np.arange(8) % NUM_CLASSES
    return x, y


def weights_of(model):
    return [to_numpy(variable).copy() for variable in model.trainable_variables]


def fit_once(model, x, y, **kwargs):
    """One SGD step on the whole batch."""
    model.fit(
        x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0, **kwargs
    )
    return weights_of(model)


def labels_for(name, y):
    return y if name == "cvae" else None


@pytest.mark.parametrize("name", MODELS)
def test_zero_weights_move_no_weight(name, data):
    x, y = data
    model = near_deterministic(name)
    before = weights_of(model)
    after = fit_once(
        model, x, labels_for(name, y), sample_weight=np.zeros(len(x))
    )
    for old, new in zip(before, after):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("name", MODELS)
def test_a_weight_of_two_trains_as_a_duplicated_example(name, data):
    x, y = data
    weights = np.ones(len(x), "float32")
    weights[:3] = 2.0
    duplicated = np.concatenate([x, x[:3]])
    duplicated_y = np.concatenate([y, y[:3]])
    weighted = fit_once(
        near_deterministic(name), x, labels_for(name, y), sample_weight=weights
    )
    copied = fit_once(
        near_deterministic(name), duplicated, labels_for(name, duplicated_y)
    )
    unweighted = fit_once(near_deterministic(name), x, labels_for(name, y))
    for with_weights, with_copies in zip(weighted, copied):
        np.testing.assert_allclose(with_weights, with_copies, atol=2e-6)
    assert any(
        not np.allclose(a, b, atol=1e-5) for a, b in zip(weighted, unweighted)
    )


@pytest.mark.parametrize("name", MODELS)
def test_evaluate_and_the_logged_terms_are_weighted_means(name, data):
    x, y = data
    model = near_deterministic(name)
    weights = np.zeros(len(x), "float32")
    weights[2] = 1.0
    weighted = model.evaluate(
        x,
        labels_for(name, y),
        sample_weight=weights,
        batch_size=4,
        return_dict=True,
        verbose=0,
    )
    alone = model.evaluate(
        x[2:3], labels_for(name, y[2:3]), return_dict=True, verbose=0
    )
    assert set(weighted) == set(model.LOSS_TERMS)
    # A hierarchy's kl_loss is estimated on fresh draws of each layer: no
    # two evaluations give the same.
    exact_terms = [
        term
        for term in model.LOSS_TERMS
        if not (name == "hvae" and term == "kl_loss")
    ]
    for term in exact_terms:
        np.testing.assert_allclose(weighted[term], alone[term], rtol=1e-5)


def weighted_dataset(name, x, y, weights, kind):
    """`(x, y, w)` batches of 4, as a tf.data pipeline or a generator; `y` is
    `None` for the unconditional models."""
    labels = labels_for(name, y)
    if kind == "tf.data":
        if labels is None:
            return (
                tf.data.Dataset.from_tensor_slices((x, weights))
                .map(lambda x, w: (x, None, w))
                .batch(4)
            )
        return tf.data.Dataset.from_tensor_slices((x, labels, weights)).batch(4)

    def batches():
        while True:
            for start in range(0, len(x), 4):
                stop = start + 4
                batch_y = None if labels is None else labels[start:stop]
                yield x[start:stop], batch_y, weights[start:stop]

    return batches()


@pytest.mark.parametrize("kind", ["tf.data", "generator"])
@pytest.mark.parametrize("name", MODELS)
def test_datasets_of_x_y_and_weights_are_weighted(name, kind, data):
    x, y = data
    weights = np.zeros(len(x), "float32")
    model = near_deterministic(name)
    before = weights_of(model)
    fit_kwargs = {"steps_per_epoch": 2} if kind == "generator" else {}
    model.fit(
        weighted_dataset(name, x, y, weights, kind),
        epochs=1,
        shuffle=False,
        verbose=0,
        **fit_kwargs,
    )
    for old, new in zip(before, weights_of(model)):
        np.testing.assert_array_equal(old, new)
    weights[5] = 1.0
    logs = model.evaluate(
        weighted_dataset(name, x, y, weights, kind),
        return_dict=True,
        verbose=0,
        **({"steps": 2} if kind == "generator" else {}),
    )
    alone = model.evaluate(
        x[5:6], labels_for(name, y[5:6]), return_dict=True, verbose=0
    )
    np.testing.assert_allclose(logs["loss"], alone["loss"], rtol=1e-5)


@pytest.mark.parametrize(
    "weights, message",
    [
        (np.ones(7), r"shape \(8,\)"),
        (np.full(8, -1.0), "non-negative"),
        (np.array([np.nan] + [1.0] * 7), "NaN"),
        (np.array(["a"] * 8), "dtype"),
    ],
)
def test_bad_weights_are_refused_before_any_step(weights, message, data):
    x, _ = data
    model = near_deterministic("vae")
    before = weights_of(model)
    with pytest.raises((ValueError, TypeError), match=message):
        model.fit(x, sample_weight=weights, batch_size=4, verbose=0)
    with pytest.raises((ValueError, TypeError), match=message):
        model.fit(
            x, validation_data=(x, None, weights), batch_size=4, verbose=0
        )
    for old, new in zip(before, weights_of(model)):
        np.testing.assert_array_equal(old, new)
    model.fit(x, batch_size=4, verbose=0)
