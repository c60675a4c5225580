"""``assessment template`` / ``collect`` / ``score`` / ``scores`` / ``notice``: 考核得分."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add this module's ``assessment`` subcommands to ``sub``."""
