"""Plans laid out differently from the seeds: a 分工表 table, Word heading styles, GBK text.

Each is read from a real file, parsed, imported, and checked against the text the
fixture wrote (tests/plan_fixtures.py), then queried back from the database.
"""

from __future__ import annotations

import datetime as dt

import pytest
from plan_fixtures import make_gbk_txt, make_heading_styles_docx, make_table_plan_docx
from sqlalchemy import func, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans.reader import read_plan
from foodsafety_desktop.core.services.plan_import import import_plan_file
from foodsafety_desktop.core.storage.models import Assignment, Department, Indicator, Plan, Task


def summary(path):
    plan = read_plan(path)
    return plan, [(t.label, t.title, t.lead, t.others, t.deadline) for t in plan.tasks]


def test_table_plan(tmp_path) -> None:
    plan, tasks = summary(make_table_plan_docx(tmp_path / "重点工作安排.docx"))
    assert plan.title == "清河县2024年食品安全重点工作安排"
    assert plan.jurisdiction == "县"
    assert tasks[0] == (
        "1.",
        "加强受污染耕地安全利用",
        ["县农业农村局"],
        ["县生态环境分局", "县自然资源局"],
        "2024年11月",
    )
    assert tasks[4][2:] == (["县教育局"], ["县市场监管局", "县公安局"], "长期坚持")
    assert [h.as_text() for h in plan.tasks[2].path] == ["一、重点工作任务", "（二）严格过程监管"]
    assert plan.tasks[2].deadline_date == dt.date(2024, 10, 31)
    assert [(t.value, t.unit) for t in plan.tasks[3].targets] == [(4.0, "批次/千人"), (100.0, "%")]
    assert [(r.recurrence, r.dates, r.what) for r in plan.reporting] == [
        ("quarterly", ["03-25", "06-25", "09-25", "12-25"], "工作进展"),
        ("once", ["2024-12-10"], "年度工作总结"),
    ]


def test_heading_styles_plan(tmp_path) -> None:
    plan, tasks = summary(make_heading_styles_docx(tmp_path / "示范创建方案.docx"))
    assert plan.title == "柳林县2023年食品安全示范创建工作方案"
    assert [t[:4] for t in tasks] == [
        ("1.", "强化校园食品安全管理", ["县市场监管局"], ["县教育局"]),
        ("2.", "开展农村集体聚餐风险防控", ["各乡镇人民政府"], ["县市场监管局", "县卫健委"]),
        ("3.", "提升食品抽检监测能力", ["县市场监管局"], []),
    ]
    assert [(r.recurrence, r.dates) for r in plan.reporting] == [("yearly", ["12-01"])]
    assert plan.reporting[0].text.startswith("各责任单位于每年12月1日前")


def test_gbk_text_plan(tmp_path) -> None:
    plan, tasks = summary(make_gbk_txt(tmp_path / "工作要点.txt"))
    assert plan.title == "平安县2022年食品安全工作要点"
    assert [t[0] for t in tasks] == ["（一）", "（二）", "（三）", "（四）"]
    assert tasks[1][2:] == (["县市场监管局"], ["各乡镇人民政府"], "2022年10月")
    assert [(r.recurrence, r.dates) for r in plan.reporting] == [
        ("half-yearly", ["06-25", "11-30"])
    ]


def test_table_plan_imports_into_the_ledger(db, tmp_path) -> None:
    path = make_table_plan_docx(tmp_path / "重点工作安排.docx")
    result = import_plan_file(db, path, user="测试")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Task)) == 6
        lead = s.scalars(
            select(Department.name)
            .join(Assignment, Assignment.department_id == Department.id)
            .join(Task, Task.id == Assignment.task_id)
            .where(Task.plan_id == result.plan_id, Task.label == "3.", Assignment.role == "牵头")
        ).all()
        assert lead == ["县市场监管局"]
        values = s.scalars(select(Indicator.value).order_by(Indicator.task_id, Indicator.position))
        assert list(values)[:3] == [95.0, 1.5, 95.0]


BAD_FILES = {
    "空文件.txt": b"",
    "乱码.docx": bytes(range(256)) * 40,
    "旧格式.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000,
    "无任务.txt": "关于做好食品安全工作的通知\n请各单位认真做好相关工作。\n".encode(),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_input_gives_a_chinese_message_and_changes_nothing(db, tmp_path, name) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    with pytest.raises(UserError) as caught:
        import_plan_file(db, path, user="测试")
    assert name in str(caught.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Plan)) == 0
        assert s.scalar(select(func.count()).select_from(Department)) == 0


def test_a_50_mb_file_is_refused_and_changes_nothing(db, tmp_path, private_data_dir) -> None:
    path = tmp_path / "超大方案.docx"
    with path.open("wb") as f:  # sparse: 50 MB on paper, nothing written
        f.truncate(50 * 1024 * 1024)
    with pytest.raises(UserError, match=r"20 ?MB"):
        import_plan_file(db, path, user="测试")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Plan)) == 0
    assert not (private_data_dir / "archive").exists() or not any(
        (private_data_dir / "archive").rglob("*.docx")
    )
