"""The shape of the ``foodsafety_desktop.cli`` package: one module per command group,
sharing only ``cli.common``; database access only through core services."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest

from foodsafety_desktop import cli
from foodsafety_desktop.cli import common

CLI = Path(cli.__file__).resolve().parent
MODULES = sorted(CLI.glob("*.py"))
# The command modules: everything but the dispatcher and the shared helpers.  A large
# group may be split into parts, ``<group>_<part>.py`` (assessment_links.py), which only
# their group's module imports and which add subcommands to it (``add_commands``).
_NAMES = {p.stem for p in MODULES}
PART_MODULES = [p for p in MODULES if "_" in p.stem and p.stem.split("_", 1)[0] in _NAMES]
COMMAND_MODULES = [
    p for p in MODULES if p.stem not in ("__init__", "common") and p not in PART_MODULES
]
FORBIDDEN = ("sqlalchemy", "foodsafety_desktop.core.storage.models")


def _imports(path: Path) -> set[str]:
    """Every module imported anywhere in the file (functions, TYPE_CHECKING blocks too),
    with ``from package import name`` also giving ``package.name``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the cli package
                base = "foodsafety_desktop.cli" if node.level == 1 else "foodsafety_desktop"
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_the_import_walker_sees_hidden_imports(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from sqlalchemy.orm import Session\n"
        "def f():\n"
        "    from foodsafety_desktop.core.storage import models\n"
        "    from . import plan\n",
        encoding="utf-8",
    )
    found = _imports(source)
    assert {
        "sqlalchemy.orm",
        "foodsafety_desktop.core.storage.models",
        "foodsafety_desktop.cli.plan",
    } <= found


def test_the_package_has_the_command_modules():
    assert {p.stem for p in COMMAND_MODULES} >= {
        "plan",
        "ledger",
        "period",
        "templates",
        "collect",
        "status",
        "summary",
        "gui",
    }


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_cli_module_touches_the_orm(path: Path):
    bad = {
        name
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert not bad, f"cli/{path.name} imports {sorted(bad)}: use a core service instead"


@pytest.mark.parametrize("path", COMMAND_MODULES + PART_MODULES, ids=lambda p: p.name)
def test_command_modules_import_only_common_of_the_cli(path: Path):
    own_parts = {
        f"foodsafety_desktop.cli.{p.stem}"
        for p in PART_MODULES
        if p.stem.split("_", 1)[0] == path.stem.split("_", 1)[0]
    }
    others = {f"foodsafety_desktop.cli.{p.stem}" for p in COMMAND_MODULES + PART_MODULES}
    used = {
        name
        for name in _imports(path)
        if (name in others or name == "foodsafety_desktop.cli") and name not in own_parts
    }
    assert not used, f"cli/{path.name} imports {sorted(used)}: share code through cli.common"


@pytest.mark.parametrize("path", PART_MODULES, ids=lambda p: p.name)
def test_parts_of_a_group_add_their_subcommands(path: Path):
    import importlib

    module = importlib.import_module(f"foodsafety_desktop.cli.{path.stem}")
    assert callable(getattr(module, "add_commands", None)), path.name


def test_every_command_registers_itself():
    assert cli.COMMANDS, "COMMANDS lists the command modules"
    for module in cli.COMMANDS:
        assert callable(getattr(module, "register", None)), module.__name__
    listed = {m.__name__.rsplit(".", 1)[1] for m in cli.COMMANDS}
    # Every command module is listed, except gui (no subcommand: the top-level options).
    assert listed == {p.stem for p in COMMAND_MODULES} - {"gui"}


def test_each_module_registers_its_own_subcommands():
    for module in cli.COMMANDS:
        parser = common.ChineseArgumentParser(prog="x")
        subparsers = parser.add_subparsers(dest="command")
        module.register(subparsers)
        assert subparsers.choices, module.__name__
        for name, sub in subparsers.choices.items():
            assert sub.format_help().startswith("用法："), (module.__name__, name)


def test_open_db_closes_the_database_when_the_command_fails(monkeypatch):
    from foodsafety_desktop.core.storage import database

    closed: list[bool] = []

    class FakeDatabase:
        def close(self) -> None:
            closed.append(True)

    opened: list[object] = []
    monkeypatch.setattr(
        database, "open_database", lambda url=None: opened.append(url) or FakeDatabase()
    )
    with pytest.raises(RuntimeError), common.open_db(argparse.Namespace(db="x.sqlite3")) as db:
        assert isinstance(db, FakeDatabase)
        raise RuntimeError("boom")
    assert opened == ["x.sqlite3"] and closed == [True]

    with common.open_db(argparse.Namespace()):  # no --db: the default database
        pass
    assert opened[-1] is None and closed == [True, True]
