"""Reading plan files: .docx paragraphs, tables and headings; text encodings; bad files."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import docx
import pytest
from plan_fixtures import (
    GBK_PLAN_TEXT,
    HEADING_PLAN_BLOCKS,
    TABLE_PLAN_HEADER,
    TABLE_PLAN_REPORTING,
    TABLE_PLAN_TITLE,
    make_gbk_txt,
    make_heading_styles_docx,
    make_table_plan_docx,
)
from seeds import seed_files, seed_path

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans.model import Paragraph, Table
from foodsafety_desktop.core.plans.parser import parse_blocks
from foodsafety_desktop.core.plans.reader import decode_text, read_blocks

CJK = re.compile(r"[\u4e00-\u9fff]")


def paragraphs(blocks):
    return [b for b in blocks if isinstance(b, Paragraph)]


def tables(blocks):
    return [b for b in blocks if isinstance(b, Table)]


# --- .docx ----------------------------------------------------------------------------


def test_docx_paragraphs_and_table_in_document_order(tmp_path):
    blocks = read_blocks(make_table_plan_docx(tmp_path / "重点工作安排.docx"))
    kinds = [type(b).__name__ for b in blocks]
    assert kinds.count("Table") == 1
    table_at = kinds.index("Table")
    texts = [b.text for b in paragraphs(blocks)]
    assert TABLE_PLAN_TITLE in texts
    assert blocks[table_at - 1] == Paragraph("一、重点工作任务")
    assert blocks[table_at + 1] == Paragraph("二、工作要求")
    assert TABLE_PLAN_REPORTING in texts
    assert all(b.text for b in paragraphs(blocks)), "empty paragraphs are left out"
    assert all(b.heading_level is None for b in paragraphs(blocks))

    (table,) = tables(blocks)
    assert table.rows[0] == TABLE_PLAN_HEADER
    # A full-width merged section row repeats its text once per column.
    assert table.rows[1] == ["（一）强化源头治理"] * 5
    assert table.rows[2][:3] == [
        "1",
        "加强受污染耕地安全利用。落实耕地土壤分类管理制度，受污染耕地安全利用率达到95%以上。",
        "县农业农村局",
    ]
    # Paragraphs inside a cell are joined with a newline.
    assert [table.rows[7][0], table.rows[7][3]] == ["5", "县市场监管局\n县公安局"]


def test_docx_heading_styles_give_heading_levels(tmp_path):
    blocks = read_blocks(make_heading_styles_docx(tmp_path / "示范创建方案.docx"))
    got = [(b.heading_level, b.text) for b in paragraphs(blocks)]
    assert got == HEADING_PLAN_BLOCKS


def test_docx_chinese_style_names_and_outline_level(tmp_path):
    document = docx.Document()
    styles = document.styles
    cn = styles.add_style("标题 2", 1)  # WPS writes localised style names
    cn.base_style = styles["Normal"]
    p = document.add_paragraph("加强源头治理")
    p.style = cn
    outline = document.add_paragraph("工作保障")
    ppr = outline._p.get_or_add_pPr()
    lvl = ppr.makeelement(docx.oxml.ns.qn("w:outlineLvl"), {docx.oxml.ns.qn("w:val"): "0"})
    ppr.append(lvl)
    document.add_paragraph("正文内容。")
    path = tmp_path / "wps.docx"
    document.save(str(path))
    got = [(b.heading_level, b.text) for b in read_blocks(path)]
    assert got == [(2, "加强源头治理"), (1, "工作保障"), (None, "正文内容。")]


def test_docx_vertical_merge_repeats_value_per_row(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for i, text in enumerate(["序号", "工作任务", "责任单位"]):
        table.cell(0, i).text = text
    table.cell(1, 0).text = "1"
    table.cell(1, 1).text = "整治校园周边食品安全"
    table.cell(1, 2).text = "县市场监管局"
    table.cell(2, 2).text = "县教育局"
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(1, 1).merge(table.cell(2, 1))
    path = tmp_path / "merged.docx"
    document.save(str(path))
    (block,) = read_blocks(path)
    assert block == Table(
        rows=[
            ["序号", "工作任务", "责任单位"],
            ["1", "整治校园周边食品安全", "县市场监管局"],
            ["1", "整治校园周边食品安全", "县教育局"],
        ]
    )


def test_docx_control_characters_are_removed(tmp_path):
    document = docx.Document()
    document.add_paragraph("食品安全\t工作要点")
    run = document.add_paragraph().add_run("第一行")
    run.add_break()
    run.add_text("第二行")
    path = tmp_path / "breaks.docx"
    document.save(str(path))
    assert [b.text for b in read_blocks(path)] == ["食品安全\t工作要点", "第一行第二行"]


# --- .txt / .md -----------------------------------------------------------------------


def test_gbk_txt_decodes_to_the_original_text(tmp_path):
    path = make_gbk_txt(tmp_path / "工作要点.txt")
    assert path.read_bytes().startswith(GBK_PLAN_TEXT.splitlines()[0].encode("gbk"))
    blocks = read_blocks(path)
    expected = [line.strip() for line in GBK_PLAN_TEXT.splitlines() if line.strip()]
    assert [b.text for b in blocks] == expected


@pytest.mark.parametrize(
    "encoding", ["utf-8-sig", "utf-8", "utf-16", "gb18030", "utf-16-le"], ids=str
)
def test_text_encodings(tmp_path, encoding):
    text = "各相关责任单位每半年报送1次食品行业质量提升行动阶段情况小结。\r\n　　二、工作要求\r\n"
    path = tmp_path / f"plan-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    blocks = read_blocks(path)
    assert [b.text for b in blocks] == [
        "各相关责任单位每半年报送1次食品行业质量提升行动阶段情况小结。",
        "二、工作要求",
    ]


def test_utf8_bom_txt_equals_original(tmp_path):
    original = "2023年红旗区食品安全工作要点\n\n一、纵深推进“双安双创”\n"
    path = tmp_path / "bom.txt"
    path.write_bytes(original.encode("utf-8-sig"))
    assert [b.text for b in read_blocks(path)] == [
        "2023年红旗区食品安全工作要点",
        "一、纵深推进“双安双创”",
    ]
    assert decode_text(path.read_bytes()) == original


def test_text_nul_and_control_characters_are_stripped(tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes("食品\x00安全\x07工作\t要点\x0c下一页\n".encode())
    assert [b.text for b in read_blocks(path)] == ["食品安全工作\t要点", "下一页"]


def test_markdown_headings_bold_and_rules(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text(
        "# 新郑市人民政府办公室文件\n\n---\n\n## 一、指导思想\n\n**(二) 到2022年，实现以下目标**\n"
        "### **三、主要任务**\n正文。\n\n| 序号 | 工作任务 | 责任单位 |\n|---|---|---|\n"
        "| 1 | 抽检 | 市市场监管局 |\n",
        encoding="utf-8",
    )
    blocks = read_blocks(path)
    assert blocks == [
        Paragraph("新郑市人民政府办公室文件", 1),
        Paragraph("一、指导思想", 2),
        Paragraph("(二) 到2022年，实现以下目标"),
        Paragraph("三、主要任务", 3),
        Paragraph("正文。"),
        Table(rows=[["序号", "工作任务", "责任单位"], ["1", "抽检", "市市场监管局"]]),
    ]


@pytest.mark.parametrize("seed", seed_files(), ids=lambda p: p.name)
def test_every_seed_reads(seed):
    blocks = read_blocks(seed)
    assert len(blocks) > 20
    assert all(b.text.strip() == b.text and b.text for b in paragraphs(blocks))


def test_seed_with_markdown_marks_in_a_txt():
    """Seed 003 is a .txt with "#", "**" and "---" from a web page: the marks never show."""
    plan = parse_blocks(read_blocks(seed_path("003")), "003.txt")
    assert plan.title == "新郑市食品行业质量提升行动方案"
    shown = [plan.title, *(h.as_text() for t in plan.tasks for h in t.path)]
    shown += [t.title for t in plan.tasks] + [t.text for t in plan.tasks]
    assert not any("#" in s or "**" in s or "---" in s for s in shown)
    assert plan.tasks[0].path[0].as_text() == "三、主要任务"


# --- bad inputs -----------------------------------------------------------------------


def assert_user_error(path: Path, *words: str) -> str:
    with pytest.raises(UserError) as info:
        read_blocks(path)
    message = str(info.value)
    assert path.name in message
    assert CJK.search(info.value.message), message
    for word in words:
        assert word in message, message
    return message


def test_empty_file(tmp_path):
    path = tmp_path / "空文件.txt"
    path.write_bytes(b"")
    assert_user_error(path, "空")


def test_whitespace_only_file(tmp_path):
    path = tmp_path / "空白.txt"
    path.write_bytes(b" \r\n\t\r\n" + "\u3000\u3000\n".encode("gbk"))
    assert_user_error(path, "空")


def test_empty_docx(tmp_path):
    path = tmp_path / "空文档.docx"
    docx.Document().save(str(path))
    assert_user_error(path, "没有可读取的文字")


def test_random_bytes_named_docx(tmp_path):
    path = tmp_path / "方案.docx"
    path.write_bytes(bytes(range(256)) * 20)
    assert_user_error(path, "损坏", "另存为")


def test_truncated_docx(tmp_path):
    whole = make_table_plan_docx(tmp_path / "whole.docx").read_bytes()
    path = tmp_path / "下载不完整.docx"
    path.write_bytes(whole[: len(whole) // 2])
    assert_user_error(path, "损坏")


def test_xlsx_renamed_docx(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    path = tmp_path / "任务表.docx"
    path.write_bytes(buffer.getvalue())
    assert_user_error(path, "Excel")


@pytest.mark.parametrize("name", ["方案.doc", "方案.wps", "改名的旧文档.docx"])
def test_old_word_format(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    assert_user_error(path, "旧版 Word/WPS 格式", "另存为", ".docx")


def test_truncated_pdf(tmp_path):
    path = tmp_path / "方案.pdf"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    message = assert_user_error(path, "损坏", ".docx")
    assert "PDF" in message


@pytest.mark.parametrize("name", ["表.xlsx", "表.xls", "方案.pdf", "图片.png", "无扩展名"])
def test_unsupported_extension(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"data")
    assert_user_error(path)


def test_file_over_20_mb_is_refused_without_reading(tmp_path, monkeypatch):
    path = tmp_path / "超大文件.docx"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: costs no disk and no time

    def no_reading(*args, **kwargs):
        raise AssertionError("the content must not be read")

    monkeypatch.setattr(Path, "open", no_reading)
    monkeypatch.setattr(Path, "read_bytes", no_reading)
    started = time.perf_counter()
    message = assert_user_error(path, "20 MB")
    assert time.perf_counter() - started < 1
    assert "50.0 MB" in message


def test_missing_file(tmp_path):
    assert_user_error(tmp_path / "不存在.docx", "找不到")


def test_folder_named_like_a_plan(tmp_path):
    folder = tmp_path / "文件夹.txt"
    folder.mkdir()
    assert_user_error(folder, "文件夹")


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "被占用.txt"
    path.write_text("内容", encoding="utf-8")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    assert_user_error(path, "权限")
