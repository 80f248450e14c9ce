"""Runs the `keras-vae` command on the offline MNIST copy or TFDS mock data.

Usage: python tests/run_cli.py COMMAND [ARGS...]

For tests that need the command in a process of its own (e.g. to kill it):
`tfds.testing.mock_data` only patches the process it runs in.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from keras_vae import cli  # noqa: E402
from tests.helpers import offline_tfds  # noqa: E402

if __name__ == "__main__":
    with offline_tfds():
        status = cli.main(sys.argv[1:])
    sys.exit(status)
