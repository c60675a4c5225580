"""Several files of one department for one period in one batch (版本): the newest goes in.

A department sends its sheet, then a corrected one, then "the final one" — eight
files of one department in a folder is no rarity.  Imported one after another, the last
read would silently win.  Instead the files of one (period, department) are grouped,
the newest proposed — by receipt date, then 填报日期, then modification time, then name
— and the others marked as older versions (旧版本): not imported unless the clerk
chooses one of them instead.  A file received before the department's submission stored
earlier (an old draft found in a later folder) is an older version of that one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from foodsafety_desktop.core.dates import local_date
from foodsafety_desktop.core.services.collect.received import written_date
from foodsafety_desktop.core.services.collect.results import CollectPreview


@dataclass
class OlderVersion:
    """A file that a newer version of the same department's answer for the period
    replaces: another file of the batch, or the submission stored before."""

    newest: CollectPreview
    stored: bool = False  # the newer one is the stored submission, not a file of the batch

    def text(self) -> str:
        who = f"“{self.newest.department_name}”{self.newest.period_name}"
        if self.stored:
            received = local_date(self.newest.replaces_received_at or dt.datetime.min)
            return (
                f"旧版本：{who}已导入的“{self.newest.replaces_name}”收到日期（{received}）"
                "晚于本文件，本文件不导入；如确要用本文件替换，请在导入窗口中勾选，"
                "或用 --received 写明它的收到日期。"
            )
        return (
            f"旧版本：本批中{who}还有更新的文件“{self.newest.file_name}”，"
            "本文件不导入（需要时可改选本文件）。"
        )


def _newness(preview: CollectPreview) -> tuple[dt.datetime, dt.date, dt.datetime, str]:
    """The sort key of a version: later is newer."""
    return (
        preview.received(),
        written_date(preview.filled_on) or dt.date.min,
        preview.modified_at or dt.datetime.min,
        preview.file_name,
    )


def older_versions(previews: Sequence[CollectPreview | None]) -> dict[int, OlderVersion]:
    """Index (in ``previews``) → why that file is an older version; the newest file of
    each (period, department) and files without a known period or department are not
    listed.  Files with errors take no part (they cannot be imported anyway), except a
    file stored before: re-collecting a folder must not let an older file of it replace
    the newest, imported the first time."""
    groups: dict[tuple[int, int], list[tuple[int, CollectPreview]]] = {}
    for index, preview in enumerate(previews):
        if preview is None or (preview.errors and preview.already_imported is None):
            continue
        if preview.period_id is None or preview.department_id is None:
            continue
        key = (preview.period_id, preview.department_id)
        groups.setdefault(key, []).append((index, preview))
    older: dict[int, OlderVersion] = {}
    for members in groups.values():
        newest = max(members, key=lambda member: _newness(member[1]))
        for index, _preview in members:
            if index != newest[0]:
                older[index] = OlderVersion(newest[1])
        index, preview = newest
        stored = preview.replaces_received_at
        # An old draft collected after the final one went in: not over it.
        if preview.already_imported is None and stored is not None and preview.received() < stored:
            older[index] = OlderVersion(preview, stored=True)
    return older
