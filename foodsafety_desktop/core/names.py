"""Department names as written (单位名称): the pure rules, no database.

What a name denotes (department, township, group), the jurisdiction it starts with,
whether a plan's 县/区/市 may be put in front of it, the built-in long and short forms
(卫生健康委员会 ↔ 卫健委) and how alike two names are.  ``services.departments`` applies
these rules to the stored departments and aliases.
"""

from __future__ import annotations

import re

from foodsafety_desktop.core.terms import KIND_DEPARTMENT, KIND_GROUP, KIND_TOWNSHIP

# Score given to names that are equal after expanding the built-in abbreviations.
EQUIVALENT_SCORE = 95.0

JURISDICTIONS = ("区", "县", "市")
# Levels a plan's jurisdiction may have; 旗 (内蒙古) is a county.
LEVELS = ("县", "区", "市", "旗")

# Long official form → usual short form, longest first.  Names equal after this
# normalisation are proposed as the same department ("fuzzy"), never merged silently.
EQUIVALENT_FORMS: tuple[tuple[str, str], ...] = (
    ("市场监督管理局", "市场监管局"),
    ("卫生健康委员会", "卫健委"),
    ("卫生和健康委员会", "卫健委"),
    ("卫生健康委", "卫健委"),
    ("发展和改革委员会", "发改委"),
    ("发展改革委员会", "发改委"),
    ("发展和改革委", "发改委"),
    ("发展改革委", "发改委"),
    ("发展和改革局", "发改局"),
    ("教育体育局", "教体局"),
    ("工业和信息化局", "工信局"),
    ("住房和城乡建设局", "住建局"),
    ("人力资源和社会保障局", "人社局"),
    ("文化广电和旅游局", "文广旅局"),
    ("文化广电旅游局", "文广旅局"),
    ("城市管理局", "城管局"),
    ("城市管理综合执法局", "城管执法局"),
    ("供销合作社", "供销社"),
    ("市场监管分局", "市场监管所"),
)

# Parts of a name that contain 市/区/县 without naming a place.
_NOT_PLACES = ("市场", "城市", "超市", "市政", "社区", "园区", "景区", "校区", "小区", "县级")
# Markers of a name that already says where the department is.
_PLACE_MARKERS = ("省", "市", "县", "区", "州", "分局", "海关", "派出所", "分中心")
_TOWNSHIP_ENDINGS = ("镇", "乡", "街道", "办事处", "镇政府", "乡政府", "镇人民政府", "乡人民政府")
_GROUP_MARKERS = ("成员单位", "有关部门", "相关部门", "有关单位", "相关单位", "各部门", "各单位")


def guess_kind(name: str) -> str:
    """The kind of unit a name denotes.

    group for 各乡镇政府 / 成员单位 / 有关部门, township for one 镇/乡/街道/办事处,
    else department.
    """
    name = name.strip()
    if name.startswith("各") or any(marker in name for marker in _GROUP_MARKERS):
        return KIND_GROUP
    if name.endswith(_TOWNSHIP_ENDINGS):
        return KIND_TOWNSHIP
    return KIND_DEPARTMENT


# The office that runs the ledger (食安办), however a plan writes it: 区食安办, 县政府食安办,
# 区管委会食品安全委员会办公室, 卢氏县人民政府食品安全委员会办公室.  The place before it
# must end like a place, so "区市场监管局（食安办）" or "市场监管局食安办" is not the office.
_OFFICE_NAME = re.compile(
    r"^(?:[\u4e00-\u9fff]{0,16}?[省市县区旗州])?"
    r"(?:人民政府|政府|管委会|管理委员会)?"
    r"(?:食安办|食安委办(?:公室)?|食品安全委员会办公室|食品安全办公室"
    r"|食品安全(?:工作)?领导小组办公室)$"
)

# Words inside a group's parentheses that say what kind of units belong, not which:
# 各乡镇（街道、管委会）.
_MEMBER_KIND_WORDS = frozenset(
    {"乡", "镇", "乡镇", "街道", "办事处", "街道办事处", "管委会", "社区", "园区", "开发区"}
)
_PARENTHESES = re.compile(r"[（(]([^（）()]*)[）)]")
_LIST_SEPARATORS = re.compile(r"[、，,；;]")


def is_office_name(name: str) -> bool:
    """Whether ``name`` is the food-safety office itself (食安办 / 食品安全委员会办公室)."""
    return bool(_OFFICE_NAME.match("".join((name or "").split())))


def is_township_group(name: str) -> bool:
    """A group of townships or streets: 各乡镇政府, 各镇（街道）, 各办事处."""
    text = name.strip()
    if guess_kind(text) != KIND_GROUP:
        return False
    return any(word in text for word in ("乡", "镇", "街道", "办事处"))


def members_written_in(name: str) -> list[str]:
    """The units a group's name lists in parentheses: 各乡镇（城关镇、东明镇） → 城关镇, 东明镇.

    Kind words (街道、管委会) name no unit and are left out; so is anything that reads
    like a group itself.
    """
    found: list[str] = []
    for inner in _PARENTHESES.findall(name or ""):
        for part in _LIST_SEPARATORS.split(inner):
            part = "".join(part.split()).strip("。.")
            part = re.sub(r"等(有关|相关)?(部门|单位)?$", "", part)
            if len(part) < 3 or part in _MEMBER_KIND_WORDS or guess_kind(part) == KIND_GROUP:
                continue
            if part not in found:
                found.append(part)
    return found


def place_prefix(name: str) -> str | None:
    """The jurisdiction the name starts with ("县卫健委" → "县"); 市场监管局 has none."""
    if not name or name[0] not in JURISDICTIONS:
        return None
    if name.startswith(_NOT_PLACES):
        return None
    return name[0]


def carries_place(name: str) -> bool:
    """True when the name already says where the department is (县委宣传部, 新区海关 ...)."""
    text = name
    for part in _NOT_PLACES:
        text = text.replace(part, "")
    return any(marker in text for marker in _PLACE_MARKERS)


def can_prefix(name: str) -> bool:
    """Whether the plan's jurisdiction prefix may be put in front of ``name``."""
    if not name or name.startswith("各") or place_prefix(name):
        return False
    if guess_kind(name) != KIND_DEPARTMENT:
        return False
    return not carries_place(name)


def jurisdiction_level(jurisdiction: str | None) -> str | None:
    """The level of a jurisdiction as ``Plan.jurisdiction`` keeps it: "卢氏县" → "县",
    "营口市鲅鱼圈区" → "区", a bare level ("县", kept by earlier versions) → itself;
    None when it ends in no level."""
    text = "".join((jurisdiction or "").split())
    return text[-1] if text and text[-1] in LEVELS else None


def prefixed(name: str, jurisdiction: str | None) -> str | None:
    """ "发改委" → "县发改委" in a 县 plan (jurisdiction "县" or "卢氏县"); None when the
    name must stay as written."""
    level = jurisdiction_level(jurisdiction)
    if level and can_prefix(name):
        return f"{level}{name}"
    return None


def normalize(name: str) -> str:
    """The name with built-in long forms replaced by their short forms."""
    text = "".join(name.split())
    for long, short in EQUIVALENT_FORMS:
        if long in text:
            text = text.replace(long, short)
    return text


def similarity(a: str, b: str) -> float:
    """How alike two department names are (0..100), for proposals only.

    Names of different jurisdictions ("县农业农村局" / "区农业农村局") or of different
    kinds never match; names equal after expanding the built-in abbreviations score
    ``EQUIVALENT_SCORE``.
    """
    if a == b:
        return 100.0
    pa, pb = place_prefix(a), place_prefix(b)
    if pa and pb and pa != pb:
        return 0.0
    if guess_kind(a) != guess_kind(b):
        return 0.0
    na, nb = normalize(a), normalize(b)
    if na == nb:
        return EQUIVALENT_SCORE
    from rapidfuzz import fuzz  # only when names are compared: not at start

    return float(max(fuzz.ratio(a, b), fuzz.ratio(na, nb)))
