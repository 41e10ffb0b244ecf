#!/usr/bin/env bash
# Build the desktop app (PyInstaller onedir) into dist/litreview/ and check it with its own --self-test.
#
#   scripts/build_app.sh            build, then run dist/litreview/litreview --self-test
#   scripts/build_app.sh --no-test  build only
#
# Uses the project's virtual environment (.venv, made by `make setup`) and installs PyInstaller into it when
# missing. Takes a while: see packaging/README.md for the time and size measured here.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="$VENV/bin/python"
RUN_SELF_TEST=1
for arg in "$@"; do
    case "$arg" in
        --no-test) RUN_SELF_TEST=0 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "build_app.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

if [ ! -x "$PYTHON" ]; then
    echo "build_app.sh: no virtual environment at $VENV; run 'make setup' first" >&2
    exit 1
fi
if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
    echo "== installing PyInstaller into $VENV"
    "$PYTHON" -m pip install -q "pyinstaller>=6.0"
fi

cd "$ROOT"
started=$(date +%s)
echo "== building dist/litreview with PyInstaller $("$PYTHON" -m PyInstaller --version)"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/litreview.spec
elapsed=$(( $(date +%s) - started ))
echo "== built in ${elapsed} s; dist/litreview is $(du -sh dist/litreview | cut -f1)"

if [ "$RUN_SELF_TEST" = 1 ]; then
    echo "== dist/litreview/litreview --self-test"
    QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 dist/litreview/litreview --self-test
fi
