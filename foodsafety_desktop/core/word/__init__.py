"""Word documents in the official-document format (公文, GB/T 9704-2012)."""

from foodsafety_desktop.core.word.fonts import OFFICIAL, FontSet, resolve_fonts
from foodsafety_desktop.core.word.official import OfficialDocument, date_text, heading_label

__all__ = [
    "OFFICIAL",
    "FontSet",
    "OfficialDocument",
    "date_text",
    "heading_label",
    "resolve_fonts",
]
