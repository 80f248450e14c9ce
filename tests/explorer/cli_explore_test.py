"""`keras-vae explore`: serves the page, prints its URL, stops on Ctrl-C."""

import signal

import pytest

from keras_vae import cli
from tests.helpers import http_get
from tests.helpers import start_explore
from tests.helpers import tiny_vae


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("explore") / "model.keras"
    tiny_vae(latent_dim=2).save(path)
    return path


def test_explore_binds_the_loopback_interface_by_default():
    args = cli.build_parser().parse_args(["explore", "model.keras"])
    assert args.host == "127.0.0.1"


def test_explore_serves_the_page_and_stops_cleanly_on_ctrl_c(model_path):
    # On all interfaces, to see the warning; the page is asked on loopback.
    process, host, port = start_explore(model_path, "--host", "0.0.0.0")
    try:
        assert host == "0.0.0.0"
        status, page = http_get("127.0.0.1", port, "/")
        assert status == 200 and b"explorer.js" in page
        status, info = http_get("127.0.0.1", port, "/api/info")
        assert status == 200 and b'"num_points": 64' in info
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0
    assert "stopped" in stdout
    assert "warning: serving on all interfaces" in stderr
    assert "Traceback" not in stderr
