"""佐证材料 and 细则 links survive a deleted task, period or plan that is undone: the
delete removes them with the rows they hang on (the schema cascades), the audit entry
keeps them, the undo puts them back, and the start-up sweep never takes their originals
away in between."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from foodsafety_desktop.core.services import ledger, periods, plan_admin, undo
from foodsafety_desktop.core.services.assessment import KIND_MEMBER, import_assessment
from foodsafety_desktop.core.services.assessment_links import add_link
from foodsafety_desktop.core.services.evidence import attach_evidence
from foodsafety_desktop.core.storage.database import open_database
from foodsafety_desktop.core.storage.models import AssessmentItem, AssessmentLink, Evidence
from foodsafety_desktop.core.storage.originals import referenced_paths

from .evidence_fixtures import USER, ledger_with_submission, make_pdf, make_png

MEMBER_2022 = Path(__file__).resolve().parents[1] / "data" / "assessment" / "member_2022.xlsx"


def _rows(url: str) -> tuple[list[tuple], list[tuple]]:
    db = open_database(url)
    try:
        with db.session() as s:
            evidence = s.execute(
                select(Evidence.name, Evidence.task_id, Evidence.submission_id).order_by(
                    Evidence.name
                )
            ).all()
            links = s.execute(select(AssessmentLink.item_id, AssessmentLink.task_id)).all()
            paths = referenced_paths(s)
            stored = set(s.scalars(select(Evidence.archive_path)))
            assert stored <= paths
            return [tuple(r) for r in evidence], [tuple(r) for r in links]
    finally:
        db.close()


@pytest.mark.parametrize("what", ["task", "period", "plan"])
def test_a_delete_undone_brings_back_the_evidence_and_links(any_db_url, tmp_path, what):
    db = open_database(any_db_url)
    try:
        led = ledger_with_submission(db, tmp_path / "ledger")
        task_id = led.answered[0]
        assessment = import_assessment(db, MEMBER_2022, year=2022, kind=KIND_MEMBER, user=USER)
        with db.session() as s:
            item_id = s.scalar(
                select(func.min(AssessmentItem.id)).where(
                    AssessmentItem.assessment_id == assessment.assessment_id,
                    AssessmentItem.parent_id.is_not(None),
                )
            )
        add_link(db, item_id, task_id, user=USER)
        (tmp_path / "f").mkdir()
        attach_evidence(
            db, make_pdf(tmp_path / "f" / "检查记录.pdf", 2), user=USER, task_id=task_id
        )
        attach_evidence(
            db, make_png(tmp_path / "f" / "照片.png"), user=USER, submission_id=led.submission_id
        )
    finally:
        db.close()
    before = _rows(any_db_url)
    assert len(before[0]) == 2 and before[1] == [(item_id, task_id)]

    db = open_database(any_db_url)
    try:
        with db.session() as s:
            if what == "task":
                ledger.delete_task(s, task_id, user=USER)
            elif what == "period":
                periods.delete_period(s, led.period_id, user=USER, force=True)
            else:
                plan_admin.delete_plan(s, led.plan_id, user=USER)
    finally:
        db.close()
    gone = _rows(any_db_url)
    assert len(gone[0]) < 2  # removed with what they hung on
    db = open_database(any_db_url)
    try:
        with db.session() as s:  # the sweep between the delete and the undo keeps them
            kept = referenced_paths(s)
            assert sum(1 for p in kept if p.startswith("evidence/")) == 2
        with db.session() as s:
            undo.undo_last(s, user=USER)
    finally:
        db.close()
    after = _rows(any_db_url)
    assert [r[0] for r in after[0]] == [r[0] for r in before[0]]
    assert len(after[1]) == 1
