"""Word documents in the official-document format (公文, GB/T 9704-2012).

The writer (``official``, which loads python-docx) is imported on first use, so the
font check at start-up (``fonts``) does not load python-docx into the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from foodsafety_desktop.core.word.fonts import OFFICIAL, FontSet, resolve_fonts

if TYPE_CHECKING:
    from foodsafety_desktop.core.word.official import OfficialDocument, date_text, heading_label

_FROM_OFFICIAL = ("OfficialDocument", "date_text", "heading_label")


def __getattr__(name: str) -> Any:
    if name in _FROM_OFFICIAL:
        from foodsafety_desktop.core.word import official

        return getattr(official, name)
    raise AttributeError(name)


__all__ = [
    "OFFICIAL",
    "FontSet",
    "OfficialDocument",
    "date_text",
    "heading_label",
    "resolve_fonts",
]
