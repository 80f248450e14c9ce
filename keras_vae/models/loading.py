"""Loading a saved model with errors that say what is wrong with the file."""

import pathlib
import zipfile

import keras

from keras_vae.models.base import BaseAutoencoder


def load_vae(path, safe_mode=True):
    """Loads a keras-vae model (`VAE`, `ConditionalVAE`, `Autoencoder`).

    Like `keras.saving.load_model`, with clear errors for a missing file, a
    file that is not a `.keras` archive, and a model that is not a keras-vae model.

    Args:
        path: path of a `.keras` file.
        safe_mode: passed to `keras.saving.load_model`; `True` refuses to
            deserialize arbitrary code such as `Lambda` layers.

    Returns:
        The model, compiled with its saved optimizer state when it
        was saved compiled.

    Raises:
        FileNotFoundError: if there is no file at `path`.
        ValueError: if the file is not a `.keras` (zip) archive, is an
            incomplete or corrupt one, or holds code that `safe_mode`
            refuses to run.
        TypeError: if the file holds a model that is not a keras-vae model.

    Example:

    ```python
    vae = keras_vae.load_vae("saved_models/vae_mnist.keras")
    ```
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"No model file at {path}. Expected a `.keras` file written by "
            "`vae.save(...)` or `keras-vae train`."
        )
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is not a `.keras` model file (a zip archive): it is "
            "truncated, corrupt or in another format. Save the model again "
            "with `vae.save(...)`."
        )
    try:
        model = keras.saving.load_model(path, safe_mode=safe_mode)
    except (KeyError, OSError, ValueError, zipfile.BadZipFile) as error:
        # A zip missing its config or weights, or with corrupt ones, and
        # Keras' own refusals (e.g. a `Lambda` layer under `safe_mode`).
        raise ValueError(f"Could not load the model in {path}: {error}") from (
            error
        )
    if not isinstance(model, BaseAutoencoder):
        raise TypeError(
            f"{path} holds a {type(model).__name__}, expected a keras_vae "
            "model: a VAE, ConditionalVAE or Autoencoder."
        )
    return model
