"""The one rule that combines a department's row statuses (models.combine_statuses)."""

from __future__ import annotations

from foodsafety_desktop.core.storage.models import (
    STATUS_BEHIND,
    STATUS_DONE,
    STATUS_NOT_STARTED,
    STATUS_ON_SCHEDULE,
    combine_statuses,
)


def test_combine_statuses():
    assert combine_statuses([]) is None
    assert combine_statuses([None, ""]) is None
    assert combine_statuses([STATUS_DONE, None]) == STATUS_DONE
    assert combine_statuses([STATUS_DONE, STATUS_BEHIND]) == STATUS_BEHIND
    assert combine_statuses([STATUS_DONE, STATUS_NOT_STARTED]) == STATUS_ON_SCHEDULE
    assert combine_statuses([STATUS_NOT_STARTED, STATUS_NOT_STARTED]) == STATUS_NOT_STARTED
