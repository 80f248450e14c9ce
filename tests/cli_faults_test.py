"""`keras-vae train` survives being killed and stops on a NaN loss."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import keras

from keras_vae import cli
from tests.helpers import RUN_CLI
from tests.helpers import mock_tfds

EPOCHS = 3


def train_command(output_dir, *extra):
    # Batches of 2 make an epoch of 128 examples last 64 steps, long enough
    # to be killed in the middle of one; a small network makes them quick.
    return [
        "train",
        "--dataset",
        "mnist",
        "--limit",
        "128",
        "--batch-size",
        "2",
        "--epochs",
        str(EPOCHS),
        "--hidden-units",
        "32",
        "--verbose",
        "2",
        "--output-dir",
        str(output_dir),
        *extra,
    ]


def logged_epochs(output_dir):
    # Read while the command may be replacing the file (a new run removes
    # an earlier run's log): a file gone between a check and the open reads
    # as no log, as one never written does.
    try:
        with open(output_dir / "training_log.csv", newline="") as file:
            return [int(row["epoch"]) for row in csv.DictReader(file)]
    except FileNotFoundError:
        return []


def test_killed_training_resumes_after_the_last_finished_epoch(
    tmp_path, capsys
):
    # The log of an earlier, finished run in the same directory: a new run
    # (no backup to resume) must start a new log, not append to it.
    (tmp_path / "training_log.csv").write_text("epoch,loss\n0,1.0\n1,1.0\n")
    command = [sys.executable, str(RUN_CLI), *train_command(tmp_path)]
    env = {**os.environ, "KERAS_BACKEND": keras.backend.backend()}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 240
        while logged_epochs(tmp_path) != [0] and process.poll() is None:
            assert time.monotonic() < deadline, "no epoch finished in 240 s"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    finished = logged_epochs(tmp_path)
    assert process.returncode == -signal.SIGKILL
    assert 1 <= len(finished) < EPOCHS
    assert not (tmp_path / "model.keras").exists()

    # The same command again, in this process (killing is done): it starts
    # at the first unfinished epoch.
    with mock_tfds():
        assert cli.main(command[2:]) == 0
    out = capsys.readouterr().out
    assert "resuming the interrupted training" in out
    assert f"Epoch {len(finished) + 1}/{EPOCHS}" in out
    for epoch in range(1, len(finished) + 1):
        assert f"Epoch {epoch}/{EPOCHS}" not in out
    assert logged_epochs(tmp_path) == list(range(EPOCHS))
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history["loss"]) == len(history["val_loss"]) == EPOCHS
    assert (tmp_path / "model.keras").exists()
    assert not (tmp_path / "backup").exists()


def test_nan_loss_stops_training_says_so_and_saves_nothing(tmp_path, capsys):
    # Adam's first step moves every weight by about the learning rate.
    args = train_command(tmp_path, "--learning-rate", "1e30")
    args += ["--likelihood", "gaussian"]
    with mock_tfds():
        assert cli.main(args) == 1
    last_line = capsys.readouterr().err.strip().splitlines()[-1]
    assert last_line.startswith(
        "keras-vae train: error: Training stopped in epoch 1, by batch"
    )
    assert "the loss became non-finite" in last_line
    assert "--learning-rate" in last_line
    assert not (tmp_path / "model.keras").exists()
