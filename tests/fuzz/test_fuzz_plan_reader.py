"""Hostile plan files: ``read_plan`` and ``parse_text`` return a plan or raise UserError.

Never another exception, and a UserError always carries a Chinese message naming the
file.  Hypothesis (derandomized) feeds random bytes, mutated real seeds (text and a
.docx built from seed 002) and random Chinese text with random numbering; targeted cases
cover XML bombs in document.xml, renamed files, control characters, a 100,000-character
paragraph, truncated and empty files and the size limit.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from seeds import seed_files, seed_path

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.plans import reader
from foodsafety_desktop.core.plans.model import ParsedPlan
from foodsafety_desktop.core.plans.parser import parse_text
from foodsafety_desktop.core.plans.reader import read_plan

from .hostile import billion_laughs, flip_bytes, read_entry, rezip, truncations

CJK = re.compile(r"[\u4e00-\u9fff]")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzzplan")


@pytest.fixture(scope="module")
def seed_docx() -> bytes:
    """Seed 002 as a Word document (headings and body paragraphs)."""
    document = docx.Document()
    for line in (seed_path("002")).read_text("utf-8").splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def read_or_refuse(path: Path) -> str | None:
    """None when a plan was read; the UserError's text otherwise (anything else fails)."""
    try:
        plan = read_plan(path)
    except UserError as exc:
        assert CJK.search(exc.message), str(exc)
        assert path.name in str(exc), str(exc)
        return str(exc)
    assert isinstance(plan, ParsedPlan) and plan.tasks
    for task in plan.tasks:
        assert not CONTROL.search(task.text), repr(task.text)
    return None


def parse_or_refuse(text: str) -> str | None:
    try:
        plan = parse_text(text, source_name="随机方案.txt")
    except UserError as exc:
        assert CJK.search(exc.message) and "随机方案.txt" in str(exc), str(exc)
        return str(exc)
    assert isinstance(plan, ParsedPlan) and plan.tasks
    return None


# --- hypothesis -----------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".txt", ".md", ".docx"]))
def test_random_bytes(folder, data, suffix):
    path = folder / f"random{suffix}"
    path.write_bytes(data)
    read_or_refuse(path)


SEED_TEXTS = seed_files()


@FUZZ
@given(
    seed=st.sampled_from(SEED_TEXTS),
    flips=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(1, 255)), max_size=12),
    cut=st.one_of(st.none(), st.integers(min_value=1)),
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
)
def test_mutated_seed_text(folder, seed, flips, cut, encoding):
    data = seed.read_text("utf-8").encode(encoding)
    data = flip_bytes(data, flips) if flips else data
    if cut is not None:
        data = data[: cut % len(data)]
    path = folder / f"mutated{seed.suffix}"
    path.write_bytes(data)
    read_or_refuse(path)


@settings(FUZZ, max_examples=30)
@given(
    flips=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(1, 255)), min_size=1, max_size=6)
)
def test_mutated_seed_docx(folder, seed_docx, flips):
    path = folder / "mutated.docx"
    path.write_bytes(flip_bytes(seed_docx, flips))
    read_or_refuse(path)


@settings(FUZZ, max_examples=20)
@given(
    junk=st.one_of(st.none(), st.binary(max_size=200), st.text(max_size=200).map(str.encode)),
    entry=st.sampled_from(
        [
            "[Content_Types].xml",
            "word/document.xml",
            "word/styles.xml",
            "_rels/.rels",
            "word/_rels/document.xml.rels",
        ]
    ),
)
def test_replaced_docx_part(folder, seed_docx, junk, entry):
    path = folder / "part.docx"
    path.write_bytes(rezip(seed_docx, {entry: junk}))
    read_or_refuse(path)


NUMBERING = [
    "一、",
    "二、",
    "（一）",
    "（二）",
    "1.",
    "2．",
    "（1）",
    "①",
    "十二、",
    "(三)",
    "99.",
    "第一条",
    "",
    "",
    "##",
    "**",
]
DEPARTMENTS = ["县市场监管局", "县公安局", "各乡镇政府", "区卫健委", "市农业农村局", "县教体局"]
PHRASES = [
    "牵头单位：",
    "责任单位：",
    "配合单位：",
    "（",
    "）",
    "牵头，",
    "按职责分工负责",
    "2023年2月30日前完成",
    "9999年99月",
    "每季度末25日前报送",
    "抽检合格率达到98%以上",
    "。",
    "；",
    "\t",
    "　",
    "\x00",
    "\x0b",
    "\u2028",
]
_HANZI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_LINE = st.tuples(
    st.sampled_from(NUMBERING),
    st.lists(
        st.one_of(
            st.text(_HANZI, min_size=1, max_size=12),
            st.sampled_from(DEPARTMENTS),
            st.sampled_from(PHRASES),
        ),
        max_size=8,
    ),
).map(lambda p: p[0] + "".join(p[1]))


@settings(FUZZ, max_examples=150)
@given(lines=st.lists(_LINE, max_size=40), title=st.booleans())
def test_random_chinese_text_with_random_numbering(lines, title):
    head = ["卢氏县食品安全工作实施方案（2022—2024年）"] if title else []
    parse_or_refuse("\n".join(head + lines))


# --- targeted files -------------------------------------------------------------------


def test_truncated_docx_at_every_tenth(folder, seed_docx):
    for pct, data in truncations(seed_docx):
        path = folder / f"cut{pct}.docx"
        path.write_bytes(data)
        refusal = read_or_refuse(path)
        assert refusal is not None and "无法打开这个 Word 文档" in refusal, (pct, refusal)


def test_billion_laughs_in_document_xml(folder, seed_docx):
    body = read_entry(seed_docx, "word/document.xml").decode("utf-8")
    inner = body.split("<w:body>", 1)[1].split("</w:body>", 1)[0]
    namespaces = re.search(r"<w:document([^>]*)>", body).group(1)
    xml = billion_laughs(
        f"w:document{namespaces}",
        "<w:body><w:p><w:r><w:t>一、&lol9;（县公安局牵头）</w:t></w:r></w:p>" + inner + "</w:body>",
    ).replace(b"</w:document" + namespaces.encode() + b">", b"</w:document>")
    path = folder / "lol.docx"
    path.write_bytes(rezip(seed_docx, {"word/document.xml": xml}))
    started = time.perf_counter()
    refusal = read_or_refuse(path)
    assert time.perf_counter() - started < 10
    assert refusal is not None


def test_external_entity_in_document_xml(folder, seed_docx, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容", encoding="utf-8")
    body = read_entry(seed_docx, "word/document.xml").decode("utf-8")
    xml = body.replace(
        "<w:document",
        f'<!DOCTYPE w:document [<!ENTITY x SYSTEM "{secret.as_uri()}">]><w:document',
        1,
    ).replace("<w:body>", "<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p>", 1)
    path = folder / "xxe.docx"
    path.write_bytes(rezip(seed_docx, {"word/document.xml": xml.encode("utf-8")}))
    try:
        plan = read_plan(path)
    except UserError as exc:
        assert path.name in str(exc)
        return
    assert "机密内容" not in plan.to_json()


def test_xlsx_renamed_docx(folder):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "一、任务"
    path = folder / "renamed.docx"
    wb.save(path)
    assert "这其实是一个 Excel 工作簿" in read_or_refuse(path)


def test_ole_renamed_docx(folder):
    from .hostile import encrypted_ole

    path = folder / "secret.docx"
    path.write_bytes(encrypted_ole())
    assert "设置了打开密码" in read_or_refuse(path)


@pytest.mark.parametrize("suffix", [".txt", ".docx", ".md"])
def test_empty_file(folder, suffix):
    path = folder / f"empty{suffix}"
    path.write_bytes(b"")
    assert "文件是空的" in read_or_refuse(path)


def test_size_limit(folder):
    path = folder / "big.txt"
    with open(path, "wb") as stream:
        stream.write("一、任务".encode())
        stream.truncate(reader.MAX_FILE_SIZE + 1)  # sparse
    refusal = read_or_refuse(path)
    assert "文件太大" in refusal and "超过了 20 MB 的上限" in refusal


def test_nul_and_control_characters(folder):
    text = (seed_path("002")).read_text("utf-8")
    hostile = "".join(
        ch + ("\x00" if i % 7 == 0 else "\x01\x0b" if i % 11 == 0 else "")
        for i, ch in enumerate(text)
    )
    path = folder / "ctrl.txt"
    path.write_text(hostile, encoding="utf-8")
    read_or_refuse(path)

    document = docx.Document()
    for line in text.splitlines():
        if line.strip():
            # python-docx refuses control characters, so they go in through the XML.
            document.add_paragraph(line.strip() + "_CTRL_")
    buffer = io.BytesIO()
    document.save(buffer)
    xml = read_entry(buffer.getvalue(), "word/document.xml").replace(b"_CTRL_", b"&#x9;\x7f")
    path = folder / "ctrl.docx"
    path.write_bytes(rezip(buffer.getvalue(), {"word/document.xml": xml}))
    read_or_refuse(path)


def test_100000_character_paragraph(folder):
    text = (seed_path("002")).read_text("utf-8")
    long_line = "一、" + "加强食品安全监管，" * 10_000 + "（县市场监管局牵头）"
    path = folder / "long.txt"
    path.write_text(text + "\n" + long_line + "\n", encoding="utf-8")
    started = time.perf_counter()
    read_or_refuse(path)
    assert time.perf_counter() - started < 20
