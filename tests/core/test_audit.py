"""The change history (services.audit)."""

from __future__ import annotations

import datetime as dt

from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.storage.models import AuditEntry


def test_record_and_history(db):
    with db.session() as s:
        first = audit.record(
            s,
            user="张三",
            action="task.update",
            entity="task",
            entity_id=7,
            summary="修改任务状态：未启动 → 序时推进",
            detail={"before": {"status": "未启动"}, "after": {"deadline": dt.date(2024, 6, 30)}},
        )
        audit.record(
            s, user="李四", action="task.update", entity="task", entity_id=7, summary="第二次"
        )
        audit.record(s, user="李四", action="task.update", entity="task", entity_id=8, summary="x")
        audit.record(s, user="李四", action="plan.import", entity="plan", entity_id=7, summary="y")
        s.flush()
        assert first.id is not None
    with db.session() as s:
        entries = audit.history(s, "task", 7)
        assert [e.summary for e in entries] == ["第二次", "修改任务状态：未启动 → 序时推进"]
        assert all(isinstance(e, AuditEntry) for e in entries)
        oldest = entries[-1]
        assert oldest.user == "张三"
        assert isinstance(oldest.at, dt.datetime)
        assert audit.detail_of(oldest) == {
            "before": {"status": "未启动"},
            "after": {"deadline": "2024-06-30"},
        }
        assert "未启动" in oldest.detail  # stored readable, not \\u-escaped
        assert entries[0].detail is None
        assert audit.detail_of(entries[0]) is None
        assert audit.history(s, "task", 99) == []


def test_detail_given_as_text_is_kept(db):
    with db.session() as s:
        entry = audit.record(
            s, user="", action="x", entity="plan", entity_id=None, summary="s", detail="纯文本"
        )
        s.flush()
        assert entry.user == "未知用户"
        assert audit.history(s, "plan", None) == [entry]
        assert audit.detail_of(entry) == "纯文本"


def test_rolled_back_with_the_transaction(db):
    try:
        with db.session() as s:
            audit.record(s, user="u", action="x", entity="task", entity_id=1, summary="s")
            raise RuntimeError
    except RuntimeError:
        pass
    with db.session() as s:
        assert audit.history(s, "task", 1) == []
