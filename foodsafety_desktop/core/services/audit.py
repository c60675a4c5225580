"""The change history (操作记录): every edit of the ledger writes one ``AuditEntry``."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from foodsafety_desktop.core.storage.models import AuditEntry


def record(
    session: Session,
    *,
    user: str,
    action: str,
    entity: str,
    entity_id: int | None,
    summary: str,
    detail: Any = None,
) -> AuditEntry:
    """Add one audit entry to the caller's transaction and return it.

    ``action`` is a dotted code ("plan.import", "task.update", "dept.merge"), ``entity``
    the kind of object ("plan", "task", "department"), ``summary`` the Chinese sentence
    shown in the history panel.  ``detail`` may be a JSON string or any JSON-serialisable
    value (dates and other objects are written with ``str``).
    """
    if detail is not None and not isinstance(detail, str):
        detail = json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)
    entry = AuditEntry(
        user=user or "未知用户",
        action=action,
        entity=entity,
        entity_id=entity_id,
        summary=summary,
        detail=detail,
    )
    session.add(entry)
    return entry


def history(session: Session, entity: str, entity_id: int | None) -> list[AuditEntry]:
    """The entries of one object, newest first."""
    stmt = select(AuditEntry).where(AuditEntry.entity == entity)
    if entity_id is None:
        stmt = stmt.where(AuditEntry.entity_id.is_(None))
    else:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return list(session.scalars(stmt))


def detail_of(entry: AuditEntry) -> Any:
    """The entry's detail decoded from JSON (the raw text when it is not JSON)."""
    if entry.detail is None:
        return None
    try:
        return json.loads(entry.detail)
    except ValueError:
        return entry.detail


def last_entry_id(session: Session) -> int:
    """The newest audit entry's id (0 for none): it changes with every write by anyone,
    so a window compares it to notice what another process changed."""
    return session.scalar(select(func.max(AuditEntry.id))) or 0
