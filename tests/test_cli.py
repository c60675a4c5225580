"""The command line, run as ``python -m foodsafety_desktop`` in a subprocess and in-process."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from openpyxl import load_workbook
from seeds import seed_path

from foodsafety_desktop.app import main
from foodsafety_desktop.core.storage.database import open_database

ROOT = Path(__file__).resolve().parents[1]
SEED = seed_path("002")


def cli(*args: str, env_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI; output is decoded as UTF-8, as the program promises to write it."""
    env = {**os.environ, "FOODSAFETY_DATA_DIR": str(env_dir)}
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run(
        [sys.executable, "-m", "foodsafety_desktop", *args],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "cli.sqlite3"


def test_plan_parse_json(tmp_path):
    done = cli("plan", "parse", str(SEED), "--json", env_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["tasks"]) == 12
    assert data["title"]
    assert not (tmp_path / "data" / "ledger.sqlite3").exists()  # no database touched


def test_plan_parse_summary(tmp_path):
    done = cli("plan", "parse", str(SEED), env_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert "标题：" in done.stdout and "任务：共 12 项" in done.stdout
    assert "牵头单位：" in done.stdout


def test_import_list_and_export(tmp_path, db_path):
    data = tmp_path / "data"
    done = cli("--db", str(db_path), "plan", "import", str(SEED), env_dir=data)
    assert done.returncode == 0, done.stderr
    plan_id = int(done.stdout.strip())  # the id alone on stdout
    assert "已导入方案" in done.stderr

    listed = cli("plan", "list", "--db", str(db_path), env_dir=data)
    assert listed.returncode == 0, listed.stderr
    [line] = [ln for ln in listed.stdout.splitlines() if ln.startswith(f"{plan_id}\t")]
    assert line.endswith("\t12")

    out = tmp_path / "台账.xlsx"
    exported = cli(
        "--db",
        str(db_path),
        "ledger",
        "export",
        "--plan",
        str(plan_id),
        "-o",
        str(out),
        env_dir=data,
    )
    assert exported.returncode == 0, exported.stderr
    ws = load_workbook(out).active
    assert ws["A1"].value.endswith("工作台账")
    assert [c.value for c in ws[3]][:3] == ["序号", "任务", "牵头单位"]
    numbers = [ws.cell(r, 1).value for r in range(4, ws.max_row + 1)]
    assert [n for n in numbers if isinstance(n, int)] == list(range(1, 13))


def test_missing_file_is_a_chinese_error(tmp_path, db_path):
    for command in ("parse", "import"):
        done = cli("--db", str(db_path), "plan", command, "没有这个文件.txt", env_dir=tmp_path)
        assert done.returncode == 1
        assert "找不到文件“没有这个文件.txt”" in done.stderr
        assert "Traceback" not in done.stderr
        assert done.stdout == ""


def test_doc_file_asks_to_save_as_docx(tmp_path):
    doc = tmp_path / "旧方案.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)  # OLE2 header
    done = cli("plan", "parse", str(doc), env_dir=tmp_path)
    assert done.returncode == 1
    assert "docx" in done.stderr and "另存" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_usage_error_exits_2_in_chinese(tmp_path):
    done = cli("ledger", "export", "--plan", "x", "-o", "a.xlsx", env_dir=tmp_path)
    assert done.returncode == 2
    assert "用法：" in done.stderr and "应为整数" in done.stderr
    done = cli("ledger", "export", "-o", "a.xlsx", env_dir=tmp_path)
    assert done.returncode == 2 and "缺少必需的参数" in done.stderr


def test_help_is_chinese(tmp_path):
    done = cli("--help", env_dir=tmp_path)
    assert done.returncode == 0
    assert "用法：" in done.stdout and "显示本帮助并退出" in done.stdout


def _all_parsers(parser):
    yield parser
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        for sub in action.choices.values():
            yield from _all_parsers(sub)


def test_every_subcommand_help_is_chinese():
    from foodsafety_desktop.cli import build_parser

    for parser in _all_parsers(build_parser()):
        text = parser.format_help()
        assert text.startswith("用法："), parser.prog
        assert "usage:" not in text and "options:" not in text, parser.prog


def test_cli_commands_do_not_import_qt(tmp_path, db_path):
    code = (
        "import sys\n"
        "from foodsafety_desktop.app import main\n"
        f"listed = main(['--db', {str(db_path)!r}, 'plan', 'list'])\n"
        "missing = main(['plan', 'parse', 'missing.txt'])\n"
        "qt = any(m.split('.')[0] in ('PySide6', 'shiboken6') for m in sys.modules)\n"
        "print('QT', qt, listed, missing)\n"
    )
    env = {**os.environ, "FOODSAFETY_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=env, timeout=120, check=False
    )
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, done.stderr.decode("utf-8")
    assert "QT False 0 1" in out


# --- in-process -----------------------------------------------------------------------


def test_export_with_filters_in_process(tmp_path, db_path, capsys):
    from core.ledger_fixtures import build_sample

    db = open_database(db_path)
    ids = build_sample(db)
    db.close()
    out = tmp_path / "城关镇台账.xlsx"
    rc = main(
        [
            "--db",
            str(db_path),
            "ledger",
            "export",
            "--plan",
            str(ids.plan),
            "-o",
            str(out),
            "--department",
            "城关镇",
            "--status",
            "序时推进",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    assert str(out) in capsys.readouterr().out
    ws = load_workbook(out).active
    assert "城关镇" in ws["A2"].value and "序时推进" in ws["A2"].value
    tasks = [ws.cell(r, 2).value for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == 1]
    assert tasks == ["压实属地管理责任\n各乡镇落实包保督导。"]

    rc = main(
        [
            "--db",
            str(db_path),
            "ledger",
            "export",
            "--plan",
            str(ids.plan),
            "-o",
            str(out),
            "--department",
            "不存在的局",
        ]
    )
    assert rc == 1
    assert "未找到单位“不存在的局”" in capsys.readouterr().err


def test_unknown_plan_is_exit_1(db_path, tmp_path, capsys):
    rc = main(
        ["--db", str(db_path), "ledger", "export", "--plan", "999", "-o", str(tmp_path / "x.xlsx")]
    )
    assert rc == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "未找到该工作方案" in err


@pytest.fixture
def fake_gui(monkeypatch):
    """A stand-in for ui.app that records how the GUI was started."""
    calls: list[tuple[str, bool]] = []
    module = types.ModuleType("foodsafety_desktop.ui.app")

    def run_gui(open_fn, *, demo=False):
        opened = open_fn()  # what the real one does on its opening thread
        calls.append((opened.db.url, demo))
        opened.db.close()
        return 7

    @dataclasses.dataclass
    class OpenedDatabase:
        db: object = None
        housekeeping: bool = True

    def start_gui(path_or_url):
        from foodsafety_desktop.core.storage.database import database_url

        calls.append((database_url(path_or_url), False))
        return 7

    module.run_gui = run_gui
    module.start_gui = start_gui
    module.OpenedDatabase = OpenedDatabase
    monkeypatch.setitem(sys.modules, "foodsafety_desktop.ui.app", module)
    return calls


def test_no_subcommand_starts_the_gui(fake_gui, db_path):
    assert main(["--db", str(db_path)]) == 7
    assert fake_gui == [(f"sqlite:///{db_path.resolve()}", False)]


def test_demo_uses_a_throwaway_database(fake_gui, monkeypatch):
    from foodsafety_desktop.core.services import demo

    made: list[Path] = []
    data_dirs: list[str] = []

    def create(path):
        made.append(Path(path))
        data_dirs.append(os.environ["FOODSAFETY_DATA_DIR"])
        return open_database(path)

    monkeypatch.setattr(demo, "create_demo_database", create)
    assert main(["--demo"]) == 7
    assert fake_gui[0][1] is True
    assert data_dirs == [str(made[0].parent)]  # backups and archive stay in the demo folder
    assert not made[0].parent.exists()  # removed after the GUI closed


def test_demo_with_db_is_a_usage_error(db_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--demo", "--db", str(db_path)])
    assert exc.value.code == 2
    assert "不能与 --db 同时使用" in capsys.readouterr().err


def test_import_and_list_in_process_with_a_stub_reader(tmp_path, db_path, monkeypatch, capsys):
    """The import command's output, independent of the real plan reader."""
    from foodsafety_desktop.core.plans.model import Heading, ParsedItem, ParsedPlan, ParsedTask

    def read_plan(path):
        task = ParsedTask(
            label="1.",
            path=[Heading("一、", "主要任务", 1)],
            title="开展专项整治",
            text="开展专项整治。",
            items=[ParsedItem("开展专项整治。", lead=["县市场监管局"], others=["县公安局"])],
        )
        return ParsedPlan(title="测试方案", doc_number="测〔2024〕1号", tasks=[task])

    reader = types.ModuleType("foodsafety_desktop.core.plans.reader")
    reader.read_plan = read_plan
    monkeypatch.setitem(sys.modules, "foodsafety_desktop.core.plans.reader", reader)
    source = tmp_path / "方案.txt"
    source.write_text("测试方案", encoding="utf-8")

    assert main(["--db", str(db_path), "plan", "import", str(source)]) == 0
    out, err = capsys.readouterr()
    plan_id = int(out.strip())
    assert "共 1 项任务" in err

    assert main(["plan", "list", "--db", str(db_path)]) == 0
    out, _ = capsys.readouterr()
    assert f"{plan_id}\t测试方案\t测〔2024〕1号\t—\t1" in out.splitlines()  # no date
