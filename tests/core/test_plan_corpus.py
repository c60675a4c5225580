"""Accuracy of the plan parser on a hand-checked corpus of food-safety plans.

Every plan in ``tests/data/plans/`` (``NAME.txt`` or ``NAME.md``, UTF-8 or GBK) has a
hand-written ``NAME.expected.json``: the plan's style tags, the jurisdiction prefix of its
department names (县/区/市 or null) and its tasks in document order. The expected files
were written against the plan TEXT, not against any program's output.

``pytest -s tests/core/test_plan_corpus.py`` prints the per-style accuracy table and every
wrong task. Set ``CORPUS_REPORT=path`` to also write the table (Markdown) to ``path``.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from foodsafety_desktop.core.plans.reader import read_plan

PLANS_DIR = Path(__file__).resolve().parents[1] / "data" / "plans"
OVERALL_MIN = 0.95

ATTRIBUTION_STYLES = (
    "prefix_you",
    "prefix_bare",
    "prefix_cixiang",
    "joint_leads",
    "line_labels",
    "line_dept",
    "line_combined",
    "lead_in_list",
    "section_chengban",
    "paren_role",
    "paren_labelled",
    "paren_fuze",
    "paren_bare",
    "multi_paren",
    "rank_first",
    "vague_partner",
    "chengban_xieban",
    "halfwidth",
    "unattributed",
)
NUMBERING_STYLES = (
    "num_cn",
    "num_pcn",
    "num_pcn_half",
    "num_ar_dot",
    "num_ar_dun",
    "num_ar_full",
    "num_par",
    "num_circ",
    "num_pcn_enclosed",
    "num_wide",
    "num_restart",
    "markdown",
)
CONTENT_STYLES = ("deadline_text", "deadline_open", "targets")
ALL_STYLES = ATTRIBUTION_STYLES + NUMBERING_STYLES + CONTENT_STYLES

TASK_KEYS = {"label", "title", "departments", "lead", "deadline", "deadline_date", "targets"}
_TITLE_DROP = re.compile(r"[\s，。；：,.;:“”\"]")
_SPACE = re.compile(r"\s+")


def plan_files() -> list[Path]:
    """The corpus plans: every .txt/.md in the folder except README/accuracy notes."""
    files = [
        p
        for p in sorted(PLANS_DIR.iterdir())
        if p.suffix in (".txt", ".md") and p.stem.lower() not in ("readme", "accuracy")
    ]
    return files


def expected_path(plan: Path) -> Path:
    return plan.with_name(plan.stem + ".expected.json")


def load_expected(plan: Path) -> dict:
    return json.loads(expected_path(plan).read_text(encoding="utf-8"))


def read_text(plan: Path) -> str:
    data = plan.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


# --------------------------------------------------------------------------- comparison


def norm_title(text: str | None) -> str:
    return _TITLE_DROP.sub("", text or "")


def norm_label(text: str | None) -> str:
    return _SPACE.sub("", text or "")


def norm_dept(name: str, jurisdiction: str | None) -> str:
    name = _SPACE.sub("", name)
    if jurisdiction and name.startswith(jurisdiction) and len(name) > len(jurisdiction):
        name = name[len(jurisdiction) :]
    return name


def target_values(task: dict) -> list[float]:
    values = []
    for t in task.get("targets") or []:
        value = t.get("value") if isinstance(t, dict) else t
        if value is not None:
            values.append(round(float(value), 3))
    return sorted(values)


def compare_task(exp: dict, got: dict, jurisdiction: str | None) -> list[str]:
    """The fields in which the parsed task ``got`` differs from ``exp`` (empty: right)."""
    wrong = []
    if norm_label(exp["label"]) != norm_label(got.get("label")):
        wrong.append(f"label: expected {exp['label']!r}, got {got.get('label')!r}")
    if norm_title(exp["title"]) != norm_title(got.get("title")):
        wrong.append(f"title: expected {exp['title']!r}, got {got.get('title')!r}")
    got_leads = list(got.get("lead") or [])
    got_all = got_leads + list(got.get("others") or [])
    exp_set = {norm_dept(d, jurisdiction) for d in exp["departments"]}
    got_set = {norm_dept(d, jurisdiction) for d in got_all}
    if exp_set != got_set:
        wrong.append(f"departments: expected {sorted(exp_set)}, got {sorted(got_set)}")
    exp_lead = norm_dept(exp["lead"], jurisdiction) if exp["lead"] else None
    got_lead = norm_dept(got_leads[0], jurisdiction) if got_leads else None
    if exp_lead != got_lead:
        wrong.append(f"lead: expected {exp['lead']!r}, got {got_leads[:1]}")
    if exp["deadline_date"] is not None:
        if got.get("deadline_date") != exp["deadline_date"]:
            wrong.append(
                f"deadline_date: expected {exp['deadline_date']!r}, got "
                f"{got.get('deadline_date')!r} (deadline text {got.get('deadline')!r})"
            )
    else:
        exp_dl = _SPACE.sub("", exp["deadline"]) if exp["deadline"] else None
        got_dl = _SPACE.sub("", got["deadline"]) if got.get("deadline") else None
        if exp_dl != got_dl:
            wrong.append(f"deadline: expected {exp['deadline']!r}, got {got.get('deadline')!r}")
    exp_targets = sorted(round(float(v), 3) for v in exp["targets"])
    got_targets = target_values(got)
    if exp_targets != got_targets:
        wrong.append(f"targets: expected {exp_targets}, got {got_targets}")
    return wrong


@dataclass
class PlanResult:
    name: str
    styles: list[str]
    expected: int
    parsed: int
    right: int
    error: str | None = None
    mismatches: list[str] = field(default_factory=list)

    @property
    def denominator(self) -> int:
        return max(self.expected, self.parsed)

    @property
    def accuracy(self) -> float:
        return self.right / self.denominator if self.denominator else 1.0


_RESULTS: dict[str, PlanResult] = {}


def evaluate(plan: Path) -> PlanResult:
    """Parse ``plan`` as the CLI does and compare its tasks, by position, to the expected."""
    if plan.name in _RESULTS:
        return _RESULTS[plan.name]
    expected = load_expected(plan)
    jurisdiction = expected.get("jurisdiction")
    exp_tasks = expected["tasks"]
    error = None
    try:
        parsed = read_plan(plan).to_json()["tasks"]
    except Exception as exc:  # a parse error counts as no task found
        parsed = []
        error = f"{type(exc).__name__}: {exc}"
    right = 0
    mismatches = []
    for i in range(max(len(exp_tasks), len(parsed))):
        if i >= len(parsed):
            e = exp_tasks[i]
            mismatches.append(f"#{i + 1} {e['label']} {e['title']}: missing (not parsed)")
            continue
        if i >= len(exp_tasks):
            g = parsed[i]
            mismatches.append(f"#{i + 1} {g.get('label')} {g.get('title')}: extra parsed task")
            continue
        wrong = compare_task(exp_tasks[i], parsed[i], jurisdiction)
        if wrong:
            e = exp_tasks[i]
            mismatches.append(f"#{i + 1} {e['label']} {e['title']}: " + " | ".join(wrong))
        else:
            right += 1
    result = PlanResult(
        plan.name, list(expected["styles"]), len(exp_tasks), len(parsed), right, error, mismatches
    )
    _RESULTS[plan.name] = result
    return result


def accuracy_table(results: list[PlanResult]) -> str:
    """Markdown table: accuracy per style (over the tasks of plans carrying it) and overall."""
    lines = ["| style | plans | right | tasks | accuracy |", "|---|---:|---:|---:|---:|"]
    for style in ALL_STYLES:
        rs = [r for r in results if style in r.styles]
        right = sum(r.right for r in rs)
        total = sum(r.denominator for r in rs)
        acc = f"{right / total:.3f}" if total else "n/a"
        lines.append(f"| {style} | {len(rs)} | {right} | {total} | {acc} |")
    right = sum(r.right for r in results)
    total = sum(r.denominator for r in results)
    lines.append(
        f"| **overall** | {len(results)} | {right} | {total} | "
        f"{(right / total if total else 1.0):.3f} |"
    )
    lines += ["", "| plan | expected | parsed | right | accuracy |", "|---|---:|---:|---:|---:|"]
    for r in results:
        note = f" ({r.error.splitlines()[0][:60]})" if r.error else ""
        lines.append(
            f"| {r.name}{note} | {r.expected} | {r.parsed} | {r.right} | {r.accuracy:.3f} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("plan", plan_files(), ids=lambda p: p.stem)
def test_corpus_plan(plan: Path) -> None:
    """Each plan parses as the CLI does; its accuracy and wrong tasks are printed.

    Only a crash (an exception other than the parser's UserError) fails here; the
    accuracy bar is the overall one in ``test_corpus_overall_accuracy``.
    """
    result = evaluate(plan)
    print(f"\n{plan.name}: {result.right}/{result.denominator} = {result.accuracy:.3f}")
    if result.error:
        print(f"  parse error: {result.error.splitlines()[0]}")
    for line in result.mismatches:
        print("  " + line)
    if result.error and not result.error.startswith("UserError"):
        pytest.fail(f"read_plan crashed: {result.error}")


def test_corpus_overall_accuracy() -> None:
    results = [evaluate(p) for p in plan_files()]
    table = accuracy_table(results)
    print("\n" + table)
    print("\nWrong tasks:")
    for r in results:
        for line in r.mismatches:
            print(f"  {r.name} {line}")
    report = os.environ.get("CORPUS_REPORT")
    if report:
        Path(report).write_text("# Plan corpus accuracy\n\n" + table + "\n", encoding="utf-8")
    right = sum(r.right for r in results)
    total = sum(r.denominator for r in results)
    overall = right / total
    assert overall >= OVERALL_MIN, f"overall accuracy {overall:.3f} < {OVERALL_MIN}"


def test_corpus_expected_files_schema_and_coverage() -> None:
    plans = plan_files()
    assert len(plans) >= 22
    names = [p.stem for p in plans]
    assert len(names) == len(set(names)), "two plans share a name"
    coverage: dict[str, list[str]] = {s: [] for s in ALL_STYLES}
    sizes = []
    for plan in plans:
        assert expected_path(plan).exists(), f"{plan.name} has no expected file"
        data = load_expected(plan)
        where = plan.name
        assert set(data) == {"styles", "jurisdiction", "tasks"}, where
        assert data["jurisdiction"] in ("县", "区", "市", None), where
        assert isinstance(data["styles"], list) and data["styles"], where
        for style in data["styles"]:
            assert style in ALL_STYLES, f"{where}: unknown style {style}"
            coverage[style].append(plan.name)
        tasks = data["tasks"]
        assert isinstance(tasks, list) and tasks, where
        sizes.append(len(tasks))
        text = read_text(plan)
        flat = _SPACE.sub("", text)
        flat_title = norm_title(text)
        unattributed = "unattributed" in data["styles"]
        for task in tasks:
            at = f"{where} {task.get('label')}"
            assert set(task) == TASK_KEYS, at
            assert isinstance(task["label"], str) and task["label"], at
            assert not _SPACE.search(task["label"]), at
            assert isinstance(task["title"], str) and task["title"], at
            assert isinstance(task["departments"], list), at
            assert all(isinstance(d, str) and d for d in task["departments"]), at
            assert task["lead"] is None or task["lead"] in task["departments"], at
            assert (task["lead"] is None) == (not task["departments"]), at
            if unattributed:
                assert not task["departments"], at
            assert task["deadline"] is None or isinstance(task["deadline"], str), at
            if task["deadline_date"] is not None:
                assert task["deadline"], at
                datetime.date.fromisoformat(task["deadline_date"])
            assert isinstance(task["targets"], list), at
            assert all(isinstance(v, (int, float)) for v in task["targets"]), at
            # The expected values are quoted from the text.
            assert task["label"] in flat, f"{at}: label not in the text"
            assert norm_title(task["title"]) in flat_title, f"{at}: title not in the text"
            for dept in task["departments"]:
                assert _SPACE.sub("", dept) in flat, f"{at}: {dept} not in the text"
            if task["deadline"]:
                assert _SPACE.sub("", task["deadline"]) in flat, f"{at}: deadline not in text"
    for style, holders in coverage.items():
        assert len(holders) >= 2, f"style {style} is covered by {holders}"
    assert any(n > 100 for n in sizes), "no plan has more than 100 tasks"
    assert sum(1 for n in sizes if 5 <= n <= 40) >= 22
