"""The program's log file (``logs/foodsafety.log`` in the data folder).

Only what the clerk cannot act on goes there: an unexpected exception with its
traceback, the English detail of a database error.  The clerk sees a Chinese message
that names the log; a technician reads the log.  Written by the command line and the
GUI alike; created on first use, rotated at about 1 MB.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
_PASSWORD = re.compile(r"(://[^/:@\s]*:)\S*@")  # the password of a server URL


class _QuietRotatingHandler(logging.handlers.RotatingFileHandler):
    """A log that never adds its own failure (a full disk) to the user's error."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def log_file() -> Path:
    """The program's log: ``logs/foodsafety.log`` in the data folder."""
    from foodsafety_desktop.core.paths import data_dir

    return data_dir() / "logs" / "foodsafety.log"


def log_unexpected(exc: BaseException, operation: str, context: str = "") -> Path | None:
    """Write ``exc`` with its traceback to the log; the log's path, or None when it
    could not be written.  ``context`` (the command line, the window) is logged with
    any password of a server address masked."""
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _QuietRotatingHandler(
            path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=True
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("foodsafety_desktop.log")
    logger.addHandler(handler)
    try:
        masked = _PASSWORD.sub(r"\1***@", context)
        where = f" ({masked})" if context else ""
        logger.error("%s failed%s", operation, where, exc_info=exc)
    finally:
        logger.removeHandler(handler)
        handler.close()
    try:
        return path if path.is_file() and path.stat().st_size else None
    except OSError:
        return None
