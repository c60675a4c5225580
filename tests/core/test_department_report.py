"""The 部门小结: exactly what one department reported, task by task, read back with
python-docx."""

from __future__ import annotations

import os

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Pt

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.reports.department_report import (
    NOT_ANSWERED,
    department_tasks,
    write_department_report,
)
from foodsafety_desktop.core.storage.database import open_database

from .document_fixtures import FULL, NAMES, PARTIAL, SILENT, build_period


@pytest.fixture(scope="module")
def period(tmp_path_factory):
    # Module scope: one database for the read-only tests below (the autouse data-dir
    # fixture is per test, so the folder is set here for the build).
    folder = tmp_path_factory.mktemp("dept")
    old = os.environ.get("FOODSAFETY_DATA_DIR")
    os.environ["FOODSAFETY_DATA_DIR"] = str(folder)
    db = open_database(folder / "t.sqlite3")
    try:
        yield build_period(db, folder)
    finally:
        db.close()
        if old is None:
            os.environ.pop("FOODSAFETY_DATA_DIR", None)
        else:
            os.environ["FOODSAFETY_DATA_DIR"] = old


def write(period, name, tmp_path):
    path = write_department_report(period.material, name, tmp_path / f"{name}.docx")
    return docx.Document(str(path))


def reported_texts(period, name):
    return [
        text
        for r in period.reported
        if r.department == name
        for text in (r.measures, r.data, r.examples, r.problems, r.next_steps)
        if text
    ]


@pytest.mark.parametrize("name", [FULL, PARTIAL])
def test_contains_exactly_the_departments_texts(period, name, tmp_path):
    d = write(period, name, tmp_path)
    body = "\n".join(p.text for p in d.paragraphs)
    mine = reported_texts(period, name)
    assert mine
    for text in mine:
        assert text in body, text
    for other in NAMES:
        if other != name:
            assert f"{other}落实措施" not in body
            for text in reported_texts(period, other):
                assert text not in body


def test_structure_role_status_and_signature(period, tmp_path):
    m = period.material
    d = write(period, PARTIAL, tmp_path)
    assert d.sections[0].orientation == WD_ORIENT.PORTRAIT
    title = d.paragraphs[0]
    assert title.style.name == "公文标题"
    assert title.text.replace("\n", "") == f"{PARTIAL}{m.period_name}食品安全工作落实情况"
    report = next(r for r in m.departments if r.name == PARTIAL)
    tasks = department_tasks(m, report.department_id)
    headings = [p for p in d.paragraphs if p.style.name == "一级标题"]
    assert [h.text for h in headings] == [
        f"{'一二三四五六七八九十'[i]}、{t.heading_title}" for i, (t, _) in enumerate(tasks)
    ]
    assert headings[0].runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    texts = [p.text for p in d.paragraphs]
    # the first task: 县卫健委 leads it and wrote every part
    first = texts.index(headings[0].text)
    lead_task = tasks[0][0]
    assert texts[first + 1] == (
        "职责分工：本单位为牵头单位；责任单位：" + "、".join(lead_task.responsible_names) + "。"
    )
    assert texts[first + 2] == "完成情况：已完成。"
    assert texts[first + 3].startswith("主要措施：县卫健委落实措施第1条")
    assert texts[first + 4] == "工作数据：县卫健委数据：监测样品120份。"
    assert texts[first + 5] == "典型案例：县卫健委典型案例：建立哨点医院。"
    assert texts[first + 6] == "存在问题：县卫健委问题：检测能力不足。"
    assert texts[first + 7] == "下步打算：县卫健委打算：新增监测点2个。"
    label = d.paragraphs[first + 3].runs[0]
    assert label.text == "主要措施：" and label.font.bold
    assert label.font.size == Pt(16)
    # tasks it left blank are listed as such
    blank = [t for t, part in tasks if not part.reported]
    assert blank and texts.count(NOT_ANSWERED) == len(blank)
    opening = texts[2]
    assert f"承担《{m.plan_title}》{len(tasks)}项任务" in opening
    assert f"本期填报{len(tasks) - len(blank)}项" in opening and f"{len(blank)}项未填报" in opening
    assert "填报人：张三" in texts[3] and "按时报送" in texts[3]
    assert texts[-2:] == [PARTIAL, "2022年9月20日"]
    assert d.paragraphs[-4].paragraph_format.keep_with_next  # last line goes with the 署名


def test_silent_department_is_a_user_error(period, tmp_path):
    with pytest.raises(UserError, match="该单位本期尚未报送"):
        write_department_report(period.material, SILENT, tmp_path / "x.docx")
    with pytest.raises(UserError, match="不是2022年第三季度的报送单位"):
        write_department_report(period.material, "县不存在局", tmp_path / "x.docx")
    assert not (tmp_path / "x.docx").exists()
