"""`keras-vae`: train, evaluate, plot and sample VAEs from the command line.

`arguments.py` builds the parser, `commands.py` runs each command; `main`
wires them, and runs the command again under another backend when asked.
"""

import os
import subprocess
import sys

import keras

from keras_vae.cli.arguments import build_parser
from keras_vae.cli.commands import COMMANDS
from keras_vae.cli.commands import CommandError

__all__ = ["build_parser", "main"]


def main(argv=None):
    """Runs the `keras-vae` command (also `python -m keras_vae`).

    Args:
        argv: the arguments, without the program name; `None` reads
            `sys.argv[1:]`.

    Returns:
        The exit status: 0 on success, 1 when the command failed with a
        user error (printed in one line), 2 for invalid arguments.

    Example:

    ```python
    main(["train", "--dataset", "mnist", "--epochs", "1", "--output-dir", "run"])
    ```
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.backend and args.backend != keras.backend.backend():
        # Keras fixes its backend at import, which has happened by now: run
        # the command again in a process started on the requested backend.
        environment = {**os.environ, "KERAS_BACKEND": args.backend}
        command = [sys.executable, "-m", "keras_vae", *argv]
        return subprocess.call(command, env=environment)
    try:
        COMMANDS[args.command](args)
    except (CommandError, FileNotFoundError, ValueError, TypeError) as error:
        print(f"keras-vae {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0
