"""A reader that stops early (``foodsafety-desktop plan list | head -1``) ends the command
quietly: no "意外错误", no traceback, exit code 141 (128 + SIGPIPE, as the shell reports a
Unix tool ended by SIGPIPE)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from seeds import seed_path

from foodsafety_desktop.cli import BROKEN_PIPE_EXIT

ROOT = Path(__file__).resolve().parents[1]


def run_with_closed_stdout(*args: str, data: Path) -> tuple[int, str]:
    """Run the CLI with standard output a pipe whose reading end is closed at once."""
    env = {**os.environ, "FOODSAFETY_DATA_DIR": str(data)}
    read_end, write_end = os.pipe()
    os.close(read_end)  # before the program writes anything: every write fails (EPIPE)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "foodsafety_desktop", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
    finally:
        os.close(write_end)
    return done.returncode, done.stderr.decode("utf-8")


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> tuple[Path, Path]:
    data = tmp_path_factory.mktemp("pipe-data")
    db = data / "ledger.sqlite3"
    env = {**os.environ, "FOODSAFETY_DATA_DIR": str(data)}
    for command in (("plan", "import", str(seed_path("002"))), ("period", "create", "--plan", "1")):
        subprocess.run(
            [sys.executable, "-m", "foodsafety_desktop", "--db", str(db), *command],
            check=True,
            capture_output=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
    return data, db


@pytest.mark.parametrize(
    "command",
    [
        ("plan", "list"),
        ("plan", "parse", str(seed_path("002")), "--json"),
        ("period", "list", "--plan", "1"),
        ("--help",),
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_a_closed_pipe_ends_quietly(ledger, command):
    data, db = ledger
    rc, err = run_with_closed_stdout("--db", str(db), *command, data=data)
    assert "意外错误" not in err and "BrokenPipe" not in err and "Traceback" not in err, err
    assert "Exception ignored" not in err, err
    if command == ("--help",):
        assert rc in (0, BROKEN_PIPE_EXIT)  # argparse exits 0; the pipe may break first
    else:
        assert rc == BROKEN_PIPE_EXIT, err


def test_head_reads_the_first_line(ledger):
    """The shell's view: ``plan list | head -1`` prints the header, stderr stays empty."""
    data, db = ledger
    env = {**os.environ, "FOODSAFETY_DATA_DIR": str(data)}
    producer = subprocess.Popen(
        [sys.executable, "-m", "foodsafety_desktop", "--db", str(db), "plan", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert producer.stdout is not None and producer.stderr is not None
    first = producer.stdout.readline().decode("utf-8")
    producer.stdout.close()
    err = producer.stderr.read().decode("utf-8")
    rc = producer.wait(timeout=120)
    assert first.startswith("编号\t方案名称")
    assert rc in (0, BROKEN_PIPE_EXIT) and "错误" not in err, err
