"""Plan parser: a plan document's blocks -> title, sections, tasks and their departments.

The reader hands over paragraphs (and tables) as extracted from PDF, Word or text
files; this module rejoins paragraphs broken across lines and pages, finds the typed
numbering ("一、", "（一）", "1.", "（1）"), decides which numbered items are tasks and
reads who is named for each clause (see ``attribution``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from ..names import jurisdiction_level
from ..places import find_place
from . import attribution as attr
from .model import (
    Block,
    Heading,
    Paragraph,
    ParsedItem,
    ParsedPlan,
    ParsedTask,
    ReportingRule,
    Table,
)

NO_TASK_MESSAGE = (
    "未在文件中找到可识别的工作任务。"
    "工作任务应按“一、”“（一）”“1.”等编号逐条列出，并写明牵头单位或责任单位，"
    "例如在任务后另起一行写“牵头单位：…”“责任单位：…”，"
    "或在句末括注“（区市场监管局牵头，区公安局按职责分工负责）”。"
)

# --- patterns -----------------------------------------------------------------------

# Typed numbering at the start of a paragraph.  Styles nest in this order in Chinese
# official documents; "3.2批次" is a number, not a label, hence the (?!\d).  Numbers
# have any width ("100.", "101．"), half- or full-width digits and brackets.
_LABEL_RE = re.compile(
    r"^(?:(?P<cn>[一二三四五六七八九十百]{1,4}\s*[、.．，,])"
    r"|(?P<pcn>[（(]\s*[一二三四五六七八九十百]{1,4}\s*[）)]|[㈠-㈩])"
    r"|(?P<ar>[0-9０-９]{1,3}\s*(?:[、，,]|[.．](?![0-9０-９])|[.．](?=[0-9０-９]{4}\s*年)))"
    r"|(?P<par>[（(]\s*[0-9０-９]{1,3}\s*[）)])"
    r"|(?P<circ>[①-⑳㉑-㉟㊱-㊿]))\s*"
)
_STYLE_RANK = {"cn": 10, "pcn": 11, "ar": 12, "par": 13, "circ": 14}

# Sentence-final punctuation: a paragraph ending otherwise was broken by a line or page.
_FINAL_PUNCTUATION = ("。", "；", "！", "？", "：", "”", "）", ")", ";", ":", "!", "?", "」", "』")
# A paragraph starting with one of these continues the previous one ("（郑州）" + "的互联互通").
_CONTINUATION_START = tuple("的，。、；：）)」”")
# Punctuation that makes a short numbered paragraph a sentence rather than a heading.
_SENTENCE_PUNCTUATION = re.compile(r"[。；！？]")

# Front matter: "XXX文件", "郑经管办〔2022〕12号", "2022年7月7日", "关于印发…的通知".
_ISSUER_RE = re.compile(r"^(?P<issuer>.{2,40}?)文件$")
_DOC_NUMBER_RE = re.compile(r"^[\u4e00-\u9fff]{1,12}[〔［\[(（]\d{4}[〕］\])）]\d{1,4}号$")
_DATE_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_NOTICE_RE = re.compile(r"关于印发(?P<title>.+?)的通知")
# An issuing organ on a line of its own or before 关于 ("白河区食品安全委员会办公室",
# "卢氏县人民政府办公室关于印发…的通知"): the 发文机关 of a document without "…文件".
_ORGAN_RE = re.compile(
    r"^[\u4e00-\u9fff]{2,40}?(?:人民政府办公室|人民政府办公厅|人民政府|委员会办公室|委员会"
    r"|领导小组办公室|领导小组|管委会办公室|管委会|办公室|办公厅)$"
)
# A paragraph of the head that is already a sentence (主送 "各乡镇人民政府，…：", the
# body): the head's short lines stand before it.
_HEAD_SENTENCE_RE = re.compile(r"[。；：，、,;:]")
# How a plan's own title ends: "…实施方案（2022—2024年）", "…工作要点", "…工作安排".
_TITLE_END_RE = re.compile(
    r"(方案|要点|安排|计划|意见|规划|细则|办法|重点工作|重点任务|工作任务|任务分工|分工表"
    r"|任务清单)"
    r"([（(][^（）()]{1,20}[）)])?$"
)
_PURE_PAREN_RE = re.compile(r"^[（(][^（）()]{1,30}[）)]$")
_YEAR_RANGE_RE = re.compile(r"(\d{4})\s*[—–\-－~～至到]+\s*(\d{4})\s*年")
_YEAR_RE = re.compile(r"(\d{4})\s*年")

# Back matter that ends the body: 抄送, 主办, 联系人 … and the "…印发" line.
_FOOTER_RE = re.compile(r"^(抄送|主送|主办|联系人|联系电话|电子邮箱)[:：]|\d{1,2}月\d{1,2}日印发$")

# Parts after the tasks whose paragraphs hold the reporting rules.
_MEASURES_RE = re.compile(r"工作措施|工作要求|保障措施|工作保障|组织实施|组织保障|保障机制")

# Whitespace between two non-ASCII characters is a PDF artefact ("建设 攻坚行动").
_CJK_GAP_RE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")

# Markdown decoration in .md/.txt plans: "## ", "**bold**", "---".
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s*")
_MD_RULE_RE = re.compile(r"^\s*([-*_]\s*){3,}$")


# --- public API ---------------------------------------------------------------------


def parse_text(text: str, source_name: str | None = None) -> ParsedPlan:
    """Parse a plan given as plain text or Markdown (one paragraph per line)."""
    blocks: list[Block] = [Paragraph(line) for line in text.splitlines() if line.strip()]
    return parse_blocks(blocks, source_name)


def parse_blocks(blocks: list[Block], source_name: str | None = None) -> ParsedPlan:
    """Parse a plan from the reader's blocks; raise ``UserError`` when it has no tasks."""
    blocks = [b for b in (_clean_block(b) for b in blocks) if b is not None]
    front = _read_front_matter(blocks)
    body = rejoin(_cut_footer(blocks[front.body_start :]))
    root = _build_tree(body)

    warnings: list[str] = []
    plan = ParsedPlan(
        title=front.title or _fallback_title(front, source_name, warnings),
        issuer=front.issuer,
        doc_number=front.doc_number,
        date=front.date,
        source_name=source_name,
    )
    outline = _Outline(root, one_year=_year_of_dates(plan.title, plan.date))
    plan.tasks = outline.collect_tasks(warnings)
    if not plan.tasks:
        raise UserError(NO_TASK_MESSAGE, file=source_name)
    _number_unlabelled(plan.tasks)
    plan.year_start, plan.year_end = _plan_years(plan.title, plan.date, plan.tasks)
    plan.jurisdiction = _jurisdiction(plan)
    plan.place = _place(plan, front)
    plan.jurisdiction = plan.jurisdiction or jurisdiction_level(plan.place)
    plan.reporting = _reporting(outline.measures_paragraphs(), plan.year_start)
    plan.warnings = warnings
    return plan


def _number_unlabelled(tasks: list[ParsedTask]) -> None:
    """Give tasks without typed numbers (Word heading styles, auto-numbering) the 序号
    "1." "2." … in order within their section, as Word would display them."""
    counters: dict[tuple[str, ...], int] = {}
    for task in tasks:
        key = tuple(h.as_text() for h in task.path)
        counters[key] = counters.get(key, 0) + 1
        if not task.label:
            task.label = f"{counters[key]}."


# --- blocks and paragraphs ----------------------------------------------------------


def _clean_block(block: Block) -> Block | None:
    if isinstance(block, Table):
        return block
    text = block.text.replace("\u3000", " ").replace("\xa0", " ").strip()
    level = block.heading_level
    # Markdown marks in any text (a web page copied into a .txt): "## 2. …", "**(二) …**"
    if _MD_RULE_RE.match(text):
        return _RULE
    if heading := _MD_HEADING_RE.match(text):
        text = text[heading.end() :]
        level = level or len(heading.group(1))
    text = text.replace("**", "").replace("__", "").strip()
    return Paragraph(text, level) if text else None


# A horizontal rule ("---"): it ends every numbered item open above it.
_RULE = Paragraph("")


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _tidy(text: str) -> str:
    """Drop spaces that sit next to a Chinese character, keep "HACCP and GMP" intact."""
    return _CJK_GAP_RE.sub("", text).strip()


def split_label(text: str) -> tuple[str, str, str] | None:
    """``(label as written, numbering style, rest)`` for a numbered paragraph."""
    match = _LABEL_RE.match(text)
    if not match:
        return None
    style = match.lastgroup
    assert style is not None
    return _compact(match.group(style)), style, text[match.end() :].strip()


def _is_heading_like(paragraph: Paragraph) -> bool:
    """A heading is never continued by the next paragraph ("一、总体要求")."""
    if paragraph.heading_level is not None:
        return True
    text = paragraph.text
    if _SENTENCE_PUNCTUATION.search(text):
        return False
    if split_label(text):
        return len(text) <= 25
    return len(text) <= 15 and not re.search(r"[，、,]", text)


def _continues(previous: Paragraph, paragraph: Paragraph) -> bool:
    """Whether ``paragraph`` is the rest of ``previous``, cut by a line or page break."""
    text = paragraph.text
    if paragraph is _RULE or previous is _RULE:
        return False
    if paragraph.heading_level is not None or _is_heading_like(previous):
        return False
    if split_label(text) or attr.parse_label_line(text) or _FOOTER_RE.search(text):
        return False
    labelled = attr.parse_label_line(previous.text)
    # after "责任单位：…" only the rest of the list runs on: "…、区政务" + "服务局、各办事处"
    if labelled and (labelled[0] == "deadline" or len(text) > 60 or re.search("[。：:]", text)):
        return False
    if text.startswith(_CONTINUATION_START):
        return True
    return not previous.text.endswith(_FINAL_PUNCTUATION)


def rejoin(blocks: list[Block]) -> list[Block]:
    """Paragraphs with the pieces a line or page break cut off joined back on."""
    joined: list[Block] = []
    for block in blocks:
        last = joined[-1] if joined else None
        if isinstance(block, Paragraph) and isinstance(last, Paragraph) and _continues(last, block):
            joined[-1] = Paragraph(last.text + block.text, last.heading_level)
        else:
            joined.append(block)
    return joined


def _cut_footer(blocks: list[Block]) -> list[Block]:
    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph) and _FOOTER_RE.search(_compact(block.text)):
            return blocks[:index]
    return blocks


# --- front matter -------------------------------------------------------------------


@dataclass
class _FrontMatter:
    title: str | None = None
    notice_title: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    date: dt.date | None = None
    body_start: int = 0
    # The short lines of the head before its first sentence (the place may be written
    # only there when no title was recognised: "兰坪县2024年…任务分解").
    head_lines: list[str] = field(default_factory=list)


_FRONT_LIMIT = 30  # the title is among the first paragraphs; never search the body


def _read_front_matter(blocks: list[Block]) -> _FrontMatter:
    front = _FrontMatter()
    texts = [b.text if isinstance(b, Paragraph) else "" for b in blocks[:_FRONT_LIMIT]]
    title_at = next((i for i, t in enumerate(texts) if _is_title(t)), None)
    header_end = title_at if title_at is not None else len(texts)
    in_head = True
    for index, text in enumerate(texts[:header_end]):
        compact = _compact(text)
        in_head = in_head and not (_HEAD_SENTENCE_RE.search(compact) or split_label(compact))
        if in_head and compact:
            front.head_lines.append(compact)
        if front.issuer is None and (match := _ISSUER_RE.match(compact)):
            front.issuer = match.group("issuer")
        elif front.doc_number is None and _DOC_NUMBER_RE.match(compact):
            front.doc_number = compact
        elif front.notice_title is None and (match := _NOTICE_RE.search(compact)):
            front.notice_title = match.group("title")
            organ = compact[: match.start()]
            if front.issuer is None and _ORGAN_RE.match(organ):
                front.issuer = organ
        elif front.issuer is None and in_head and _ORGAN_RE.match(compact):
            front.issuer = compact
        elif front.date is None and (match := _DATE_RE.match(compact)):
            front.date = _date(*match.groups())
            if title_at is None:
                front.body_start = index + 1
    if title_at is not None:
        front.title, front.body_start = _title_from(texts, title_at)
    return front


def _is_title(text: str) -> bool:
    compact = _compact(text)
    return (
        len(compact) <= 80
        and _TITLE_END_RE.search(compact) is not None
        and not re.search(r"[。，；：]", compact)
        and "印发" not in compact
        and not compact.startswith("《")
        and split_label(compact) is None  # "三、实施方案" is a heading of the body
    )


def _is_title_fragment(text: str) -> bool:
    compact = _compact(text)
    return (
        0 < len(compact) <= 40
        and not re.search(r"[。，；：、]", compact)
        and not (_ISSUER_RE.match(compact) or _DOC_NUMBER_RE.match(compact))
        and not _DATE_RE.match(compact)
        and split_label(compact) is None
        and not compact.endswith("通知")
    )


def _title_from(texts: list[str], at: int) -> tuple[str, int]:
    """The title (joined with fragments split off before it) and where the body starts."""
    start = at
    while start > 0 and at - start < 2 and _is_title_fragment(texts[start - 1]):
        start -= 1
    title = "".join(_tidy(t) for t in texts[start : at + 1])
    end = at + 1
    while end < len(texts) and _PURE_PAREN_RE.match(_compact(texts[end])):
        if "稿" not in texts[end]:  # "（征求意见稿）" is not part of the title
            title += _compact(texts[end])
        end += 1
    return title, end


def _fallback_title(front: _FrontMatter, source_name: str | None, warnings: list[str]) -> str:
    title = (
        _tidy(front.notice_title)
        if front.notice_title
        else (Path(source_name).stem if source_name else "未命名方案")
    )
    warnings.append(f"未能识别方案标题，已暂用“{title}”，请核对。")
    return title


def _date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


# --- outline: numbered items as a tree ----------------------------------------------


@dataclass(eq=False)
class _Node:
    """A numbered item: its label, first paragraph and what follows until the next one."""

    label: str
    style: str
    text: str  # the first paragraph without its label
    raw: str  # the first paragraph as written
    entries: list[str | Table | _Node] = field(default_factory=list)

    @property
    def children(self) -> list[_Node]:
        return [e for e in self.entries if isinstance(e, _Node)]

    def own_paragraphs(self) -> list[str]:
        return [self.text, *(e for e in self.entries if isinstance(e, str))]

    def raw_paragraphs(self) -> Iterator[str]:
        """Every paragraph of the item and its sub-items as written, labels included."""
        if self.raw:
            yield self.raw
        for entry in self.entries:
            if isinstance(entry, str):
                yield entry
            elif isinstance(entry, _Node):
                yield from entry.raw_paragraphs()


def _style_of(paragraph: Paragraph) -> tuple[str, str, str] | None:
    labelled = split_label(paragraph.text)
    if labelled:
        return labelled
    if paragraph.heading_level is not None:  # a Word/Markdown heading without a number
        return "", f"h{paragraph.heading_level}", paragraph.text
    return None


def _rank(style: str) -> int:
    return int(style[1:]) if style.startswith("h") else _STYLE_RANK[style]


def _build_tree(blocks: list[Block]) -> _Node:
    root = _Node("", "root", "", "")
    stack = [root]
    for block in blocks:
        if isinstance(block, Table):
            stack[-1].entries.append(block)
            continue
        if block is _RULE:
            del stack[1:]
            continue
        numbered = _style_of(block)
        if numbered is None:
            stack[-1].entries.append(block.text)
            continue
        label, style, rest = numbered
        while len(stack) > 1 and _rank(stack[-1].style) >= _rank(style):
            stack.pop()
        node = _Node(label, style, rest, block.text)
        stack[-1].entries.append(node)
        stack.append(node)
    return root


# Parts that hold a plan's tasks, and parts that never do (for plans that name nobody).
_TASK_PART_RE = re.compile(
    r"主要任务|重点任务|工作任务|重点工作|任务分工|具体任务|工作重点|主要措施|重点措施"
    r"|工作措施|行动内容|主要内容|工作内容|重点内容|攻坚任务|任务措施"
)
_NON_TASK_PART_RE = re.compile(
    r"指导思想|总体要求|总体思路|基本原则|工作原则|工作目标|总体目标|主要目标|目标要求"
    r"|保障措施|工作要求|组织领导|组织保障|工作保障|组织实施|实施步骤|推进步骤|工作步骤"
    r"|时间安排|进度安排|步骤安排|工作机制|保障机制|适用范围|编制依据"
)
UNATTRIBUTED_WARNING = (
    "方案中的{count}项任务都没有写明牵头单位或责任单位，已按编号列为任务，"
    "请在核对时为它们指定单位（可以一次选中多项任务）。"
)


@dataclass
class _Said:
    """What paragraphs say about who does the work, beside parenthetical notes.

    ``labelled``: values of "牵头单位：…" lines; ``sentences``: attributions written as
    sentences ("由X负责，Y配合，…", "此项工作由X负责，Y协办。"); ``body``: the paragraphs
    without those lines and sentences.
    """

    body: list[str] = field(default_factory=list)
    labelled: list[tuple[str, str]] = field(default_factory=list)
    sentences: list[attr.Attribution] = field(default_factory=list)

    def names_departments(self) -> bool:
        return bool(self.sentences) or any(kind != "deadline" for kind, _ in self.labelled)

    def attribution(self) -> attr.Attribution:
        found = attr.combine_labelled(self.labelled)
        return attr.merge([found, *self.sentences]) if self.sentences else found


def _sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph, each with its 。！？; a 。 inside （…） does not end one."""
    sentences: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(paragraph):
        if char in "（(":
            depth += 1
        elif char in "）)" and depth:
            depth -= 1
        elif char in "。！？" and depth == 0:
            if index + 1 < len(paragraph) and paragraph[index + 1] in "。！？”":
                continue
            sentences.append(paragraph[start : index + 1])
            start = index + 1
    if start < len(paragraph):
        sentences.append(paragraph[start:])
    return sentences


def _read_said(paragraphs: list[str]) -> _Said:
    said = _Said()
    for paragraph in paragraphs:
        if entries := attr.parse_labelled_line(paragraph):
            said.labelled.extend(entries)
            continue
        paragraph, entries = attr.split_trailing_labels(paragraph)
        said.labelled.extend(entries)
        kept: list[str] = []
        for sentence in _sentences(paragraph):
            if found := attr.parse_role_sentence(sentence):
                said.sentences.append(found)
            elif prefixed := attr.split_prefix_attribution(sentence):
                said.sentences.append(prefixed[0])
                kept.append(prefixed[1])
            elif suffixed := attr.split_suffix_attribution(sentence):
                kept.append(suffixed[0])
                said.sentences.append(suffixed[1])
            else:
                kept.append(sentence)
        if rest := "".join(kept).strip():
            said.body.append(rest)
    return said


class _Outline:
    """Decides which numbered items are tasks and which are sections around them.

    Task level: the numbering style that most often carries attributions in the
    document ("（一）" in 001, "1." in 003/004).  An item of that style (or deeper)
    with attributions is a task and its sub-items fold into it; a shallower item that
    carries attributions itself but has no attributed sub-items is a task too
    (004 "（五）坚持最严肃的问责"), and so is an item whose attribution lines follow
    its last sub-item when no other sub-item names departments.  Attribution lines or
    sentences standing between a heading and its first sub-item ("一、…" / "由X承办，
    Y协办。" / "（一）…") belong to every sub-item that names nobody itself.  A numbered
    leaf without attributions among tasks of its own style (004 "（一）强化食品安全党政
    同责") is a task whose departments are inferred from its text or left empty, with a
    warning either way.  A plan naming nobody at all has its tasks at the lowest
    numbered level of its 主要任务 part (see ``_collect_unattributed``).
    """

    def __init__(self, root: _Node, one_year: int | None = None) -> None:
        self.root = root
        self.one_year = one_year  # the year of a one-year plan, for "6月底前"
        self._own: dict[_Node, bool] = {}
        self._subtree: dict[_Node, bool] = {}
        self.inherited: dict[_Node, attr.Attribution] = {}
        nodes = list(self._walk(root))
        for node in nodes:
            self._hand_down(node)
        # The last item of each part may be followed by the part's closing remarks.
        self.tails: set[_Node] = set()
        for part in root.children:
            node = part
            self.tails.add(node)
            while node.children:
                node = node.children[-1]
                self.tails.add(node)
        self.closing: list[str] = []  # those remarks, for the reporting rules
        styles = sorted({n.style for n in nodes}, key=_rank)
        self.levels = {style: i for i, style in enumerate(styles, start=1)}
        counts = Counter(n.style for n in nodes if self.own_attributed(n))
        # on a tie the deeper style wins: it names departments clause by clause
        self.task_style = max(counts, key=lambda s: (counts[s], _rank(s))) if counts else None
        self.last_task_part = -1  # index of the top-level part holding the last task

    def _walk(self, node: _Node) -> Iterator[_Node]:
        for child in node.children:
            yield child
            yield from self._walk(child)

    def _hand_down(self, node: _Node) -> None:
        """Give a heading's attribution lines to the sub-items that name nobody."""
        children = node.children
        if not children:
            return
        first = node.entries.index(children[0])
        head = [e for e in node.entries[:first] if isinstance(e, str)]
        said = _read_said(head) if head else None
        if said is not None and said.names_departments() and not said.body:
            given = said.attribution()
            node.entries = [e for e in node.entries if not (isinstance(e, str) and e in head)]
        elif found := self._heading_sentences(node):
            # "（一）完善监管体系。由X承办，Y协办。" over items that name nobody
            given = found
        else:
            return
        if node in self.inherited:
            given = attr.merge([given, self.inherited[node]])
        for child in children:
            if not self._names_own(child):
                self.inherited[child] = given

    def _heading_sentences(self, node: _Node) -> attr.Attribution | None:
        """Attribution sentences after a heading's title, when no sub-item names anyone:
        they are removed from the heading and handed down."""
        sentences = _sentences(node.text)
        found = [attr.parse_role_sentence(s) for s in sentences[1:]]
        named = [f for f in found if f is not None]
        if not named or any(self._names_own(c) for c in node.children):
            return None
        node.text = "".join(s for s, f in zip(sentences, [None, *found], strict=True) if f is None)
        return attr.merge(named)

    def _names_own(self, node: _Node) -> bool:
        paragraphs = node.own_paragraphs()
        said = _read_said(paragraphs)
        return said.names_departments() or any(
            s.attribution and not s.attribution.is_empty()
            for s in attr.split_by_attributions("\n".join(said.body))
        )

    def own_attributed(self, node: _Node) -> bool:
        if node not in self._own:
            self._own[node] = node in self.inherited or self._names_own(node)
        return self._own[node]

    def subtree_attributed(self, node: _Node) -> bool:
        if node not in self._subtree:
            self._subtree[node] = self.own_attributed(node) or any(
                self.subtree_attributed(c) for c in node.children
            )
        return self._subtree[node]

    def _is_task(self, node: _Node) -> bool:
        if not self.subtree_attributed(node) or self.task_style is None:
            return False
        if self._lines_belong_to_parent(node):
            return True
        if _rank(node.style) >= _rank(self.task_style):
            return True
        return not any(self.subtree_attributed(c) for c in node.children)

    def _lines_belong_to_parent(self, node: _Node) -> bool:
        """Lines after the last sub-item ("1.… 2.… 牵头单位：X") name the parent item."""
        children = node.children
        if len(children) < 2 or children[-1].children:
            return False
        last = children[-1]
        return (
            any(_names_departments_in_line(p) for p in last.own_paragraphs())
            and not any(self.subtree_attributed(c) for c in children[:-1])
            and not self.own_attributed(node)
        )

    def _is_unattributed_task(self, node: _Node, parent: _Node) -> bool:
        """A numbered leaf among tasks of its own numbering style."""
        return (
            not node.children
            and not self.subtree_attributed(node)
            and any(c.style == node.style and self._is_task(c) for c in parent.children)
        )

    def heading(self, node: _Node) -> Heading:
        return Heading(node.label, _first_sentence(node.text), self.levels[node.style])

    def collect_tasks(self, warnings: list[str]) -> list[ParsedTask]:
        tasks: list[ParsedTask] = []
        for part, entry in enumerate(self.root.entries):
            before = len(tasks)
            self._collect(entry, self.root, [], tasks, warnings)
            if len(tasks) > before:
                self.last_task_part = part
        if not tasks and self.task_style is None:
            return self._collect_unattributed(warnings)
        return tasks

    def _collect(
        self,
        entry: str | Table | _Node,
        parent: _Node,
        path: list[Heading],
        tasks: list[ParsedTask],
        warnings: list[str],
    ) -> None:
        if isinstance(entry, Table):
            tasks.extend(_tasks_from_table(entry, path, self.one_year) or [])
        elif isinstance(entry, _Node):
            if self._is_task(entry) or self._is_unattributed_task(entry, parent):
                task = _build_task(
                    entry,
                    path,
                    warnings,
                    self.one_year,
                    self.inherited.get(entry),
                    closing=self.closing if entry in self.tails else None,
                )
                tasks.append(task)
                return
            if self.own_attributed(entry):
                warnings.append(
                    f"“{entry.label}{_first_sentence(entry.text)}”下的责任单位"
                    "无法对应到具体任务，已忽略，请核对。"
                )
            inner = [*path, self.heading(entry)]
            for child in entry.entries:
                self._collect(child, entry, inner, tasks, warnings)

    def _collect_unattributed(self, warnings: list[str]) -> list[ParsedTask]:
        """Tasks of a plan that names no department: the numbered leaves of its task part.

        The task part is the top-level part titled 主要任务/重点任务/工作任务 …; without
        one, every part but 指导思想/工作目标/保障措施 and the like.  Tables still count.
        """
        parts = [e for e in self.root.entries if isinstance(e, _Node)]
        chosen = [p for p in parts if _TASK_PART_RE.search(_first_sentence(p.text))]
        if not chosen:
            chosen = [p for p in parts if not _NON_TASK_PART_RE.search(_first_sentence(p.text))]
        tasks: list[ParsedTask] = []
        ignored: list[str] = []
        for index, entry in enumerate(self.root.entries):
            if entry in chosen:
                self._leaves(entry, [], tasks, ignored)
                self.last_task_part = index
        if tasks and not any(t.items for t in tasks):
            warnings.append(UNATTRIBUTED_WARNING.format(count=len(tasks)))
        return tasks

    def _leaves(
        self, node: _Node, path: list[Heading], tasks: list[ParsedTask], ignored: list[str]
    ) -> None:
        if not node.children:
            tasks.append(_build_task(node, path, ignored, self.one_year))
            return
        inner = [*path, self.heading(node)]
        for child in node.children:
            self._leaves(child, inner, tasks, ignored)

    def measures_paragraphs(self) -> list[str]:
        """Paragraphs of the parts after the tasks and of parts titled 工作措施 etc."""
        paragraphs: list[str] = []
        for part, entry in enumerate(self.root.entries):
            if isinstance(entry, str) and part > self.last_task_part:
                paragraphs.append(entry)  # after a "---" rule: outside every part
            if not isinstance(entry, _Node):
                continue
            if part > self.last_task_part or _MEASURES_RE.search(_first_sentence(entry.text)):
                paragraphs.extend(entry.raw_paragraphs())
        return [*self.closing, *_after_tables(self.root), *paragraphs]


def _after_tables(node: _Node) -> list[str]:
    """Notes that follow a 分工表: paragraphs after a table, and its full-width rows
    ("备注：请各牵头单位于每季度末月25日前报送…"), where plans put their reporting rules."""
    notes: list[str] = []
    seen_table = False
    for entry in node.entries:
        if isinstance(entry, Table):
            seen_table = True
            for row in entry.rows:
                texts = {cell.strip() for cell in row if cell.strip()}
                if len(texts) == 1 and len(row) > 1:
                    notes.append(next(iter(texts)))
        elif isinstance(entry, str) and seen_table:
            notes.append(entry)
        elif isinstance(entry, _Node):
            notes.extend(_after_tables(entry))
    return notes


def _names_departments_in_line(paragraph: str) -> bool:
    entries = attr.parse_labelled_line(paragraph)
    return entries is not None and any(kind != "deadline" for kind, _ in entries)


def _first_sentence(text: str) -> str:
    """A heading's or task's title: its first line up to the first 。."""
    first_line = text.split("\n", 1)[0]
    return first_line.split("。", 1)[0].strip().rstrip("；;：:，,")


# --- tasks --------------------------------------------------------------------------


def _task_paragraphs(node: _Node) -> list[str]:
    """The task's paragraphs with sub-items folded in (their labels kept)."""
    paragraphs = node.own_paragraphs()
    for child in node.children:
        paragraphs.extend(child.raw_paragraphs())
    return [p for p in paragraphs if p]


def _build_task(
    node: _Node,
    path: list[Heading],
    warnings: list[str],
    one_year: int | None = None,
    inherited: attr.Attribution | None = None,
    closing: list[str] | None = None,
) -> ParsedTask:
    """The task of ``node``; the last task of a part sheds the part's closing remarks
    (paragraphs after its attribution lines) into ``closing`` when that is given."""
    paragraphs = _task_paragraphs(node)
    if closing is not None:
        paragraphs, remarks = _split_closing(paragraphs)
        closing.extend(remarks)
    said = _read_said(paragraphs)
    text = "\n".join(said.body)
    deadline = next((value for kind, value in said.labelled if kind == "deadline"), None)

    if said.names_departments():
        found = said.attribution()
        items = [_item(text.strip(), found)]
        deadline = deadline or found.deadline
    else:
        segments = attr.split_by_attributions(text)
        deadline = deadline or next(
            (s.attribution.deadline for s in segments if s.attribution and s.attribution.deadline),
            None,
        )
        text = "".join(s.text for s in segments)
        items = _items_from_segments(node, segments, warnings)

    text = text.strip()
    title = _first_sentence(text)
    if not items and inherited is not None:
        items = [_item(text, inherited)]
        deadline = deadline or inherited.deadline
    elif not items:
        items = _unattributed_items(node, title, text, warnings)
    elif len(items) > 1:
        items[0].text = _without_title(items[0].text, title)

    task = ParsedTask(label=node.label, path=list(path), title=title, text=text, items=items)
    if deadline:
        task.deadline, task.deadline_date = _deadline(deadline, one_year)
    elif in_text := _deadline_in_text(text, one_year):
        task.deadline, task.deadline_date = in_text
    task.targets = _targets(text)
    return task


def _split_closing(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """``(task paragraphs, closing remarks)``: plain paragraphs after the task's last
    attribution ("牵头单位：X" / "…（X负责）" past its first paragraph) are the part's
    closing remarks ("请各单位于12月10日前将全年工作完成情况报区食安办。")."""
    last = None
    for index, paragraph in enumerate(paragraphs):
        if attr.parse_labelled_line(paragraph) or (index > 0 and _names_anyone(paragraph)):
            last = index
    if last is None:
        # A task naming its departments in its first paragraph: only a reporting
        # instruction after it ("…于12月10日前将全年工作情况报县食安办。") is a remark.
        if not _names_anyone(paragraphs[0]):
            return paragraphs, []
        last = 0
        while last + 1 < len(paragraphs) and not _reports(paragraphs[last + 1]):
            last += 1
    rest = paragraphs[last + 1 :]
    if not rest or any(split_label(p) or attr.parse_labelled_line(p) for p in rest):
        return paragraphs, []
    return paragraphs[: last + 1], rest


def _reports(paragraph: str) -> bool:
    """Whether a paragraph asks for reports by a date (a part's closing instruction)."""
    from .schedule import extract_reporting

    return not _names_anyone(paragraph) and bool(extract_reporting([paragraph], None))


def _names_anyone(paragraph: str) -> bool:
    """Whether a paragraph names departments in any written form."""
    return _read_said([paragraph]).names_departments() or any(
        s.attribution and not s.attribution.is_empty()
        for s in attr.split_by_attributions(paragraph)
    )


def _item(text: str, found: attr.Attribution) -> ParsedItem:
    return ParsedItem(
        text=text,
        lead=list(found.lead),
        others=list(found.others),
        cooperating=list(found.cooperating),
    )


def _has_words(text: str) -> bool:
    return re.search(r"\w", text) is not None


def _items_from_segments(
    node: _Node, segments: list[attr.Segment], warnings: list[str]
) -> list[ParsedItem]:
    items: list[ParsedItem] = []
    if not any(s.attribution and not s.attribution.is_empty() for s in segments):
        return items
    for segment in segments:
        clause = segment.text.strip()
        found = segment.attribution
        if found is None or found.is_empty():
            if items and split_label(clause) and len(items) == 1 and segment is segments[-1]:
                # "（二）…（X负责）" over sub-items naming nobody: they are its detail
                items[-1].text = f"{items[-1].text}\n{clause}"
                continue
            if _has_words(clause):
                items.append(ParsedItem(text=clause))
                warnings.append(
                    f"任务{node.label}中“{_shorten(clause)}”之后未注明责任单位，请核对。"
                )
            continue
        if not _has_words(clause) and items:  # two notes in a row: both name the clause
            previous = items[-1]
            previous.others.extend(n for n in found.names() if n not in previous.lead)
            continue
        items.append(_item(clause, found))
    return items


def _unattributed_items(
    node: _Node, title: str, text: str, warnings: list[str]
) -> list[ParsedItem]:
    inferred = attr.infer_from_text(text)
    if inferred is None:
        warnings.append(f"任务{node.label}{title}未注明牵头单位或责任单位，请在台账中补充。")
        return []
    named = "、".join(inferred.names())
    warnings.append(
        f"任务{node.label}{title}未注明牵头单位或责任单位，已按正文“{named}按职责分工”"
        f"认定{inferred.lead[0]}为牵头单位，请核对。"
    )
    return [_item(text, inferred)]


def _without_title(text: str, title: str) -> str:
    """Drop the task's title sentence from its first item when the task has several."""
    if title and text.startswith(title):
        rest = text[len(title) :].lstrip("。；; \n")
        if _has_words(rest):
            return rest
    return text


def _shorten(text: str, limit: int = 20) -> str:
    text = text.replace("\n", "")
    return text if len(text) <= limit else text[:limit] + "…"


# --- plan-level facts ---------------------------------------------------------------


def _plan_years(
    title: str, date: dt.date | None, tasks: list[ParsedTask]
) -> tuple[int | None, int | None]:
    """Years from the title ("（2022—2024年）", "2023年…"), else the date to the last deadline.

    So 003 (no year in its title) covers 2019–2020: every task is due by 2020年10月,
    although its 推进步骤 run to 2022.
    """
    if match := _YEAR_RANGE_RE.search(title):
        return int(match.group(1)), int(match.group(2))
    if match := _YEAR_RE.search(title):
        return int(match.group(1)), int(match.group(1))
    deadlines = [t.deadline_date.year for t in tasks if t.deadline_date]
    start = date.year if date else min(deadlines, default=None)
    if start is None:
        return None, None
    return start, max([start, *deadlines])


def _year_of_dates(title: str, date: dt.date | None) -> int | None:
    """The year that "6月底前" means: a one-year plan's, else, when the title names no
    year at all, the year the plan was issued in."""
    if _YEAR_RE.search(title):
        return _single_year(title)
    return date.year if date else None


def _single_year(title: str) -> int | None:
    """The year of a one-year plan ("2023年红旗区食品安全工作要点"), else None."""
    if _YEAR_RANGE_RE.search(title):
        return None
    match = _YEAR_RE.search(title)
    return int(match.group(1)) if match else None


def _jurisdiction(plan: ParsedPlan) -> str | None:
    """The level prefix most department names start with: 区, 县, 市 or 旗."""
    counts = Counter(
        name[0]
        for name in plan.department_names()
        if name[:1] in ("区", "县", "市", "旗") and not name.startswith("市场")
    )
    return counts.most_common(1)[0][0] if counts else None


def _place(plan: ParsedPlan, front: _FrontMatter) -> str | None:
    """The place by name (``core.places.find_place``): 发文机关, title, the head's lines,
    places department names carry; of the level most department names are prefixed with."""
    return find_place(
        issuer=plan.issuer,
        title=front.title,
        notice_title=front.notice_title,
        doc_number=plan.doc_number,
        lines=front.head_lines,
        department_names=plan.department_names(),
        level=plan.jurisdiction,
    )


# --- the other plan modules ---------------------------------------------------------


def _tasks_from_table(
    table: Table, path: list[Heading], one_year: int | None
) -> list[ParsedTask] | None:
    from .table_plan import tasks_from_table

    return tasks_from_table(table, list(path), plan_year=one_year)


def _deadline(text: str, one_year: int | None) -> tuple[str, dt.date | None]:
    from .schedule import parse_deadline

    parsed = parse_deadline(text, default_year=one_year)
    if parsed is None:
        return text, None
    # The 完成时限 as the plan writes it ("2025年10月底前"), unless it is a sentence.
    written = text.strip().rstrip("。；;")
    return (written if len(written) <= 30 else parsed[0]), parsed[1]


def _deadline_in_text(text: str, one_year: int | None) -> tuple[str, dt.date | None] | None:
    from .schedule import deadline_in_text

    return deadline_in_text(text, default_year=one_year)


def _targets(text: str) -> list:
    from .indicators import extract_targets

    return extract_targets(text)


def _reporting(paragraphs: list[str], plan_year: int | None) -> list[ReportingRule]:
    from .schedule import extract_reporting

    return extract_reporting(paragraphs, plan_year) if paragraphs else []
