"""What the figures of `keras_vae.plots` share: image grids, saving."""

import statistics

import numpy as np
from matplotlib.figure import Figure

from keras_vae import priors


def show_image(axis, image):
    image = np.clip(image, 0.0, 1.0)
    if image.shape[-1] == 1:
        axis.imshow(image[..., 0], cmap="gray", vmin=0.0, vmax=1.0)
    else:
        axis.imshow(image)


def image_grid(images, num_rows, num_columns, row_titles=(), title=None):
    figure = Figure(
        figsize=(num_columns * 0.9, num_rows * 0.9 + (0.5 if title else 0))
    )
    axes = figure.subplots(num_rows, num_columns, squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.set_axis_off()
        if index < len(images):
            show_image(axis, images[index])
    for axis_row, row_title in zip(axes, row_titles):
        axis_row[0].set_title(row_title, fontsize=8, loc="left")
    if title:
        figure.suptitle(title, fontsize=10, wrap=True)
    figure.tight_layout()
    return figure


def save(figure, path):
    if path is not None:
        figure.savefig(path, dpi=100)
    return figure


def first_example(vae, x, name):
    """Returns the first example of `x` as a batch of one.

    `x` is one example of shape `vae.data_shape` or a batch of them.
    """
    x = np.asarray(x)
    if x.shape == vae.data_shape:
        return x[np.newaxis]
    if x.shape[1:] == vae.data_shape and len(x) > 0:
        return x[:1]
    raise ValueError(
        f"Expected `{name}` to be one example of shape {vae.data_shape} or a "
        f"non-empty batch of shape (num_examples, *{vae.data_shape}). "
        f"Received: {name}.shape={x.shape}"
    )


def normal_quantiles(num_points):
    """`num_points` quantiles of N(0, 1) at probabilities 0.05 ... 0.95."""
    return np.array(
        [
            statistics.NormalDist().inv_cdf(probability)
            for probability in np.linspace(0.05, 0.95, num_points)
        ],
        dtype="float32",
    )


def prior_name(model):
    """A few words naming the prior that `model.sample()` draws from.

    `N(0, I)` for a `StandardNormal` prior and for a model without one (an
    `Autoencoder` samples `N(0, I)`); `VampPrior (K components)`; else the
    prior's class name.
    """
    prior = getattr(model, "prior", None)
    if prior is None or isinstance(prior, priors.StandardNormal):
        return "N(0, I)"
    if isinstance(prior, priors.VampPrior):
        return f"VampPrior ({prior.num_pseudo_inputs} components)"
    return type(prior).__name__


def layer_suffix(model):
    """`" (top layer z_L of L)"` for a model with several stochastic layers,
    whose latent plots show the top one; `""` for the others."""
    num_layers = len(getattr(model, "latent_dims", ()))
    if num_layers < 2:
        return ""
    return f" (top layer z_{num_layers} of {num_layers})"
