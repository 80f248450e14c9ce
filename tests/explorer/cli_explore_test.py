"""`keras-vae explore`: serves the page, prints its URL, stops on Ctrl-C."""

import http.client
import os
import re
import signal
import subprocess
import sys

import pytest

from keras_vae import cli
from tests.helpers import RUN_CLI
from tests.helpers import tiny_vae


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("explore") / "model.keras"
    tiny_vae(latent_dim=2).save(path)
    return path


def start(model_path, *options):
    """The command in its own process, and the URL it printed."""
    process = subprocess.Popen(
        [
            sys.executable,
            str(RUN_CLI),
            "explore",
            str(model_path),
            "--limit",
            "64",
            "--port",
            "0",
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        # `make test` starts pytest in the background, where the shell
        # ignores SIGINT, and children inherit that: give the command the
        # Ctrl-C of a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    line = process.stdout.readline()
    match = re.search(r"http://([\d.]+):(\d+)/", line)
    if match is None:
        process.kill()
        pytest.fail(f"no URL printed: {line!r} {process.stderr.read()[-2000:]}")
    return process, match.group(1), int(match.group(2))


def get(host, port, path):
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def test_explore_binds_the_loopback_interface_by_default():
    args = cli.build_parser().parse_args(["explore", "model.keras"])
    assert args.host == "127.0.0.1"


def test_explore_serves_the_page_and_stops_cleanly_on_ctrl_c(model_path):
    # On all interfaces, to see the warning; the page is asked on loopback.
    process, host, port = start(model_path, "--host", "0.0.0.0")
    try:
        assert host == "0.0.0.0"
        status, page = get("127.0.0.1", port, "/")
        assert status == 200 and b"explorer.js" in page
        status, info = get("127.0.0.1", port, "/api/info")
        assert status == 200 and b'"num_points": 64' in info
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0
    assert "stopped" in stdout
    assert "warning: serving on all interfaces" in stderr
    assert "Traceback" not in stderr
