"""``settings document`` and the 公文要素 of ``summary`` on the command line (issue 13):
the letterhead kept with the database, 主送/抄送/签发人 remembered, and per document
发文字号, 紧急程度, 成文日期 and the 版记."""

from __future__ import annotations

import json
from pathlib import Path

import docx
from seeds import seed_path

from foodsafety_desktop.app import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def letterhead(path: Path) -> Path:
    red = docx.Document()
    red.add_paragraph("卢氏县食品安全委员会办公室文件")
    red.add_paragraph("{发文字号}")
    red.save(str(path))
    return path


def texts(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def setup_plan(tmp_path: Path, capsys) -> tuple[tuple[str, str], str, str]:
    db = ("--db", str(tmp_path / "台账.sqlite3"))
    rc, out, err = run(capsys, *db, "plan", "import", str(seed_path("002")))
    assert rc == 0, err
    plan = out.strip()
    rc, _out, err = run(capsys, *db, "period", "create", "--plan", plan)
    assert rc == 0, err
    rc, out, err = run(capsys, *db, "period", "list", "--plan", plan, "--json")
    period = json.loads(out)[0]["name"]
    return db, plan, period


def test_document_settings_are_remembered_and_used(tmp_path, capsys):
    db, plan, period = setup_plan(tmp_path, capsys)
    red = letterhead(tmp_path / "红头.docx")
    rc, _out, err = run(
        capsys,
        *db,
        "settings",
        "document",
        "--letterhead",
        str(red),
        "--copy-to",
        "市食安办、县委办公室，县人大常委会办公室",
        "--signed-by",
        "王建国",
    )
    assert rc == 0, err
    assert "已修改：抄送机关、签发人、红头文件。" in err
    red.unlink()  # the kept copy is what the documents use
    rc, out, _err = run(capsys, *db, "settings", "document", "--json")
    shown = json.loads(out)
    assert shown["letterhead"] == "红头.docx"
    assert shown["copy_to"] == ["市食安办", "县委办公室", "县人大常委会办公室"]
    assert shown["recipient"] is None and shown["signed_by"] == "王建国"
    kept = list((tmp_path / "archive" / "letterheads").iterdir())
    assert len(kept) == 1 and kept[0].name.endswith("_红头.docx")

    out_file = tmp_path / "总结.docx"
    rc, _out, err = run(
        capsys, *db, "summary", "--plan", plan, "--period", period, "-o", str(out_file),
        "--doc-number", "卢食安办[2022]第012号", "--signed-on", "2022-12-05",
    )  # fmt: skip
    assert rc == 0, err
    lines = texts(out_file)
    # the placeholder becomes the 发文字号 line, with the remembered 签发人 (上行文)
    assert lines[:2] == ["卢氏县食品安全委员会办公室文件", "卢食安办〔2022〕12号\t签发人：王建国"]
    assert "卢氏县人民政府：" in lines  # 主送机关 of a report, by default
    assert "抄送：市食安办，县委办公室，县人大常委会办公室。" in lines
    assert lines[-1] == "卢氏县食品安全委员会办公室\t2022年12月5日印发"
    assert "2022年12月5日" in lines  # 成文日期


def test_generated_masthead_and_per_document_options(tmp_path, capsys):
    db, plan, period = setup_plan(tmp_path, capsys)
    out_file = tmp_path / "总结.docx"
    rc, _out, err = run(
        capsys, *db, "summary", "--plan", plan, "--period", period, "-o", str(out_file),
        "--masthead", "mark", "--urgency", "加急", "--doc-number", "卢食安办〔2022〕3号",
        "--secrecy", "秘密★1年", "--copy-number", "12",
        "--signed-by", "王建国", "--recipient", "县食品安全委员会", "--no-imprint",
        "--reporting-figures",
    )  # fmt: skip
    assert rc == 0, err
    lines = texts(out_file)
    assert lines[:3] == ["000012", "秘密★1年", "加急"]  # 份号, 密级, 紧急程度: top left
    assert lines[3] == "卢氏县食品安全委员会办公室"  # the 发文机关标志, from the office name
    assert "卢食安办〔2022〕3号\t签发人：王建国" in lines
    assert "县食品安全委员会：" in lines
    assert any(line.startswith("本期应报送单位") for line in lines)
    assert not any(line.endswith("印发") for line in lines)


def test_a_file_that_is_no_letterhead_changes_nothing(tmp_path, capsys):
    db, plan, period = setup_plan(tmp_path, capsys)
    bad = tmp_path / "红头.docx"
    bad.write_text("不是 Word 文档", encoding="utf-8")
    rc, _out, err = run(capsys, *db, "settings", "document", "--letterhead", str(bad))
    assert rc == 1 and "红头.docx" in err and "不是有效的 Word 文档" in err
    rc, out, _err = run(capsys, *db, "settings", "document", "--json")
    assert json.loads(out)["letterhead"] is None
    rc, _out, err = run(
        capsys, *db, "summary", "--plan", plan, "--period", period,
        "-o", str(tmp_path / "x.docx"), "--masthead", "file",
    )  # fmt: skip
    assert rc == 1 and "没有保存的红头文件" in err
    assert not (tmp_path / "x.docx").exists()
