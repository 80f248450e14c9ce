import statistics

import keras
import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from keras_vae import plots
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def vae():
    # Seeded untrained weights already decode distinct images; the plots'
    # logic does not depend on training.
    return tiny_vae()


@pytest.fixture(scope="module")
def vae_3d():
    return tiny_vae(latent_dim=3)


def image_panels(figure):
    return [axis for axis in figure.axes if axis.images]


def shown_pixels(axis):
    return np.asarray(axis.images[0].get_array())


def decoded(vae, z):
    return vae.decode(np.asarray([z], dtype="float32"))[0, ..., 0]


def assert_png(path):
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_plot_reconstructions_writes_a_png_of_pairs(vae, tmp_path):
    x = synthetic_digits(5, seed=3)[0]
    path = tmp_path / "reconstructions.png"
    figure = plots.plot_reconstructions(vae, x, path)
    assert len(image_panels(figure)) == 10
    assert_png(path)
    # The second row shows vae.reconstruct(x), clipped to [0, 1].
    shown = image_panels(figure)[5].images[0].get_array()
    assert shown.shape == (28, 28)
    assert abs(shown - vae.reconstruct(x[:1])[0, ..., 0]).max() < 1e-6


@pytest.mark.parametrize("num_samples", [1, 10, 16])
def test_plot_samples_has_one_panel_per_sample(vae, tmp_path, num_samples):
    path = tmp_path / "samples.png"
    figure = plots.plot_samples(vae, num_samples, seed=0, path=path)
    assert len(image_panels(figure)) == num_samples
    assert path.stat().st_size > 1000


def test_plots_leave_the_matplotlib_backend_alone(vae):
    backend = matplotlib.get_backend()
    plots.plot_samples(vae, 4, seed=0)
    assert matplotlib.get_backend() == backend


def test_plot_latent_manifold_is_one_mosaic_with_z1_growing_upward(
    vae, tmp_path
):
    grid_size = 5
    path = tmp_path / "manifold.png"
    figure = plots.plot_latent_manifold(vae, grid_size=grid_size, path=path)
    assert_png(path)
    [panel] = image_panels(figure)
    mosaic = shown_pixels(panel)
    assert mosaic.shape == (grid_size * 28, grid_size * 28)
    low = statistics.NormalDist().inv_cdf(0.05)
    high = statistics.NormalDist().inv_cdf(0.95)
    second = statistics.NormalDist().inv_cdf(0.05 + 0.9 / (grid_size - 1))
    # Tiles (row, column) -> z: row 0 holds the largest z[1], column 0 the
    # smallest z[0].
    expected_tiles = {
        (0, 0): (low, high),
        (0, 1): (second, high),
        (grid_size - 1, 0): (low, low),
    }
    for (row, column), z in expected_tiles.items():
        tile = mosaic[
            row * 28 : (row + 1) * 28, column * 28 : (column + 1) * 28
        ]
        np.testing.assert_allclose(tile, decoded(vae, z), atol=1e-5)
    assert panel.get_xlabel() == "z[0]"
    assert panel.get_ylabel() == "z[1]"
    x_labels = [label.get_text() for label in panel.get_xticklabels()]
    assert x_labels[0] == f"{low:.2f}" and x_labels[-1] == f"{high:.2f}"
    # The tick nearest the top of the image (smallest y) names the largest z[1].
    y_ticks = panel.get_yticks()
    y_labels = [label.get_text() for label in panel.get_yticklabels()]
    assert y_labels[int(np.argmin(y_ticks))] == f"{high:.2f}"
    assert len(x_labels) == len(y_labels) == 5


def test_plot_latent_manifold_shows_colour_images_in_rgb():
    rgb_vae = tiny_vae(shape=(8, 8, 3))
    [panel] = image_panels(plots.plot_latent_manifold(rgb_vae, grid_size=3))
    mosaic = shown_pixels(panel)
    assert mosaic.shape == (24, 24, 3)
    low = statistics.NormalDist().inv_cdf(0.05)
    # The middle tile of the bottom row: z[0] = 0, z[1] at its smallest.
    expected = rgb_vae.decode(np.asarray([[0.0, low]], dtype="float32"))[0]
    np.testing.assert_allclose(mosaic[16:24, 8:16], expected, atol=1e-5)


def test_plot_latent_manifold_rejects_other_latent_sizes(vae_3d):
    with pytest.raises(ValueError, match="latent_dim=3"):
        plots.plot_latent_manifold(vae_3d, grid_size=3)


def scatter_points(axis):
    return np.concatenate(
        [collection.get_offsets() for collection in axis.collections]
    )


def test_plot_latent_scatter_projects_on_principal_components(vae_3d, tmp_path):
    x, y = synthetic_digits(40, seed=5)
    path = tmp_path / "scatter.png"
    figure = plots.plot_latent_scatter(vae_3d, x, y, path)
    assert_png(path)
    axis = figure.axes[0]
    assert (axis.get_xlabel(), axis.get_ylabel()) == ("PC 1", "PC 2")
    points = scatter_points(axis)
    assert len(points) == len(x)
    # Points are drawn class by class; the projection is unique up to sign.
    centred = vae_3d.encode(x)[0] - vae_3d.encode(x)[0].mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ components[:2].T
    by_class = np.concatenate([projected[y == label] for label in np.unique(y)])
    np.testing.assert_allclose(np.abs(points), np.abs(by_class), atol=1e-4)
    legend_labels = [text.get_text() for text in axis.get_legend().get_texts()]
    assert legend_labels == [str(label) for label in np.unique(y)]


def test_plot_latent_scatter_shows_2d_means_as_they_are(vae):
    x, y = synthetic_digits(30, seed=6)
    axis = plots.plot_latent_scatter(vae, x, y).axes[0]
    assert (axis.get_xlabel(), axis.get_ylabel()) == ("z[0]", "z[1]")
    z_mean = vae.encode(x)[0]
    by_class = np.concatenate([z_mean[y == label] for label in np.unique(y)])
    np.testing.assert_allclose(scatter_points(axis), by_class, atol=1e-5)


def test_plot_latent_scatter_handles_one_latent_dim_and_many_classes():
    vae_1d = tiny_vae(latent_dim=1)
    x = synthetic_digits(24, seed=7)[0]
    labels = np.arange(24) % 12
    figure = plots.plot_latent_scatter(vae_1d, x, labels)
    axis = figure.axes[0]
    assert len(scatter_points(axis)) == 24
    assert axis.get_xlabel() == "z[0]"
    # More than 10 classes: a colour bar (a second axes) instead of a legend.
    assert axis.get_legend() is None and len(figure.axes) == 2


def test_plot_latent_scatter_rejects_a_label_count_mismatch(vae):
    x, y = synthetic_digits(10, seed=8)
    with pytest.raises(ValueError, match=r"y\.shape=\(9,\)"):
        plots.plot_latent_scatter(vae, x, y[:9])


def test_plot_traversals_sweeps_one_dimension_per_row(vae_3d, tmp_path):
    x = synthetic_digits(3, seed=9)[0]
    num_steps, span = 5, 2.0
    path = tmp_path / "traversals.png"
    figure = plots.plot_traversals(vae_3d, x, num_steps, span, path=path)
    assert_png(path)
    panels = image_panels(figure)
    assert len(panels) == 3 * num_steps
    assert [
        panels[row * num_steps].get_title(loc="left") for row in range(3)
    ] == [
        "z[0]",
        "z[1]",
        "z[2]",
    ]
    # Row 1, column 0: z_mean of x[0] with z[1] = -span.
    z = vae_3d.encode(x[:1])[0][0]
    z[1] = -span
    np.testing.assert_allclose(
        shown_pixels(panels[num_steps]), decoded(vae_3d, z), atol=1e-5
    )


def test_plot_traversals_accepts_one_example(vae):
    x = synthetic_digits(1, seed=9)[0]
    batch_figure = plots.plot_traversals(vae, x, num_steps=3)
    single_figure = plots.plot_traversals(vae, x[0], num_steps=3)
    for batch_panel, single_panel in zip(
        image_panels(batch_figure), image_panels(single_figure)
    ):
        np.testing.assert_array_equal(
            shown_pixels(batch_panel), shown_pixels(single_panel)
        )


def test_plot_traversals_rejects_data_of_another_shape(vae):
    with pytest.raises(ValueError, match=r"x\.shape=\(28, 28\)"):
        plots.plot_traversals(vae, np.zeros((28, 28), "float32"))


def test_plot_interpolation_goes_from_one_code_to_the_other(vae, tmp_path):
    x = synthetic_digits(2, seed=10)[0]
    path = tmp_path / "interpolation.png"
    figure = plots.plot_interpolation(vae, x[0], x[1:2], steps=3, path=path)
    assert_png(path)
    panels = image_panels(figure)
    assert len(panels) == 3
    z_a, z_b = vae.encode(x)[0]
    for panel, z in zip(panels, (z_a, (z_a + z_b) / 2, z_b)):
        np.testing.assert_allclose(
            shown_pixels(panel), decoded(vae, z), atol=1e-5
        )


@pytest.mark.parametrize("steps", [1, 0, 2.5])
def test_plot_interpolation_rejects_fewer_than_two_steps(vae, steps):
    x = synthetic_digits(2, seed=10)[0]
    with pytest.raises(ValueError, match=f"steps={steps}"):
        plots.plot_interpolation(vae, x[0], x[1], steps=steps)


def full_logs(num_epochs=3):
    names = ("loss", "reconstruction_loss", "kl_loss")
    logs = {name: list(np.linspace(9, 5, num_epochs)) for name in names}
    logs.update(
        {f"val_{name}": list(np.linspace(10, 6, num_epochs)) for name in names}
    )
    return logs


def test_plot_history_draws_train_and_validation_per_term(tmp_path):
    history = keras.callbacks.History()
    history.history = full_logs()
    path = tmp_path / "history.png"
    figure = plots.plot_history(history, path)
    assert_png(path)
    assert [axis.get_title() for axis in figure.axes] == [
        "loss",
        "reconstruction_loss",
        "kl_loss",
    ]
    for axis in figure.axes:
        assert len(axis.lines) == 2
        np.testing.assert_array_equal(axis.lines[0].get_xdata(), [1, 2, 3])
        np.testing.assert_allclose(axis.lines[1].get_ydata(), [10, 8, 6])
        assert axis.get_ylabel() == "nats per example"
        legend = [text.get_text() for text in axis.get_legend().get_texts()]
        assert legend == ["train", "validation"]


def test_plot_history_skips_missing_curves():
    figure = plots.plot_history({"loss": [3.0, 2.0], "kl_loss": [1.0, 1.5]})
    assert [len(axis.lines) for axis in figure.axes] == [1, 0, 1]


@pytest.mark.parametrize("logs", [{}, {"accuracy": [0.5]}])
def test_plot_history_rejects_logs_without_loss_terms(logs):
    with pytest.raises(ValueError, match=r"Received keys: \[.*\]"):
        plots.plot_history(logs)


def test_save_all_writes_every_plot_of_a_2d_model(vae, tmp_path):
    x, y = synthetic_digits(3, seed=11)
    output_dir = tmp_path / "nested" / "plots"
    paths = plots.save_all(
        vae, x, y, history=full_logs(), output_dir=output_dir, num_samples=4
    )
    expected_names = [
        "reconstructions.png",
        "samples.png",
        "traversals.png",
        "interpolation.png",
        "latent_scatter.png",
        "latent_manifold.png",
        "history.png",
    ]
    assert paths == [output_dir / name for name in expected_names]
    assert sorted(path.name for path in output_dir.iterdir()) == sorted(
        expected_names
    )
    for path in paths:
        assert_png(path)


def test_save_all_skips_plots_that_do_not_apply(vae_3d, tmp_path):
    x = synthetic_digits(3, seed=12)[0]
    paths = plots.save_all(vae_3d, x, output_dir=tmp_path, num_samples=4)
    assert [path.name for path in paths] == [
        "reconstructions.png",
        "samples.png",
        "traversals.png",
        "interpolation.png",
    ]
    assert sorted(tmp_path.iterdir()) == sorted(paths)


def test_save_all_draws_an_autoencoder_too(tmp_path):
    from tests.models.autoencoder_test import tiny_autoencoder

    autoencoder = tiny_autoencoder(latent_dim=2)
    x, y = synthetic_digits(3, seed=13)
    paths = plots.save_all(
        autoencoder, x, y, output_dir=tmp_path, num_samples=4
    )
    assert sorted(path.name for path in paths) == [
        "interpolation.png",
        "latent_manifold.png",
        "latent_scatter.png",
        "reconstructions.png",
        "samples.png",
        "traversals.png",
    ]
    for path in paths:
        assert_png(path)


def test_sample_comparison_has_a_row_per_model(vae, vae_3d, tmp_path):
    figure = plots.plot_sample_comparison(
        {"two": vae, "three": vae_3d}, num_samples=5, path=tmp_path / "c.png"
    )
    assert len(figure.axes) == 10
    assert figure.axes[5].get_title(loc="left").startswith("three:")
    assert_png(tmp_path / "c.png")
    with pytest.raises(ValueError, match="at least one model"):
        plots.plot_sample_comparison({})


def test_save_all_draws_a_hierarchical_vae_with_a_vamp_prior(tmp_path):
    from keras_vae.priors import VampPrior
    from tests.explorer.model_notes_test import tiny_hierarchy

    hvae = tiny_hierarchy(prior=VampPrior(num_pseudo_inputs=10))
    x, y = synthetic_digits(3, seed=14)
    paths = plots.save_all(hvae, x, y, output_dir=tmp_path, num_samples=4)
    assert [path.name for path in paths] == [
        "reconstructions.png",
        "samples.png",
        "traversals.png",
        "interpolation.png",
        "latent_scatter.png",
        "latent_manifold.png",
    ]
    for path in paths:
        assert_png(path)
    # Samples decode the mixture's draws, and the title names it.
    figure = plots.plot_samples(hvae, 4, seed=0)
    assert figure._suptitle.get_text() == (
        "samples from the prior VampPrior (10 components)"
    )
    # The title wraps to the grid's width instead of running off the image
    # (two columns here: 1.8 inches).
    FigureCanvasAgg(figure).draw()
    title = figure._suptitle.get_window_extent(figure.canvas.get_renderer())
    assert 0 <= title.x0 and title.x1 <= figure.bbox.width
    assert title.y1 <= figure.bbox.height
    expected = hvae.decode(hvae.prior_draws(4, seed=0))[0, ..., 0]
    np.testing.assert_allclose(
        shown_pixels(image_panels(figure)[0]), expected, atol=1e-6
    )
    # The latent plots show the top layer and say so.
    scatter = plots.plot_latent_scatter(hvae, x, y)
    assert scatter.axes[0].get_title() == "encoded means (top layer z_2 of 2)"
