"""The program's entry point (``foodsafety-desktop`` and ``python -m foodsafety_desktop``)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence


def _utf8_streams() -> None:
    """Chinese output must survive a Windows console code page or a redirect to a file."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None or encoding == "utf8":
            continue
        # ValueError/OSError: the stream was already written to, or is no text stream.
        with contextlib.suppress(ValueError, OSError):
            reconfigure(encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (GUI when no subcommand is given); return the exit code."""
    _utf8_streams()
    from foodsafety_desktop.cli import run

    return run(argv)
