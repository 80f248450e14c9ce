"""Figures of images: reconstructions, samples, traversals, interpolations."""

import math

import numpy as np

from keras_vae import checks
from keras_vae.plots import figures


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
    figure = figures.image_grid(
        np.concatenate([x, reconstructions]),
        2,
        len(x),
        row_titles=("original", "reconstruction"),
    )
    return figures.save(figure, path)


def plot_samples(vae, num_samples=64, seed=None, path=None):
    """Shows a square-ish grid of decoded prior samples `z ~ p(z)`.

    The draws are the model's prior's, `vae.sample()`'s: `N(0, I)` by
    default (and for an `Autoencoder`), a `VampPrior`'s mixture, ...; the
    title names it.

    Args:
        vae: a trained `keras_vae.VAE`, or any model with `sample`.
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
    figure = figures.image_grid(
        samples,
        num_rows,
        num_columns,
        title=f"samples from the prior {figures.prior_name(vae)}",
    )
    return figures.save(figure, path)


def plot_sample_comparison(models, num_samples=10, seed=0, path=None):
    """Decodes draws of each model's prior with that model, a row each.

    Shows what makes a VAE generative: its decoder was trained on codes
    pulled towards its prior, so prior draws decode to plausible images; an
    `Autoencoder`'s decoder never saw most of the `N(0, I)` draws it gets.
    Each row's title names the prior it draws.

    Args:
        models: dict from a row title to a trained model with `sample`
            (`VAE`, `Autoencoder`), e.g. `{"VAE": vae, "Autoencoder": ae}`.
        num_samples: positive integer, images per row.
        seed: integer; models whose prior is `N(0, I)` (and an
            `Autoencoder`) decode the same draws when the latent sizes
            agree. Other priors draw their own.
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
    figure = figures.image_grid(
        np.concatenate(samples),
        len(samples),
        num_samples,
        row_titles=[
            f"{name}: decode(z), z ~ {figures.prior_name(model)}"
            for name, model in models.items()
        ],
    )
    return figures.save(figure, path)


def plot_class_samples(model, samples_per_class=10, seed=0, path=None):
    """Samples of a `ConditionalVAE`, one row per class.

    Args:
        model: a trained `keras_vae.ConditionalVAE`.
        samples_per_class: positive integer, images per row.
        seed: integer; every row decodes the same draws `z ~ p(z)` (a
            `ConditionalVAE`'s prior is `N(0, I)`), so a column shows one
            "style" across classes.
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
    figure = figures.image_grid(
        images,
        model.num_classes,
        samples_per_class,
        row_titles=[f"class {label}" for label in range(model.num_classes)],
    )
    return figures.save(figure, path)


def plot_traversals(vae, x, num_steps=9, span=3.0, path=None):
    """Decodes an example's code with one latent dimension swept at a time.

    Row `d` decodes `encode(x)[0]` with `z[d]` replaced by
    `linspace(-span, span, num_steps)`, the other dimensions kept, showing
    what each dimension controls. A `HierarchicalVAE`'s dimensions are its
    top layer's.

    Args:
        vae: a trained `keras_vae.VAE`.
        x: one example of shape `data_shape`, or a batch of which the first
            example is used.
        num_steps: positive integer, the number of values per dimension.
        span: positive float; the sweep goes from `-span` to `span`, in
            latent units (standard deviations of `N(0, I)`; another prior's
            mass may lie elsewhere).
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
    z_mean = vae.codes(figures.first_example(vae, x, "x"))[0]
    z = np.tile(z_mean, (vae.latent_dim * num_steps, 1))
    sweep = np.linspace(-span, span, num_steps)
    for dimension in range(vae.latent_dim):
        first_row = dimension * num_steps
        z[first_row : first_row + num_steps, dimension] = sweep
    figure = figures.image_grid(
        vae.decode(z),
        vae.latent_dim,
        num_steps,
        row_titles=[f"z[{dimension}]" for dimension in range(vae.latent_dim)],
        title=f"latent traversals from {-span:g} to {span:g}"
        + figures.layer_suffix(vae),
    )
    return figures.save(figure, path)


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
    z_a = vae.codes(figures.first_example(vae, x_a, "x_a"))
    z_b = vae.codes(figures.first_example(vae, x_b, "x_b"))
    weights = np.linspace(0.0, 1.0, steps)[:, np.newaxis]
    z = (1.0 - weights) * z_a + weights * z_b
    figure = figures.image_grid(
        vae.decode(z.astype("float32")),
        1,
        steps,
        title="interpolation between two encoded means"
        + figures.layer_suffix(vae),
    )
    return figures.save(figure, path)
