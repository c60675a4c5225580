"""``assessment export``: the assessment file laid out by 细则 item (issue 15)."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add this module's ``assessment`` subcommands to ``sub``."""
