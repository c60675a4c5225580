"""``assessment link`` / ``record``: 细则 items linked to ledger tasks (issue 15)."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add this module's ``assessment`` subcommands to ``sub``."""
