"""Guards against a Qt binding that leaks references to None (PySide6 6.12.0 on Python
3.11): a long GUI session would abort with "none_dealloc" after some 35,000 calls."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel

CALLS = 5000


def test_void_calls_keep_the_reference_count_of_none(qtbot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        label.setText("食安台账")
    # Immortal None (3.12+) reports a huge constant; a leak shows as thousands lost.
    assert abs(sys.getrefcount(None) - before) < CALLS // 10
