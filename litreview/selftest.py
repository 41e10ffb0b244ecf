"""`litreview --self-test`: prove that an installed (or frozen) app works end to end, without a window.

It creates a temporary library, writes a small PDF (PyMuPDF) and a .bib on the fly, imports both through the
real pipeline, embeds them with the offline default model, asks the ANN index for related papers, exports a
reading list as BibTeX and reads it back. Each step prints one line; the exit status is 0 only when every
step did its job. It never touches the user's own library and never goes online.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from litreview.core.progress import Progress

# The pieces of the app the self-test drives: (module, names it needs).
REQUIRED_CONTRACTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("litreview.library.db", ("open_library",)),
    ("litreview.pipeline", ("run_import", "open_embedder", "drive")),
    ("litreview.embedding", ("load_embedder",)),
    ("litreview.index.vectors", ("VectorStore",)),
    ("litreview.index.service", ("IndexService",)),
    ("litreview.library.lists", ("ReadingLists", "load_papers")),
    ("litreview.export", ("export_papers",)),
)

PDF_TITLE = "Graph Neural Networks for Molecular Property Prediction"
PDF_AUTHORS = ("Ada Lovelace", "Alan Turing")
PDF_ABSTRACT = (
    "Predicting the chemical properties of molecules is central to drug discovery and materials design. "
    "We represent each molecule as a graph whose nodes are atoms and whose edges are chemical bonds, and "
    "train a graph neural network that passes messages between neighbouring atoms. On standard quantum "
    "chemistry benchmarks the model predicts molecular energies and solubility more accurately than "
    "hand-crafted molecular fingerprints."
)
# The closest neighbour of the PDF's paper must be this entry: same topic, different words.
RELATED_KEY = "gilmer2017"
UNRELATED_KEY = "troubadour2003"
READING_LIST = "Self-test reading list"

BIBTEX = r"""@string{icml = "Proceedings of the 34th International Conference on Machine Learning"}

@inproceedings{gilmer2017,
  title = {Neural Message Passing for Quantum Chemistry},
  author = {Gilmer, Justin and Schoenholz, Samuel S. and Riley, Patrick F. and Vinyals, Oriol and Dahl, George E.},
  booktitle = icml,
  year = {2017},
  abstract = {Supervised learning on molecules has incredible potential to be useful in chemistry, drug discovery,
    and materials science. We reformulate existing models into a single common framework we call Message
    Passing Neural Networks and use it to predict quantum mechanical properties of small organic molecules.}
}

@article{jumper2021,
  title = {Highly Accurate Protein Structure Prediction with {AlphaFold}},
  author = {Jumper, John and Evans, Richard and Pritzel, Alexander},
  journal = {Nature},
  year = {2021},
  doi = {10.1038/s41586-021-03819-2},
  abstract = {Proteins are essential to life, and understanding their structure can facilitate a mechanistic
    understanding of their function. We provide a neural network that predicts the three-dimensional
    structure of a protein from its amino acid sequence with atomic accuracy.}
}

@book{troubadour2003,
  title = {Love Songs of the Occitan Troubadours},
  author = {Paterson, Linda M.},
  publisher = {Cambridge University Press},
  year = {2003},
  abstract = {A study of courtly love lyric in medieval southern France: the poets, their patrons, the music
    of their songs and the manuscripts that preserve them, from the twelfth to the thirteenth century.}
}
"""
BIB_TITLES = {
    "gilmer2017": "Neural Message Passing for Quantum Chemistry",
    "jumper2021": "Highly Accurate Protein Structure Prediction with AlphaFold",
    "troubadour2003": "Love Songs of the Occitan Troubadours",
}


class SelfTestFailure(Exception):
    """A step ran but its result was wrong."""


def missing_contracts() -> list[str]:
    """The `module.name`s the self-test needs that this installation lacks, with the import error if any."""
    missing = []
    for module_name, names in REQUIRED_CONTRACTS:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:  # say why: in a frozen app it is often a dependency the build left out
            missing.append(f"{module_name} ({type(exc).__name__}: {exc})")
            continue
        missing.extend(f"{module_name}.{name}" for name in names if not hasattr(module, name))
    return missing


def write_sample_pdf(path: Path) -> Path:
    """A one-page paper with a title, authors, an "Abstract" heading and a body, as a real PDF."""
    from litreview.ingest.mupdf import load_pymupdf

    pymupdf = load_pymupdf()

    body = (
        "Molecules are naturally described as graphs. Learning directly on the graph avoids the loss of "
        "information that fixed-length fingerprints cause, and lets one model serve many property targets."
    )
    blocks = (  # (top, bottom, text, font size, font, centred)
        (60, 150, PDF_TITLE, 20, "hebo", True),
        (160, 190, ", ".join(PDF_AUTHORS), 12, "helv", True),
        (205, 230, "Abstract", 12, "hebo", False),
        (232, 360, PDF_ABSTRACT, 10, "helv", False),
        (375, 400, "1 Introduction", 12, "hebo", False),
        (402, 480, body, 10, "helv", False),
    )
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)  # A4 in points
    for top, bottom, text, size, font, centred in blocks:
        room_left = page.insert_textbox(pymupdf.Rect(60, top, 535, bottom), text, fontsize=size, fontname=font,
                                        align=1 if centred else 0)
        if room_left < 0:  # PyMuPDF writes nothing when the text does not fit
            raise SelfTestFailure(f"sample PDF: {text[:30]!r} does not fit its box")
    doc.set_metadata({"title": PDF_TITLE, "author": "; ".join(PDF_AUTHORS)})
    doc.save(path)
    doc.close()
    return path


def write_sample_bib(path: Path) -> Path:
    path.write_text(BIBTEX, encoding="utf-8")
    return path


def _normalised(title: str | None) -> str:
    from litreview.core.text import normalize_title

    return normalize_title(title or "")


class _StepPrinter:
    """Prints `[n/N] step ... ok (1.2 s)` lines, and the progress stages a step reports."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.out, self.number = total, out, 0
        self._last_stage: str | None = None

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.number += 1
        self.say(f"[{self.number}/{self.total}] {name} ...")
        started = time.perf_counter()
        yield
        self.say(f"[{self.number}/{self.total}] {name}: ok ({time.perf_counter() - started:.1f} s)")

    def progress(self, progress: Progress) -> None:
        """One line per stage reached and per stage finished; the pipeline may report many more."""
        if progress.stage != self._last_stage or (progress.total and progress.done >= progress.total):
            self.say(f"      {progress.stage}: {progress.done}/{progress.total} {progress.current}".rstrip())
            self._last_stage = progress.stage


@contextmanager
def _offline_headless_environment() -> Iterator[None]:
    """No network (Hugging Face offline), no display (Qt offscreen), for the duration of the test."""
    wanted = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "QT_QPA_PLATFORM": "offscreen"}
    saved = {key: os.environ.get(key) for key in wanted}
    for key, value in wanted.items():
        os.environ.setdefault(key, value)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_self_test(*, model: str | None = None, workdir: Path | None = None, out: TextIO | None = None) -> int:
    """Run every step in a temporary folder (or `workdir`, kept afterwards); 0 when all passed, else 1."""
    out = out or sys.stdout
    printer = _StepPrinter(total=7, out=out)
    missing = missing_contracts()
    if missing:
        printer.say(f"self-test: FAILED: this installation lacks {', '.join(missing)}")
        return 1
    started = time.perf_counter()
    with _offline_headless_environment():
        if workdir is not None:
            workdir.mkdir(parents=True, exist_ok=True)
            return _run_steps(printer, Path(workdir), model, started)
        with tempfile.TemporaryDirectory(prefix="litreview-selftest-") as tmp:
            return _run_steps(printer, Path(tmp), model, started)


def _run_steps(printer: _StepPrinter, folder: Path, model: str | None, started: float) -> int:
    from litreview.library.db import open_library

    printer.say(f"self-test: working in {folder}")
    library = open_library(folder / "library.sqlite")
    try:
        _steps(printer, library, folder, model)
    except Exception as exc:  # every failure becomes one visible line and exit status 1
        printer.say(f"self-test: FAILED at step {printer.number}: {type(exc).__name__}: {exc}")
        traceback.print_exc(file=sys.stderr)
        return 1
    finally:
        library.close()
    printer.say(f"self-test: passed ({time.perf_counter() - started:.1f} s)")
    return 0


def _steps(printer: _StepPrinter, library: Any, folder: Path, model: str | None) -> None:
    from litreview.export import export_papers
    from litreview.index.service import IndexService
    from litreview.index.vectors import VectorStore
    from litreview.library.lists import ReadingLists, load_papers
    from litreview.pipeline import drive, open_embedder, run_import

    with printer.step("write a sample PDF and .bib"):
        pdf = write_sample_pdf(folder / "graph-networks-for-molecules.pdf")
        bib = write_sample_bib(folder / "references.bib")

    with printer.step("load the offline embedding model"):
        embedder = open_embedder(library, model)
        printer.say(f"      model {embedder.model_id}, dim {embedder.dim}")

    with printer.step("import the PDF and the .bib, embed and index"):
        summary = drive(run_import(library, [pdf, bib], embedder=embedder), printer.progress)
        printer.say(f"      imported {summary.imported}, updated {summary.updated}, duplicates "
                    f"{summary.duplicates}, failed {len(summary.failed)}")
        if summary.failed:
            raise SelfTestFailure("; ".join(f"{error.path}: {error.reason}" for error in summary.failed))
        if summary.imported != 1 + len(BIB_TITLES):
            raise SelfTestFailure(f"expected {1 + len(BIB_TITLES)} new papers, got {summary.imported}")

    with printer.step("check the extracted papers"):
        rows = library.query("SELECT id, title FROM papers")
        ids_by_title = {_normalised(row["title"]): row["id"] for row in rows}
        titles = {row["id"]: row["title"] for row in rows}
        pdf_id = ids_by_title.get(_normalised(PDF_TITLE))
        if pdf_id is None:
            raise SelfTestFailure(f"the PDF's title was not extracted; titles found: {sorted(ids_by_title)}")
        bib_ids = {}
        for key, title in BIB_TITLES.items():
            if _normalised(title) not in ids_by_title:
                raise SelfTestFailure(f"BibTeX entry {key} is missing; titles found: {sorted(ids_by_title)}")
            bib_ids[key] = ids_by_title[_normalised(title)]

    with printer.step("check that every paper has a vector"):
        vector_ids, matrix = VectorStore(library).load(embedder.model_id, embedder.dim)
        if sorted(int(i) for i in vector_ids) != sorted(ids_by_title.values()):
            raise SelfTestFailure(f"vectors for papers {sorted(vector_ids)}, expected {sorted(ids_by_title.values())}")
        if matrix.shape != (len(ids_by_title), embedder.dim):
            raise SelfTestFailure(f"vector matrix has shape {matrix.shape}")

    with printer.step("find papers related to the PDF"):
        related = IndexService(library).related(pdf_id, embedder.model_id, embedder.dim, k=len(bib_ids))
        for paper_id, score in related:
            printer.say(f"      {score:.3f}  {titles.get(paper_id, paper_id)}")
        ranked = [paper_id for paper_id, _ in related]
        if pdf_id in ranked:
            raise SelfTestFailure("a paper was listed as related to itself")
        if sorted(ranked) != sorted(bib_ids.values()):
            raise SelfTestFailure(f"related papers {ranked}, expected all of {sorted(bib_ids.values())}")
        if ranked[0] != bib_ids[RELATED_KEY] or ranked[-1] != bib_ids[UNRELATED_KEY]:
            raise SelfTestFailure(f"expected {RELATED_KEY} first and {UNRELATED_KEY} last, got {ranked}")

    with printer.step("export a reading list as BibTeX"):
        lists = ReadingLists(library)
        list_ids = [pdf_id, bib_ids[RELATED_KEY]]
        lists.create(READING_LIST)
        lists.add(READING_LIST, list_ids)
        papers = load_papers(library, list_name=READING_LIST)
        if [paper.id for paper in papers] != list_ids:
            raise SelfTestFailure(f"reading list holds {[paper.id for paper in papers]}, expected {list_ids}")
        exported = folder / "reading-list.bib"
        exported.write_bytes(export_papers(papers, "bibtex"))
        _check_bibtex_export(exported, [PDF_TITLE, BIB_TITLES[RELATED_KEY]])
        printer.say(f"      wrote {exported.stat().st_size} bytes to {exported.name}")


def _check_bibtex_export(path: Path, expected_titles: list[str]) -> None:
    """The export parses as BibTeX and holds exactly the expected titles."""
    import bibtexparser
    from pylatexenc.latex2text import LatexNodes2Text

    parsed = bibtexparser.parse_string(path.read_text(encoding="utf-8"))
    if parsed.failed_blocks:
        raise SelfTestFailure(f"the exported BibTeX has {len(parsed.failed_blocks)} unparsable blocks")
    to_text = LatexNodes2Text()
    titles = sorted(_normalised(to_text.latex_to_text(entry["title"])) for entry in parsed.entries)
    if titles != sorted(_normalised(title) for title in expected_titles):
        raise SelfTestFailure(f"the exported BibTeX holds titles {titles}")
