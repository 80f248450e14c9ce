"""`keras_vae.plots`: pictures of what a VAE learned, with matplotlib.

Every function returns a `matplotlib.figure.Figure` and, given `path`,
also saves it as a PNG. Figures are made without `pyplot`, so they need no
display and leave the user's matplotlib backend as it is; notebooks show a
returned figure as they show any other.
"""

import math

import numpy as np
from matplotlib.figure import Figure


def _image_grid(images, num_rows, num_columns, row_titles=(), title=None):
    figure = Figure(
        figsize=(num_columns * 0.9, num_rows * 0.9 + (0.5 if title else 0))
    )
    axes = figure.subplots(num_rows, num_columns, squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.set_axis_off()
        if index < len(images):
            image = np.clip(images[index], 0.0, 1.0)
            if image.shape[-1] == 1:
                axis.imshow(image[..., 0], cmap="gray", vmin=0.0, vmax=1.0)
            else:
                axis.imshow(image)
    for axis_row, row_title in zip(axes, row_titles):
        axis_row[0].set_title(row_title, fontsize=8, loc="left")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def _save(figure, path):
    if path is not None:
        figure.savefig(path, dpi=100)
    return figure


def plot_reconstructions(vae, x, path=None):
    """Shows images above their reconstructions `decode(encode(x)[0])`.

    Args:
        vae: a trained `keras_vae.VAE`.
        x: up to a few dozen images, shape `(num_images, height, width,
            channels)`, values in `[0, 1]`.
        path: optional file name; the figure is saved there as a PNG.

    Returns:
        A `matplotlib.figure.Figure` with two rows of `num_images` panels.

    Example:

    ```python
    keras_vae.plots.plot_reconstructions(vae, x_test[:10], "recon.png")
    ```
    """
    x = np.asarray(x)
    reconstructions = vae.reconstruct(x)
    figure = _image_grid(
        np.concatenate([x, reconstructions]),
        2,
        len(x),
        row_titles=("original", "reconstruction"),
    )
    return _save(figure, path)


def plot_samples(vae, num_samples=64, seed=None, path=None):
    """Shows a square-ish grid of decoded prior samples `z ~ N(0, I)`.

    Args:
        vae: a trained `keras_vae.VAE`.
        num_samples: positive integer, how many samples to draw.
        seed: optional integer for reproducible samples.
        path: optional file name; the figure is saved there as a PNG.

    Returns:
        A `matplotlib.figure.Figure` with `num_samples` image panels.

    Example:

    ```python
    keras_vae.plots.plot_samples(vae, 64, seed=0, path="samples.png")
    ```
    """
    samples = vae.sample(num_samples, seed=seed)
    num_columns = math.ceil(math.sqrt(num_samples))
    num_rows = math.ceil(num_samples / num_columns)
    figure = _image_grid(
        samples, num_rows, num_columns, title="samples from the prior"
    )
    return _save(figure, path)
