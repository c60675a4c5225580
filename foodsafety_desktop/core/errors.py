"""The one exception type that carries a message for the user (in Chinese)."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """An error the user can act on: a Chinese message plus where it happened.

    The UI and the CLI show ``str(error)``, never a traceback.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        cell: str | None = None,
    ) -> None:
        self.message = message
        self.file = Path(file).name if file else None
        self.sheet = sheet
        self.cell = cell
        super().__init__(self.full_message())

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(f"文件“{self.file}”")
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.cell:
            parts.append(f"单元格 {self.cell}")
        return "，".join(parts)

    def full_message(self) -> str:
        where = self.location()
        return f"{where}：{self.message}" if where else self.message
