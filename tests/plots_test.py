import matplotlib
import pytest

from keras_vae import plots
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae


@pytest.fixture(scope="module")
def vae():
    model = tiny_vae()
    model.fit(synthetic_digits(64)[0], epochs=1, batch_size=32, verbose=0)
    return model


def image_panels(figure):
    return [axis for axis in figure.axes if axis.images]


def test_plot_reconstructions_writes_a_png_of_pairs(vae, tmp_path):
    x = synthetic_digits(5, seed=3)[0]
    path = tmp_path / "reconstructions.png"
    figure = plots.plot_reconstructions(vae, x, path)
    assert len(image_panels(figure)) == 10
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
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
