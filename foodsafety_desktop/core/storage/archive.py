"""The archive of original files (plans, returned workbooks) kept beside the database.

A file is archived inside the transaction that records it; if that transaction does not
commit, the copy is removed again, so the archive and the database always agree.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session


def remove_unless_committed(session: Session, path: Path) -> None:
    """Delete ``path`` when the session's current transaction ends without a commit."""
    # Listeners are one-shot flags rather than removed: removing a listener while the
    # session dispatches events is not allowed, and sessions are short-lived anyway.
    root = session.get_transaction()
    state = {"committed": False, "done": False}

    def committed(_session: Session) -> None:
        state["committed"] = True

    def ended(_session: Session, transaction: object) -> None:
        if state["done"] or transaction is not root:
            return
        state["done"] = True
        if not state["committed"]:
            path.unlink(missing_ok=True)

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_transaction_end", ended)
