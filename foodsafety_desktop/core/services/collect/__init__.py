"""Collecting returned report workbooks (收取报送): check, match, commit, archive.

``check.check_workbook`` reads a file, matches it to a period, a department and the rows
of its template (by the signed hidden identity; else by the header, the file name, 序号
and content similarity — ``match`` — which the clerk must confirm), validates every
answer and compares it with the department's earlier answers.  ``commit.commit_submission``
stores a checked file in the caller's transaction (the original kept by ``archive``);
``batch.collect_files`` does both for many files, committed together
(``commit.commit_submissions``) and each alone when that fails.  The result
types are in ``results``.  Decisions are listed in docs/reporting.md.

Modules import downwards only: results ← match ← check ← commit ← batch (archive:
results ← archive ← commit).  Every public name is re-exported here.
"""

from foodsafety_desktop.core.services.collect.archive import (
    ORPHANS_DIR,
    submission_archive_path,
    sweep_orphan_archives,
)
from foodsafety_desktop.core.services.collect.batch import (
    ACCEPTED_SUFFIXES,
    FolderScan,
    collect_files,
    commit_previews,
    expand_paths,
    outcomes_changes,
    scan_paths,
    skip_reason,
)
from foodsafety_desktop.core.services.collect.check import (
    KEEP_CONTENT_BYTES,
    SIGNATURE_FAILED,
    check_workbook,
)
from foodsafety_desktop.core.services.collect.commit import (
    commit_submission,
    lock_for_collect,
    refresh_tasks,
)
from foodsafety_desktop.core.services.collect.match import MATCH_THRESHOLD
from foodsafety_desktop.core.services.collect.received import (
    proposed_received_at,
    set_received_on,
)
from foodsafety_desktop.core.services.collect.results import (
    ENTRY_FIELDS,
    FIELD_LABELS,
    NEEDS_CONFIRMATION,
    AlreadyImported,
    Change,
    CollectOutcome,
    CollectPreview,
    Issue,
    Progress,
    RowPreview,
    SubmissionResult,
    local_time_text,
    parse_value,
    storage_failure_message,
)

__all__ = [
    "ACCEPTED_SUFFIXES",
    "ENTRY_FIELDS",
    "FIELD_LABELS",
    "KEEP_CONTENT_BYTES",
    "MATCH_THRESHOLD",
    "NEEDS_CONFIRMATION",
    "ORPHANS_DIR",
    "SIGNATURE_FAILED",
    "AlreadyImported",
    "Change",
    "CollectOutcome",
    "CollectPreview",
    "FolderScan",
    "Issue",
    "Progress",
    "RowPreview",
    "SubmissionResult",
    "check_workbook",
    "collect_files",
    "commit_previews",
    "commit_submission",
    "expand_paths",
    "local_time_text",
    "lock_for_collect",
    "outcomes_changes",
    "parse_value",
    "proposed_received_at",
    "refresh_tasks",
    "scan_paths",
    "set_received_on",
    "skip_reason",
    "storage_failure_message",
    "submission_archive_path",
    "sweep_orphan_archives",
]
