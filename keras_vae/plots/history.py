"""The figure of a training history."""

import numpy as np
from matplotlib.figure import Figure

from keras_vae.plots import figures

_HISTORY_KEYS = ("loss", "reconstruction_loss", "kl_loss")


def plot_history(history, path=None):
    """Plots the training curves of `fit()`: loss and its two terms.

    Args:
        history: the `keras.callbacks.History` returned by `fit()`, or its
            `.history` dict. Panels show `"loss"`, `"reconstruction_loss"`
            and `"kl_loss"`, each with its `"val_"` curve when present.
        path: optional file name; the figure is saved there as a PNG.

    Returns:
        A `matplotlib.figure.Figure` with three line plots against the
        epoch, counted from 1.

    Example:

    ```python
    history = vae.fit(x_train, epochs=10, validation_data=(x_test,))
    keras_vae.plots.plot_history(history, path="history.png")
    ```
    """
    logs = getattr(history, "history", history)
    curve_keys = [
        key for name in _HISTORY_KEYS for key in (name, f"val_{name}")
    ]
    if not any(key in logs for key in curve_keys):
        raise ValueError(
            f"Expected `history` to hold at least one of {curve_keys}. "
            f"Received keys: {sorted(logs)}"
        )
    figure = Figure(figsize=(12, 3.5))
    axes = figure.subplots(1, len(_HISTORY_KEYS))
    for axis, name in zip(axes, _HISTORY_KEYS):
        for key, curve_label in (
            (name, "train"),
            (f"val_{name}", "validation"),
        ):
            if key in logs:
                epochs = np.arange(1, len(logs[key]) + 1)
                axis.plot(epochs, logs[key], marker=".", label=curve_label)
        if axis.lines:
            axis.legend()
        axis.xaxis.get_major_locator().set_params(integer=True)
        axis.set_title(name)
        axis.set_xlabel("epoch")
        axis.set_ylabel("nats per example")
    figure.tight_layout()
    return figures.save(figure, path)
