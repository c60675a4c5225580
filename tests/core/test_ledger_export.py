"""The exported 工作台账 workbook, reopened and checked cell by cell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services.ledger import LedgerFilter
from foodsafety_desktop.core.services.ledger_export import export_ledger_xlsx

from .ledger_fixtures import TODAY, ledger_db_fixture, sample_fixture  # noqa: F401

HEADERS = ["序号", "任务", "牵头单位", "责任单位", "完成时限", "指标", "状态", "最新进展"]


def export(db, flt, path) -> Path:
    with db.session() as s:
        return export_ledger_xlsx(s, flt, path, today=TODAY)


def find_row(ws, text) -> int:
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and text in cell.value:
                return cell.row
    raise AssertionError(f"{text!r} not in sheet")


@pytest.fixture
def workbook(ledger_db, sample, tmp_path):
    path = export(ledger_db, LedgerFilter(plan_id=sample.plan), tmp_path / "台账.xlsx")
    assert path == tmp_path / "台账.xlsx"
    return load_workbook(path)


def test_title_subtitle_and_header(workbook):
    ws = workbook.active
    assert ws.title == "工作台账"
    assert ws["A1"].value == "某县2024年食品安全工作要点工作台账"
    assert ws["A1"].font.b and ws["A1"].font.sz == 16
    assert "A1:H1" in {str(r) for r in ws.merged_cells.ranges}
    assert "导出日期：2024年7月1日" in ws["A2"].value
    assert "某食安办〔2024〕1号" in ws["A2"].value
    assert "筛选条件" not in ws["A2"].value
    assert [c.value for c in ws[3]] == HEADERS
    assert ws.freeze_panes == "A4"
    assert ws["B6"].font.name == "宋体" and ws["B6"].font.sz == 11


def test_sections_and_task_rows(workbook):
    ws = workbook.active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert ws["A4"].value == "三、主要任务"
    assert ws["A5"].value == "（一）落实监管责任"
    assert {"A4:H4", "A5:H5"} <= merged
    assert ws["A4"].font.b and ws["A4"].fill.fgColor.rgb.endswith("D9D9D9")
    row = [c.value for c in ws[6]]
    assert row[0] == 1
    assert row[1].startswith("落实企业主体责任")
    assert row[2:8] == [
        "县市场监管局",
        "县农业农村局、县教育局",
        "2024年6月底前",
        "抽检覆盖率达到100%",
        "未启动",
        None,
    ]
    assert ws["B6"].alignment.wrap_text
    assert ws["B6"].border.left.style == "thin"
    second = find_row(ws, "（二）强化风险防控")
    assert f"A{second}:H{second}" in merged
    assert ws.cell(second + 1, 2).value.startswith("开展农药残留专项整治")
    assert ws.cell(second + 1, 1).value == 3


def test_overdue_deadline_is_red(workbook):
    ws = workbook.active
    assert ws["E6"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["E6"].font.color.rgb.endswith("C00000")
    done = find_row(ws, "开展农药残留专项整治")  # past its deadline but 已完成
    assert ws.cell(done, 5).fill.fill_type is None


def test_formula_looking_text_is_stored_as_text(workbook):
    ws = workbook.active
    r = find_row(ws, "校园食品安全守护行动")
    cell = ws.cell(r, 8)
    assert cell.value == "=SUM(A1:A3)"
    assert cell.data_type == "s" and cell.quotePrefix


def test_print_setup(workbook):
    ws = workbook.active
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows == "$3:$3"
    assert "第 &P 页 共 &N 页" in ws.oddFooter.center.text


def test_filter_shown_in_subtitle_and_applied(ledger_db, sample, tmp_path):
    flt = LedgerFilter(plan_id=sample.plan, department_id=sample.departments["城关镇"])
    path = export(ledger_db, flt, tmp_path / "城关镇")
    assert path.name == "城关镇.xlsx"
    ws = load_workbook(path).active
    assert "筛选条件：单位：城关镇" in ws["A2"].value
    tasks = [ws.cell(r, 2).value for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value in (1, 2)]
    assert [t[:8] for t in tasks] == ["压实属地管理责任", "校园食品安全守护"]


def test_all_plans_get_plan_rows(ledger_db, sample, tmp_path):
    ws = load_workbook(export(ledger_db, LedgerFilter(), tmp_path / "all.xlsx")).active
    assert ws["A1"].value == "全部方案工作台账"
    assert ws["A4"].value == "某县2024年食品安全工作要点"
    assert find_row(ws, "另一个方案") > find_row(ws, "校园食品安全守护行动")


def test_empty_result_still_writes_a_sheet(ledger_db, sample, tmp_path):
    flt = LedgerFilter(plan_id=sample.plan, text="没有这个词")
    ws = load_workbook(export(ledger_db, flt, tmp_path / "empty.xlsx")).active
    assert ws["A4"].value == "（没有符合条件的任务）"


def test_missing_folder_is_a_user_error(ledger_db, sample, tmp_path):
    with pytest.raises(UserError, match="不存在"):
        export(ledger_db, LedgerFilter(plan_id=sample.plan), tmp_path / "nope" / "x.xlsx")


def test_unknown_plan_is_a_user_error(ledger_db, sample, tmp_path):
    with pytest.raises(UserError, match="未找到该工作方案"):
        export(ledger_db, LedgerFilter(plan_id=99999), tmp_path / "x.xlsx")


def test_locked_file_keeps_the_old_file_and_leaves_no_temp(
    ledger_db, sample, tmp_path, monkeypatch
):
    target = tmp_path / "locked.xlsx"
    target.write_bytes(b"old")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(UserError, match="请先在 Excel/WPS 中关闭该文件"):
        export(ledger_db, LedgerFilter(plan_id=sample.plan), target)
    assert target.read_bytes() == b"old"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
