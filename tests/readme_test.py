"""The README's quick start runs as written (full MNIST: --run_large), and
so do the user guide's snippets; every Python block of the docs compiles."""

import re

import pytest

from tests.helpers import NO_OFFLINE_DATA
from tests.helpers import REPO_ROOT
from tests.helpers import run_in_backend
from tests.helpers import tfds_data_dir


def readme_snippet():
    """The usage snippet, followed by the plots snippet that continues it."""
    readme = (REPO_ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    usage = next(block for block in blocks if "keras_vae.VAE(" in block)
    figures = next(
        block for block in blocks if "from keras_vae import plots" in block
    )
    return usage + figures


def test_snippet_uses_the_public_api():
    snippet = readme_snippet()
    compile(snippet, "README.md", "exec")
    for name in ("datasets.load", "build_mlp_encoder", "plots.save_all"):
        assert name in snippet


@pytest.mark.large
@pytest.mark.skipif(tfds_data_dir() is None, reason=NO_OFFLINE_DATA)
def test_snippet_runs_as_written(tmp_path, monkeypatch):
    import keras

    script = tmp_path / "snippet.py"
    script.write_text(readme_snippet())
    (tmp_path / "saved_models").mkdir()
    monkeypatch.setenv("TFDS_DATA_DIR", tfds_data_dir())
    monkeypatch.chdir(tmp_path)
    run_in_backend(keras.backend.backend(), script, timeout=1200)
    assert (tmp_path / "saved_models" / "vae_mnist.keras").stat().st_size > 0
    assert len(list((tmp_path / "figures").glob("*.png"))) == 7


def page_section(page, heading):
    """The Python blocks of one section of a docs page."""
    text = (REPO_ROOT / "docs" / page).read_text()
    section = text.split(f"## {heading}\n")[1].split("\n## ")[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def variant_snippets():
    """The code blocks of the models page's "Variants and evaluation"."""
    return page_section("guide/models.md", "Variants and evaluation")


def test_variant_snippets_run_as_written(tmp_path, monkeypatch):
    import keras
    import numpy as np

    import keras_vae
    from tests.helpers import synthetic_digits

    snippets = variant_snippets()
    assert len(snippets) == 4
    (x_train, y_train), (x_test, y_test) = (
        synthetic_digits(128, seed=0),
        synthetic_digits(16, seed=1),
    )
    # What the usage snippet defines before them, on small data.
    namespace = {
        "keras": keras,
        "keras_vae": keras_vae,
        "x_train": x_train,
        "y_train": y_train,
        "x_test": x_test,
        "y_test": y_test,
        "encoder": keras_vae.build_mlp_encoder((28, 28, 1), 2),
        "decoder": keras_vae.build_mlp_decoder((28, 28, 1), 2),
    }
    monkeypatch.chdir(tmp_path)
    for snippet in snippets:
        exec(compile(snippet, "README.md", "exec"), namespace)
    betas = namespace["history"].history["beta"]
    np.testing.assert_allclose(betas[:3], [0.0, 0.4, 0.8], rtol=1e-6)
    assert betas[-1] == 4.0
    assert namespace["sevens"].shape == (8, 28, 28, 1)
    assert namespace["digits"].shape == (16, 28, 28, 1)
    assert np.isfinite(namespace["nll"]) and namespace["nll"] > 0
    for name in ("prior_samples.png", "class_samples.png"):
        assert (tmp_path / name).stat().st_size > 0


def test_every_python_block_compiles():
    pages = [
        REPO_ROOT / "README.md",
        *sorted((REPO_ROOT / "docs").rglob("*.md")),
    ]
    count = 0
    for page in pages:
        blocks = re.findall(r"```python\n(.*?)```", page.read_text(), re.DOTALL)
        for block in blocks:
            compile(block, str(page), "exec")
        count += len(blocks)
    assert count >= 10


def test_presets_snippet_runs_as_written():
    (snippet,) = page_section("guide/saving.md", "Shipped models by name")
    namespace = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    assert namespace["digits"].shape == (16, 28, 28, 1)
