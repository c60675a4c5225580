"""Who is named for a task: department lists and attribution notes of a plan.

Plans name departments in lines (``牵头单位：X``), in parentheticals after the clauses
they cover (``（区农业农村局牵头，区市场监管局按职责分工负责）``) or in labelled
parentheticals (``（责任单位：县卫健委、发改委。排名第一的为牵头单位，下同）``).
Names are returned *as written*; resolving them is ``services.departments``' job.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# Endings of department names (局, 委, 办 ...): what tells a name from prose.
# fmt: off
_NAME_ENDINGS = (
    "局", "委", "办", "院", "部", "厅", "社", "处", "所", "站", "队", "室", "组",
    "中心", "海关", "政府", "办事处", "单位", "管委会", "委员会", "联合会", "科协",
    "街道", "公司", "集团", "机关", "妇联", "工会", "残联", "团委", "法院", "检察院",
)
# Departments whose whole name has two characters.
_SHORT_NAMES = frozenset({"海关", "法院", "团委", "妇联", "工会", "残联", "科协"})
# fmt: on
# Groups also name places: 各镇（街道）, 各乡镇; "各单位要…" is prose.
_GROUP_ENDINGS = (*_NAME_ENDINGS, "镇", "乡", "县", "区", "市", "部门")

# Characters that never occur in a department name but do in prose.
_PROSE_CHARS = re.compile(r"[的了是。，：；！？“”《》%\d]")

# A name followed by its own alias or qualifier in parentheses: "各镇（街道）".
_TRAILING_PAREN = re.compile(r"[（(][^（）()]*[）)]$")

# Role words after a name or a run of names, longest first so "牵头负责" beats "负责".
# "负责" alone ("由X负责，Y配合") is a lead ("charge") unless the same note names an
# explicit 牵头 unit ("X牵头，Y负责"), then it is 责任; see ``_attribution``.
_ROLE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("按职责分工负责", "responsible"),
    ("按职责分工落实", "responsible"),
    ("按职责分工配合", "cooperating"),
    ("按照职责分工负责", "responsible"),
    ("按照职责分工", "responsible"),
    ("按职责分工", "responsible"),
    ("按职责负责", "responsible"),
    ("分别负责", "responsible"),
    ("共同负责", "responsible"),
    ("具体负责", "responsible"),
    ("牵头负责", "lead"),
    ("牵头落实", "lead"),
    ("负总责", "lead"),
    ("为责任主体", "lead"),
    ("为牵头单位", "lead"),
    ("为责任单位", "responsible"),
    ("为配合单位", "cooperating"),
    ("牵头", "lead"),
    ("（牵头）", "lead"),
    ("(牵头)", "lead"),
    ("承办", "lead"),
    ("主办", "lead"),
    ("主责", "lead"),
    ("负责", "charge"),
    ("落实", "responsible"),
    ("配合", "cooperating"),
    ("协助", "cooperating"),
    ("协办", "cooperating"),
    ("参与", "cooperating"),
    ("参加", "cooperating"),
)
_ROLE_WORDS = re.compile(r"牵头|负责|配合|协助|协办|承办|主办|参与|按职责|责任主体")

# Labels of attribution lines and labelled notes: "牵头单位：", "责任单位：", "完成时间：".
_LABELS: dict[str, str] = {
    "牵头单位": "lead",
    "牵头部门": "lead",
    "主责单位": "lead",
    "主责部门": "lead",
    "主办单位": "lead",
    "承办单位": "lead",
    "负责单位": "responsible",
    "负责部门": "responsible",
    "责任单位": "responsible",
    "责任部门": "responsible",
    "责任主体": "responsible",
    "实施单位": "responsible",
    "实施部门": "responsible",
    "配合单位": "cooperating",
    "配合部门": "cooperating",
    "协办单位": "cooperating",
    "协办部门": "cooperating",
    "协助单位": "cooperating",
    "参与单位": "cooperating",
    "参与部门": "cooperating",
    "完成时间": "deadline",
    "完成时限": "deadline",
    "完成期限": "deadline",
    "时间节点": "deadline",
    "时限要求": "deadline",
    "时间要求": "deadline",
}
_LABEL_WORDS = "|".join(sorted(_LABELS, key=len, reverse=True))
# "牵头单位：", "【牵头单位】", "[责任单位]": a colon or brackets are required, since
# "责任单位要…" is prose.
_BRACKETED = r"[【\[]\s*(" + _LABEL_WORDS + r")\s*[】\]]"
_COLONED = r"(" + _LABEL_WORDS + r")\s*[:：]"
_LABEL_RE = re.compile(r"^\s*(?:" + _BRACKETED + r"\s*[:：]?|" + _COLONED + r")\s*")
# Where a further label starts inside one line: "牵头单位：X；配合单位：Y" / "… 完成时限：…".
_NEXT_LABEL_RE = re.compile(r"[；;，,。\s]\s*(?=" + _BRACKETED + "|" + _COLONED + ")")

# Separators of a department list; 会同 ("A会同B") joins a lead and its partners.
_LIST_SEPARATORS = re.compile(r"[、，,；;]|会同")
# Conjunctions that may join two names ("市市场监管局和各乡镇（街道、管委会）") but
# also occur inside one ("市粮食和物资储备局"); see ``_split_conjunction``.
_CONJUNCTIONS = re.compile(r"[和及与]|以及")

# "X、Y按职责分工…" inside a sentence: departments named in running text.
_IN_TEXT_DUTY = re.compile(r"([^。；！？\n]{2,120}?)按职责分工")

_OPENING = "（("
_CLOSING = "）)"


@dataclass
class Attribution:
    """Departments named for one clause (or a whole task) and an optional deadline."""

    lead: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    cooperating: list[str] = field(default_factory=list)
    deadline: str | None = None

    def names(self) -> list[str]:
        return [*self.lead, *self.others]

    def is_empty(self) -> bool:
        return not self.lead and not self.others


@dataclass
class Segment:
    """A stretch of task text and the attribution that follows it (None if none)."""

    text: str
    attribution: Attribution | None = None


# --- department names ---------------------------------------------------------------


def is_group_name(name: str) -> bool:
    """A collective name kept as written: 各办事处, 区食安委各成员单位, 有关部门."""
    return name.startswith("各") or "成员单位" in name or name in {"有关部门", "相关部门"}


def is_department_name(name: str) -> bool:
    """Whether ``name`` reads like a department (or a group of them), not like prose."""
    name = name.strip()
    if not 2 <= len(name) <= 40:
        return False
    base = _TRAILING_PAREN.sub("", name) if name.endswith(("）", ")")) else name
    if _PROSE_CHARS.search(base):
        return False
    if is_group_name(base):
        return base.endswith(_GROUP_ENDINGS)
    return (len(base) >= 3 or base in _SHORT_NAMES) and base.endswith(_NAME_ENDINGS)


def split_department_list(text: str) -> list[str]:
    """Names of a list like "市农委、市商务局，各乡镇（街道、管委会）" as written.

    Separators inside parentheses do not split; "A和B"/"A及B" splits only where A is a
    specific department (so "市粮食和物资储备局" and "区政府食安委相关成员单位及有关部门"
    stay whole).  Whitespace inside a name is a line-break artefact and is removed.
    """
    names: list[str] = []
    for part in _split_outside_parens(text, _LIST_SEPARATORS):
        part = re.sub(r"\s+", "", part).strip("。.")
        part = re.sub(r"^(由|以|并由)", "", part)
        part = re.sub(r"等(有关|相关)?(部门|单位)$", "", part)
        if part:
            names.extend(_split_conjunction(part))
    return names


def _split_conjunction(name: str) -> list[str]:
    if is_group_name(name):
        return [name]
    for match in _CONJUNCTIONS.finditer(name):
        if _depth_at(name, match.start()) > 0:
            continue
        left, right = name[: match.start()], name[match.end() :]
        if is_department_name(left) and not is_group_name(left) and is_department_name(right):
            return [left, *_split_conjunction(right)]
    return [name]


def _split_outside_parens(text: str, separator: re.Pattern[str]) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in separator.finditer(text):
        if _depth_at(text, match.start()) == 0:
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _depth_at(text: str, index: int) -> int:
    depth = 0
    for char in text[:index]:
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING and depth:
            depth -= 1
    return depth


# --- attributions -------------------------------------------------------------------


def parse_role_list(text: str, *, roles_required: bool = False) -> Attribution | None:
    """Parse "A牵头，B、C配合，D按职责分工负责" (roles optional); None if not a list.

    Without a named lead the first named department leads (the plans' convention).
    With ``roles_required`` every name must be followed by a role word: the form of
    attribution sentences in running text ("由A负责，B配合"), where a bare name list
    would be prose.
    """
    named: list[tuple[str, str]] = []
    run: list[str] = []
    for token in _split_outside_parens(_strip_sentence_opening(text), _LIST_SEPARATORS):
        token = re.sub(r"\s+", "", token)
        token, role = _strip_role(token)
        if token:
            names = split_department_list(token)
            if not names or not all(is_department_name(n) for n in names):
                return None
            run.extend(names)
        if role:
            if not run:
                return None
            named.extend((n, role) for n in run)
            run = []
    if run and roles_required:
        return None
    named.extend((n, "responsible") for n in run)
    if not named:
        return None
    return _attribution(named)


# Openings of an attribution sentence: "此项工作由…", "该项任务由…", "由…".
_SENTENCE_OPENING = re.compile(
    r"^\s*(?:(?:此|该|本|上述|以上|这)(?:项|些)?(?:工作|任务)\s*)?(?:具体)?(?:由|请)?\s*"
)


def _strip_sentence_opening(text: str) -> str:
    text = text.strip().rstrip("。.；;")
    return _SENTENCE_OPENING.sub("", text, count=1)


def parse_role_sentence(text: str) -> Attribution | None:
    """A whole sentence that only says who does the work: "此项工作由X负责，Y协办。"."""
    if not _ROLE_WORDS.search(text):
        return None
    return parse_role_list(text, roles_required=True)


def split_prefix_attribution(text: str) -> tuple[Attribution, str] | None:
    """``(attribution, rest)`` for a task text opening with who does it.

    "由市经贸委负责，市农业局、卫生局配合，加快……" -> (lead 市经贸委, others 市农业局,
    卫生局), "加快……".  Only clauses that end in a role word count, so prose such as
    "县市场监管局负责对全县企业开展检查" is left alone.
    """
    if not _ROLE_WORDS.search(text[:200]) or text.lstrip()[:1] in _OPENING:
        return None
    consumed = 0
    named_clauses: list[str] = []
    for match in re.finditer(r"[^，,。；;]+[，,]", text):
        if match.start() != consumed:
            break
        clause = match.group()[:-1]
        if _depth_at(clause, len(clause)) or any(c in _CLOSING for c in clause):
            break
        if parse_role_list(clause, roles_required=True) is None:
            break
        named_clauses.append(clause)
        consumed = match.end()
    rest = text[consumed:].strip()
    if not named_clauses or not _has_words(rest):
        return None
    attribution = parse_role_list("，".join(named_clauses), roles_required=True)
    return (attribution, rest) if attribution else None


def split_suffix_attribution(text: str) -> tuple[str, Attribution] | None:
    """``(rest, attribution)`` for a sentence closing with who does it.

    "推进…建设，此项工作由市市场监管局牵头，各县（市、区）人民政府参与。" -> the
    sentence up to "建设" and that attribution.  The closing clauses must end in role
    words and the first of them must open with 由 / 此项工作由 …, so that prose such as
    "…，各部门配合" stays prose.
    """
    body = text.rstrip().rstrip("。；;")
    if not _ROLE_WORDS.search(body[-80:]):
        return None
    cuts = [m.start() for m in re.finditer(r"[，,]", body) if _depth_at(body, m.start()) == 0]
    for cut in cuts:
        tail = body[cut + 1 :]
        if not _SENTENCE_OPENING.match(tail) or not re.match(
            r"\s*(?:(?:此|该|本|上述|以上|这)(?:项|些)?(?:工作|任务)\s*)?(?:具体)?由", tail
        ):
            continue
        found = parse_role_list(tail, roles_required=True)
        if found is not None and _has_words(body[:cut]):
            return body[:cut] + text[len(body) :].strip()[:1], found
    return None


def _has_words(text: str) -> bool:
    return re.search(r"\w", text) is not None


def _strip_role(token: str) -> tuple[str, str | None]:
    for suffix, role in _ROLE_SUFFIXES:
        if token.endswith(suffix):
            return token[: -len(suffix)], role
    return token, None


def _attribution(named: list[tuple[str, str]]) -> Attribution:
    explicit = any(role == "lead" for _, role in named)
    # "由X、Y负责" names joint leads; after an explicit 牵头 unit "负责" means 责任
    charge = "responsible" if explicit else "lead"
    named = [(n, charge if role == "charge" else role) for n, role in named]
    lead = [n for n, role in named if role == "lead"]
    if not lead:
        first = next((n for n, role in named if role != "cooperating"), named[0][0])
        lead = [first]
    lead = list(dict.fromkeys(lead))
    others = list(dict.fromkeys(n for n, _ in named if n not in lead))
    cooperating = list(
        dict.fromkeys(n for n, role in named if role == "cooperating" and n not in lead)
    )
    return Attribution(lead=lead, others=others, cooperating=cooperating)


def parse_label_line(text: str) -> tuple[str, str] | None:
    """``("lead"|"responsible"|"cooperating"|"deadline", value)`` for a labelled line.

    Only the first label of the line; ``parse_labelled_line`` gives all of them.
    """
    entries = parse_labelled_line(text)
    return entries[0] if entries else None


def parse_labelled_line(text: str) -> list[tuple[str, str]] | None:
    """Every ``(kind, value)`` of a labelled line, or None when it does not start with one.

    "牵头单位：X；配合单位：Y、Z" -> [("lead", "X"), ("cooperating", "Y、Z")];
    "责任单位：X（牵头）、Y" -> [("responsible", "X（牵头）、Y")].
    """
    if not _LABEL_RE.match(text):
        return None
    entries: list[tuple[str, str]] = []
    rest = text
    while match := _LABEL_RE.match(rest):
        kind = _LABELS[match.group(1) or match.group(2)]
        value = rest[match.end() :]
        following = _next_label(value)
        if following is None:
            entries.append((kind, value.strip()))
            break
        entries.append((kind, value[:following].strip().rstrip("；;，,。")))
        rest = value[following:].lstrip("；;，,。 \t")
    return entries


def split_trailing_labels(text: str) -> tuple[str, list[tuple[str, str]]]:
    """A paragraph whose labels follow its last sentence: "开展检查。主办单位：X  协办单位：Y".

    Returns the text before the labels and the labelled values; ``(text, [])`` when no
    label follows a 。/；/space outside parentheses.
    """
    for match in _NEXT_LABEL_RE.finditer(text):
        if _depth_at(text, match.start()) or text[match.start()] not in "。；; \t":
            continue
        entries = parse_labelled_line(text[match.end() :])
        if entries and any(value for _, value in entries):
            return text[: match.start() + 1].strip(), entries
    return text, []


def _next_label(value: str) -> int | None:
    for match in _NEXT_LABEL_RE.finditer(value):
        if _depth_at(value, match.start()) == 0:
            return match.start()
    return None


def combine_labelled(entries: list[tuple[str, str]]) -> Attribution:
    """One attribution from labelled values (lines or the parts of a labelled note)."""
    named: list[tuple[str, str]] = []
    deadline = None
    for kind, value in entries:
        if kind == "deadline":
            deadline = deadline or value.strip().rstrip("。；;") or None
            continue
        for name in split_department_list(value):
            bare, role = _strip_role(name)
            named.append((bare or name, role if role in ("lead", "cooperating") else kind))
    attribution = _attribution(named) if named else Attribution()
    attribution.deadline = deadline
    return attribution


# "排名第一的为牵头单位，下同": a remark about the list, however it is punctuated
# ("，" "。" "……" or none); the first named leads anyway.
_RANK_REMARK = re.compile(
    r"[，,；;。.、…\s]*(?:排名|排序|排在|列)第一(?:位)?的?(?:单位|部门)?为牵头(?:单位|部门)?"
    r"(?:[，,；;。…\s]*(?:下同|以下同))?[。.]?"
)


def parse_note(inner: str) -> Attribution | None:
    """The attribution in a parenthetical's text, or None when it is something else.

    Accepts "责任单位：A、B。排名第一的为牵头单位，下同" (text after 。 is a remark),
    "A牵头，B配合" and a bare list "A、B".
    """
    inner = _RANK_REMARK.sub("", inner.strip())
    if _LABEL_RE.match(inner):
        return _parse_labelled_note(inner)
    found = parse_role_list(inner)
    if found is None and re.search(r"[；;]", inner):
        # "X牵头，Y配合；完成时限：2023年底前": a role list and labelled parts
        return _parse_mixed_note(inner)
    return found


def _parse_mixed_note(inner: str) -> Attribution | None:
    parts = [p for p in re.split(r"[；;]", inner) if p.strip()]
    found: list[Attribution] = []
    for part in parts:
        parse = _parse_labelled_note if _LABEL_RE.match(part) else parse_role_list
        labelled = parse(part)
        if labelled is None:
            return None
        found.append(labelled)
    if all(f.is_empty() for f in found):
        return None
    return merge(found)


def merge(found: list[Attribution]) -> Attribution:
    """One attribution naming everyone in ``found``; the leads of each lead, in order."""
    lead = list(dict.fromkeys(n for f in found for n in f.lead))
    others = list(dict.fromkeys(n for f in found for n in f.others if n not in lead))
    cooperating = [n for n in dict.fromkeys(c for f in found for c in f.cooperating) if n in others]
    deadline = next((f.deadline for f in found if f.deadline), None)
    return Attribution(lead=lead, others=others, cooperating=cooperating, deadline=deadline)


def _parse_labelled_note(inner: str) -> Attribution | None:
    entries: list[tuple[str, str]] = []
    for part in re.split(r"[；;]", inner):
        labelled = parse_labelled_line(part)
        if labelled is None:
            continue  # a remark such as "排名第一的为牵头单位，下同"
        for kind, value in labelled:
            if kind != "deadline":
                value = value.split("。")[0]
            entries.append((kind, value))
    if not entries:
        return None
    attribution = combine_labelled(entries)
    if attribution.is_empty() and attribution.deadline is None:
        return None
    return attribution


def iter_parentheticals(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, inner)`` of each outermost parenthetical; 全角 and 半角 mix freely."""
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char in _OPENING:
            if depth == 0:
                start = index
            depth += 1
        elif char in _CLOSING and depth:
            depth -= 1
            if depth == 0:
                yield start, index + 1, text[start + 1 : index]


def note_at(text: str, start: int, inner: str) -> Attribution | None:
    """The attribution of the parenthetical ``inner`` found at ``start`` in ``text``.

    A bare name list right after a department name is that name's alias
    ("区宣传部（文明办）", "乡镇卫生院（社区卫生服务中心）"), so it only counts when
    it carries role words.
    """
    bare_list = not _LABEL_RE.match(inner) and not _ROLE_WORDS.search(inner)
    if bare_list and text[:start].rstrip().endswith(_NAME_ENDINGS):
        return None
    return parse_note(inner)


def split_by_attributions(text: str) -> list[Segment]:
    """Cut ``text`` after each attribution parenthetical, removing the parenthetical.

    Each segment holds the clause(s) since the previous attribution.  A 。 or ；
    right after a note ends its clause ("列入“黑名单”（区市场监管局负责）。") and
    moves into the clause when the clause has no final punctuation of its own.
    The last segment has no attribution when text follows the last note.
    """
    segments: list[Segment] = []
    clause = ""
    cursor = 0
    deadline = None  # a deadline-only note ("（完成时限：2022年底）") does not cut the text
    for start, end, inner in iter_parentheticals(text):
        attribution = note_at(text, start, inner)
        if attribution is None:
            continue
        clause += text[cursor:start]
        cursor = end
        if attribution.is_empty():
            deadline = deadline or attribution.deadline
            continue
        if end < len(text) and text[end] in "。；;":
            if not clause.rstrip().endswith(("。", "；", "！", "？", ";")):
                clause = clause.rstrip() + text[end]
            cursor = end + 1
        attribution.deadline = attribution.deadline or deadline
        segments.append(Segment(clause, attribution))
        clause, deadline = "", None
    clause += text[cursor:]
    if clause:
        segments.append(Segment(clause, Attribution(deadline=deadline) if deadline else None))
    return segments


def infer_from_text(text: str) -> Attribution | None:
    """Departments named in running text: "各镇（街道）、政府食安委各成员单位按职责分工…"."""
    for match in _IN_TEXT_DUTY.finditer(text):
        candidate = re.split(r"[，,：:]", match.group(1))[-1]
        attribution = parse_role_list(candidate)
        if attribution is not None:
            return attribution
    return None
