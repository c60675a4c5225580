"""A writer of Word documents in the official-document format (公文, GB/T 9704-2012).

:class:`OfficialDocument` lays out title, 主送机关, headings, body, 附件说明, 署名 and
成文日期, attachments (portrait or landscape) and tables the way county offices print
them; the summary, the 逐条报送表 and the 催报通知 are written through it.

Geometry (GB/T 9704-2012 5.2): A4, top margin 37 mm, left 28 mm, text block
156 × 225 mm, 22 lines of 28 characters.  Lines: 225 mm / 22 = 28.95 pt, the section's
line grid (``w:docGrid`` ``linePitch`` 579 twips) and the fixed line spacing of every
16 pt paragraph, so a page holds 22 lines whatever the font.  Characters: 156 mm / 28 =
15.79 pt, less than a 16 pt character (GB/T 9704 counts 3号 as the traditional
15.75 pt).  Word would squeeze 28 characters in with a ``linesAndChars`` grid and a
negative ``charSpace``, but LibreOffice (the PDF route on PCs without Word, and our
renders) then gives every 16 pt character two grid cells: 14 characters a line.  So the
grid is ``lines`` only and 16 pt text is condensed by 0.25 pt (``w:spacing -5``): each
character advances 15.75 pt and 28 fit on a line in Word, WPS and LibreOffice alike.
``charSpace`` is still written with the value matching 28 characters, so switching the
grid to 行和字符网格 in Word's 页面设置 shows 28 characters a line.

Paragraph formatting lives in named styles (公文标题, 公文正文, 一级标题 …) so a clerk can
restyle a whole document in Word; fonts and sizes are also written on every run (with
``w:eastAsia``), because Word and WPS otherwise show Chinese text in the theme's East
Asian font when a document travels.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import os
import re
import unicodedata
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn

from foodsafety_desktop.core.dates import cn_date
from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.fileio import write_atomically
from foodsafety_desktop.core.word.fonts import FONT_TABLE_HINTS, FontSet, fonts_for_this_pc

Align = Literal["left", "center", "right", "both"]

# --- geometry ---------------------------------------------------------------------------

TWIPS_PER_PT = 20


def mm_to_twips(mm: float) -> int:
    """Millimetres to twentieths of a point, as Word stores lengths."""
    return round(mm * 1440 / 25.4)


A4_MM = (210.0, 297.0)
TOP_MM, LEFT_MM = 37.0, 28.0
BLOCK_MM = (156.0, 225.0)  # 版心 width × height
RIGHT_MM = A4_MM[0] - LEFT_MM - BLOCK_MM[0]  # 26
BOTTOM_MM = A4_MM[1] - TOP_MM - BLOCK_MM[1]  # 35
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
# GB/T 9704 7.5: the em dashes of the page number sit 7 mm below the text block.  The
# footer distance is measured to the bottom of the footer line; a 14 pt line is about
# 5 mm high, its dashes at mid-height.
PAGE_NUMBER_BELOW_BLOCK_MM = 7.0
FOOTER_LINE_HALF_MM = 2.5

TITLE_PT = 22.0  # 2号
BODY_PT = 16.0  # 3号
PAGE_NUMBER_PT = 14.0  # 4号
TABLE_PT = 12.0  # 小四
IMPRINT_PT = 14.0  # 4号: 版记
MASTHEAD_PT = 42.0  # 初号: 发文机关标志, narrowed to fit the line
RED = "E60012"  # 红头 red
CHAR = round(BODY_PT * TWIPS_PER_PT)  # one 3号 character, 320 twips
LINE_PITCH = mm_to_twips(BLOCK_MM[1]) // LINES_PER_PAGE  # 579 twips = 28.95 pt
BODY_LINE = LINE_PITCH  # fixed line spacing of body text
GRID_TYPE = "lines"  # see the module docstring for why not "linesAndChars"
CONDENSE = -5  # twips of character spacing on 16 pt text: 15.75 pt per character
ADVANCE = CHAR + CONDENSE  # 315 twips: how far a 3号 character advances


@dataclass(frozen=True)
class PageGeometry:
    """Page size and margins of a section, in millimetres."""

    width: float
    height: float
    top: float
    right: float
    bottom: float
    left: float

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    @property
    def text_width_twips(self) -> int:
        return mm_to_twips(self.width) - mm_to_twips(self.left) - mm_to_twips(self.right)

    @property
    def footer(self) -> float:
        return self.bottom - PAGE_NUMBER_BELOW_BLOCK_MM - FOOTER_LINE_HALF_MM


PORTRAIT = PageGeometry(A4_MM[0], A4_MM[1], TOP_MM, RIGHT_MM, BOTTOM_MM, LEFT_MM)
# A landscape attachment keeps the 156 × 225 mm text block, turned: the binding side
# (28 mm) becomes the top, as GB/T 9704 10.1 puts the head of a landscape table there.
LANDSCAPE = PageGeometry(A4_MM[1], A4_MM[0], LEFT_MM, BOTTOM_MM, RIGHT_MM, TOP_MM)


def char_space(base_pt: float) -> int:
    """``w:docGrid/@w:charSpace`` that fits 28 characters on a portrait line when the
    Normal style's size is ``base_pt`` (landscape sections keep the same pitch)."""
    pitch_pt = PORTRAIT.text_width_twips / CHARS_PER_LINE / TWIPS_PER_PT
    return round((pitch_pt - base_pt) * 4096)


# --- style names ------------------------------------------------------------------------

STYLE_TITLE = "公文标题"
STYLE_BODY = "公文正文"
STYLE_RECIPIENT = "主送机关"
STYLE_HEADINGS = {1: "一级标题", 2: "二级标题", 3: "三级标题", 4: "四级标题"}
STYLE_ATTACHMENT_LIST = "附件说明"
STYLE_SIGNER = "发文机关署名"
STYLE_DATE = "成文日期"
STYLE_ATTACHMENT_MARK = "附件标识"
STYLE_ATTACHMENT_TITLE = "附件标题"
STYLE_TABLE = "表格文字"
STYLE_PAGE_NUMBER = "公文页码"

_STYLE_IDS = {
    STYLE_TITLE: "GwTitle",
    STYLE_BODY: "GwBody",
    STYLE_RECIPIENT: "GwRecipient",
    STYLE_HEADINGS[1]: "GwHeading1",
    STYLE_HEADINGS[2]: "GwHeading2",
    STYLE_HEADINGS[3]: "GwHeading3",
    STYLE_HEADINGS[4]: "GwHeading4",
    STYLE_ATTACHMENT_LIST: "GwAttachmentList",
    STYLE_SIGNER: "GwSigner",
    STYLE_DATE: "GwDate",
    STYLE_ATTACHMENT_MARK: "GwAttachmentMark",
    STYLE_ATTACHMENT_TITLE: "GwAttachmentTitle",
    STYLE_TABLE: "GwTable",
    STYLE_PAGE_NUMBER: "GwPageNumber",
}

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0c\x0e-\x1f\x7f]")
_CHINESE_DIGITS = "零一二三四五六七八九"


# --- small helpers ----------------------------------------------------------------------


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (1..99)."""
    if not 1 <= n <= 99:
        raise ValueError(f"chinese_number supports 1..99, not {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CHINESE_DIGITS[ones]
    head = "十" if tens == 1 else _CHINESE_DIGITS[tens] + "十"
    return head + (_CHINESE_DIGITS[ones] if ones else "")


def heading_label(level: int, n: int) -> str:
    """The ordinal of a heading of ``level``: 一、 / （一） / 1. / （1）."""
    if level == 1:
        return f"{chinese_number(n)}、"
    if level == 2:
        return f"（{chinese_number(n)}）"
    if level == 3:
        return f"{n}."
    if level == 4:
        return f"（{n}）"
    raise ValueError(f"heading levels are 1..4, not {level}")


def date_text(date: dt.date) -> str:
    """成文日期 in Arabic numerals without leading zeros: 2023年11月30日."""
    return cn_date(date)


def text_width_chars(text: str) -> float:
    """Width of ``text`` in 3号 characters: wide (CJK) characters 1, others ½."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


def laid_out_width(text: str) -> float:
    """Width of ``text`` in 3号 characters as Word and LibreOffice lay it out: a quarter
    character more at each change between Chinese and Latin letters or digits (the
    automatic spacing of East Asian text, 2023 年 11 月)."""
    wide = [unicodedata.east_asian_width(c) in "WF" for c in text]
    changes = sum(1 for a, b in itertools.pairwise(wide) if a != b)
    return text_width_chars(text) + changes / 4


def clean_text(text: str) -> str:
    """Text safe for XML: line ends normalised, control characters (often pasted from
    Excel or old Word files) dropped, vertical tabs read as line breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    return _CONTROL_CHARS.sub("", text)


def _el(tag: str, attrs: dict[str, Any] | None = None, *children: Any) -> Any:
    element = OxmlElement(tag)
    for key, value in (attrs or {}).items():
        element.set(qn(key), str(value))
    for child in children:
        if child is not None:
            element.append(child)
    return element


def _half_points(size_pt: float) -> str:
    return str(round(size_pt * 2))


def _rpr(
    east_asia: str, latin: str, size_pt: float, *, bold: bool | None = None, condense: int = 0
) -> Any:
    """Run properties; ``bold`` None leaves boldness to the style, False turns off a
    style's bold."""
    fonts = {
        "w:ascii": latin,
        "w:hAnsi": latin,
        "w:eastAsia": east_asia,
        "w:cs": latin,
        # Quotes, dashes and ellipses are "ambiguous" characters: without the hint Word
        # draws “ ” — … in the Latin font, narrow and misplaced beside Chinese text.
        "w:hint": "eastAsia",
    }
    return _el(
        "w:rPr",
        None,
        _el("w:rFonts", fonts),
        None if bold is None else _el("w:b", None if bold else {"w:val": 0}),
        None if bold is None else _el("w:bCs", None if bold else {"w:val": 0}),
        _el("w:spacing", {"w:val": condense}) if condense else None,
        _el("w:sz", {"w:val": _half_points(size_pt)}),
        _el("w:szCs", {"w:val": _half_points(size_pt)}),
    )


def _ppr(
    *,
    style_id: str | None = None,
    keep_next: bool | None = None,
    widow_control: bool | None = None,
    tabs: Sequence[int] = (),
    right_tabs: Sequence[int] = (),
    snap_to_grid: bool | None = None,
    line: int | None = None,
    before: int | None = None,
    after: int | None = None,
    ind: dict[str, int] | None = None,
    jc: str | None = None,
    outline_level: int | None = None,
    rpr: Any = None,
) -> Any:
    """A ``w:pPr`` with its children in schema order."""
    spacing: dict[str, Any] = {}
    if before is not None:
        spacing["w:before"] = before
        spacing["w:beforeLines"] = 0
    if after is not None:
        spacing["w:after"] = after
        spacing["w:afterLines"] = 0
    if line is not None:
        spacing["w:line"] = line
        spacing["w:lineRule"] = "exact"
    return _el(
        "w:pPr",
        None,
        _el("w:pStyle", {"w:val": style_id}) if style_id else None,
        None if keep_next is None else _el("w:keepNext", {"w:val": int(keep_next)}),
        None if widow_control is None else _el("w:widowControl", {"w:val": int(widow_control)}),
        _el(
            "w:tabs",
            None,
            *(_el("w:tab", {"w:val": "left", "w:pos": t}) for t in tabs),
            *(_el("w:tab", {"w:val": "right", "w:pos": t}) for t in right_tabs),
        )
        if tabs or right_tabs
        else None,
        None if snap_to_grid is None else _el("w:snapToGrid", {"w:val": int(snap_to_grid)}),
        _el("w:spacing", spacing) if spacing else None,
        _el("w:ind", ind) if ind else None,
        _el("w:jc", {"w:val": jc}) if jc else None,
        None if outline_level is None else _el("w:outlineLvl", {"w:val": outline_level}),
        rpr,
    )


_NO_INDENT = {"w:left": 0, "w:right": 0, "w:firstLine": 0, "w:firstLineChars": 0}


def _masthead_size(mark: str) -> tuple[float, int]:
    """Size (pt) and horizontal scale (%) of a 发文机关标志 on one line of the text block:
    初号, narrowed down to 60 %, then smaller."""
    width_pt = PORTRAIT.text_width_twips / TWIPS_PER_PT * 0.96
    chars = max(1.0, text_width_chars(mark))
    size = MASTHEAD_PT
    scale = min(100, int(width_pt / (chars * size) * 100))
    if scale < 60:
        scale = 60
        size = max(16.0, width_pt / (chars * 0.6))
    return size, scale


# fmt: off
_RPR_ORDER = ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike",
              "dstrike", "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid",
              "vanish", "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs"]
# fmt: on


def _sort_rpr(rpr: Any) -> None:
    """Put the children of a ``w:rPr`` in schema order (Word rejects others)."""
    children = list(rpr)
    rank = {name: i for i, name in enumerate(_RPR_ORDER)}
    children.sort(key=lambda c: rank.get(_local(c.tag), len(rank)))
    for c in children:
        rpr.remove(c)
    for c in children:
        rpr.append(c)


_PPR_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl",
              "numPr", "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens",
              "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE",
              "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
              "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
              "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
              "sectPr", "pPrChange"]  # fmt: skip


def _insert_ppr_child(ppr: Any, child: Any) -> None:
    """Insert ``child`` into a ``w:pPr`` at its place in the schema order."""
    rank = _PPR_ORDER.index(_local(child.tag))
    for existing in ppr:
        name = _local(existing.tag)
        if name in _PPR_ORDER and _PPR_ORDER.index(name) > rank:
            existing.addprevious(child)
            return
    ppr.append(child)


def _first_line_ind(chars: int) -> dict[str, int]:
    # firstLineChars is what Word uses (grid characters); firstLine is the same length
    # in twips for programs that ignore the *Chars attributes.
    return {"w:firstLine": chars * CHAR, "w:firstLineChars": chars * 100}


@dataclass(frozen=True)
class _Look:
    """Fonts and size of one kind of text."""

    east_asia: str
    latin: str
    size_pt: float
    bold: bool = False

    @property
    def condense(self) -> int:
        return CONDENSE if self.size_pt == BODY_PT else 0

    def rpr(self, *, bold: bool | None = None) -> Any:
        """Run properties; ``bold`` overrides the look's (False turns a style's bold
        off, as for body text run in after a bold 三级标题)."""
        if bold is None:
            bold = True if self.bold else None
        return _rpr(self.east_asia, self.latin, self.size_pt, bold=bold, condense=self.condense)


@dataclass
class DocumentHead:
    """The 版头 and 版记 elements of a 公文 (GB/T 9704-2012 7.2, 7.4); "" leaves one out.

    ``issuer_mark`` is the 发文机关标志 printed in red when the document has no
    letterhead file (卢氏县食品安全委员会办公室 or …文件); with a letterhead the file's own
    版头 is kept and the 发文字号 goes where it says "{发文字号}", else below it.
    """

    copy_number: str = ""  # 份号: 6 digits, for secret documents
    secrecy: str = ""  # 密级和保密期限: 秘密★1年
    urgency: str = ""  # 紧急程度: 特急 / 加急
    issuer_mark: str = ""  # 发文机关标志
    doc_number: str = ""  # 发文字号: 卢食安办〔2022〕12号
    signed_by: str = ""  # 签发人 of an upward document (上行文): 张三、李四
    copy_to: list[str] = field(default_factory=list)  # 抄送机关
    printed_by: str = ""  # 印发机关
    printed_on: dt.date | None = None  # 印发日期

    @property
    def has_masthead(self) -> bool:
        return bool(self.copy_number or self.secrecy or self.urgency or self.issuer_mark)

    @property
    def has_imprint(self) -> bool:
        return bool(self.copy_to or (self.printed_by and self.printed_on))


def doc_number_text(code: str, year: int, number: int | str) -> str:
    """发文字号 as GB/T 9704 7.2.4 writes it: 卢食安办〔2022〕12号 (year in 六角括号, no
    leading zeros, no 第)."""
    code = code.strip()
    number = str(number).strip().lstrip("0") or "0"
    return f"{code}〔{year}〕{number}号"


_DOC_NUMBER = re.compile(
    r"^\s*(?P<code>[^\d\s〔〕\[\]（）()【】［］]+?)\s*[〔\[（(【［]?\s*(?P<year>(?:19|20)\d{2})\s*"
    r"[〕\]）)】］]?\s*第?\s*(?P<n>\d{1,5})\s*号?\s*$"
)


def normalized_doc_number(text: str) -> str:
    """发文字号 written as GB/T 9704 wants it (〔2022〕, no 第, no leading zeros) when
    ``text`` is clearly one; else ``text`` as typed."""
    match = _DOC_NUMBER.match(text)
    if not match:
        return text.strip()
    return doc_number_text(match["code"], int(match["year"]), match["n"])


# --- the document -----------------------------------------------------------------------


class OfficialDocument:
    """A 公文 being written, element by element, in reading order.

    ``letterhead`` is an office's own 红头 .docx: its content (版头, red line) and styles
    are kept and the document continues after it.  ``fonts`` are the font names written
    (see :mod:`foodsafety_desktop.core.word.fonts`); ``landscape`` turns the main
    section (for a document that is one wide table, such as the 逐条报送表).
    """

    def __init__(
        self,
        letterhead: str | os.PathLike[str] | Letterhead | None = None,
        *,
        fonts: FontSet | None = None,
        landscape: bool = False,
    ) -> None:
        # None: the official fonts as this PC has them (fonts.fonts_for_this_pc).
        self.fonts = fonts = fonts if fonts is not None else fonts_for_this_pc()
        if letterhead is not None and not isinstance(letterhead, Letterhead):
            letterhead = Letterhead.from_file(letterhead)
        self._letterhead = letterhead
        self._doc = _open_base(letterhead)
        self._body = self._doc.element.body
        self._title_text: str | None = None
        self._started = False  # anything written yet
        self._started_body = False  # anything after the 版头 written yet
        self._masthead = False  # a 版头 written by masthead()

        f = fonts
        self._look_title = _Look(f.title, f.title, TITLE_PT, bold=f.title_bold)
        self._look_body = _Look(f.fangsong, f.latin, BODY_PT)
        self._look_headings = {
            1: _Look(f.heiti, f.heiti, BODY_PT),
            2: _Look(f.kaiti, f.latin, BODY_PT),
            3: _Look(f.fangsong, f.latin, BODY_PT, bold=True),
            4: _Look(f.fangsong, f.latin, BODY_PT),
        }
        self._look_mark = _Look(f.heiti, f.heiti, BODY_PT)
        self._look_page_number = _Look(f.songti, f.songti, PAGE_NUMBER_PT)

        base_pt = self._setup_defaults()
        self._char_space = char_space(base_pt)
        self._setup_styles()
        self._setup_settings()
        self._setup_font_table()
        section = self._doc.sections[-1]
        self._format_section(section._sectPr, LANDSCAPE if landscape else PORTRAIT)
        self._setup_footers(section)
        if self._letterhead is not None:
            _drop_trailing_empty_paragraphs(self._body)

    # --- public API -----------------------------------------------------------------

    @property
    def document(self) -> Any:
        """The underlying python-docx ``Document`` (for what this class does not cover)."""
        return self._doc

    def title(self, text: str) -> None:
        """The title: 2号 小标宋, centred; ``"\\n"`` breaks a line at a sense boundary.

        A blank line follows (GB/T 9704 7.3.2/7.3.3); below a letterhead two blank lines
        precede it (标题 in the second line below the red line).
        """
        if (self._letterhead is not None or self._masthead) and not self._started_body:
            self.blank_line(2)  # 标题 in the second line below the red line
        self._started_body = True
        lines = [line.strip() for line in clean_text(text).split("\n") if line.strip()]
        if self._title_text is None:
            self._title_text = "".join(lines)
        p = self._paragraph(STYLE_TITLE)
        for i, line in enumerate(lines):
            p.append(self._run(line, self._look_title, line_break_before=i > 0))
        self.blank_line()

    def recipient(self, text: str) -> None:
        """主送机关: flush left, ending with a full-width colon."""
        text = clean_text(text).strip().rstrip(":：") + "："
        self._paragraph(STYLE_RECIPIENT).append(self._run(text, self._look_body))

    def heading(self, level: int, text: str, *, run_in: str | None = None) -> None:
        """A heading of ``level`` 1..4 (一、 黑体 / （一） 楷体 / 1. 仿宋 bold / （1） 仿宋);
        ``text`` includes its ordinal (see :func:`heading_label`).

        ``run_in`` is body text continuing the same paragraph, as in
        "（一）强化源头治理。全年抽检…"; without it the heading keeps with the next
        paragraph.
        """
        if level not in STYLE_HEADINGS:
            raise ValueError(f"heading levels are 1..4, not {level}")
        p = self._paragraph(STYLE_HEADINGS[level])
        p.append(self._run(clean_text(text).strip(), self._look_headings[level]))
        if run_in:
            p.find(qn("w:pPr")).insert(1, _el("w:keepNext", {"w:val": 0}))
            p.append(self._run(clean_text(run_in).strip(), self._look_body, bold=False))

    def paragraph(self, text: str, *, bold_prefix: str | None = None) -> None:
        """Body text, 3号 仿宋 with a two-character first-line indent, justified.

        Each line of ``text`` becomes a paragraph; ``bold_prefix`` (e.g. "1. 源头治理。")
        starts the first one in bold.
        """
        lines = [line.strip() for line in clean_text(text).split("\n")]
        lines = [line for line in lines if line] or [""]
        for i, line in enumerate(lines):
            p = self._paragraph(STYLE_BODY)
            if i == 0 and bold_prefix:
                p.append(self._run(clean_text(bold_prefix), self._look_body, bold=True))
            if line:
                p.append(self._run(line, self._look_body))

    def note(self, text: str) -> None:
        """A note under a table (说明：…) in the table's 小四 仿宋, flush left."""
        look = _Look(self.fonts.fangsong, self.fonts.latin, TABLE_PT)
        p = self._paragraph(STYLE_TABLE, before=120)
        p.append(self._run(clean_text(text).strip(), look))

    def blank_line(self, count: int = 1) -> None:
        """``count`` empty body lines (one grid line each)."""
        for _ in range(count):
            self._paragraph(STYLE_BODY)

    def attachment_list(self, names: Sequence[str]) -> None:
        """附件说明 below the body (GB/T 9704 7.3.4): a blank line, then "附件：" two
        characters in, one attachment per line numbered "1." when there are several;
        wrapped names align with the first character of the name."""
        names = [clean_text(n).strip().rstrip("。．.") for n in names if n.strip()]
        if not names:
            return
        self.blank_line()
        lead = 2 * CHAR  # 左空二字
        label = 3 * CHAR  # "附件："
        if len(names) == 1:
            p = self._paragraph(
                STYLE_ATTACHMENT_LIST, ind={"w:left": lead + label, "w:hanging": label}
            )
            p.append(self._run("附件：" + names[0], self._look_body))
            return
        number = CHAR if len(names) < 10 else CHAR * 3 // 2
        left = lead + label + number
        for i, name in enumerate(names, start=1):
            hanging = number + (label if i == 1 else 0)
            p = self._paragraph(
                STYLE_ATTACHMENT_LIST, ind={"w:left": left, "w:hanging": hanging}, tabs=[left]
            )
            prefix = "附件：" if i == 1 else ""
            p.append(self._run(f"{prefix}{i}.\t{name}", self._look_body))

    def signature(
        self,
        signer: str,
        date: dt.date,
        *,
        sealed: bool = True,
        blank_lines: int = 1,
    ) -> None:
        """发文机关署名 and 成文日期 (Arabic numerals, "2023年11月30日").

        ``sealed`` (the usual case, a document that gets the office's seal, GB/T 9704
        7.3.5.1): 成文日期 four characters in from the right, 署名 centred over it.
        Unsealed (7.3.5.2): 署名 two characters in from the right and the date's first
        character two characters right of the 署名's first, or, when the date is the
        longer, the date two characters in and the 署名 moved left.
        """
        signer = clean_text(signer).strip()
        when = date_text(date)
        self.blank_line(blank_lines)
        # Work in laid-out characters (15.75 pt) across the real text width.
        total = self._current_geometry().text_width_twips / ADVANCE
        w_signer, w_date = laid_out_width(signer), laid_out_width(when)
        # Half a character of slack so a font with wider glyphs does not wrap.
        slack = 0.5
        if w_signer + slack > total:
            # Longer than a line (7.3.5.5: adjust the character spacing): condensed
            # onto one line, never broken inside the name.
            squeeze = round((total - slack) * ADVANCE / w_signer) - ADVANCE
            self._line(STYLE_SIGNER, signer, jc="right", condense=CONDENSE + squeeze)
            self._line(STYLE_DATE, when, jc="center", left=max(0.0, (total - w_date) / 2))
            return
        if sealed:
            date_right = 4.0
            center = total - date_right - w_date / 2
            half_box = max(w_signer, w_date) / 2 + slack
            if center + half_box > total:
                # A long 署名 (郑州经济技术开发区食品安全委员会办公室) cannot be centred
                # over a date four characters in: it is set right, two characters in
                # where there is room, and the date is centred under it.
                signer_right = 2.0 if w_signer + slack + 2 <= total else 0.0
                center = total - signer_right - w_signer / 2
                self._line(
                    STYLE_SIGNER,
                    signer,
                    jc="right",
                    left=max(0.0, total - signer_right - w_signer - slack),
                    right=signer_right,
                )
                self._line(
                    STYLE_DATE,
                    when,
                    jc="center",
                    left=max(0.0, center - w_date / 2 - slack),
                    right=max(0.0, total - center - w_date / 2 - slack),
                )
                return
            signer_left = max(0.0, center - half_box)
            signer_right = max(0.0, total - center - half_box)
            self._line(STYLE_SIGNER, signer, jc="center", left=signer_left, right=signer_right)
            self._line(STYLE_DATE, when, jc="right", right=date_right)
            return
        if w_date + 2 <= w_signer:
            signer_left = total - 2 - w_signer
            date_left = signer_left + 2
        else:
            date_left = total - 2 - w_date
            signer_left = max(0.0, date_left - 2)
        self._line(STYLE_SIGNER, signer, jc="left", left=signer_left)
        self._line(STYLE_DATE, when, jc="left", left=date_left)

    def masthead(self, head: DocumentHead) -> None:
        """The 版头 (GB/T 9704 7.2), before the title: 份号, 密级和保密期限 and 紧急程度 flush
        left in 黑体 (份号 in digits) in the first lines; the red 发文机关标志 centred, its
        top 35 mm below the top of the text block; 发文字号 centred two lines below it,
        or, with a 签发人 (上行文), 发文字号 one character in from the left and
        "签发人：" one character in from the right on that line; the red rule 4 mm
        below.  With a letterhead file only the 发文字号 line is added (into its
        "{发文字号}" placeholder when it has one)."""
        mark_look = _Look(self.fonts.heiti, self.fonts.heiti, BODY_PT)
        top_lines = 0
        for text in (head.copy_number, head.secrecy, head.urgency):
            if text.strip():
                p = self._paragraph(STYLE_BODY, ind=_NO_INDENT, jc="left")
                p.append(self._run(clean_text(text).strip(), mark_look))
                top_lines += 1
        number_line = self._number_line(head)
        if self._letterhead is not None:
            if number_line is not None and not self._fill_placeholder(head):
                self._append(number_line)
            self._masthead = True
            return
        if head.issuer_mark.strip():
            mark = clean_text(head.issuer_mark).strip()
            size, scale = _masthead_size(mark)
            before = max(0, mm_to_twips(35) - top_lines * LINE_PITCH)
            p = self._paragraph(
                STYLE_TITLE, before=before, line=round(size * 1.2 * TWIPS_PER_PT), ind=_NO_INDENT
            )
            rpr = _rpr(self.fonts.title, self.fonts.title, size)
            rpr.append(_el("w:color", {"w:val": RED}))
            if scale < 100:
                rpr.append(_el("w:w", {"w:val": scale}))
            _sort_rpr(rpr)
            run = _el("w:r", None, rpr)
            t = _el("w:t")
            t.text = mark
            run.append(t)
            p.append(run)
            self.blank_line(2 if number_line is not None else 1)
        if number_line is None:
            number_line = self._paragraph(STYLE_BODY, ind=_NO_INDENT, jc="center")
        else:
            self._append(number_line)
        # The red rule, 4 mm below the 发文字号 line (as its bottom border), 版心 wide.
        ppr = number_line.find(qn("w:pPr"))
        border = _el(
            "w:pBdr",
            None,
            _el(
                "w:bottom",
                {"w:val": "single", "w:sz": 12, "w:space": round(4 / 25.4 * 72), "w:color": RED},
            ),
        )
        _insert_ppr_child(ppr, border)
        self._masthead = True

    def _number_line(self, head: DocumentHead) -> Any | None:
        """The paragraph of 发文字号 (and 签发人), not yet placed; None without either."""
        number = clean_text(head.doc_number).strip()
        signed_by = clean_text(head.signed_by).strip()
        if not number and not signed_by:
            return None
        geometry = self._current_geometry()
        if not signed_by:
            p = _el("w:p", None, _ppr(style_id=_STYLE_IDS[STYLE_BODY], ind=_NO_INDENT, jc="center"))
            p.append(self._run(number, self._look_body))
            return p
        right_tab = geometry.text_width_twips - ADVANCE
        p = _el(
            "w:p",
            None,
            _ppr(
                style_id=_STYLE_IDS[STYLE_BODY],
                ind={"w:left": ADVANCE, "w:right": 0, "w:firstLine": 0, "w:firstLineChars": 0},
                jc="left",
                right_tabs=[right_tab],
            ),
        )
        p.append(self._run(number + "\t签发人：", self._look_body))
        p.append(self._run(signed_by, self._look_headings[2]))  # names in 楷体
        return p

    def _fill_placeholder(self, head: DocumentHead) -> bool:
        """Put the 发文字号 (and 签发人) into the letterhead: where it says "{发文字号}"
        (and "{签发人}"), else just above its red rule (the last paragraph with a bottom
        border); False when the letterhead has neither (the line then goes below it).

        A "{发文字号}" paragraph without "{签发人}" becomes the 发文字号 line laid out
        here (with the 签发人 when there is one), keeping the paragraph's own borders."""
        number = clean_text(head.doc_number).strip()
        signed_by = clean_text(head.signed_by).strip()
        texts = list(self._body.iter(qn("w:t")))
        has_signer_field = any(t.text and "{签发人}" in t.text for t in texts)
        placeholder = next((t for t in texts if t.text and "{发文字号}" in t.text), None)
        if placeholder is not None and (has_signer_field or not signed_by):
            for t in texts:
                if t.text:
                    t.text = t.text.replace("{发文字号}", number).replace("{签发人}", signed_by)
            return True
        line = self._number_line(head)
        if line is None:
            return placeholder is not None
        if placeholder is not None:
            paragraph = next(a for a in placeholder.iterancestors() if a.tag == qn("w:p"))
        else:
            ruled = [
                p
                for p in self._body.findall(qn("w:p"))
                if p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}") is not None
            ]
            if not ruled:
                return False
            paragraph = ruled[-1]
            if "".join(t.text or "" for t in paragraph.iter(qn("w:t"))).strip():
                # The rule drawn under the 发文机关标志 itself: it moves under the line.
                borders = paragraph.find(f"{qn('w:pPr')}/{qn('w:pBdr')}")
                borders.getparent().remove(borders)
                _insert_ppr_child(line.find(qn("w:pPr")), borders)
                paragraph.addnext(line)
                return True
        borders = paragraph.find(f"{qn('w:pPr')}/{qn('w:pBdr')}")
        if borders is not None:
            _insert_ppr_child(line.find(qn("w:pPr")), deepcopy(borders))
        paragraph.addprevious(line)
        paragraph.getparent().remove(paragraph)
        return True

    def imprint(self, head: DocumentHead) -> None:
        """The 版记 (GB/T 9704 7.4) on the last page, an even one (a new section that
        starts on an even page, after the attachments; no page number on it, 7.5):
        抄送机关 and 印发机关和印发日期 in 4号 仿宋, one character in from each side,
        between full-width rules (the first and last thick, the one between thin), the
        last rule on the bottom line of the text block."""
        if not head.has_imprint:
            return
        self._new_section(PORTRAIT, start="evenPage")
        self._blank_footers()
        look = _Look(self.fonts.fangsong, self.fonts.latin, IMPRINT_PT)
        one = round(IMPRINT_PT * TWIPS_PER_PT)
        thick = {"w:val": "single", "w:sz": 8, "w:space": 1, "w:color": "000000"}  # 1 pt
        thin = {"w:val": "single", "w:sz": 6, "w:space": 1, "w:color": "000000"}  # ¾ pt
        width_chars = PORTRAIT.text_width_twips / one - 2
        lines: list[Any] = []
        copy_to = [clean_text(c).strip().strip("，,。、") for c in head.copy_to]
        copy_to = [c for c in copy_to if c]
        if copy_to:
            text = "抄送：" + "，".join(copy_to) + "。"
            label = 3 * one
            p = _el(
                "w:p",
                None,
                _ppr(
                    style_id=_STYLE_IDS[STYLE_BODY],
                    snap_to_grid=False,
                    line=LINE_PITCH,
                    ind={"w:left": one + label, "w:right": one, "w:hanging": label},
                    jc="left",
                ),
            )
            p.append(self._run(text, look))
            # Lines after the first start under the first name, three characters in.
            overflow = max(0.0, laid_out_width(text) + 0.5 - width_chars)
            lines.append((p, 1 + math.ceil(overflow / (width_chars - 3))))
        if head.printed_by and head.printed_on:
            text = f"{clean_text(head.printed_by).strip()}\t{date_text(head.printed_on)}印发"
            p = _el(
                "w:p",
                None,
                _ppr(
                    style_id=_STYLE_IDS[STYLE_BODY],
                    snap_to_grid=False,
                    line=LINE_PITCH,
                    ind={"w:left": one, "w:right": one, "w:firstLine": 0, "w:firstLineChars": 0},
                    jc="left",
                    right_tabs=[PORTRAIT.text_width_twips - one],
                ),
            )
            p.append(self._run(text, look))
            lines.append((p, 1))
        used = sum(n for _p, n in lines)
        # Blank lines push the 版记 down so its last rule is the bottom of the text block;
        # one line is left for the rules' own height.
        for _ in range(max(0, LINES_PER_PAGE - used - 1)):
            self._paragraph(STYLE_BODY)
        for i, (p, _n) in enumerate(lines):
            sides = {"top": thick if i == 0 else thin}
            if i == len(lines) - 1:
                sides["bottom"] = thick
            rules = _el("w:pBdr", None, *(_el(f"w:{k}", v) for k, v in sides.items()))
            _insert_ppr_child(p.find(qn("w:pPr")), rules)
            self._append(p)

    def _blank_footers(self) -> None:
        """No page number on the pages of the current (last) section."""
        section = self._doc.sections[-1]
        for footer in (section.footer, section.even_page_footer):
            footer.is_linked_to_previous = False
            element = footer._element
            for child in list(element):
                element.remove(child)
            element.append(_el("w:p", None, _ppr(style_id=_STYLE_IDS[STYLE_PAGE_NUMBER])))

    def attachment(self, number: int | None, title: str, *, landscape: bool = False) -> None:
        """Start attachment ``number`` on a new page in its own section: "附件1" in 黑体
        at the top left, the title centred in the third line (GB/T 9704 8), then a
        blank line.  ``number`` None writes "附件" (a single attachment)."""
        self._new_section(LANDSCAPE if landscape else PORTRAIT)
        mark = "附件" if number is None else f"附件{number}"
        self._paragraph(STYLE_ATTACHMENT_MARK).append(self._run(mark, self._look_mark))
        self.blank_line()
        p = self._paragraph(STYLE_ATTACHMENT_TITLE)
        lines = [line.strip() for line in clean_text(title).split("\n") if line.strip()]
        for i, line in enumerate(lines):
            p.append(self._run(line, self._look_title, line_break_before=i > 0))
        self.blank_line()

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        col_widths_mm: Sequence[float] | None = None,
        font_size_pt: float = TABLE_PT,
        align: Sequence[Align] | None = None,
        line_pt: float | None = None,
    ) -> None:
        """A bordered table: header row in 黑体 repeated on every page, cells in 仿宋 of
        ``font_size_pt`` with lines ``line_pt`` apart (default 1.5 × the size).

        ``col_widths_mm`` None sizes the columns from their text across the text block
        (:meth:`content_widths`).  ``align`` per column defaults to centred for short
        values (序号, 状态) and flush left otherwise; cell text is never justified
        ("both" is written flush left): in a narrow cell justification spreads a line's
        characters apart ("县 城 市 管 理 局").  Rows of up to :attr:`KEEP_ROW_LINES`
        lines are kept whole on one page; taller rows may split across pages, so a long
        row does not leave the rest of a page blank.  Cell values are converted with
        ``str``; ``None`` is empty; ``"\\n"`` starts a new paragraph in the cell.
        """
        ncols = len(header)
        if ncols == 0:
            raise ValueError("a table needs at least one column")
        text_rows = [[clean_text("" if v is None else str(v)).strip() for v in row] for row in rows]
        for row in text_rows:
            if len(row) != ncols:
                raise ValueError(f"row has {len(row)} cells, header has {ncols}: {row!r}")
        head_texts = [clean_text(h) for h in header]
        geometry = self._current_geometry()
        if col_widths_mm is None:
            widths = self.content_widths(
                head_texts, text_rows, geometry.text_width_twips, font_size_pt
            )
        else:
            if len(col_widths_mm) != ncols:
                raise ValueError("col_widths_mm needs one width per column")
            widths = [mm_to_twips(w) for w in col_widths_mm]
        if align is not None and len(align) != ncols:
            raise ValueError("align needs one value per column")
        aligns: Sequence[Align]
        if align is None:
            aligns = [
                "center" if all(text_width_chars(r[c]) <= 4 for r in text_rows) else "left"
                for c in range(ncols)
            ]
        else:
            aligns = ["left" if a == "both" else a for a in align]
        body_look = _Look(self.fonts.fangsong, self.fonts.latin, font_size_pt)
        head_look = _Look(self.fonts.heiti, self.fonts.heiti, font_size_pt)
        line = round((line_pt or font_size_pt * 1.5) * TWIPS_PER_PT)

        border = {"w:val": "single", "w:sz": 4, "w:space": 0, "w:color": "000000"}
        tbl = _el(
            "w:tbl",
            None,
            _el(
                "w:tblPr",
                None,
                _el("w:tblW", {"w:w": sum(widths), "w:type": "dxa"}),
                _el("w:jc", {"w:val": "center"}),
                _el(
                    "w:tblBorders",
                    None,
                    *(
                        _el(f"w:{side}", border)
                        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
                    ),
                ),
                _el("w:tblLayout", {"w:type": "fixed"}),
                _el(
                    "w:tblCellMar",
                    None,
                    _el("w:top", {"w:w": 28, "w:type": "dxa"}),
                    _el("w:left", {"w:w": self.CELL_MARGIN, "w:type": "dxa"}),
                    _el("w:bottom", {"w:w": 28, "w:type": "dxa"}),
                    _el("w:right", {"w:w": self.CELL_MARGIN, "w:type": "dxa"}),
                ),
                _el("w:tblLook", {"w:val": "0020", "w:firstRow": 1, "w:noHBand": 1}),
            ),
            _el("w:tblGrid", None, *(_el("w:gridCol", {"w:w": w}) for w in widths)),
        )

        def cell(text: str, width: int, jc: str, look: _Look, *, top: bool = False) -> Any:
            # A row that may split starts every cell at the top: centred, the short cells
            # of a split row would stand on the next page beside its continuation.
            tc = _el(
                "w:tc",
                None,
                _el(
                    "w:tcPr",
                    None,
                    _el("w:tcW", {"w:w": width, "w:type": "dxa"}),
                    _el("w:vAlign", {"w:val": "top" if top else "center"}),
                ),
            )
            for part in text.split("\n") if text else [""]:
                p = _el("w:p", None, _ppr(style_id=_STYLE_IDS[STYLE_TABLE], line=line, jc=jc))
                if part:
                    p.append(self._run(part, look))
                tc.append(p)
            return tc

        def tr_pr(keep: bool, *, header_row: bool = False) -> Any:
            return _el(
                "w:trPr",
                None,
                _el("w:cantSplit") if keep else None,
                _el("w:tblHeader") if header_row else None,
            )

        header_row = _el(
            "w:tr",
            None,
            tr_pr(True, header_row=True),
            *(cell(h, w, "center", head_look) for h, w in zip(head_texts, widths, strict=True)),
        )
        tbl.append(header_row)
        for row in text_rows:
            keep = self._row_lines(row, widths, font_size_pt) <= self.KEEP_ROW_LINES
            tbl.append(
                _el(
                    "w:tr",
                    None,
                    tr_pr(keep),
                    *(
                        cell(text, w, a, body_look, top=not keep)
                        for text, w, a in zip(row, widths, aligns, strict=True)
                    ),
                )
            )
        self._append(tbl)

    # Rows up to this many lines are kept on one page; taller ones may split.
    KEEP_ROW_LINES = 3  # estimated: LibreOffice sets CJK text about a tenth wider
    CELL_MARGIN = 85  # twips left and right of a cell's text (1.5 mm)
    # A short value (序号, 已完成, 序时推进) or header of up to this many characters is
    # never broken across lines.
    UNBROKEN_CHARS = 4
    # Names in a list column (牵头单位, 责任单位) up to this long are never broken.
    UNBROKEN_NAME_CHARS = 12
    # How far (in characters) content_widths looks for the next line a column saves.
    _LOOKAHEAD_CHARS = 12

    @staticmethod
    def _halves(text: str) -> list[int]:
        """Widths of the paragraphs of a cell in half characters (CJK 2, Latin 1)."""
        return [round(text_width_chars(part) * 2) for part in (text.split("\n") if text else [""])]

    @classmethod
    def _per_line(cls, width: int, font_size_pt: float) -> int:
        """Whole characters of ``font_size_pt`` on a line of a cell ``width`` twips wide."""
        return max(1, int((width - 2 * cls.CELL_MARGIN) // (font_size_pt * TWIPS_PER_PT)))

    @classmethod
    def _cell_lines(cls, text: str, width: int, font_size_pt: float) -> int:
        """Lines ``text`` takes in a cell ``width`` twips wide (one per paragraph at
        least), counting whole characters of ``font_size_pt`` a line."""
        per_line = 2 * cls._per_line(width, font_size_pt)
        return sum(max(1, -(-h // per_line)) for h in cls._halves(text))

    @classmethod
    def _row_lines(cls, texts: Sequence[str], widths: Sequence[int], font_size_pt: float) -> int:
        return max(cls._cell_lines(t, w, font_size_pt) for t, w in zip(texts, widths, strict=True))

    @classmethod
    def content_widths(
        cls,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        total: int,
        font_size_pt: float = TABLE_PT,
    ) -> list[int]:
        """Column widths in twips summing to ``total``, sized from the text.

        Every column is at least as wide as its short values and its header (up to
        :attr:`UNBROKEN_CHARS` characters unbroken).  When every paragraph fits on one
        line the widths follow the longest ones; otherwise the rest of the width goes a
        few characters at a time to the column whose widening saves the most: first the
        height of the table (the sum of its rows' tallest cells), then the lines of its
        cells (a name broken over three lines in a row the 落实情况 makes tall anyway),
        per character given.  What no column can use goes to the one with most text.
        """
        ncols = len(header)
        char = font_size_pt * TWIPS_PER_PT
        pad = 2 * cls.CELL_MARGIN + 20  # margins and a little slack for glyph widths
        table = [list(header), *(list(r) for r in rows)]
        halves = [[cls._halves(r[c]) for c in range(ncols)] for r in table]

        def chars(text: str) -> float:
            return max((text_width_chars(p) for p in text.split("\n")), default=0.0)

        def least(c: int) -> float:
            values = [chars(r[c]) for r in table[1:]]
            short = [v for v in values if v <= cls.UNBROKEN_CHARS]
            long_text = any(v > cls.UNBROKEN_CHARS for v in values)
            # A list of names (县市场监管局、县教体局) breaks between names, never
            # inside one: the longest name sets the least width (up to a long one).
            # (measured with the 、 that follows it: "县农业农村局、" is one line)
            names = [
                text_width_chars(name) + 1
                for r in table[1:]
                for name in re.split(r"[、，,；;\n]", r[c])
                if name and text_width_chars(name) <= cls.UNBROKEN_NAME_CHARS
            ]
            listed = [max(names)] if names else []
            return max(
                [1.0, min(chars(table[0][c]), cls.UNBROKEN_CHARS), *short, *listed]
                + ([cls.UNBROKEN_CHARS * 1.5] if long_text else [])
            )

        natural = [max(chars(r[c]) for r in table) for c in range(ncols)]
        widths = [round(least(c) * char + pad) for c in range(ncols)]
        if sum(widths) > total:  # more columns than the block holds at their least
            return cls._scaled(widths, total)
        full = [round(n * char + pad) for n in natural]
        if sum(full) <= total:
            return cls._scaled(full, total)

        def column_lines(c: int, width: int) -> list[int]:
            per_line = 2 * cls._per_line(width, font_size_pt)
            return [sum(max(1, -(-h // per_line)) for h in row[c]) for row in halves]

        lines = [column_lines(c, widths[c]) for c in range(ncols)]
        step = round(char)
        while total - sum(widths) >= step:
            room = (total - sum(widths)) // step
            best: tuple[float, int, int, list[int]] | None = None  # score, column, k, lines
            for c in range(ncols):
                others = [
                    max((lines[o][r] for o in range(ncols) if o != c), default=0)
                    for r in range(len(table))
                ]
                for k in range(1, min(room, cls._LOOKAHEAD_CHARS) + 1):
                    if widths[c] + (k - 1) * step >= full[c]:
                        break
                    wider = column_lines(c, widths[c] + k * step)
                    saved_height = sum(
                        max(o, old) - max(o, new)
                        for o, old, new in zip(others, lines[c], wider, strict=True)
                    )
                    saved_lines = sum(lines[c]) - sum(wider)
                    if saved_height or saved_lines:
                        score = (saved_height * 1000 + saved_lines) / k
                        if best is None or score > best[0]:
                            best = (score, c, k, wider)
                        break
            if best is None:
                break
            _score, c, k, wider = best
            widths[c] += k * step
            lines[c] = wider
        # What is left (less than a character, or nothing saves a line) goes to the
        # column with the most text.
        area = [sum(map(sum, (row[c] for row in halves))) for c in range(ncols)]
        widths[max(range(ncols), key=lambda c: area[c])] += total - sum(widths)
        return widths

    @staticmethod
    def _scaled(widths: Sequence[int], total: int) -> list[int]:
        """``widths`` scaled to sum to ``total`` (the rounding left on the widest)."""
        scaled = [w * total // sum(widths) for w in widths]
        scaled[max(range(len(scaled)), key=lambda i: scaled[i])] += total - sum(scaled)
        return scaled

    def page_break(self) -> None:
        """Continue on a new page (same section)."""
        p = self._paragraph(STYLE_BODY)
        p.append(_el("w:r", None, _el("w:br", {"w:type": "page"})))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the document to ``path`` (``.docx`` added if missing) through a
        temporary file in the same folder, so a failure never leaves half a file.
        Returns the path written."""
        path = Path(path)
        if path.suffix.lower() != ".docx":
            path = path.with_name(path.name + ".docx")
        if not path.parent.is_dir():
            raise UserError(f"无法写入文件：文件夹“{path.parent}”不存在，请换一个保存位置。")
        self._finish()
        write_atomically(path, lambda tmp: self._doc.save(str(tmp)), program="Word/WPS")
        return path

    # --- building blocks ------------------------------------------------------------

    def _append(self, element: Any) -> Any:
        sectpr = self._body.sectPr
        if sectpr is not None:
            sectpr.addprevious(element)
        else:
            self._body.append(element)
        self._started = True
        return element

    def _paragraph(self, style: str, **ppr: Any) -> Any:
        return self._append(_el("w:p", None, _ppr(style_id=_STYLE_IDS[style], **ppr)))

    def _run(
        self,
        text: str,
        look: _Look,
        *,
        bold: bool | None = None,
        line_break_before: bool = False,
    ) -> Any:
        r = _el("w:r", None, look.rpr(bold=bold))
        if line_break_before:
            r.append(_el("w:br"))
        for i, chunk in enumerate(text.split("\t")):
            if i:
                r.append(_el("w:tab"))
            if chunk:
                t = _el("w:t")
                t.text = chunk
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                r.append(t)
        return r

    def _line(
        self,
        style: str,
        text: str,
        *,
        jc: str,
        left: float = 0.0,
        right: float = 0.0,
        condense: int | None = None,
    ) -> None:
        """One line of body text placed by indents (in laid-out characters)."""
        ind = {
            "w:left": round(left * ADVANCE),
            "w:right": round(right * ADVANCE),
            "w:firstLine": 0,
        }
        run = self._run(text, self._look_body)
        if condense is not None:
            run.find(qn("w:rPr")).find(qn("w:spacing")).set(qn("w:val"), str(condense))
        self._paragraph(style, jc=jc, ind=ind).append(run)

    def _current_geometry(self) -> PageGeometry:
        pg_sz = self._body.sectPr.find(qn("w:pgSz"))
        landscape = int(pg_sz.get(qn("w:w"))) > int(pg_sz.get(qn("w:h")))
        return LANDSCAPE if landscape else PORTRAIT

    def _new_section(self, geometry: PageGeometry, *, start: str = "nextPage") -> None:
        """End the current section at the last paragraph and start a new page
        (``start`` "evenPage": the next even page)."""
        body_sectpr = self._body.sectPr
        ended = _copy_sectpr(body_sectpr)
        last = body_sectpr.getprevious()
        if (
            last is None
            or last.tag != qn("w:p")
            or last.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None
        ):
            last = self._paragraph(STYLE_BODY)
        ppr = last.find(qn("w:pPr"))
        if ppr is None:
            ppr = _ppr()
            last.insert(0, ppr)
        ppr.append(ended)  # sectPr is the last child of pPr (before pPrChange)
        # The new section links to the previous headers and footers and has no
        # different first page, so its first page carries a normal page number.
        for child in list(body_sectpr):
            if child.tag in (qn("w:headerReference"), qn("w:footerReference"), qn("w:titlePg")):
                body_sectpr.remove(child)
        type_el = body_sectpr.find(qn("w:type"))
        if type_el is None:
            type_el = _el("w:type")
            _insert_in_sectpr(body_sectpr, type_el)
        type_el.set(qn("w:val"), start)
        self._format_section(body_sectpr, geometry)

    def _format_section(self, sectpr: Any, geometry: PageGeometry) -> None:
        w, h = mm_to_twips(geometry.width), mm_to_twips(geometry.height)
        attrs: dict[str, Any] = {"w:w": w, "w:h": h}
        if geometry.landscape:
            attrs["w:orient"] = "landscape"
        _set_sectpr_child(sectpr, _el("w:pgSz", attrs))
        _set_sectpr_child(
            sectpr,
            _el(
                "w:pgMar",
                {
                    "w:top": mm_to_twips(geometry.top),
                    "w:right": mm_to_twips(geometry.right),
                    "w:bottom": mm_to_twips(geometry.bottom),
                    "w:left": mm_to_twips(geometry.left),
                    "w:header": mm_to_twips(15),
                    "w:footer": mm_to_twips(geometry.footer),
                    "w:gutter": 0,
                },
            ),
        )
        _set_sectpr_child(
            sectpr,
            _el(
                "w:docGrid",
                {
                    "w:type": GRID_TYPE,
                    "w:linePitch": LINE_PITCH,
                    "w:charSpace": self._char_space,
                },
            ),
        )

    def _setup_footers(self, section: Any) -> None:
        """Page numbers "— 1 —": odd pages right, even pages left, one character in."""
        self._fill_footer(section.footer, odd=True)
        self._fill_footer(section.even_page_footer, odd=False)
        if section.different_first_page_header_footer:
            # A letterhead with its own first-page header still numbers page 1.
            self._fill_footer(section.first_page_footer, odd=True)

    def _fill_footer(self, footer: Any, *, odd: bool) -> None:
        footer.is_linked_to_previous = False
        element = footer._element
        for child in list(element):
            element.remove(child)
        one_char = round(PAGE_NUMBER_PT * TWIPS_PER_PT)
        ind = {"w:right": one_char} if odd else {"w:left": one_char}
        p = _el(
            "w:p",
            None,
            _ppr(style_id=_STYLE_IDS[STYLE_PAGE_NUMBER], jc="right" if odd else "left", ind=ind),
        )
        look = self._look_page_number
        p.append(self._run("— ", look))
        p.append(_el("w:r", None, look.rpr(), _el("w:fldChar", {"w:fldCharType": "begin"})))
        instr = _el("w:instrText")
        instr.text = " PAGE "
        instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        p.append(_el("w:r", None, look.rpr(), instr))
        p.append(_el("w:r", None, look.rpr(), _el("w:fldChar", {"w:fldCharType": "separate"})))
        p.append(self._run("1", look))
        p.append(_el("w:r", None, look.rpr(), _el("w:fldChar", {"w:fldCharType": "end"})))
        p.append(self._run(" —", look))
        element.append(p)

    # --- document-level setup ---------------------------------------------------------

    def _setup_defaults(self) -> float:
        """Document defaults of a new document (3号 仿宋, Chinese); returns the Normal
        style's size in points, the base of the character grid (written on the Normal
        style itself: LibreOffice reads the grid's base from there, not from the
        document defaults, and would otherwise space the characters twice as wide)."""
        styles = self._doc.styles.element
        if self._letterhead is None:
            doc_defaults = styles.find(qn("w:docDefaults"))
            rpr_default = doc_defaults.find(qn("w:rPrDefault"))
            rpr = _rpr(self.fonts.fangsong, self.fonts.latin, BODY_PT)
            rpr.find(qn("w:rFonts")).attrib.pop(qn("w:hint"))
            rpr.append(_el("w:lang", {"w:val": "en-US", "w:eastAsia": "zh-CN", "w:bidi": "ar-SA"}))
            for child in list(rpr_default):
                rpr_default.remove(child)
            rpr_default.append(rpr)
            ppr_default = doc_defaults.find(qn("w:pPrDefault"))
            for child in list(ppr_default):
                ppr_default.remove(child)
            ppr_default.append(
                _el(
                    "w:pPr",
                    None,
                    _el("w:spacing", {"w:after": 0, "w:line": 240, "w:lineRule": "auto"}),
                )
            )
        return _pin_normal_size(styles)

    def _setup_styles(self) -> None:
        """(Re)define the 公文 paragraph styles; a letterhead's other styles stay."""
        styles = self._doc.styles.element
        normal_id = _default_paragraph_style_id(styles)
        body_id = _STYLE_IDS[STYLE_BODY]
        fonts = self.fonts
        body = self._look_body
        indent2 = _first_line_ind(2)
        no_indent = {"w:left": 0, "w:right": 0, "w:firstLine": 0, "w:firstLineChars": 0}
        grid_line = {"line": BODY_LINE, "before": 0, "after": 0}
        table_line = round(TABLE_PT * 1.5 * TWIPS_PER_PT)
        definitions: list[tuple[str, str | None, str | None, _Look, dict[str, Any]]] = [
            # name, based on, next, look, pPr keywords
            (
                STYLE_BODY,
                normal_id,
                None,
                body,
                dict(widow_control=False, snap_to_grid=True, **grid_line, ind=indent2, jc="both"),
            ),
            (
                STYLE_TITLE,
                body_id,
                body_id,
                self._look_title,
                dict(snap_to_grid=False, **grid_line, ind=no_indent, jc="center"),
            ),
            (STYLE_RECIPIENT, body_id, body_id, body, dict(ind=no_indent, jc="left")),
            (
                STYLE_HEADINGS[1],
                body_id,
                body_id,
                self._look_headings[1],
                dict(keep_next=True, outline_level=0),
            ),
            (
                STYLE_HEADINGS[2],
                body_id,
                body_id,
                self._look_headings[2],
                dict(keep_next=True, outline_level=1),
            ),
            (
                STYLE_HEADINGS[3],
                body_id,
                body_id,
                self._look_headings[3],
                dict(keep_next=True, outline_level=2),
            ),
            (STYLE_HEADINGS[4], body_id, body_id, self._look_headings[4], {}),
            (STYLE_ATTACHMENT_LIST, body_id, body_id, body, dict(jc="left")),
            (STYLE_SIGNER, body_id, None, body, dict(keep_next=True, ind=no_indent, jc="center")),
            (STYLE_DATE, body_id, None, body, dict(ind=no_indent, jc="right")),
            (
                STYLE_ATTACHMENT_MARK,
                body_id,
                None,
                self._look_mark,
                dict(keep_next=True, ind=no_indent, jc="left"),
            ),
            (
                STYLE_ATTACHMENT_TITLE,
                _STYLE_IDS[STYLE_TITLE],
                body_id,
                self._look_title,
                dict(keep_next=True),
            ),
            (
                STYLE_TABLE,
                normal_id,
                None,
                _Look(fonts.fangsong, fonts.latin, TABLE_PT),
                dict(
                    widow_control=False,
                    snap_to_grid=False,
                    line=table_line,
                    before=0,
                    after=0,
                    ind=no_indent,
                    jc="both",
                ),
            ),
            (
                STYLE_PAGE_NUMBER,
                normal_id,
                None,
                self._look_page_number,
                dict(snap_to_grid=False, before=0, after=0, ind=no_indent),
            ),
        ]
        for name, based_on, next_id, look, ppr in definitions:
            style_id = _STYLE_IDS[name]
            for old in styles.findall(qn("w:style")):
                name_el = old.find(qn("w:name"))
                if old.get(qn("w:styleId")) == style_id or (
                    name_el is not None and name_el.get(qn("w:val")) == name
                ):
                    styles.remove(old)
            rpr = look.rpr()
            rpr.find(qn("w:rFonts")).attrib.pop(qn("w:hint"))
            style = _el(
                "w:style",
                {"w:type": "paragraph", "w:customStyle": 1, "w:styleId": style_id},
                _el("w:name", {"w:val": name}),
                _el("w:basedOn", {"w:val": based_on}) if based_on else None,
                _el("w:next", {"w:val": next_id or style_id}),
                _el("w:uiPriority", {"w:val": 1}),
                _el("w:qFormat"),
                _ppr(**ppr),
                rpr,
            )
            styles.append(style)

    def _setup_settings(self) -> None:
        settings = self._doc.settings
        settings.odd_and_even_pages_header_footer = True
        element = settings.element
        theme_lang = element.find(qn("w:themeFontLang"))
        if theme_lang is not None:
            theme_lang.set(qn("w:eastAsia"), "zh-CN")

    def _setup_font_table(self) -> None:
        """Declare the fonts used, with the substitutes Word should prefer."""
        try:
            part = self._doc.part.part_related_by(RT.FONT_TABLE)
        except KeyError:
            return
        blob = part.blob
        root = parse_xml(blob)
        present = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
        for name in self.fonts.names():
            if name in present or name not in FONT_TABLE_HINTS:
                continue
            alt, family = FONT_TABLE_HINTS[name]
            root.append(
                _el(
                    "w:font",
                    {"w:name": name},
                    _el("w:altName", {"w:val": alt}) if alt != name else None,
                    _el("w:charset", {"w:val": "86"}),
                    _el("w:family", {"w:val": family}),
                    _el("w:pitch", {"w:val": "variable"}),
                )
            )
        from lxml import etree

        new_blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        if hasattr(part, "_element"):  # an XmlPart in some documents
            part._element = root
        else:
            part._blob = new_blob

    def _finish(self) -> None:
        """Last touches before saving: core properties, and no stray empty page after a
        table that ends the document."""
        props = self._doc.core_properties
        props.author = "食安台账"
        props.last_modified_by = "食安台账"
        props.comments = ""
        if self._title_text:
            props.title = self._title_text
        now = dt.datetime.now().replace(microsecond=0)
        if self._letterhead is None:
            props.created = now
        props.modified = now
        last = self._body.sectPr.getprevious() if self._body.sectPr is not None else None
        if last is not None and last.tag == qn("w:tbl"):
            # Word needs a paragraph after a final table; a 1 pt one cannot push a
            # full page over to a blank one.
            tiny = _ppr(
                style_id=_STYLE_IDS[STYLE_BODY],
                snap_to_grid=False,
                line=20,
                rpr=_el("w:rPr", None, _el("w:sz", {"w:val": 2}), _el("w:szCs", {"w:val": 2})),
            )
            self._append(_el("w:p", None, tiny))


# --- module helpers ---------------------------------------------------------------------

_SECTPR_ORDER = [
    "headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz",
    "pgMar", "paperSrc", "pgBorders", "lnNumType", "pgNumType", "cols", "formProt",
    "vAlign", "noEndnote", "titlePg", "textDirection", "bidi", "rtlGutter", "docGrid",
    "printerSettings", "sectPrChange",
]  # fmt: skip


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _insert_in_sectpr(sectpr: Any, child: Any) -> None:
    rank = _SECTPR_ORDER.index(_local(child.tag))
    for existing in sectpr:
        name = _local(existing.tag)
        if name in _SECTPR_ORDER and _SECTPR_ORDER.index(name) > rank:
            existing.addprevious(child)
            return
    sectpr.append(child)


def _set_sectpr_child(sectpr: Any, child: Any) -> None:
    old = sectpr.find(child.tag)
    if old is not None:
        old.addprevious(child)
        sectpr.remove(old)
    else:
        _insert_in_sectpr(sectpr, child)


def _copy_sectpr(element: Any) -> Any:
    copy = deepcopy(element)
    for attr in list(copy.attrib):
        del copy.attrib[attr]  # rsids
    return copy


def _default_paragraph_style_id(styles: Any) -> str:
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:type")) == "paragraph" and style.get(qn("w:default")) in ("1", "true"):
            return style.get(qn("w:styleId"))
    return "Normal"


def _pin_normal_size(styles: Any) -> float:
    """The size of the default paragraph style in points, made explicit on the style
    (from the document defaults, else Word's 10 pt) when it only inherits it."""
    normal_id = _default_paragraph_style_id(styles)
    normal = next(
        (s for s in styles.findall(qn("w:style")) if s.get(qn("w:styleId")) == normal_id), None
    )
    if normal is None:
        return 10.0
    sz = normal.find(qn("w:rPr") + "/" + qn("w:sz"))
    if sz is not None:
        return int(sz.get(qn("w:val"))) / 2
    default = styles.find(
        "/".join(qn(t) for t in ("w:docDefaults", "w:rPrDefault", "w:rPr", "w:sz"))
    )
    size = int(default.get(qn("w:val"))) / 2 if default is not None else 10.0
    rpr = normal.find(qn("w:rPr"))
    if rpr is None:
        rpr = _el("w:rPr")
        normal.append(rpr)  # rPr is the last child of a paragraph style (before rsid etc.)
    # sz goes after rFonts/b/i/color… and before szCs/lang: insert before the first
    # of those it must precede.
    follower = next(
        (c for c in rpr if _local(c.tag) in ("szCs", "highlight", "u", "effect", "lang")), None
    )
    new = _el("w:sz", {"w:val": _half_points(size)})
    if follower is not None:
        follower.addprevious(new)
    else:
        rpr.append(new)
    return size


@dataclass(frozen=True)
class Letterhead:
    """An office's own 红头 .docx, as a file's content and the name shown in messages."""

    content: bytes
    name: str

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Letterhead:
        path = Path(path)
        if not path.is_file():
            raise UserError("找不到红头模板文件。", file=path)
        try:
            return cls(path.read_bytes(), path.name)
        except OSError as exc:
            raise UserError("无法读取红头模板文件。", file=path) from exc


def check_letterhead(letterhead: Letterhead) -> None:
    """UserError unless ``letterhead`` opens as a Word document (.docx)."""
    _open_base(letterhead)


def _open_base(letterhead: Letterhead | None) -> Any:
    if letterhead is None:
        return docx.Document()
    if Path(letterhead.name).suffix.lower() in (".doc", ".wps", ".wpt", ".dot"):
        raise UserError(
            "红头模板须为 .docx 格式，请在 Word/WPS 中“另存为”Word 文档（*.docx）后重新选择。",
            file=letterhead.name,
        )
    try:
        return docx.Document(io.BytesIO(letterhead.content))
    except Exception as exc:  # python-docx raises several types for a bad package
        raise UserError(
            "无法打开红头模板：文件不是有效的 Word 文档（.docx），或已损坏。",
            file=letterhead.name,
        ) from exc


def _drop_trailing_empty_paragraphs(body: Any) -> None:
    """Remove empty paragraphs at the end of a letterhead (the title keeps its own
    distance to the red line); paragraphs holding a drawing, a field or a section
    break stay."""
    # A paragraph holding text, a drawing or a field stays, and so does one with a
    # border: the red rule of many letterheads is an empty paragraph's bottom border.
    keep = {
        qn(t)
        for t in ("w:t", "w:drawing", "w:pict", "w:object", "w:fldChar", "w:fldSimple", "w:pBdr")
    }
    keep.add("{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent")
    sectpr = body.sectPr
    node = sectpr.getprevious() if sectpr is not None else (body[-1] if len(body) else None)
    while node is not None and node.tag == qn("w:p"):
        if (
            any(el.tag in keep for el in node.iter())
            or node.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None
        ):
            break
        previous = node.getprevious()
        body.remove(node)
        node = previous
