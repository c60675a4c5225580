"""Files the clerk writes (reports, workbooks, exports) are ordinary files: written
atomically, and readable as the user's other documents, not private to the program."""

from __future__ import annotations

import os
import stat

import pytest

from foodsafety_desktop.core.fileio import write_atomically


@pytest.mark.skipif(os.name == "nt", reason="Windows has no mode bits")
def test_a_written_file_is_readable_by_others_not_private(tmp_path):
    target = tmp_path / "考核结果.xlsx"
    write_atomically(target, lambda tmp: tmp.write_bytes(b"content"))
    assert target.read_bytes() == b"content"
    mode = stat.S_IMODE(target.stat().st_mode)
    assert mode == 0o644, oct(mode)
    assert [p.name for p in tmp_path.iterdir()] == ["考核结果.xlsx"]  # no temporary left
