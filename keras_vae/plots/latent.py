"""Figures of the latent space: the decoded manifold, the codes' scatter."""

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from keras_vae import checks
from keras_vae.plots import figures

# More classes than this get a continuous colour bar instead of a legend.
_MAX_LEGEND_CLASSES = 10
# `save_all` draws the scatter of at most this many examples.
MAX_SCATTER_EXAMPLES = 5000


def plot_latent_manifold(vae, grid_size=20, path=None):
    """Decodes a grid of a 2-D latent space into one mosaic image.

    The grid points sit at the quantiles 0.05 ... 0.95 of `N(0, 1)` on each
    axis, so equal steps cover equal mass of the `N(0, I)` prior, as in the
    MNIST manifold figure of Kingma & Welling (2014). The grid spans these
    `N(0, I)` quantiles whatever the model's prior: under a `VampPrior` its
    mass may lie partly outside the grid. `z[0]` grows to the right and
    `z[1]` upward; the ticks give the `z` values of some tiles.

    Args:
        vae: a trained `keras_vae.VAE` with `latent_dim == 2`; for a
            `HierarchicalVAE`, its top layer `z_L` of size 2.
        grid_size: positive integer, the number of tiles per side.
        path: optional file name; the figure is saved there as a PNG.

    Returns:
        A `matplotlib.figure.Figure` with one image of
        `(grid_size * height, grid_size * width)` pixels.

    Example:

    ```python
    keras_vae.plots.plot_latent_manifold(vae, 20, path="manifold.png")
    ```
    """
    if vae.latent_dim != 2:
        raise ValueError(
            "`plot_latent_manifold` needs a 2-D latent space, expected "
            "latent_dim=2; use `plot_latent_scatter` or `plot_traversals` "
            f"for other sizes. Received: latent_dim={vae.latent_dim}"
        )
    grid_size = checks.positive_int("grid_size", grid_size)
    quantiles = figures.normal_quantiles(grid_size)
    # The top row of the image holds the largest z[1].
    z1_by_row, z0_by_column = np.meshgrid(
        quantiles[::-1], quantiles, indexing="ij"
    )
    z = np.stack([z0_by_column.ravel(), z1_by_row.ravel()], axis=-1)
    tiles = vae.decode(z)
    height, width, channels = tiles.shape[1:]
    mosaic = (
        tiles.reshape(grid_size, grid_size, height, width, channels)
        .transpose(0, 2, 1, 3, 4)
        .reshape(grid_size * height, grid_size * width, channels)
    )
    figure = Figure(figsize=(8, 8))
    axis = figure.subplots()
    figures.show_image(axis, mosaic)
    tick_tiles = np.unique(
        np.linspace(0, grid_size - 1, min(5, grid_size)).round().astype(int)
    )
    axis.set_xticks(
        (tick_tiles + 0.5) * width - 0.5,
        [f"{quantiles[tile]:.2f}" for tile in tick_tiles],
    )
    axis.set_yticks(
        (tick_tiles + 0.5) * height - 0.5,
        [f"{quantiles[::-1][tile]:.2f}" for tile in tick_tiles],
    )
    axis.set_xlabel("z[0]")
    axis.set_ylabel("z[1]")
    axis.set_title(
        "decoded latent grid at N(0, 1) quantiles" + figures.layer_suffix(vae)
    )
    figure.tight_layout()
    return figures.save(figure, path)


def plot_latent_scatter(vae, x, y, path=None):
    """Scatters the encoded means `encode(x)[0]`, coloured by label.

    With `latent_dim > 2` the means are projected on their first two
    principal components; with `latent_dim == 1`, `z[0]` is plotted against
    the label. A `HierarchicalVAE`'s means are its top layer's.

    Args:
        vae: a trained `keras_vae.VAE`.
        x: data of shape `(num_examples, *data_shape)`; a few thousand
            examples show the structure.
        y: integer labels of shape `(num_examples,)`.
        path: optional file name; the figure is saved there as a PNG.

    Returns:
        A `matplotlib.figure.Figure` with one scatter plot of `num_examples`
        points and a legend (up to 10 classes) or a colour bar.

    Example:

    ```python
    keras_vae.plots.plot_latent_scatter(
        vae, x_test[:5000], y_test[:5000], path="scatter.png"
    )
    ```
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if y.shape != (len(x),):
        raise ValueError(
            "Expected `y` to hold one label per example of `x`, shape "
            f"({len(x)},). Received: y.shape={y.shape} for x.shape={x.shape}"
        )
    z_mean = vae.codes(x)
    if vae.latent_dim > 2:
        centred = z_mean - z_mean.mean(axis=0)
        _, _, components = np.linalg.svd(centred, full_matrices=False)
        points = centred @ components[:2].T
        axis_labels = ("PC 1", "PC 2")
    elif vae.latent_dim == 2:
        points = z_mean
        axis_labels = ("z[0]", "z[1]")
    else:
        points = np.stack([z_mean[:, 0], y], axis=-1)
        axis_labels = ("z[0]", "label")
    figure = Figure(figsize=(6, 5))
    axis = figure.subplots()
    classes = np.unique(y)
    if len(classes) <= _MAX_LEGEND_CLASSES:
        colormap = matplotlib.colormaps["tab10"]
        for index, label in enumerate(classes):
            in_class = y == label
            axis.scatter(
                points[in_class, 0],
                points[in_class, 1],
                s=4,
                color=colormap(index),
                label=str(label),
            )
        axis.legend(title="label", markerscale=3, fontsize=8)
    else:
        collection = axis.scatter(
            points[:, 0], points[:, 1], s=4, c=y, cmap="viridis"
        )
        figure.colorbar(collection, ax=axis, label="label")
    axis.set_xlabel(axis_labels[0])
    axis.set_ylabel(axis_labels[1])
    axis.set_title("encoded means" + figures.layer_suffix(vae))
    figure.tight_layout()
    return figures.save(figure, path)
