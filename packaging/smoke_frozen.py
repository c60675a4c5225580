"""Start the frozen one-folder build (dist/食安台账) and check it works without Python.

``python packaging/smoke_frozen.py DIST_FOLDER``; run by build_and_smoke.sh after
PyInstaller.  Checks, with deadlines and never a fixed sleep:
  1. ``foodsafety-desktop --help`` prints the Chinese usage;
  2. ``plan import`` of a seed bundled in the folder into a new database (the bundled
     Alembic migrations build the schema), then ``plan list`` shows it;
  3. ``食安台账 --demo`` offscreen: the demo database (bundled seeds) fills with the five
     plans, and the window (bundled forms) then stays up without a traceback.
Exits non-zero with the reason on the first failure.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI_NAME = "foodsafety-desktop"
GUI_NAME = "食安台账"
DEMO_DEADLINE = 120.0  # seconds until the demo database holds the five plans
STAYS_UP = 5.0  # seconds the window must then stay up
SEED = "002_lushi_2022.txt"


def program(folder: Path, name: str) -> Path:
    path = folder / (name + (".exe" if sys.platform == "win32" else ""))
    if not path.is_file():
        raise SystemExit(f"missing program: {path}")
    return path


def environment(scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        FOODSAFETY_DATA_DIR=str(scratch / "data"),
        TMPDIR=str(scratch / "tmp"),  # where --demo puts its throw-away database
        PYTHONIOENCODING="utf-8",
    )
    (scratch / "tmp").mkdir()
    return env


def run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=120
    )
    if done.returncode != 0:
        raise SystemExit(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    if "Traceback" in done.stderr or "[PYI-" in done.stderr:
        raise SystemExit(f"{args} wrote an error:\n{done.stderr}")
    return done.stdout


def bundled_seed(folder: Path) -> Path:
    found = sorted(folder.rglob(f"foodsafety_desktop/resources/seeds/{SEED}"))
    if not found:
        raise SystemExit(f"seed {SEED} is not bundled in {folder}")
    return found[0]


def plan_count(tmp: Path) -> int:
    """Plans in the demo database once it exists (0 while it is being created)."""
    for path in tmp.glob("foodsafety-demo-*/*.sqlite3"):
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as con:
                return con.execute("select count(*) from plan").fetchone()[0]
        except sqlite3.Error:  # schema not there yet, or the file is mid-write
            return 0
    return 0


def check_cli(folder: Path, scratch: Path, env: dict[str, str]) -> None:
    cli = str(program(folder, CLI_NAME))
    usage = run([cli, "--help"], env, scratch)
    if "plan" not in usage or "--demo" not in usage:
        raise SystemExit(f"unexpected --help output:\n{usage}")
    db = str(scratch / "ledger.sqlite3")
    run([cli, "--db", db, "plan", "import", str(bundled_seed(folder))], env, scratch)
    listing = run([cli, "--db", db, "plan", "list"], env, scratch)
    if "卢氏" not in listing:
        raise SystemExit(f"plan list does not show the imported plan:\n{listing}")
    # A server database: the driver is bundled, so a closed port is a connection failure
    # (nothing listens on port 1), not a missing driver.
    server = "postgresql+psycopg://foodsafety:x@127.0.0.1:1/foodsafety"
    done = subprocess.run(
        [cli, "--db", server, "plan", "list"],
        env=env,
        cwd=scratch,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    if done.returncode == 0 or "无法连接数据库服务器" not in done.stderr:
        raise SystemExit(f"a server address is not understood:\n{done.stdout}\n{done.stderr}")
    print(f"cli: --help, plan import and plan list work, the server driver is there ({cli})")


def check_gui(folder: Path, scratch: Path, env: dict[str, str]) -> None:
    gui = str(program(folder, GUI_NAME))
    stderr_path = scratch / "gui-stderr.txt"
    started = time.monotonic()
    with stderr_path.open("w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            [gui, "--demo"], env=env, cwd=scratch, stdout=subprocess.DEVNULL, stderr=stderr
        )
        try:
            deadline = started + DEMO_DEADLINE
            while plan_count(scratch / "tmp") < 5:
                if proc.poll() is not None:
                    raise SystemExit(f"the GUI exited ({proc.returncode}) before the demo data")
                if time.monotonic() > deadline:
                    raise SystemExit(f"no demo database with 5 plans after {DEMO_DEADLINE} s")
                # Poll: returns early only if the program ends.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=0.2)
            ready = time.monotonic() - started
            try:
                proc.wait(timeout=STAYS_UP)
                raise SystemExit(f"the GUI exited ({proc.returncode}) after the demo data")
            except subprocess.TimeoutExpired:
                pass  # still up: the window was built from the bundled forms
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
    errors = stderr_path.read_text(encoding="utf-8")
    if "Traceback" in errors or "[PYI-" in errors or "Error" in errors:
        raise SystemExit(f"the GUI wrote errors:\n{errors}")
    print(f"gui: demo database with 5 plans after {ready:.1f} s, window up {STAYS_UP:.0f} s more")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[0]).resolve()
    with tempfile.TemporaryDirectory(prefix="foodsafety-smoke-") as tmp:
        scratch = Path(tmp)
        env = environment(scratch)
        check_cli(folder, scratch, env)
        check_gui(folder, scratch, env)
    print("frozen build: OK")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
