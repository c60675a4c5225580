"""The wheel ships the forms and the demo seeds, and the installed program starts from it.

Builds the wheel from a copy of the source tree (a build inside the checkout would leave
``build/`` there, whose stale files end up in later wheels), installs it into a fresh
virtual environment that borrows this interpreter's packages (PySide6 is not downloaded),
and opens the demo ledger with the installed package, outside the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("foodsafety_desktop", "forms", "resources")
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")

# Run inside the virtual environment: the installed package builds the demo database and
# the main window; prints what it found as JSON.
START_DEMO = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path

    import foodsafety_desktop
    from foodsafety_desktop.core.services.demo import create_demo_database, seeds_dir
    from foodsafety_desktop.ui.app import ensure_application
    from foodsafety_desktop.ui.forms import forms_dir
    from foodsafety_desktop.ui.main_window import MainWindow

    def tasks(model, parent=None):
        from PySide6.QtCore import QModelIndex
        parent = parent or QModelIndex()
        rows = model.rowCount(parent)
        return sum(tasks(model, model.index(r, 0, parent)) or 1 for r in range(rows))

    app = ensure_application()
    db = create_demo_database(Path(os.environ["FOODSAFETY_DATA_DIR"]) / "demo.sqlite3")
    window = MainWindow(db, demo=True)
    window.show()
    app.processEvents()
    print(json.dumps({
        "prefix": sys.prefix,
        "package": foodsafety_desktop.__file__,
        "forms": str(forms_dir()),
        "seeds": str(seeds_dir()),
        "rows": tasks(window.model),
        "title": window.windowTitle(),
    }))
    window.close()
    db.close()
    """
)


def copy_source(dest: Path) -> Path:
    """The files a wheel is built from: top-level files and the three source folders."""
    for item in ROOT.iterdir():
        if item.is_file():
            shutil.copy2(item, dest / item.name)
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, dest / name, ignore=JUNK)
    return dest


def clean_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "data").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        FOODSAFETY_DATA_DIR=str(tmp_path / "data"),
        PYTHONIOENCODING="utf-8",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=timeout
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def venv_program(venv: Path, name: str) -> Path:
    if sys.platform == "win32":
        return venv / "Scripts" / f"{name}.exe"
    return venv / "bin" / name


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(wheel, source copy, virtual environment with the wheel installed)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = copy_source(tmp_path_factory.mktemp("source"))
    env = clean_env(tmp)
    out = tmp / "dist"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        cwd=tmp,
        env=env,
    )
    wheels = list(out.glob("foodsafety_desktop-*.whl"))
    assert len(wheels) == 1, wheels
    venv = tmp / "venv"
    # No pip inside: this interpreter's pip installs into it (pip --python), so the test
    # needs no ensurepip; --system-site-packages lends PySide6, SQLAlchemy and the rest.
    run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        cwd=tmp,
        env=env,
    )
    python = venv_program(venv, "python")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheels[0]),
        ],
        cwd=tmp,
        env=env,
    )
    return wheels[0], source, venv


def test_wheel_contains_the_whole_package_the_forms_and_the_seeds(built):
    wheel, source, _venv = built
    names = set(zipfile.ZipFile(wheel).namelist())
    forms = sorted((source / "forms").glob("*.ui"))
    seeds = sorted((source / "resources" / "seeds").iterdir())
    assert len(forms) >= 9 and len(seeds) == 5
    expected = {f"foodsafety_desktop/forms/{p.name}" for p in forms}
    expected |= {f"foodsafety_desktop/resources/seeds/{p.name}" for p in seeds}
    # Every module, migration and data file of the package folder (a subpackage left out
    # of pyproject.toml's list would be missing here).
    package = source / "foodsafety_desktop"
    expected |= {p.relative_to(source).as_posix() for p in package.rglob("*") if p.is_file()}
    assert sorted(expected - names) == []
    assert not [n for n in names if n.startswith(("forms/", "resources/", "tests/"))]


def test_installed_program_opens_the_demo_ledger_outside_the_checkout(built, tmp_path):
    _wheel, _source, venv = built
    env = clean_env(tmp_path)
    python = venv_program(venv, "python")
    found = json.loads(run([str(python), "-c", START_DEMO], cwd=tmp_path, env=env))
    prefix = Path(found["prefix"]).resolve()
    assert prefix == venv.resolve()
    for key in ("package", "forms", "seeds"):
        path = Path(found[key]).resolve()
        assert path.is_relative_to(prefix), (key, path)
        assert not path.is_relative_to(ROOT), (key, path)
    assert found["rows"] > 10
    assert found["title"].startswith("食安台账")
    assert "演示" in found["title"]


def test_installed_entry_point_runs(built, tmp_path):
    _wheel, _source, venv = built
    usage = run(
        [str(venv_program(venv, "foodsafety-desktop")), "--help"],
        cwd=tmp_path,
        env=clean_env(tmp_path),
    )
    assert "--demo" in usage and "plan" in usage
