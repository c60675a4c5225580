#!/usr/bin/env bash
# Build the one-folder program with PyInstaller (packaging/foodsafety-desktop.spec) and
# start it (packaging/smoke_frozen.py).  Run by .ci/run after the tests; needs the app
# installed (pip install -e .) and pyinstaller.  BUILD_DIR keeps the result (default: a
# temporary folder, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

own_build_dir=0
if [[ -z "${BUILD_DIR:-}" ]]; then
  BUILD_DIR=$(mktemp -d -t foodsafety-frozen-XXXXXX)
  own_build_dir=1
fi
cleanup() { if [[ $own_build_dir == 1 ]]; then rm -rf "$BUILD_DIR"; fi; }
trap cleanup EXIT

started=$(date +%s)
python3 -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$BUILD_DIR/dist" --workpath "$BUILD_DIR/work" packaging/foodsafety-desktop.spec
built=$(date +%s)
echo "PyInstaller build: $((built - started)) s, $(du -sh "$BUILD_DIR/dist/食安台账" | cut -f1)"

env -u PYTHONPATH python3 packaging/smoke_frozen.py "$BUILD_DIR/dist/食安台账"
echo "smoke test: $(($(date +%s) - built)) s"
