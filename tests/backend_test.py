"""`backend.predict_outputs_on_host`: what `log_likelihood`'s `predict()` keeps."""

import keras
import numpy as np

from keras_vae import backend
from tests.helpers import tiny_vae
from tests.helpers import to_numpy

BACKEND = keras.backend.backend()


def test_torch_predict_steps_return_numpy_copies_other_backends_unchanged():
    # Keras' torch `predict()` keeps every step's output; kept as tensors
    # from a compiled step, 10,000 of them grew the process to 24 GB.
    decoder = tiny_vae().decoder
    decoder.compile()
    decoder.make_predict_function()
    keras_step = decoder.predict_function
    host_step = backend.predict_outputs_on_host(keras_step)
    if BACKEND != "torch":
        assert host_step is keras_step
        return
    z = keras.ops.convert_to_tensor(
        np.random.default_rng(0).normal(size=(3, 2)).astype("float32")
    )
    outputs = host_step([z])
    assert isinstance(outputs, np.ndarray)
    np.testing.assert_allclose(outputs, to_numpy(decoder(z)), rtol=1e-6)
