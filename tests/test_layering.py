"""The layers of docs/architecture.md: nothing below workers/ imports Qt; --help imports nothing heavy."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "litreview"
QT_LAYERS = {"workers", "gui"}
HEAVY = ("torch", "transformers", "hnswlib", "PySide6", "sklearn", "fitz", "pymupdf")


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_workers_and_gui_import_pyside6():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        layer = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        if layer in QT_LAYERS or relative.name == "app.py":
            continue
        if "PySide6" in _top_level_imports(path):
            offenders.append(str(relative))
    assert offenders == [], f"modules below workers/ import PySide6: {offenders}"


def test_torch_and_hnswlib_stay_in_their_layers():
    homes = {"torch": {"embedding"}, "transformers": {"embedding"}, "hnswlib": {"index"}}
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        layer = path.relative_to(PACKAGE).parts[0]
        for module, allowed in homes.items():
            if module in _top_level_imports(path) and layer not in allowed:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert offenders == []


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def test_core_and_library_import_without_pyside6():
    result = _run(
        """
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split('.')[0] == 'PySide6':
                    raise ImportError('PySide6 blocked for this test')
        sys.meta_path.insert(0, Block())
        import litreview.core.paper, litreview.core.identifiers, litreview.core.progress, litreview.core.text
        import litreview.library, litreview.library.papers, litreview.pipeline
        print('ok')
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_help_imports_nothing_heavy():
    result = _run(
        f"""
        import sys, contextlib, io
        from litreview.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                main(['--help'])
            except SystemExit:
                pass
        print(sorted(m for m in {HEAVY!r} if m in sys.modules))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
