"""Other versions of seed 002 (卢氏县, 12 tasks), written into tmp_path: the same plan as
.doc (LibreOffice) and revised versions as .docx (python-docx).  The seed itself is read
where it is, never copied.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from seeds import seed_path

SEED = "002"
TASKS_HEADING = "三、主要任务"
NEXT_HEADING = "四、工作措施"
_LABEL = re.compile(r"^（([一二三四五六七八九十]+)）")
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")

# The tasks of seed 002 the tests change (their labels in the plan).
REWORDED = "（二）"  # 实施产地环境净化行动: a word added
REASSIGNED = "（三）"  # 实施农药兽药使用减量行动: 各乡镇政府 → 县市场监管局
DROPPED_REPORTED = "（五）"  # 实施农村假冒伪劣食品治理行动: 县市场监管局 leads, reports on it
DROPPED_UNREPORTED = "（十一）"  # 实施“优质粮食工程”行动: 县发改委 and 县财政局 only
NEW_TASK = (
    "（十三）实施餐饮外卖专项治理行动。加强网络订餐平台和入网餐饮单位监管，"
    "全面落实食品安全封签制度。（责任单位：县市场监管局，县商务局）"
)


def seed_lines() -> list[str]:
    return seed_path(SEED).read_text(encoding="utf-8").splitlines()


def split_tasks(lines: list[str]) -> tuple[list[str], list[tuple[str, list[str]]], list[str]]:
    """The lines before the tasks, each task's lines by its label, the lines after."""
    start, end = lines.index(TASKS_HEADING) + 1, lines.index(NEXT_HEADING)
    blocks: list[tuple[str, list[str]]] = []
    for line in lines[start:end]:
        match = _LABEL.match(line)
        if match:
            blocks.append((match.group(0), [line]))
        elif blocks:
            blocks[-1][1].append(line)
    return lines[:start], blocks, lines[end:]


def write_docx(lines: list[str], path: Path) -> Path:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(path)
    return path


def revised_version(
    path: Path,
    *,
    drop: tuple[str, ...] = (DROPPED_REPORTED, DROPPED_UNREPORTED),
    edits: dict[str, Callable[[str], str]] | None = None,
    add: tuple[str, ...] = (NEW_TASK,),
) -> Path:
    """Seed 002 revised: ``drop`` tasks removed, ``edits`` applied to tasks' first
    lines, ``add`` tasks appended after the last one; written as .docx to ``path``."""
    if edits is None:
        edits = {
            REWORDED: lambda line: line.replace("探索用耕地", "积极探索用耕地", 1),
            REASSIGNED: lambda line: line.replace(
                "（责任单位：县农业农村局，各乡镇政府）", "（责任单位：县农业农村局，县市场监管局）"
            ),
        }
    head, blocks, tail = split_tasks(seed_lines())
    body: list[str] = []
    for label, block in blocks:
        if label in drop:
            continue
        first, *rest = block
        body += [edits.get(label, lambda line: line)(first), *rest]
    for line in add:
        body += [line, ""]
    return write_docx([*head, *body, *tail], path)


def same_plan_as_doc(folder: Path) -> Path:
    """Seed 002 converted by LibreOffice into a Word 97 .doc in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    profile = (folder / "lo-profile").resolve().as_uri()  # never the user's LibreOffice
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            str(folder),
            str(seed_path(SEED)),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    [doc] = folder.glob("*.doc")
    return doc
