"""Write a sample assessment file (考核档案) and render the first page of its 目录.docx.

    python tests/core/make_assessment_file_sample.py [--render docs]

Seed 002 imported with 县市场监管局's 2022年第三季度 workbook collected, the 成员单位 细则
``tests/data/assessment/member_2026.docx`` (as year 2022), two confirmed links, ten
evidence files of every kind on the first items, a photo attached to the workbook and the
first minutes attached to the workbook as well (the workbook and its files are filed once,
in 报表及附件, and the minutes once, under the first item); the export goes to a
temporary folder and, with ``--render DIR``, page 1 of the 目录 becomes
``DIR/assessment_index.png`` (LibreOffice, pdftoppm -r 80).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parents[1])]

from sqlalchemy import select  # noqa: E402

from core.evidence_fixtures import (  # noqa: E402
    USER,
    ledger_with_submission,
    make_docx,
    make_pdf,
    make_png,
    make_xlsx,
)
from foodsafety_desktop.core.reports.assessment_file import export_assessment_file  # noqa: E402
from foodsafety_desktop.core.services.assessment import (  # noqa: E402
    KIND_MEMBER,
    import_assessment,
)
from foodsafety_desktop.core.services.evidence import attach_evidence  # noqa: E402
from foodsafety_desktop.core.storage.database import open_database  # noqa: E402
from foodsafety_desktop.core.storage.models import AssessmentItem, AssessmentLink  # noqa: E402

DATA = HERE.parent / "data" / "assessment"

# (leaf index, file name, kind, pages)
FILES = [
    (0, "局党组会议纪要（食品安全专题）.pdf", "pdf", 3),
    (0, "局长办公会议纪要.pdf", "pdf", 2),
    (1, "2026年食品安全工作要点.docx", "docx", 4),
    (1, "重点任务分工表.pdf", "pdf", 6),
    (2, "分管领导和联络员备案表.jpg", "png", 1),
    (3, "重点工作任务落实台账.xlsx", "xlsx", None),
    (4, "第一季度工作总结.pdf", "pdf", 2),
    (6, "县食安委全体会议签到表.pdf", "pdf", 1),
    (7, "食品安全督查整改报告.pdf", "pdf", 5),
    (8, "年度监督抽检计划.pdf", "pdf", 12),
]


def build(folder: Path) -> Path:
    db = open_database(folder / "ledger.sqlite3")
    try:
        ledger = ledger_with_submission(db, folder / "ledger")
        result = import_assessment(
            db, DATA / "member_2026.docx", year=2022, kind=KIND_MEMBER, user=USER
        )
        with db.session() as s:
            items = s.execute(
                select(AssessmentItem.id, AssessmentItem.parent_id)
                .where(AssessmentItem.assessment_id == result.assessment_id)
                .order_by(AssessmentItem.position)
            ).all()
            parents = {parent for _id, parent in items}
            leaves = [item_id for item_id, _parent in items if item_id not in parents]
            for leaf, task in ((leaves[0], ledger.answered[0]), (leaves[2], ledger.answered[1])):
                s.add(AssessmentLink(item_id=leaf, task_id=task, confirmed=True, created_by=USER))
        files = folder / "files"
        files.mkdir()
        for n, (leaf, name, kind, pages) in enumerate(FILES):
            path = files / name
            if kind == "pdf":
                make_pdf(path, pages or 1, text=f"file {n}")
            elif kind == "docx":
                make_docx(path, pages=pages, text=name)
            elif kind == "png":
                make_png(path, shade=n * 20)
            else:
                make_xlsx(path)
            attach_evidence(
                db, path, user=USER, item_id=leaves[leaf], department_id=ledger.department_id
            )
        # Files sent with the workbook: a new photo, and the minutes filed under 一.1.
        photo = make_png(files / "季度检查现场照片.jpg", shade=200)
        attach_evidence(db, photo, user=USER, submission_id=ledger.submission_id)
        attach_evidence(db, files / FILES[0][1], user=USER, submission_id=ledger.submission_id)
        target = folder / "县市场监管局考核档案"
        export_assessment_file(db, result.assessment_id, target, department_id=ledger.department_id)
        return target
    finally:
        db.close()


def render(index: Path, out_dir: Path) -> Path:
    work = index.parent
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(index)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(work / "目录.pdf"),
         str(work / "page")],
        check=True,
    )  # fmt: skip
    page = next(work.glob("page*.png"))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "assessment_index.png"
    shutil.copyfile(page, target)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--render", metavar="DIR", help="write DIR/assessment_index.png")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="assessment-file-"))
    target = build(folder)
    print(target)
    if args.render:
        print(render(target / "目录.docx", Path(args.render)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
