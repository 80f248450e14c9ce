"""The explorer page in a real browser: headless Chromium, driven by Playwright.

Needs Debian's `chromium` (`make test` installs it when run as root) and the
`playwright` package (the `dev` extra). Without them these tests fail, never
skip: the page is part of the product.
"""

import os
import pathlib
import shutil
import threading

import keras
import numpy as np
import pytest
from keras import ops

import keras_vae
from keras_vae.explorer import LatentSpace
from keras_vae.explorer import make_server
from keras_vae.explorer.server import STATIC_DIR
from tests.helpers import load_real
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHIPPED_VAE = ROOT / "saved_models" / "binarized_mnist" / "vae.keras"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.fail(
            "The browser tests need Debian's chromium on PATH: `make test` "
            "installs it as root (`apt-get install chromium`)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Chromium's sandbox refuses to run as root, as CI does.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


def serving(space):
    server = make_server(space, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}/"


class Page:
    """A page of the explorer, with every console error and warning kept,
    and the answer to each request: `responses[url] = (status, resource
    type, content type)`."""

    def __init__(self, browser, url):
        self.page = browser.new_page(viewport={"width": 1400, "height": 1100})
        self.problems = []
        self.responses = {}
        self.page.on(
            "response",
            lambda response: self.responses.__setitem__(
                response.url,
                (
                    response.status,
                    response.request.resource_type,
                    response.headers.get("content-type", ""),
                ),
            ),
        )
        self.page.on(
            "console",
            lambda message: (
                message.type in ("error", "warning")
                and self.problems.append(f"{message.type}: {message.text}")
            ),
        )
        self.page.on(
            "pageerror", lambda error: self.problems.append(str(error))
        )
        self.page.goto(url)
        self.page.wait_for_selector(
            'body[data-ready="true"]', timeout=TIMEOUT_MS
        )

    def pixels(self, selector):
        """The RGBA bytes of an `<img>` as the page shows it."""
        return self.page.evaluate(
            """(selector) => {
                const img = document.querySelector(selector);
                const canvas = document.createElement('canvas');
                canvas.width = img.naturalWidth;
                canvas.height = img.naturalHeight;
                const ctx = canvas.getContext('2d');
                ctx.drawImage(img, 0, 0);
                return Array.from(
                    ctx.getImageData(0, 0, canvas.width, canvas.height).data
                );
            }""",
            selector,
        )

    def wait_for_new_pixels(self, selector, before):
        self.page.wait_for_function(
            """([selector, before]) => {
                const img = document.querySelector(selector);
                if (!img.complete || img.naturalWidth === 0) return false;
                const canvas = document.createElement('canvas');
                canvas.width = img.naturalWidth;
                canvas.height = img.naturalHeight;
                const ctx = canvas.getContext('2d');
                ctx.drawImage(img, 0, 0);
                const now = ctx.getImageData(
                    0, 0, canvas.width, canvas.height).data;
                return now.some((value, i) => value !== before[i]);
            }""",
            arg=[selector, before],
            timeout=TIMEOUT_MS,
        )


@pytest.fixture(scope="module")
def page(browser):
    x, y = synthetic_digits(60)
    server, url = serving(LatentSpace(tiny_vae(latent_dim=2), x, y))
    page = Page(browser, url)
    yield page
    page.page.close()
    server.shutdown()
    server.server_close()


def test_the_page_loads_and_shows_a_decoded_image(page):
    size = page.page.evaluate(
        "[document.getElementById('decoded').naturalWidth,"
        " document.getElementById('decoded').naturalHeight]"
    )
    assert size == [28, 28]
    # The default prior is N(0, I): its circles are drawn, and named.
    page.page.wait_for_selector("#plane[data-prior-contours='N(0, I)']")
    assert "N(0, I)" in page.page.inner_text("#prior-note")
    assert page.page.locator("#layer-note").is_hidden()
    assert page.problems == []


def test_every_module_loads_from_the_page_own_server(page):
    # The script is ES modules with no build step: the browser fetches each
    # file of static/ itself, and one that fails to load (404, a wrong MIME
    # type, a bad import) stops the whole page before it is ready.
    origin = page.page.url
    assert origin.endswith("/") and origin.startswith("http://127.0.0.1:")
    assert page.page.evaluate("document.body.dataset.ready") == "true"
    scripts = {
        url: answer
        for url, answer in page.responses.items()
        if answer[1] == "script"
    }
    expected = {
        f"{origin}static/{file.name}" for file in STATIC_DIR.glob("*.js")
    }
    assert set(scripts) == expected
    for url, (status, _, content_type) in scripts.items():
        assert status == 200, url
        assert content_type.startswith("text/javascript"), url
    # Nothing is fetched from anywhere else.
    assert all(
        url.startswith((origin, "data:", "blob:")) for url in page.responses
    )
    assert page.problems == []


def test_moving_a_slider_changes_the_decoded_image(page):
    before = page.pixels("#decoded")
    page.page.locator("#slider-0").fill("3.5")
    page.wait_for_new_pixels("#decoded", before)
    assert page.problems == []


def test_clicking_two_points_draws_the_interpolation(page):
    page.page.click("#interpolate-mode")
    plane = page.page.locator("#plane")
    plane.click(position={"x": 120, "y": 140})
    plane.click(position={"x": 400, "y": 380})
    frames = page.page.locator("#interpolation img")
    page.page.wait_for_function(
        """() => {
            const frames = document.querySelectorAll('#interpolation img');
            return frames.length === 10 && Array.from(frames).every(
                (img) => img.complete && img.naturalWidth === 28);
        }""",
        timeout=TIMEOUT_MS,
    )
    sources = [frames.nth(i).get_attribute("src") for i in range(10)]
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    # The two ends are far apart on the plane: their decodings differ.
    assert sources[0] != sources[-1]
    assert page.problems == []


def test_drawing_on_the_canvas_shows_a_posterior_ellipse(page):
    box = page.page.locator("#draw").bounding_box()
    mouse = page.page.mouse
    mouse.move(box["x"] + 140, box["y"] + 40)
    mouse.down()
    for step in range(1, 21):
        mouse.move(box["x"] + 140 + 3 * step, box["y"] + 40 + 10 * step)
    mouse.up()
    page.page.wait_for_function(
        """() => {
            const img = document.getElementById('draw-reconstruction');
            return img.src.startsWith('data:image/png')
                && document.getElementById('plane').dataset.ellipse;
        }""",
        timeout=TIMEOUT_MS,
    )
    x, y, rx, ry = map(
        float, page.page.get_attribute("#plane", "data-ellipse").split(",")
    )
    assert rx > 0 and ry > 0
    assert page.problems == []


def one_component_vamp_prior(model):
    """Makes the model's VampPrior one Gaussian (every pseudo-input the
    same), whose contours are known; returns its mean and variances."""
    prior = model.prior
    prior.pseudo_inputs.assign(
        np.full(prior.pseudo_inputs.shape, 0.3, "float32")
    )
    means, log_vars = (ops.convert_to_numpy(t) for t in prior.components())
    np.testing.assert_allclose(means, means[:1].repeat(len(means), 0))
    return means[0].astype("float64"), np.exp(log_vars[0].astype("float64"))


def page_contours(page):
    """The page's own prior contours for its current view."""
    return page.page.evaluate(
        "() => import('/static/prior-contours.js')"
        ".then((module) => module.priorContours())"
    )


def assert_gaussian_contours(contours, mean, covariance):
    # Of a Gaussian, the density levels that enclose the mass within 1, 2
    # and 3 sigma (39%, 86% and 99% in a plane; 68%, 95% and 99.7% on a
    # line) are its densities at Mahalanobis radius 1, 2 and 3, and their
    # lines are there. The page finds the levels from 10,000 draws: about
    # 0.03 of sampling error in radius at 3 sigma in a plane, 0.06 on a line.
    mean = np.atleast_1d(mean)
    covariance = np.atleast_2d(covariance)
    peak = 1 / np.sqrt(np.linalg.det(2 * np.pi * covariance))
    level_radii = np.sqrt(-2 * np.log(np.asarray(contours["levels"]) / peak))
    np.testing.assert_allclose(level_radii, [1, 2, 3], atol=0.2)
    lines = contours.get("segments") or contours["crossings"]
    for k, points in enumerate(lines, start=1):
        points = np.reshape(points, (-1, len(mean))) - mean
        radii = np.sqrt(
            np.einsum("ni,ij,nj->n", points, np.linalg.inv(covariance), points)
        )
        assert len(radii) >= 2, f"level {k} has no line"
        np.testing.assert_allclose(radii, k, atol=0.2)


def test_a_vamp_prior_page_draws_its_density_in_both_views(browser):
    from tests.explorer.model_notes_test import tiny_hierarchy

    x, y = synthetic_digits(20)
    hvae = tiny_hierarchy(prior=keras_vae.priors.VampPrior(10))
    mean, variances = one_component_vamp_prior(hvae)
    space = LatentSpace(hvae, x, y)
    server, url = serving(space)
    try:
        page = Page(browser, url)
        page.page.wait_for_selector("#plane[data-prior-contours='mixture']")
        levels = page.page.get_attribute("#plane", "data-prior-levels")
        assert all(int(count) > 10 for count in levels.split(","))
        assert page.page.inner_text("#prior-note").startswith(
            "Grey contours: the prior, VampPrior (10 components), in this plane"
        )
        assert page.page.inner_text("#layer-note").startswith(
            "The plane shows the top stochastic layer z_2 of 2 (size 2)."
        )
        model_info = page.page.inner_text("#model-info")
        assert "plane: top layer z_2 of 2 (size 2)" in model_info
        assert "prior: VampPrior (10 components)" in model_info
        # The latent dims view: the axis-aligned ellipses of the top layer,
        # all in view (3 standard deviations of each component are).
        assert_gaussian_contours(page_contours(page), mean, np.diag(variances))
        bounds = page.page.evaluate(
            "() => import('/static/state.js')"
            ".then((module) => module.state.bounds)"
        )
        reach = 3 * np.sqrt(variances)
        assert bounds["xmin"] <= mean[0] - reach[0]
        assert bounds["xmax"] >= mean[0] + reach[0]
        assert bounds["ymin"] <= mean[1] - reach[1]
        assert bounds["ymax"] >= mean[1] + reach[1]
        # The principal plane: a rotation, so a full covariance.
        page.page.select_option("#projection", "pca")
        pca = space.points()["pca"]
        rotation = np.asarray(pca["components"])
        assert_gaussian_contours(
            page_contours(page),
            rotation @ (mean - np.asarray(pca["mean"])),
            rotation @ np.diag(variances) @ rotation.T,
        )
        assert page.problems == []
        page.page.close()
    finally:
        server.shutdown()
        server.server_close()


def test_a_one_dimensional_vamp_prior_marks_its_levels_on_the_line(browser):
    keras.utils.set_random_seed(0)
    vae = keras_vae.VAE(
        keras_vae.build_mlp_encoder((28, 28, 1), 1, (8,)),
        keras_vae.build_mlp_decoder((28, 28, 1), 1, (8,)),
        prior=keras_vae.priors.VampPrior(num_pseudo_inputs=3),
    )
    mean, variances = one_component_vamp_prior(vae)
    server, url = serving(LatentSpace(vae, *synthetic_digits(20)))
    try:
        page = Page(browser, url)
        page.page.wait_for_selector("#plane[data-prior-levels='2,2,2']")
        assert_gaussian_contours(page_contours(page), mean, variances)
        assert page.problems == []
        page.page.close()
    finally:
        server.shutdown()
        server.server_close()


def test_a_screenshot_of_a_trained_model_on_real_digits(browser, tmp_path):
    # The shipped binarized-MNIST VAE on real test digits when the offline
    # copy is here (else synthetic ones): the README's screenshot.
    real = load_real("mnist", limit=1000)
    x, y = real[1] if real else synthetic_digits(500)
    space = LatentSpace(
        keras.saving.load_model(SHIPPED_VAE, safe_mode=True),
        x[:1000],
        y[:1000],
        dataset="mnist" if real else "synthetic",
    )
    server, url = serving(space)
    try:
        page = Page(browser, url)
        page.page.locator("#plane").click(position={"x": 260, "y": 260})
        page.page.wait_for_function(
            "document.getElementById('original').src.startsWith('data:')"
            " || document.getElementById('decoded').naturalWidth === 28",
            timeout=TIMEOUT_MS,
        )
        out = pathlib.Path(os.environ.get("KERAS_VAE_TEST_CACHE", tmp_path))
        path = out / "explorer.png"
        page.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        assert page.problems == []
    finally:
        server.shutdown()
        server.server_close()
