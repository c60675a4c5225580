"""任务分工表 workbooks: sheets, title rows, merged cells, section rows, limits."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans import spreadsheet
from foodsafety_desktop.core.plans.model import Paragraph, Table
from foodsafety_desktop.core.plans.reader import read_blocks, read_plan
from foodsafety_desktop.core.plans.table_plan import header_row_index, tasks_from_table

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
TITLE = "2024年某某县食品安全重点工作任务分工表"


def full_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = TITLE
    ws.merge_cells("A1:F1")
    ws.append(["各单位于每季度末报送进展情况。"])
    ws.append(["序号", "工作任务", "牵头单位", "配合单位", "完成时限", "目标值"])
    ws.append(["一、源头治理"])
    ws.merge_cells("A4:F4")
    ws.append(
        [
            1,
            "开展耕地土壤污染防治。严控农药兽药残留超标。",
            "县农业农村局",
            "县生态环境分局、各乡镇人民政府",
            "2024年6月底前",
            "受污染耕地安全利用率达到93%",
        ]
    )
    ws.append([2, "加强农产品质量安全监测。", "县农业农村局", "县市场监管局", "长期坚持", None])
    ws.append(["二", "过程监管", None, None, None, None])  # a section by its 序号
    ws.append([3, "开展食品安全监督抽检。", "县市场监管局", "县卫健委", dt.datetime(2024, 11, 30)])
    ws.append([4, "实施校园食品安全守护行动。", "县教育局", "县市场监管局", "持续推进"])
    ws.append([4, None, "县公安局", None, None])
    ws.merge_cells("A9:A10")
    ws.merge_cells("B9:B10")
    school = wb.create_sheet("农村集体聚餐")
    school.append(["序号", "重点任务", "责任单位", "牵头领导", "时间节点"])
    school.append(
        [1, "规范农村集体聚餐备案。", "县市场监管局、各乡镇人民政府", "张三", "2024年12月"]
    )
    wb.create_sheet("说明")["A1"] = "本表由县食安办制定。"
    hidden = wb.create_sheet("代码表")
    hidden.append(["序号", "工作任务", "牵头单位"])
    hidden.append([1, "不该读到的任务", "某局"])
    hidden.sheet_state = "hidden"
    wb.save(path)
    return path


def test_blocks_of_a_workbook(tmp_path):
    blocks = read_blocks(full_workbook(tmp_path / "分工表.xlsx"))
    kinds = [(type(b).__name__, getattr(b, "text", None)) for b in blocks]
    assert kinds == [
        ("Paragraph", TITLE),
        ("Paragraph", "各单位于每季度末报送进展情况。"),
        ("Table", None),
        ("Paragraph", "农村集体聚餐"),
        ("Table", None),
    ]
    assert blocks[3].heading_level == 1
    first = blocks[2]
    assert first.rows[0] == ["序号", "工作任务", "牵头单位", "配合单位", "完成时限", "目标值"]
    assert first.rows[1] == ["一、源头治理"] * 6  # merged: repeated in every cell
    assert first.rows[5][4] == "2024年11月30日"  # a date cell as written in Chinese
    assert first.rows[7][:3] == ["4", "实施校园食品安全守护行动。", "县公安局"]


def test_tasks_of_a_workbook(tmp_path):
    plan = read_plan(full_workbook(tmp_path / "分工表.xlsx"))
    assert plan.title == TITLE
    got = [
        (t.label, [h.as_text() for h in t.path], t.title, t.lead, t.others, t.deadline)
        for t in plan.tasks
    ]
    assert got == [
        (
            "1.",
            ["一、源头治理"],
            "开展耕地土壤污染防治",
            ["县农业农村局"],
            ["县生态环境分局", "各乡镇人民政府"],
            "2024年6月底前",
        ),
        (
            "2.",
            ["一、源头治理"],
            "加强农产品质量安全监测",
            ["县农业农村局"],
            ["县市场监管局"],
            "长期坚持",
        ),
        (
            "3.",
            ["二、过程监管"],
            "开展食品安全监督抽检",
            ["县市场监管局"],
            ["县卫健委"],
            "2024年11月30日",
        ),
        (
            "4.",
            ["二、过程监管"],
            "实施校园食品安全守护行动",
            ["县教育局", "县公安局"],
            ["县市场监管局"],
            "持续推进",
        ),
        (
            "1.",
            ["农村集体聚餐"],
            "规范农村集体聚餐备案",
            ["县市场监管局"],
            ["各乡镇人民政府"],
            "2024年12月",
        ),
    ]
    assert plan.tasks[0].targets[0].value == 93.0  # from the 目标值 column
    assert plan.tasks[0].deadline_date == dt.date(2024, 6, 30)
    assert "张三" not in plan.department_names()  # 牵头领导 is a person, not a department
    assert "不该读到的任务" not in [t.title for t in plan.tasks]


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")
def test_xls_reads_like_the_xlsx(tmp_path):
    source = full_workbook(tmp_path / "分工表.xlsx")
    out = tmp_path / "xls"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "xls",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    xls = out / "分工表.xls"
    assert xls.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    assert read_blocks(xls) == read_blocks(source)
    et = shutil.copy(xls, tmp_path / "分工表.et")  # WPS 表格's own name for the same format
    assert [t.title for t in read_plan(et).tasks] == [t.title for t in read_plan(source).tasks]


def test_default_sheet_names_are_replaced_by_their_title_rows(tmp_path):
    wb = openpyxl.Workbook()
    for number, (title, task) in enumerate(
        [("一、源头治理任务", "整治农药残留"), ("二、过程监管任务", "开展监督抽检")], start=1
    ):
        ws = wb.active if number == 1 else wb.create_sheet(f"Sheet{number}")
        ws.append([title])
        ws.append(["序号", "任务", "责任单位"])
        ws.append([1, task, "县市场监管局"])
    path = tmp_path / "两张表.xlsx"
    wb.save(path)
    texts = [(b.text, b.heading_level) for b in read_blocks(path) if isinstance(b, Paragraph)]
    assert texts == [("一、源头治理任务", None), ("二、过程监管任务", 1)]


def test_no_sheet_with_a_header_names_the_file_and_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["单位", "人数"])
    wb.active.append(["县市场监管局", 30])
    path = tmp_path / "统计表.xlsx"
    wb.save(path)
    with pytest.raises(UserError) as info:
        read_blocks(path)
    message = str(info.value)
    assert "统计表.xlsx" in message and "工作表“Sheet”" in message
    assert "找不到表头（应包含“任务”和“牵头单位/责任单位”等列）" in message
    assert info.value.sheet == "Sheet"


def test_too_many_rows_and_too_long_cells_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 20)
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "任务", "牵头单位"])
    for n in range(30):
        wb.active.append([n, "任务", "县市场监管局"])
    path = tmp_path / "很长.xlsx"
    wb.save(path)
    with pytest.raises(UserError, match="行数超过上限 20 行") as info:
        read_blocks(path)
    assert info.value.sheet == "Sheet"

    wb = openpyxl.Workbook()
    wb.active.append(["序号", "任务", "牵头单位"])
    wb.active.append([1, "长" * (spreadsheet.MAX_CELL_CHARS + 1), "县市场监管局"])
    path = tmp_path / "长单元格.xlsx"
    wb.save(path)
    with pytest.raises(UserError, match="单元格内容过长") as info:
        read_blocks(path)
    assert (info.value.sheet, info.value.cell) == ("Sheet", "B2")


def test_xml_with_a_doctype_is_refused(tmp_path):
    source = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "任务", "牵头单位"])
    wb.save(source)
    path = tmp_path / "炸弹.xlsx"
    with zipfile.ZipFile(io.BytesIO(source.getvalue())) as old, zipfile.ZipFile(path, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + data.split(b"?>", 1)[-1]
            new.writestr(info, data)
    with pytest.raises(UserError, match="不安全的 XML"):
        read_blocks(path)


def test_header_found_below_title_rows_of_a_docx_table():
    rows = [
        [TITLE] * 4,
        ["填报单位：", "", "", ""],
        ["", "", "", ""],
        ["序号", "具体内容", "责任单位", "完成时限"],
        ["1", "开展抽检。", "县市场监管局", "2024年12月"],
    ]
    assert header_row_index(rows) == 3
    (task,) = tasks_from_table(Table(rows=rows), [])
    assert (task.label, task.title, task.lead, task.deadline) == (
        "1.",
        "开展抽检",
        ["县市场监管局"],
        "2024年12月",
    )


def test_header_beyond_the_scanned_rows_is_not_a_header():
    rows = [["说明"]] * 10 + [["序号", "任务", "牵头单位"], ["1", "开展抽检", "县市场监管局"]]
    assert header_row_index(rows) is None
    assert tasks_from_table(Table(rows=rows), []) is None
