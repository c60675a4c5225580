"""The signed identity block of a report template (shared by the writer and the reader).

A template carries, on a very hidden sheet, which plan, period and department it was
made for and which task/item/indicator each data row stands for, signed with an HMAC
keyed by the office's secret (``settings.office_secret``).  A returned workbook is
matched by it exactly, and one edited to claim another department, period or other rows
fails ``verify``.

Storage: sheet ``_identity``, one key per row, key in column A and value in column B,
all values written as text.  A value longer than one cell can hold (Excel: 32,767
characters) is split over keys ``rows``, ``rows.1``, ``rows.2`` …; ``read_identity``
joins them again, so a reader only has to collect A→B pairs.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from openpyxl import Workbook

IDENTITY_SHEET = "_identity"
# Version 2 (template_layout version 2) rows may carry "anchor"; version 1 files (sent
# out by earlier versions) are still read and verified the same way.
FORMAT_V1 = "foodsafety-desktop/report-template/1"
FORMAT = "foodsafety-desktop/report-template/2"
FORMATS = (FORMAT_V1, FORMAT)

# The keys in the order they are written; "signature" comes last.
KEYS = (
    "format",
    "plan_id",
    "plan_title",
    "period_id",
    "period_name",
    "department_id",
    "department_name",
    "generated_at",
    "rows",
)
SIGNATURE_KEY = "signature"
CHUNK = 30000  # characters per cell, below Excel's limit of 32,767
_CONTINUATION = re.compile(r"^(?P<key>[a-z_]+)\.(?P<n>\d+)$")
_WHITESPACE = re.compile(r"\s+")


def squash(text: Any) -> str:
    """The text NFKC-normalised and without any whitespace: how a returned workbook's cell
    is compared with the template (office suites rewrite spaces, line ends, full widths)."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


@functools.lru_cache(maxsize=4096)  # a batch's sheets hold the same task texts
def text_sha1(text: str | None) -> str:
    """Digest of a locked cell's text that survives re-saving by Excel, WPS or LibreOffice.

    Whitespace (line breaks, CR/LF, full-width spaces) is removed and the text NFKC
    normalised before hashing, because office suites rewrite line endings and spaces
    but a department that changed the wording changes the digest.
    """
    normal = unicodedata.normalize("NFKC", str(text or ""))
    normal = _WHITESPACE.sub("", normal)
    return hashlib.sha1(normal.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RowIdentity:
    """What one data row of the report sheet stands for."""

    row: int  # sheet row number (first data row is template_layout.FIRST_DATA_ROW)
    task_id: int
    item_id: int | None
    indicator_id: int | None
    text_sha1: str  # text_sha1 of the 任务内容 cell (column B) of the row, or of its anchor
    # A sub-row of a task's 指标 block (2nd…Nth indicator): the sheet row holding the
    # task's cells (任务内容, 完成情况, the text answers), merged down over the block.
    # None on every other row and on every row of a version 1 template.
    anchor: int | None = None

    def as_dict(self) -> dict[str, Any]:
        # "anchor" only when set: a version 1 identity keeps its exact JSON (signature).
        data: dict[str, Any] = {
            "row": self.row,
            "task_id": self.task_id,
            "item_id": self.item_id,
            "indicator_id": self.indicator_id,
            "text_sha1": self.text_sha1,
        }
        if self.anchor is not None:
            data["anchor"] = self.anchor
        return data

    @property
    def task_row(self) -> int:
        """The sheet row holding this row's 任务内容 and answers (its anchor or itself)."""
        return self.anchor if self.anchor is not None else self.row


@dataclass(frozen=True)
class TemplateIdentity:
    """Plan, period, department and rows a template was generated for."""

    plan_id: int
    plan_title: str
    period_id: int
    period_name: str
    department_id: int
    department_name: str
    generated_at: str  # ISO 8601, local time, seconds
    rows: tuple[RowIdentity, ...] = field(default_factory=tuple)
    format: str = FORMAT

    def values(self) -> dict[str, str]:
        """The key → text mapping stored on the sheet (without the signature)."""
        rows = [r.as_dict() for r in self.rows]
        return {
            "format": self.format,
            "plan_id": str(self.plan_id),
            "plan_title": self.plan_title,
            "period_id": str(self.period_id),
            "period_name": self.period_name,
            "department_id": str(self.department_id),
            "department_name": self.department_name,
            "generated_at": self.generated_at,
            "rows": canonical(rows),
        }


def canonical(value: Any) -> str:
    """The one JSON text of ``value`` a signature is made over (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Signed(Protocol):
    """An identity of a form handed out (报送表, 自评表)."""

    def values(self) -> dict[str, str]: ...


def sign(identity: Signed, secret: bytes) -> str:
    """HMAC-SHA256 (hex) over the canonical JSON of all keys but the signature."""
    message = canonical(identity.values()).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def verify(identity: Signed, signature: str | None, secret: bytes) -> bool:
    """True when ``signature`` was made with ``secret`` over exactly this identity."""
    if not signature:
        return False
    return hmac.compare_digest(sign(identity, secret), str(signature).strip().lower())


def identity_cells(identity: TemplateIdentity, secret: bytes) -> list[tuple[str, str]]:
    """The (key, value) pairs written to columns A and B, signature last."""
    pairs: list[tuple[str, str]] = []
    for key, value in identity.values().items():
        chunks = [value[i : i + CHUNK] for i in range(0, len(value), CHUNK)] or [""]
        pairs.append((key, chunks[0]))
        pairs.extend((f"{key}.{n}", chunk) for n, chunk in enumerate(chunks[1:], start=1))
    pairs.append((SIGNATURE_KEY, sign(identity, secret)))
    return pairs


def write_identity(workbook: Workbook, identity: TemplateIdentity, secret: bytes) -> None:
    """Add the very hidden, protected ``_identity`` sheet to ``workbook``."""
    ws = workbook.create_sheet(IDENTITY_SHEET)
    for r, (key, value) in enumerate(identity_cells(identity, secret), start=1):
        ws.cell(r, 1).value = key
        cell = ws.cell(r, 2)
        cell.value = value
        cell.data_type = "s"  # always text, even "3" or a value starting with "="
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 80
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


def _text(value: Any) -> str:
    """A cell value as the text that was written (tolerates 3.0 for "3" after re-saves)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_identity(values: dict[str, Any]) -> tuple[TemplateIdentity, str] | None:
    """The identity and its signature from the A→B pairs of the ``_identity`` sheet.

    Returns None when the pairs are not an identity block of a known format (missing
    keys, unknown ``format``, ids that are not numbers, rows that are not valid JSON).
    Call ``verify`` on the result; a None here means "no identity", not "forged".
    """
    texts: dict[str, str] = {}
    continuations: dict[str, list[tuple[int, str]]] = {}
    for raw_key, raw_value in values.items():
        key = _text(raw_key).strip()
        m = _CONTINUATION.match(key)
        if m:
            continuations.setdefault(m["key"], []).append((int(m["n"]), _text(raw_value)))
        else:
            texts[key] = _text(raw_value)
    for key, parts in continuations.items():
        if key in texts:
            texts[key] += "".join(v for _, v in sorted(parts))
    if texts.get("format") not in FORMATS or any(k not in texts for k in KEYS):
        return None
    try:
        rows_data = json.loads(texts["rows"])
        rows = tuple(
            RowIdentity(
                row=int(r["row"]),
                task_id=int(r["task_id"]),
                item_id=None if r.get("item_id") is None else int(r["item_id"]),
                indicator_id=None if r.get("indicator_id") is None else int(r["indicator_id"]),
                text_sha1=str(r["text_sha1"]),
                anchor=None if r.get("anchor") is None else int(r["anchor"]),
            )
            for r in rows_data
        )
        identity = TemplateIdentity(
            plan_id=int(texts["plan_id"]),
            plan_title=texts["plan_title"],
            period_id=int(texts["period_id"]),
            period_name=texts["period_name"],
            department_id=int(texts["department_id"]),
            department_name=texts["department_name"],
            generated_at=texts["generated_at"],
            rows=rows,
            format=texts["format"],
        )
    except (ValueError, TypeError, KeyError):
        return None
    return identity, texts.get(SIGNATURE_KEY, "").strip()
