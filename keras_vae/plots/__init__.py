"""`keras_vae.plots`: pictures of what a VAE learned, with matplotlib.

Every function returns a `matplotlib.figure.Figure` and, given `path`,
also saves it as a PNG. Figures are made without `pyplot`, so they need no
display and leave the user's matplotlib backend as it is; notebooks show a
returned figure as they show any other.

All pixels come from the model's `codes`, `decode`, `reconstruct` and
`sample`, which take and return NumPy arrays, so the plots work the same on
every Keras backend, for a `VAE`, `IWAE`, `HierarchicalVAE` and
`Autoencoder` alike; a `ConditionalVAE` has `plot_class_samples`. Samples
are decoded draws of the model's own prior (`model.prior`: `N(0, I)`, a
`VampPrior`'s mixture, ...; `N(0, I)` for an `Autoencoder`), and the titles
name it. A `HierarchicalVAE`'s latent plots (scatter, manifold, traversals,
interpolation) show its top stochastic layer `z_L`, the space of its
`latent_dim`, `codes` and `decode`; their titles say so.
"""

import pathlib

import numpy as np

from keras_vae.plots.history import plot_history
from keras_vae.plots.images import plot_class_samples
from keras_vae.plots.images import plot_interpolation
from keras_vae.plots.images import plot_reconstructions
from keras_vae.plots.images import plot_sample_comparison
from keras_vae.plots.images import plot_samples
from keras_vae.plots.images import plot_traversals
from keras_vae.plots.latent import MAX_SCATTER_EXAMPLES
from keras_vae.plots.latent import plot_latent_manifold
from keras_vae.plots.latent import plot_latent_scatter

__all__ = [
    "plot_class_samples",
    "plot_history",
    "plot_interpolation",
    "plot_latent_manifold",
    "plot_latent_scatter",
    "plot_reconstructions",
    "plot_sample_comparison",
    "plot_samples",
    "plot_traversals",
    "save_all",
]


def save_all(
    vae, x, y=None, history=None, output_dir=".", num_samples=64, seed=0
):
    """Writes every plot that applies to `vae` as PNGs in `output_dir`.

    The files, in this order: `reconstructions.png` (the first 12 examples
    of `x`), `samples.png`, `traversals.png` (of `x[0]`), `interpolation.png`
    (from `x[0]` to `x[1]`), `latent_scatter.png` (when `y` is given; the
    first 5000 examples), `latent_manifold.png` (when `latent_dim == 2`) and
    `history.png` (when `history` is given). For a `ConditionalVAE`:
    `reconstructions.png` (with the labels `y`), `class_samples.png` and
    `history.png`.

    Args:
        vae: a trained `keras_vae.VAE`, `IWAE`, `HierarchicalVAE` (its
            top layer's `latent_dim` decides the manifold), `Autoencoder`
            or `ConditionalVAE`, with any prior.
        x: at least two examples, shape `(num_examples, *data_shape)`.
        y: optional integer labels of `x`, shape `(num_examples,)`.
        history: optional `keras.callbacks.History` or its `.history` dict.
        output_dir: directory to write to; created if missing.
        num_samples: positive integer, the samples of the model's prior
            to show.
        seed: optional integer seed of the prior samples.

    Returns:
        The list of written `pathlib.Path`s, in the order above.

    Example:

    ```python
    history = vae.fit(x_train, epochs=10, validation_data=(x_test,))
    paths = keras_vae.plots.save_all(
        vae, x_test, y_test, history=history, output_dir="plots"
    )
    ```
    """
    x = np.asarray(x)
    if x.ndim == 0 or len(x) < 2:
        raise ValueError(
            "Expected `x` to be a batch of at least 2 examples (the "
            f"interpolation goes from x[0] to x[1]). Received: x.shape={x.shape}"
        )
    output_dir = pathlib.Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = []

    def write(file_name, plot, *args, **kwargs):
        path = output_dir / file_name
        plot(*args, path=path, **kwargs)
        paths.append(path)

    if hasattr(vae, "num_classes"):
        # A ConditionalVAE: its plots take the labels, its samples a class.
        if y is None:
            raise ValueError(
                "A ConditionalVAE's plots need the labels: pass `y`."
            )
        write(
            "reconstructions.png",
            plot_reconstructions,
            vae,
            x[:12],
            labels=np.asarray(y)[:12],
        )
        write("class_samples.png", plot_class_samples, vae, seed=seed)
        if history is not None:
            write("history.png", plot_history, history)
        return paths
    write("reconstructions.png", plot_reconstructions, vae, x[:12])
    write("samples.png", plot_samples, vae, num_samples, seed=seed)
    write("traversals.png", plot_traversals, vae, x[0])
    write("interpolation.png", plot_interpolation, vae, x[0], x[1])
    if y is not None:
        write(
            "latent_scatter.png",
            plot_latent_scatter,
            vae,
            x[:MAX_SCATTER_EXAMPLES],
            np.asarray(y)[:MAX_SCATTER_EXAMPLES],
        )
    if vae.latent_dim == 2:
        write("latent_manifold.png", plot_latent_manifold, vae)
    if history is not None:
        write("history.png", plot_history, history)
    return paths
