"""Every Python block of the documentation runs, on every backend.

Each page's blocks run in order, in one namespace, in a scratch folder,
with TFDS serving small random MNIST (`mock_tfds`) and, for the pages that
continue the quick start, its names bound to a small trained model and
data (the `quick_start_names` fixture of tests/conftest.py). A block that
cannot run here says why just above it, in a comment the site does not
show: `<!-- not run: the reason -->`.
"""

import re

import numpy as np
import pytest

from tests.helpers import REPO_ROOT
from tests.helpers import mock_tfds

DOCS = REPO_ROOT / "docs"
BLOCK = re.compile(
    r"(?:<!-- not run: (?P<reason>[^>]*?) -->\n)?```python\n(?P<code>.*?)```",
    re.DOTALL,
)
PAGES = sorted(
    str(page.relative_to(DOCS))
    for page in DOCS.rglob("*.md")
    if "```python" in page.read_text()
)


def blocks(page):
    """`(code, reason)` of each Python block; `reason` is None if it runs."""
    return [
        (match["code"], match["reason"])
        for match in BLOCK.finditer((DOCS / page).read_text())
    ]


def check_models(names, folder):
    betas = names["history"].history["beta"]
    np.testing.assert_allclose(betas[:3], [0.0, 0.4, 0.8], rtol=1e-6)
    assert betas[-1] == 4.0
    assert names["sevens"].shape == (8, 28, 28, 1)
    assert names["digits"].shape == (16, 28, 28, 1)
    assert np.isfinite(names["nll"]) and names["nll"] > 0
    for name in ("prior_samples.png", "class_samples.png"):
        assert (folder / name).stat().st_size > 0


def check_saving(names, folder):
    assert names["digits"].shape == (16, 28, 28, 1)


def check_plots(names, folder):
    assert len(list((folder / "figures").glob("*.png"))) == 7


# What each page's blocks must leave behind, beyond running.
CHECKS = {
    "guide/models.md": check_models,
    "guide/saving.md": check_saving,
    "guide/callbacks-and-plots.md": check_plots,
}


@pytest.mark.parametrize("page", PAGES)
def test_the_python_blocks_of_the_page_run(
    page, quick_start_names, tmp_path, monkeypatch
):
    for _, reason in blocks(page):
        assert reason is None or reason.strip(), f"{page}: say why not run"
    runnable = [code for code, reason in blocks(page) if reason is None]
    if not runnable:
        return
    monkeypatch.chdir(tmp_path)
    (tmp_path / "saved_models").mkdir()
    names = dict(quick_start_names)
    with mock_tfds(num_examples=128):
        for code in runnable:
            exec(compile(code, str(DOCS / page), "exec"), names)
    if page in CHECKS:
        CHECKS[page](names, tmp_path)


def test_every_page_with_python_is_listed():
    assert "guide/models.md" in PAGES and "getting-started.md" in PAGES
    assert set(CHECKS) <= set(PAGES)
