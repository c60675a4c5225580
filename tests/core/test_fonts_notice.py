"""Missing 公文 fonts: what is used instead, said once per PC (issue 13)."""

from __future__ import annotations

from foodsafety_desktop.core.word import OfficialDocument
from foodsafety_desktop.core.word.fonts import (
    fonts_notice,
    notice_once,
    resolve_fonts,
    substitutions,
)

WINDOWS_10 = ["SimSun", "SimHei", "FangSong", "KaiTi", "Microsoft YaHei", "Times New Roman"]
WITH_FONT_PACK = [*WINDOWS_10, "方正小标宋简体", "仿宋_GB2312", "楷体_GB2312"]


def test_a_windows_pc_without_the_font_pack_is_told_what_replaces_what():
    replaced, unreplaced = substitutions(WINDOWS_10)
    assert replaced == ["方正小标宋简体改用宋体加粗", "仿宋_GB2312改用仿宋", "楷体_GB2312改用楷体"]
    assert unreplaced == []
    assert fonts_notice(WITH_FONT_PACK) is None
    assert fonts_notice(None) is None  # unknown: nothing said


def test_the_document_uses_the_fonts_the_pc_has(tmp_path):
    import docx

    fonts = resolve_fonts(WINDOWS_10)
    doc = OfficialDocument(fonts=fonts)
    doc.title("卢氏县2022年度食品安全工作总结")
    doc.paragraph("正文。")
    d = docx.Document(str(doc.save(tmp_path / "f.docx")))
    title, body = d.paragraphs[0].runs[0], d.paragraphs[2].runs[0]
    assert title.font.bold is True  # 宋体 in place of 方正小标宋 is set bold
    east_asia = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    assert title._r.rPr.rFonts.get(east_asia) == "宋体"
    assert body._r.rPr.rFonts.get(east_asia) == "仿宋"


def test_said_once_and_again_when_it_changes(tmp_path):
    first = fonts_notice(WINDOWS_10)
    assert notice_once(first, tmp_path) == first
    assert notice_once(first, tmp_path) is None
    other = fonts_notice(["SimSun"])
    assert other != first and notice_once(other, tmp_path) == other
    assert notice_once(None, tmp_path) is None  # fonts installed: forgotten
    assert notice_once(first, tmp_path) == first
