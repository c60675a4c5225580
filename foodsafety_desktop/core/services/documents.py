"""What the office's documents remember between sessions: the 红头 (a letterhead file
kept with the database, or the 发文机关标志 text the 版头 is set from), the 主送机关 of
its reports, the 抄送机关 and the 签发人.  Each document may change them (the 工作总结's
draft keeps its own values); these are the defaults.

The letterhead file is stored like the plans' originals (``core.storage.originals``):
beside a SQLite ledger in ``archive/``, inside a server database, so every clerk of an
office prints with the same 红头.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services.settings import (
    get_setting,
    record_setting_change,
    set_setting,
)
from foodsafety_desktop.core.storage.originals import (
    LETTERHEAD_SETTING,
    letterhead_original_path,
    originals_of,
)
from foodsafety_desktop.core.word.official import Letterhead, check_letterhead

REPORT_RECIPIENT = "report_recipient"  # 主送机关 of a report: 卢氏县人民政府
COPY_TO = "document_copy_to"  # 抄送机关, one per line
ISSUER_MARK = "document_issuer_mark"  # 发文机关标志 text of a generated 红头
SIGNED_BY = "document_signed_by"  # 签发人 of upward documents

FIELDS = (
    (REPORT_RECIPIENT, "主送机关（报告）", 60),
    (COPY_TO, "抄送机关", 600),
    (ISSUER_MARK, "发文机关标志", 30),
    (SIGNED_BY, "签发人", 30),
)
LABELS = {key: label for key, label, _limit in FIELDS}
_LIMITS = {key: limit for key, _label, limit in FIELDS}
MAX_LETTERHEAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class DocumentSettings:
    """The remembered values ("" / empty: not set)."""

    report_recipient: str = ""
    copy_to: list[str] = field(default_factory=list)
    issuer_mark: str = ""
    signed_by: str = ""
    letterhead: str | None = None  # relative path of the kept letterhead file

    @property
    def letterhead_name(self) -> str | None:
        """The letterhead's file name as the clerk chose it."""
        if not self.letterhead:
            return None
        return Path(self.letterhead).name.split("_", 1)[-1]


def split_names(text: str | None) -> list[str]:
    """Names written one per line or separated by 、，,；; (抄送机关)."""
    out: list[str] = []
    separators = str.maketrans("、，,；;\r", "\n" * 6)
    for part in (text or "").translate(separators).split("\n"):
        name = part.strip().strip("。.")
        if name and name not in out:
            out.append(name)
    return out


def document_settings(session: Session) -> DocumentSettings:
    return DocumentSettings(
        report_recipient=get_setting(session, REPORT_RECIPIENT) or "",
        copy_to=split_names(get_setting(session, COPY_TO)),
        issuer_mark=get_setting(session, ISSUER_MARK) or "",
        signed_by=get_setting(session, SIGNED_BY) or "",
        letterhead=get_setting(session, LETTERHEAD_SETTING) or None,
    )


def default_recipient(settings: DocumentSettings, place: str | None) -> str:
    """主送机关 of a report: the setting, else the place's people's government
    (卢氏县人民政府); "" when the plan names no place."""
    if settings.report_recipient:
        return settings.report_recipient
    return f"{place}人民政府" if place else ""


def set_document_settings(
    session: Session, values: dict[str, str | list[str] | None], *, user: str
) -> list[str]:
    """Set some of the remembered values (key → text; 抄送机关 also as a list; "" or None
    clears); one audit entry.  Returns the labels of what changed."""
    unknown = [k for k in values if k not in LABELS]
    if unknown:
        raise UserError(f"没有名为“{'、'.join(unknown)}”的公文设置。")
    changed = []
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    for key, value in values.items():
        if isinstance(value, list) or key == COPY_TO:
            names = value if isinstance(value, list) else split_names(value)
            text = "\n".join(split_names("\n".join(names))) or None
        else:
            text = " ".join((value or "").split()) or None
        if text and len(text) > _LIMITS[key]:
            raise UserError(f"{LABELS[key]}太长（最多 {_LIMITS[key]} 个字）。")
        old = get_setting(session, key)
        if old != text:
            set_setting(session, key, text)
            changed.append(key)
            before[key], after[key] = old, text
    if changed:
        record_setting_change(
            session,
            user=user,
            summary="公文设置："
            + "；".join(
                f"{LABELS[k]}：{(before[k] or '未填')} → {(after[k] or '未填')}".replace("\n", "、")
                for k in changed
            ),
            before=before,
            after=after,
        )
        session.flush()
    return [LABELS[k] for k in changed]


def keep_letterhead(session: Session, path: str | Path, *, user: str) -> str:
    """Check the 红头 file at ``path`` (a .docx that opens), keep a copy with the
    database and remember it; returns the kept copy's name."""
    path = Path(path)
    letterhead = Letterhead.from_file(path)
    if len(letterhead.content) > MAX_LETTERHEAD_BYTES:
        raise UserError("红头模板文件太大（超过 20 MB），请检查是否选错了文件。", file=path)
    check_letterhead(letterhead)
    sha256 = hashlib.sha256(letterhead.content).hexdigest()
    relative = letterhead_original_path(path.name, sha256)
    originals = originals_of(session)
    if not originals.has(session, relative):
        originals.keep(session, relative, letterhead.content)
    old = get_setting(session, LETTERHEAD_SETTING)
    set_setting(session, LETTERHEAD_SETTING, relative)
    if old != relative:
        record_setting_change(
            session,
            user=user,
            summary=f"公文设置：红头模板 → {path.name}",
            before=old,
            after=relative,
        )
    session.flush()
    return path.name


def forget_letterhead(session: Session, *, user: str) -> bool:
    """No letterhead file any more (the kept copy stays for older drafts' history)."""
    old = get_setting(session, LETTERHEAD_SETTING)
    if not old:
        return False
    set_setting(session, LETTERHEAD_SETTING, None)
    record_setting_change(
        session,
        user=user,
        summary="公文设置：不再使用红头模板",
        before=old,
        after=None,
    )
    session.flush()
    return True


def letterhead_of(session: Session) -> Letterhead | None:
    """The remembered letterhead, read from where the database keeps it; None when none
    is set.  UserError when the kept copy is missing."""
    relative = get_setting(session, LETTERHEAD_SETTING)
    if not relative:
        return None
    content = originals_of(session).read(session, relative)
    name = Path(relative).name.split("_", 1)[-1]
    if content is None:
        raise UserError(f"找不到保存的红头模板“{name}”，请在“公文设置”中重新选择红头文件。")
    return Letterhead(content, name)
