"""The 工作总结 of every seed, printed as the director signs it (issue 13).

Each seed plan is imported, its first period's templates are sent, four are filled and
collected, and the summary is written with the command line; LibreOffice renders it to
PDF and the text of the pages is read: the 署名 and 成文日期 share their page with body
text, the 版记 is alone on the last page, and the title breaks only between words of the
plan's title (an independent word segmenter, jieba, is the judge), in at most three
lines, without "#", ISO dates or doubled phrases.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from core.make_official_sample import convert_to_pdf
from seeds import NUMBERS, seed_path
from test_cli_every_seed import BY_HAND, periods_of, run, send_and_collect

from foodsafety_desktop.core.reports.formatting import break_title
from foodsafety_desktop.core.reports.reminder import reminder_title
from foodsafety_desktop.core.titles import plan_reference, title_units

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")

ISO_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
DOUBLED = re.compile(r"([\u4e00-\u9fff]{2,8})\1")


def pdf_pages(pdf: Path) -> list[list[str]]:
    """The non-empty lines of each page, spaces removed (pdftotext puts them between
    Chinese and Latin text)."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [[re.sub(r"\s+", "", line) for line in p.splitlines() if line.strip()] for p in pages]


def word_boundaries(text: str) -> set[int]:
    import jieba

    cuts, pos = set(), 0
    for word in jieba.cut(text, HMM=False):
        pos += len(word)
        cuts.add(pos)
    return cuts


def check_title(title: str, plan_title: str) -> None:
    lines = title.split("\n")
    assert 1 <= len(lines) <= 3, title
    flat = "".join(lines)
    assert "#" not in flat and not ISO_DATE.search(flat), flat
    assert not DOUBLED.search(flat), flat
    start = flat.find(plan_title)
    if start < 0:
        return  # a title that names the period only
    boundaries = word_boundaries(plan_title)
    pos = 0
    for line in lines[:-1]:
        pos += len(line)
        inside = pos - start
        if 0 < inside < len(plan_title):
            assert inside in boundaries, (
                f"标题在词中断行：{plan_title[:inside]}|{plan_title[inside:]}"
            )


def test_the_title_judge_catches_a_break_inside_a_word():
    with pytest.raises(AssertionError, match="词中断行"):
        check_title("关于报送《2023年红旗区食品安全工作要\n点》2023年第三季度落实情况的催报通知",
                    "2023年红旗区食品安全工作要点")  # fmt: skip


@pytest.mark.parametrize("number", NUMBERS)
def test_summary_of_each_seed_prints_as_signed(number, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FOODSAFETY_DATA_DIR", str(tmp_path / "数据"))
    db = ("--db", str(tmp_path / f"台账{number}.sqlite3"))
    rc, out, err = run(capsys, *db, "plan", "import", str(seed_path(number)))
    assert rc == 0, err
    plan = out.strip()
    rc, out, err = run(capsys, *db, "plan", "list", "--json")
    assert rc == 0, err
    plan_title = next(p["title"] for p in json.loads(out) if str(p["id"]) == plan)
    rc, _out, err = run(capsys, *db, "period", "create", "--plan", plan)
    if rc != 0:
        for name, due in BY_HAND:
            rc, _out, err = run(
                capsys, *db, "period", "add", "--plan", plan, "--name", name, "--due", due
            )
            assert rc == 0, err
    period = sorted(periods_of(capsys, db, plan), key=lambda p: (p["due_date"], p["id"]))[0]
    send_and_collect(capsys, db, plan, period, tmp_path, 1)
    out_file = tmp_path / "工作总结.docx"
    rc, out, err = run(
        capsys, *db, "summary", "--plan", plan, "--period", period["name"], "-o", str(out_file)
    )
    assert rc == 0, err

    document = docx.Document(str(out_file))
    title = document.paragraphs[0].text
    check_title(title, plan_title.strip("《》"))
    # The titles that cite the plan: a report on a one-off period and the 催报通知.
    cited = break_title(
        title_units(["关于", plan_reference(plan_title), "方案制定情况", "落实情况的报告"])
    )
    check_title(cited, plan_reference(plan_title).strip("《》"))
    check_title(
        reminder_title(plan_title, period["name"]), plan_reference(plan_title).strip("《》")
    )
    signer = next(p.text for p in document.paragraphs if p.style.name == "发文机关署名")
    date = next(p.text for p in document.paragraphs if p.style.name == "成文日期")

    pages = pdf_pages(convert_to_pdf(out_file, tmp_path, work=tmp_path / "render"))
    signed = [i for i, lines in enumerate(pages) if signer in lines and date in lines]
    assert len(signed) == 1, (signer, date)
    page = pages[signed[0]]
    before = page[: page.index(signer)]
    body = [line for line in before if not line.startswith(("附件", "—")) and len(line) > 4]
    assert body, f"署名页没有正文：{page}"
    # the 版记: alone on the last page, 印发机关和印发日期 its last line
    last = pages[-1]
    assert last[-1].endswith("印发") and last[-1].startswith(signer), last
    assert signed[0] < len(pages) - 1
