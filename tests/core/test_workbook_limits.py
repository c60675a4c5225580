"""Limits of the returned-workbook reader that are not about size alone."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.excel.workbook_reader import (
    MAX_SHARED_STRINGS,
    cell_text,
    read_returned_workbook,
)


def test_a_huge_declared_shared_string_table_is_refused_unread(tmp_path) -> None:
    real = tmp_path / "real.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "已完成"
    wb.save(real)
    path = tmp_path / "报送表.xlsx"
    with zipfile.ZipFile(real) as src, zipfile.ZipFile(path, "w") as z:
        for info in src.infolist():
            if info.filename != "xl/sharedStrings.xml":
                z.writestr(info, src.read(info))
        z.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="x" count="{MAX_SHARED_STRINGS + 1}" '
            f'uniqueCount="{MAX_SHARED_STRINGS + 1}"><si><t>a</t></si></sst>',
        )
    with pytest.raises(UserError, match="文字条目过多") as caught:
        read_returned_workbook(path)
    assert "报送表.xlsx" in str(caught.value)


def test_control_characters_from_old_excel_files_are_dropped() -> None:
    assert cell_text("已完成\x00\x07\x1b") == "已完成"
    assert cell_text("第一行\n第二行\t") == "第一行\n第二行"
