"""Every seed plan through two consecutive reporting periods on the command line (issue 12).

A clerk imports the plan, creates its periods (``period create``; ``period add`` when the
plan has no 报送要求), and for the first two periods by due date sends the templates out,
collects the returned ones, checks the status and writes the summary.  After the second
period the first period's summary is generated again: its figures are as of that period,
so the text is the same.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import docx
import pytest
from core.collect_fixtures import fill
from seeds import NUMBERS, seed_path

from foodsafety_desktop.app import main
from foodsafety_desktop.core.excel.template_layout import FILLED_ON_CELL

# Used only when ``period create`` finds no 报送要求: two consecutive quarters by hand.
BY_HAND = (("2023年第二季度", "2023-07-10"), ("2023年第三季度", "2023-10-10"))
FILLED = 4  # departments whose templates are filled and returned per period
REPORTED = {"已报", "逾期报送"}


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def docx_text(path: Path) -> str:
    """All paragraphs and table cells of the document, in order."""
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def periods_of(capsys, db: tuple[str, str], plan: str) -> list[dict]:
    rc, out, err = run(capsys, *db, "period", "list", "--plan", plan, "--json")
    assert rc == 0, err
    listed = json.loads(out)
    assert isinstance(listed, list)
    return listed


def send_and_collect(capsys, db, plan: str, period: dict, folder: Path, n: int) -> list[str]:
    """Templates out, a few filled and collected; returns the departments that reported."""
    name = period["name"]
    sent = folder / f"报送表{n}"
    rc, out, err = run(capsys, *db, "templates", "--plan", plan, "--period", name, "-o", str(sent))
    assert rc == 0, err
    templates = [Path(line) for line in out.splitlines() if line.strip()]
    assert len(templates) >= 3, out + err
    assert all(t.is_file() and t.parent == sent for t in templates)

    returned = folder / f"收回{n}"
    filled_on = dt.date.fromisoformat(period["due_date"])
    chosen = templates[:FILLED]
    for t in chosen:
        fill(
            t,
            returned / t.name,
            status="已完成" if n == 1 else "序时推进",
            measures=f"第{n}期：开展专项检查{{n}}次",
            edits={FILLED_ON_CELL: filled_on},
        )
    rc, out, err = run(capsys, *db, "collect", str(returned), "--accept-warnings")
    assert rc == 0, out + err
    imported = [line.split("\t") for line in out.splitlines() if line.startswith("已导入")]
    assert sorted(row[1] for row in imported) == sorted(t.name for t in chosen), out + err
    assert all(row[3] == name for row in imported), out
    departments = [row[2] for row in imported]

    rc, out, err = run(capsys, *db, "status", "--plan", plan, "--period", name, "--json")
    assert rc == 0, err
    status = json.loads(out)
    assert status["period"] == name and status["period_id"] == period["id"]
    rows = {row["department"]: row for row in status["departments"]}
    for dep in departments:
        assert rows[dep]["state"] in REPORTED, rows[dep]
        assert rows[dep]["answered_rows"] == rows[dep]["expected_rows"] > 0, rows[dep]
        assert rows[dep]["submission_count"] == 1, rows[dep]
    assert status["counts"]["已报"] + status["counts"]["逾期报送"] == len(departments)
    return departments


def write_summary(capsys, db, plan: str, name: str, out_file: Path) -> str:
    rc, out, err = run(
        capsys, *db, "summary", "--plan", plan, "--period", name, "-o", str(out_file)
    )
    assert rc == 0, err
    assert Path(out.strip()) == out_file and out_file.is_file()
    text = docx_text(out_file)
    # A 专项 period is named without its "专项：" prefix (“…方案制定情况的报告”).
    assert name.removeprefix("专项：") in text, text[:300]
    return text


@pytest.mark.parametrize("number", NUMBERS)
def test_seed_through_two_consecutive_periods(number, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path / "数据"))
    db = ("--db", str(tmp_path / f"台账{number}.sqlite3"))
    seed = seed_path(number)

    rc, out, err = run(capsys, *db, "plan", "import", str(seed))
    assert rc == 0, err
    plan = out.strip()
    assert plan.isdigit(), out

    rc, out, err = run(capsys, *db, "period", "create", "--plan", plan)
    if rc != 0:
        # No 报送要求 in the plan: the CLI says so and names ``period add``.
        assert rc == 1 and "没有找到报送要求" in err and "period add" in err, err
        for name, due in BY_HAND:
            rc, out, err = run(
                capsys, *db, "period", "add", "--plan", plan, "--name", name, "--due", due
            )
            assert rc == 0, err
    listed = periods_of(capsys, db, plan)
    assert len(listed) >= 2, listed
    first, second = sorted(listed, key=lambda p: (p["due_date"], p["id"]))[:2]
    assert first["due_date"] <= second["due_date"]

    reported = {}
    summaries = {}
    for n, period in enumerate((first, second), start=1):
        reported[n] = send_and_collect(capsys, db, plan, period, tmp_path, n)
        summaries[n] = write_summary(
            capsys, db, plan, period["name"], tmp_path / f"工作总结{n}.docx"
        )
    assert summaries[1] != summaries[2]
    assert "第1期" in summaries[1] and "第2期" not in summaries[1]
    assert "第2期" in summaries[2] and "第1期" not in summaries[2]

    # Each period keeps its own submissions.
    after = {p["id"]: p["submissions"] for p in periods_of(capsys, db, plan)}
    assert after[first["id"]] == len(reported[1])
    assert after[second["id"]] == len(reported[2])

    again = write_summary(capsys, db, plan, first["name"], tmp_path / "工作总结1-重新生成.docx")
    # The same text; only the 成文日期 (today, by default) may have moved past midnight.
    assert _undated(again) == _undated(summaries[1])


def _undated(text: str) -> str:
    return re.sub(r"\d{4}年\d{1,2}月\d{1,2}日(?=\s*$)", "成文日期", text, flags=re.M)
