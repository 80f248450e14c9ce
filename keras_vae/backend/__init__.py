"""The only backend-specific code: each backend's training and test step.

As Keras keeps each backend's trainer in `keras/src/backend/<name>/`, this
package holds one module per backend, and picks the one of
`keras.config.backend()` at import:

- `tensorflow`: the forward pass recorded on a `tf.GradientTape`;
- `jax`: pure functions of the state that return the new state, the
  `SeedGenerator`'s included;
- `torch`: `zero_grad()`, `backward()`, the update under `torch.no_grad()`;
  and `predict()` outputs kept on the host.

Each module defines `train_step(model, ...)`, `test_step(model, ...)` (the
arguments of Keras' own steps on that backend after `model`) and
`predict_outputs_on_host(predict_function)`. The model math they run is
written once, in `keras.ops`, by each model's `call` and
`compute_loss_terms`.
"""

import importlib

import keras

BACKENDS = ("jax", "tensorflow", "torch")

if keras.config.backend() not in BACKENDS:
    raise ImportError(
        f"keras_vae supports the backends {list(BACKENDS)}. "
        f"Received: KERAS_BACKEND={keras.config.backend()!r}"
    )
_module = importlib.import_module(f"keras_vae.backend.{keras.config.backend()}")
train_step = _module.train_step
test_step = _module.test_step
predict_outputs_on_host = _module.predict_outputs_on_host
