"""The README's usage snippet runs as written (full MNIST: --run_large)."""

import re

import pytest

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
@pytest.mark.skipif(tfds_data_dir() is None, reason="needs the offline MNIST")
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
