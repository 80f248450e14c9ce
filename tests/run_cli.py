"""Runs the `keras-vae` command on TFDS mock data (`helpers.mock_tfds`).

Usage: python tests/run_cli.py COMMAND [ARGS...]

For tests that need the command in a process of its own (e.g. to kill it):
`tfds.testing.mock_data` only patches the process it runs in.
"""

import pathlib
import sys

# Appended: `keras_vae` comes from where Python finds it (the wheel under
# PYTHONPATH in tests/wheel_test.py), `tests` from this checkout.
sys.path.append(str(pathlib.Path(__file__).resolve().parents[1]))

from keras_vae import cli  # noqa: E402
from tests.helpers import mock_tfds  # noqa: E402

if __name__ == "__main__":
    with mock_tfds():
        status = cli.main(sys.argv[1:])
    sys.exit(status)
