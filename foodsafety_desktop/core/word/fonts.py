"""The fonts of an official document (公文) and what to name when a PC lacks them.

Strategy, in order of preference:

1. By default a document names the official fonts (方正小标宋简体, 仿宋_GB2312,
   楷体_GB2312, 黑体), as GB/T 9704-2012 offices expect; a superior office that opens
   the file on a PC with the 公文 font pack sees exactly what it should.
2. Each of those fonts is also declared in the document's font table with a
   ``w:altName`` and the GB2312 charset, so Word, when the font is missing, substitutes a
   Chinese face of the same kind (仿宋 for 仿宋_GB2312, 楷体 for 楷体_GB2312, 宋体 for
   方正小标宋简体) instead of a random one.  This is a hint, not a guarantee.
3. The caller can pass the names of the fonts installed on the PC that will print
   (the GUI knows them from ``QFontDatabase.families()``; on Windows
   :func:`installed_font_families` reads them from the registry without Qt) to
   :func:`resolve_fonts`, which replaces each missing official font by the first
   installed fallback: 仿宋_GB2312 → 仿宋 (FangSong, in every Windows since Vista),
   楷体_GB2312 → 楷体 (KaiTi), 方正小标宋简体 → 方正小标宋_GBK → 华文中宋 (installed with
   Chinese Office) → 宋体 (SimSun), 黑体 (SimHei) → 微软雅黑.

Latin letters and digits: Times New Roman beside 仿宋 and 楷体 (the rule of most
provincial 公文 style guides, and a font every Windows PC has); beside 黑体 and the title
face they keep that face, whose digits match its stroke weight.  Page numbers are
半角宋体 digits as GB/T 9704-2012 7.5 asks.
"""

from __future__ import annotations

import dataclasses
import functools
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TITLE = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
SONGTI = "宋体"
LATIN = "Times New Roman"

# Other names under which a font is installed (English family names as Windows
# registers them, or the names of other vendors' builds of the same face).
ALIASES: dict[str, tuple[str, ...]] = {
    TITLE: ("FZXiaoBiaoSong-B05S", "方正小标宋简", "FZXBSJW--GB1-0"),
    "方正小标宋_GBK": ("FZXiaoBiaoSong-B05",),
    FANGSONG: ("FangSong_GB2312",),
    KAITI: ("KaiTi_GB2312",),
    HEITI: ("SimHei",),
    SONGTI: ("SimSun",),
    "仿宋": ("FangSong",),
    "楷体": ("KaiTi",),
    "华文中宋": ("STZhongsong",),
    "微软雅黑": ("Microsoft YaHei",),
}

# Official font → fallbacks to try, best first.
FALLBACKS: dict[str, tuple[str, ...]] = {
    TITLE: ("方正小标宋_GBK", "华文中宋", SONGTI),
    FANGSONG: ("仿宋", SONGTI),
    KAITI: ("楷体", FANGSONG, "仿宋"),
    HEITI: ("微软雅黑",),
    SONGTI: (),
}

# Font table entries (w:altName, w:family) that steer Word's substitution of a missing
# font toward a face of the same kind; charset 86 = GB2312.
FONT_TABLE_HINTS: dict[str, tuple[str, str]] = {
    TITLE: (SONGTI, "auto"),
    FANGSONG: ("仿宋", "modern"),
    KAITI: ("楷体", "modern"),
    HEITI: ("SimHei", "modern"),
    SONGTI: ("SimSun", "auto"),
}


@dataclass(frozen=True)
class FontSet:
    """The font names written into a document, one per role."""

    title: str = TITLE  # 公文标题, 附件标题 (2号)
    fangsong: str = FANGSONG  # body, 三级/四级标题, tables
    kaiti: str = KAITI  # 二级标题
    heiti: str = HEITI  # 一级标题, 附件标识, table headers
    songti: str = SONGTI  # page numbers
    latin: str = LATIN  # Latin letters and digits beside 仿宋 and 楷体
    # Titles in bold: a 宋体 standing in for 方正小标宋 is too light without it.
    title_bold: bool = False

    def names(self) -> list[str]:
        """Every distinct font name of the set."""
        return list(
            dict.fromkeys(
                getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "title_bold"
            )
        )


OFFICIAL = FontSet()


def _normal(name: str) -> str:
    return name.replace(" ", "").casefold()


def _is_installed(font: str, installed: set[str]) -> bool:
    return any(_normal(n) in installed for n in (font, *ALIASES.get(font, ())))


def resolve_fonts(installed: Iterable[str] | None, base: FontSet = OFFICIAL) -> FontSet:
    """``base`` with every font missing from ``installed`` replaced by its first
    installed fallback.

    ``installed`` is the list of font family names of the PC (Chinese or English names,
    case and spaces ignored); ``None`` means "unknown" and returns ``base`` unchanged.
    A font with no installed fallback keeps its official name, so Word substitutes it.
    """
    if installed is None:
        return base
    have = {_normal(n) for n in installed}
    changes: dict[str, object] = {}
    for field in dataclasses.fields(base):
        if field.name == "title_bold":
            continue
        font = getattr(base, field.name)
        if _is_installed(font, have):
            continue
        for candidate in FALLBACKS.get(font, ()):
            if _is_installed(candidate, have):
                changes[field.name] = candidate
                break
    if changes.get("title") == SONGTI:
        changes["title_bold"] = True
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# The roles whose fonts the notice names (the page numbers' 宋体 comes with Windows).
_ROLES = ("title", "fangsong", "kaiti", "heiti")


def substitutions(
    installed: Iterable[str] | None, base: FontSet = OFFICIAL
) -> tuple[list[str], list[str]]:
    """The official fonts missing from ``installed``: those replaced ("仿宋_GB2312改用仿宋",
    "方正小标宋简体改用宋体加粗") and those with no installed substitute; both empty when
    nothing is missing or the installed fonts are unknown."""
    if installed is None:
        return [], []
    resolved = resolve_fonts(installed, base)
    have = {_normal(n) for n in installed}
    replaced: list[str] = []
    unreplaced: list[str] = []
    for role in _ROLES:
        official = getattr(base, role)
        if _is_installed(official, have) or official in replaced + unreplaced:
            continue
        used = getattr(resolved, role)
        if used == official:
            unreplaced.append(official)
        else:
            bold = "加粗" if role == "title" and resolved.title_bold else ""
            replaced.append(f"{official}改用{used}{bold}")
    return replaced, unreplaced


def fonts_notice(installed: Iterable[str] | None, base: FontSet = OFFICIAL) -> str | None:
    """The one message about missing 公文 fonts, None when nothing is missing."""
    replaced, unreplaced = substitutions(installed, base)
    if not replaced and not unreplaced:
        return None
    parts = []
    if replaced:
        parts.append(
            "本机未安装部分公文字体，生成的公文改用本机已有的字体：" + "，".join(replaced) + "。"
        )
    if unreplaced:
        parts.append(
            f"本机没有{'、'.join(unreplaced)}，也没有可替代的字体：公文中仍写标准字体名，"
            "在装有公文字体的电脑上显示正常；如需在本机打印，请安装公文字体后重新生成。"
        )
    return "".join(parts)


@functools.cache
def fonts_for_this_pc() -> FontSet:
    """The official fonts, each missing one replaced by an installed fallback
    (:func:`resolve_fonts` with :func:`installed_font_families`); read once per run."""
    return resolve_fonts(installed_font_families())


def installed_font_families() -> set[str] | None:
    """Font family names registered on this Windows PC (machine and current user), or
    ``None`` elsewhere or when the registry cannot be read.

    Registry value names look like ``"仿宋_GB2312 (TrueType)"`` or
    ``"SimSun & NSimSun (TrueType)"``.
    """
    if sys.platform != "win32":
        return _fontconfig_families()
    import winreg

    key_path = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\Fonts"
    names: set[str] = set()
    found = False
    for root in (winreg.HKEY_LOCAL_MACHINE, winreg.HKEY_CURRENT_USER):
        try:
            key = winreg.OpenKey(root, key_path)
        except OSError:
            continue
        found = True
        with key:
            index = 0
            while True:
                try:
                    value_name = winreg.EnumValue(key, index)[0]
                except OSError:
                    break
                index += 1
                family = value_name.split(" (")[0]
                names.update(part.strip() for part in family.split("&") if part.strip())
    return names if found else None


def _fontconfig_families() -> set[str] | None:
    """Font families fontconfig knows (Linux), None when ``fc-list`` is not there."""
    try:
        out = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, timeout=20, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {name.strip() for line in out.splitlines() for name in line.split(",") if name.strip()}


NOTICE_FILE = "fonts_notice.txt"


def notice_once(notice: str | None, folder: Path) -> str | None:
    """``notice`` unless the same one was already given on this PC (remembered in
    ``folder``): the clerk is told about missing fonts once, and again only when what is
    missing changes.  None when there is nothing (new) to say."""
    path = folder / NOTICE_FILE
    try:
        said = path.read_text(encoding="utf-8")
    except OSError:
        said = ""
    if notice is None:
        if said:
            path.unlink(missing_ok=True)
        return None
    if said == notice:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(notice, encoding="utf-8")
    except OSError:
        pass  # told again next time: better than never
    return notice
