"""The README's quick start runs as written (full MNIST: --run_large);
every Python block of the README and the docs compiles (the docs' blocks
run in tests/docs_blocks_test.py)."""

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
