"""The Qt-free core type-checks cleanly under the mypy settings of pyproject.toml."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_core_passes_mypy(tmp_path: Path) -> None:
    # A fresh cache per run: the result never rests on a .mypy_cache left from earlier.
    env = {**os.environ, "MYPY_FORCE_COLOR": "0", "NO_COLOR": "1"}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "pyproject.toml",
            "--cache-dir",
            str(tmp_path / "mypy_cache"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=600,
        check=False,
    )
    output = (completed.stdout + completed.stderr).strip()
    assert completed.returncode == 0, f"mypy failed (exit {completed.returncode}):\n{output}"
