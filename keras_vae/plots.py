"""`keras_vae.plots`: pictures of what a VAE learned, with matplotlib.

Every function returns a `matplotlib.figure.Figure` and, given `path`,
also saves it as a PNG. Figures are made without `pyplot`, so they need no
display and leave the user's matplotlib backend as it is; notebooks show a
returned figure as they show any other.

All pixels come from the model's `codes`, `decode`, `reconstruct` and
`sample`, which take and return NumPy arrays, so the plots work the same on
every Keras backend, for a `VAE` and an `Autoencoder` alike; a
`ConditionalVAE` has `plot_class_samples`.
"""

import math
import pathlib
import statistics

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from keras_vae import checks

_HISTORY_KEYS = ("loss", "reconstruction_loss", "kl_loss")
# More classes than this get a continuous colour bar instead of a legend.
_MAX_LEGEND_CLASSES = 10
_MAX_SCATTER_EXAMPLES = 5000


def _show_image(axis, image):
    image = np.clip(image, 0.0, 1.0)
    if image.shape[-1] == 1:
        axis.imshow(image[..., 0], cmap="gray", vmin=0.0, vmax=1.0)
    else:
        axis.imshow(image)


def _image_grid(images, num_rows, num_columns, row_titles=(), title=None):
    figure = Figure(
        figsize=(num_columns * 0.9, num_rows * 0.9 + (0.5 if title else 0))
    )
    axes = figure.subplots(num_rows, num_columns, squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.set_axis_off()
        if index < len(images):
            _show_image(axis, images[index])
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


def _first_example(vae, x, name):
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


def _normal_quantiles(num_points):
    """`num_points` quantiles of N(0, 1) at probabilities 0.05 ... 0.95."""
    return np.array(
        [
            statistics.NormalDist().inv_cdf(probability)
            for probability in np.linspace(0.05, 0.95, num_points)
        ],
        dtype="float32",
    )


def plot_reconstructions(vae, x, path=None, labels=None):
    """Shows images above their reconstructions `decode(codes(x))`.

    Args:
        vae: a trained `keras_vae.VAE`, `Autoencoder` or `ConditionalVAE`.
        x: up to a few dozen images, shape `(num_images, height, width,
            channels)`, values in `[0, 1]`.
        path: optional file name; the figure is saved there as a PNG.
        labels: the images' labels, for a `ConditionalVAE` only.

    Returns:
        A `matplotlib.figure.Figure` with two rows of `num_images` panels.

    Example:

    ```python
    keras_vae.plots.plot_reconstructions(vae, x_test[:10], "recon.png")
    ```
    """
    x = np.asarray(x)
    if labels is None:
        reconstructions = vae.reconstruct(x)
    else:
        reconstructions = vae.reconstruct(x, labels)
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


def plot_sample_comparison(models, num_samples=10, seed=0, path=None):
    """Decodes the same draws `z ~ N(0, I)` with several models, a row each.

    Shows what makes a VAE generative: its decoder was trained on codes
    pulled towards `N(0, I)`, so prior draws decode to plausible images; an
    `Autoencoder`'s decoder never saw most of them.

    Args:
        models: dict from a row title to a trained model with `sample`
            (`VAE`, `Autoencoder`), e.g. `{"VAE": vae, "Autoencoder": ae}`.
        num_samples: positive integer, images per row.
        seed: integer; each model decodes the same draws when the latent
            sizes agree.
        path: optional file name; the figure is saved there as a PNG.

    Returns:
        A `matplotlib.figure.Figure` with one row of `num_samples` panels
        per model.

    Example:

    ```python
    keras_vae.plots.plot_sample_comparison(
        {"VAE": vae, "Autoencoder": autoencoder}, path="prior_samples.png"
    )
    ```
    """
    if not models:
        raise ValueError("Expected at least one model in `models`.")
    num_samples = checks.positive_int("num_samples", num_samples)
    samples = [
        model.sample(num_samples, seed=seed) for model in models.values()
    ]
    figure = _image_grid(
        np.concatenate(samples),
        len(samples),
        num_samples,
        row_titles=[f"{name}: decode(z), z ~ N(0, I)" for name in models],
    )
    return _save(figure, path)


def plot_class_samples(model, samples_per_class=10, seed=0, path=None):
    """Samples of a `ConditionalVAE`, one row per class.

    Args:
        model: a trained `keras_vae.ConditionalVAE`.
        samples_per_class: positive integer, images per row.
        seed: integer; every row decodes the same draws `z ~ N(0, I)`, so
            a column shows one "style" across classes.
        path: optional file name; the figure is saved there as a PNG.

    Returns:
        A `matplotlib.figure.Figure` with `num_classes` rows.

    Example:

    ```python
    keras_vae.plots.plot_class_samples(cvae, path="class_samples.png")
    ```
    """
    samples_per_class = checks.positive_int(
        "samples_per_class", samples_per_class
    )
    z = model.prior_draws(samples_per_class, seed=seed)
    labels = np.repeat(np.arange(model.num_classes), samples_per_class)
    images = model.decode(np.tile(z, (model.num_classes, 1)), labels)
    figure = _image_grid(
        images,
        model.num_classes,
        samples_per_class,
        row_titles=[f"class {label}" for label in range(model.num_classes)],
    )
    return _save(figure, path)


def plot_latent_manifold(vae, grid_size=20, path=None):
    """Decodes a grid of a 2-D latent space into one mosaic image.

    The grid points sit at the quantiles 0.05 ... 0.95 of `N(0, 1)` on each
    axis, so equal steps cover equal prior mass, as in the MNIST manifold
    figure of Kingma & Welling (2014). `z[0]` grows to the right and `z[1]`
    upward; the ticks give the `z` values of some tiles.

    Args:
        vae: a trained `keras_vae.VAE` with `latent_dim == 2`.
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
    quantiles = _normal_quantiles(grid_size)
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
    _show_image(axis, mosaic)
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
    axis.set_title("decoded latent grid at Gaussian quantiles")
    figure.tight_layout()
    return _save(figure, path)


def plot_latent_scatter(vae, x, y, path=None):
    """Scatters the encoded means `encode(x)[0]`, coloured by label.

    With `latent_dim > 2` the means are projected on their first two
    principal components; with `latent_dim == 1`, `z[0]` is plotted against
    the label.

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
    axis.set_title("encoded means")
    figure.tight_layout()
    return _save(figure, path)


def plot_traversals(vae, x, num_steps=9, span=3.0, path=None):
    """Decodes an example's code with one latent dimension swept at a time.

    Row `d` decodes `encode(x)[0]` with `z[d]` replaced by
    `linspace(-span, span, num_steps)`, the other dimensions kept, showing
    what each dimension controls.

    Args:
        vae: a trained `keras_vae.VAE`.
        x: one example of shape `data_shape`, or a batch of which the first
            example is used.
        num_steps: positive integer, the number of values per dimension.
        span: positive float; the sweep goes from `-span` to `span`, in
            prior standard deviations.
        path: optional file name; the figure is saved there as a PNG.

    Returns:
        A `matplotlib.figure.Figure` with `latent_dim` rows of `num_steps`
        image panels.

    Example:

    ```python
    keras_vae.plots.plot_traversals(vae, x_test[:1], path="traversals.png")
    ```
    """
    num_steps = checks.positive_int("num_steps", num_steps)
    if (
        not isinstance(span, (int, float))
        or isinstance(span, bool)
        or not 0 < span < math.inf
    ):
        raise ValueError(
            "Received an invalid value for `span`, expected a finite float "
            f"> 0. Received: span={span!r}"
        )
    z_mean = vae.codes(_first_example(vae, x, "x"))[0]
    z = np.tile(z_mean, (vae.latent_dim * num_steps, 1))
    sweep = np.linspace(-span, span, num_steps)
    for dimension in range(vae.latent_dim):
        first_row = dimension * num_steps
        z[first_row : first_row + num_steps, dimension] = sweep
    figure = _image_grid(
        vae.decode(z),
        vae.latent_dim,
        num_steps,
        row_titles=[f"z[{dimension}]" for dimension in range(vae.latent_dim)],
        title=f"latent traversals from {-span:g} to {span:g}",
    )
    return _save(figure, path)


def plot_interpolation(vae, x_a, x_b, steps=10, path=None):
    """Decodes points on the straight line between two examples' codes.

    Args:
        vae: a trained `keras_vae.VAE`.
        x_a: the start, one example of shape `data_shape` or a batch of
            which the first example is used.
        x_b: the end, in the same form.
        steps: integer >= 2, the number of points, both ends included.
        path: optional file name; the figure is saved there as a PNG.

    Returns:
        A `matplotlib.figure.Figure` with one row of `steps` image panels,
        from `decode(encode(x_a)[0])` to `decode(encode(x_b)[0])`.

    Example:

    ```python
    keras_vae.plots.plot_interpolation(
        vae, x_test[0], x_test[1], steps=10, path="interpolation.png"
    )
    ```
    """
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 2:
        raise ValueError(
            "Received an invalid value for `steps`, expected an integer >= 2 "
            f"(both ends are included). Received: steps={steps!r}"
        )
    z_a = vae.codes(_first_example(vae, x_a, "x_a"))
    z_b = vae.codes(_first_example(vae, x_b, "x_b"))
    weights = np.linspace(0.0, 1.0, steps)[:, np.newaxis]
    z = (1.0 - weights) * z_a + weights * z_b
    figure = _image_grid(
        vae.decode(z.astype("float32")),
        1,
        steps,
        title="interpolation between two encoded means",
    )
    return _save(figure, path)


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
    return _save(figure, path)


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
        vae: a trained `keras_vae.VAE`, `IWAE`, `Autoencoder` or
            `ConditionalVAE`.
        x: at least two examples, shape `(num_examples, *data_shape)`.
        y: optional integer labels of `x`, shape `(num_examples,)`.
        history: optional `keras.callbacks.History` or its `.history` dict.
        output_dir: directory to write to; created if missing.
        num_samples: positive integer, the prior samples to show.
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
            x[:_MAX_SCATTER_EXAMPLES],
            np.asarray(y)[:_MAX_SCATTER_EXAMPLES],
        )
    if vae.latent_dim == 2:
        write("latent_manifold.png", plot_latent_manifold, vae)
    if history is not None:
        write("history.png", plot_history, history)
    return paths
