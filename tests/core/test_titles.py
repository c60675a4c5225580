"""Title wording (``core.titles``): plans in 书名号, periods as a title reads them, no
dates, Markdown marks or doubled words."""

from __future__ import annotations

import pytest

from foodsafety_desktop.core import titles
from foodsafety_desktop.core.excel.template_layout import title_text as template_title
from foodsafety_desktop.core.reports.formatting import break_title
from foodsafety_desktop.core.reports.reminder import reminder_title


@pytest.mark.parametrize(
    ("title", "cited"),
    [
        ("2023年红旗区食品安全工作要点", "《2023年红旗区食品安全工作要点》"),
        ("《双峰县2025年食品安全工作任务分解清单》", "《双峰县2025年食品安全工作任务分解清单》"),
        ("# 北岭区2023年食品安全工作 实施方案", "《北岭区2023年食品安全工作实施方案》"),
        ("**安禾区2025年食品安全工作要点**", "《安禾区2025年食品安全工作要点》"),
        ("关于贯彻《食品安全法》的实施方案", "《关于贯彻〈食品安全法〉的实施方案》"),
        ("", ""),
        (None, ""),
    ],
)
def test_plan_reference(title, cited):
    assert titles.plan_reference(title) == cited


@pytest.mark.parametrize(
    ("name", "words", "progress"),
    [
        ("2023年第三季度", "2023年第三季度", "2023年第三季度落实情况"),
        ("专项：方案制定情况", "方案制定情况", "方案制定情况"),
        ("专项:行动总结", "行动总结", "行动总结"),
        ("全年工作总结（2023-12-01）", "全年工作总结", "全年工作总结"),
        (
            "专项攻坚行动工作方案（2022-05-31）",
            "专项攻坚行动工作方案",
            "专项攻坚行动工作方案落实情况",
        ),
        ("…各项任务落实情况（2020-11-01）", "…各项任务落实情况", "…各项任务落实情况"),
        ("2023年度年度", "2023年度", "2023年度落实情况"),
        # seed 004's periods: the topic, numbered in brackets, says it already
        ("专项：任务落实情况（第一次）", "任务落实情况（第一次）", "任务落实情况（第一次）"),
    ],
)
def test_period_words_and_progress(name, words, progress):
    assert titles.period_words(name) == words
    assert titles.progress(name) == progress


def test_units_never_double_a_word():
    assert titles.title_units(["关于", "《方案》", "任务落实情况", "落实情况的报告"]) == [
        "关于",
        "《方案》",
        "任务落实情况",
        "的报告",
    ]
    assert titles.title_units(["2023年度", "年度工作总结"]) == ["2023年度", "工作总结"]
    assert (
        titles.title_text(["《方案》", "方案制定情况", "落实情况报送表"])
        == "《方案》方案制定情况报送表"
    )
    # seed 004: a numbered topic says what it reports too
    assert (
        titles.title_text(["关于", "《方案》", "任务落实情况（第一次）", "落实情况的报告"])
        == "关于《方案》任务落实情况（第一次）的报告"
    )


def test_template_and_reminder_titles():
    assert template_title("2023年红旗区食品安全工作要点", "2023年第三季度") == (
        "《2023年红旗区食品安全工作要点》2023年第三季度落实情况报送表"
    )
    assert (
        template_title("要点", "专项：任务落实情况（2020-11-01）") == "《要点》任务落实情况报送表"
    )
    # a plan title given with or without its 书名号: cited once
    for plan in ("2023年食品安全工作要点", "《2023年食品安全工作要点》"):
        assert reminder_title(plan, "2023年第三季度") == (
            "关于报送《2023年食品安全工作要点》\n2023年第三季度落实情况的催报通知"
        )
    assert reminder_title("要点", "专项：方案制定情况").replace("\n", "") == (
        "关于报送《要点》方案制定情况的催报通知"
    )


def test_break_title_keeps_the_cited_plan_whole_when_it_fits():
    title = break_title(
        titles.title_units(["关于", "《2023年工作要点》", "2023年度", "落实情况的报告"])
    )
    assert title.replace("\n", "") == "关于《2023年工作要点》2023年度落实情况的报告"
    assert all("《" not in line or "》" in line for line in title.split("\n"))


def test_title_lines_fit_as_laid_out():
    """A line of 20 characters with digits is wider than 20 once Word and LibreOffice put
    their space between Chinese and digits: such a title must not need a fourth line
    that the office suite would make by itself (…催报通/知)."""
    from foodsafety_desktop.core.reports.formatting import TITLE_WIDTH
    from foodsafety_desktop.core.word.official import laid_out_width

    plan = "青山县2024年食品安全重点工作要点暨创建省级食品安全示范县工作推进计划"
    for title in (
        reminder_title(plan, "2024年度"),
        break_title(titles.title_units(["关于", f"《{plan}》", "2024年度", "落实情况的报告"])),
    ):
        lines = title.split("\n")
        assert len(lines) <= 3, title
        assert all(laid_out_width(line) <= TITLE_WIDTH for line in lines), title
