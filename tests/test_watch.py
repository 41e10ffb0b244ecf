"""The watched folder: files are imported once completely written, each state of a file once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from litreview.core.progress import CancelToken
from litreview.library.papers import PaperRepository
from litreview.watch import MAX_WAIT_POLLS, FolderWatcher, watch_folder

ROOT = Path(__file__).resolve().parent.parent


def _small_pdfs(shared_data: Path, count: int) -> list[Path]:
    folder = shared_data / "pdfs" / "plain"
    pdfs = sorted(folder.glob("*.pdf"), key=lambda p: p.stat().st_size)[:count] if folder.is_dir() else []
    if len(pdfs) < count:
        pytest.skip(f"real PDFs not found in {folder} (see docs/test-data.md, pdfs/plain/)")
    return pdfs


def test_a_file_is_ready_only_when_it_stopped_changing(tmp_path: Path) -> None:
    watcher = FolderWatcher(tmp_path)
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{a, title={Half", encoding="utf-8")
    (tmp_path / ".partial.pdf").write_bytes(b"%PDF-1.4 hidden files are ignored")
    (tmp_path / "notes.txt").write_text("not watched", encoding="utf-8")
    assert watcher.poll() == []  # first sight
    with open(bib, "a", encoding="utf-8") as handle:
        handle.write(" written}}\n")
    assert watcher.poll() == []  # changed since the last poll
    assert watcher.poll() == [bib]  # unchanged across two polls
    watcher.mark_done([bib])
    assert watcher.poll() == []  # imported in this state: not again
    time.sleep(0.01)
    bib.write_text("@article{a, title={Changed}}\n", encoding="utf-8")
    os.utime(bib, ns=(time.time_ns(), time.time_ns()))
    assert watcher.poll() == []
    assert watcher.poll() == [bib]  # a changed file is imported again


def test_a_pdf_waits_for_its_end_marker(tmp_path: Path) -> None:
    watcher = FolderWatcher(tmp_path)
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"0" * 4000)  # a writer that paused for longer than a poll
    polls = [watcher.poll() for _ in range(MAX_WAIT_POLLS)]
    assert polls == [[]] * MAX_WAIT_POLLS
    with open(pdf, "ab") as handle:
        handle.write(b"\ntrailer\n%%EOF\n")
    assert watcher.poll() == []
    assert watcher.poll() == [pdf]
    watcher.mark_done([pdf])
    broken = tmp_path / "never-finished.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + b"1" * 100)
    found = [watcher.poll() for _ in range(MAX_WAIT_POLLS + 1)]
    assert found[-1] == [broken]  # taken in the end: the PDF reader reports it


@pytest.mark.timeout(120)  # a watch that never stops fails here
def test_pdfs_copied_in_while_watching_are_imported_whole(shared_data: Path, tmp_path: Path, library) -> None:
    sources = _small_pdfs(shared_data, 5)
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def copy_slowly() -> None:  # each file written in chunks, with pauses shorter than a poll
        for source in sources:
            data = source.read_bytes()
            with open(inbox / source.name, "wb") as handle:
                for start in range(0, len(data), 32_768):
                    handle.write(data[start:start + 32_768])
                    handle.flush()
                    time.sleep(0.005)

    writer = threading.Thread(target=copy_slowly)
    batches: list[list[Path]] = []
    failures = []

    def on_batch(paths, summary) -> None:
        batches.append(paths)
        failures.extend(summary.failed)
        if sum(len(batch) for batch in batches) >= len(sources):
            stop.cancel()

    stop = CancelToken()
    writer.start()
    try:
        handed = watch_folder(library, inbox, stop, interval_s=0.1, on_batch=on_batch)
    finally:
        writer.join()
    assert handed == len(sources)
    assert failures == []
    repo = PaperRepository(library)
    assert repo.count() == len(sources)
    for paper_id in repo.ids():
        files = repo.files_of(paper_id)
        source = next(s for s in sources if s.name == Path(files[0]["path"]).name)
        assert files[0]["size"] == source.stat().st_size  # read whole, never half-written


def test_cli_watch(shared_data: Path, tmp_path: Path) -> None:
    sources = _small_pdfs(shared_data, 2)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITREVIEW_LIBRARY": str(tmp_path / "library.sqlite")}
    process = subprocess.Popen(
        [sys.executable, "-m", "litreview", "import", "--watch", str(inbox), "--no-embed", "--interval", "0.1",
         "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        for source in sources:
            shutil.copyfile(source, inbox / source.name)
        lines = []
        deadline = time.monotonic() + 60
        while sum(len(json.loads(line)["files"]) for line in lines) < len(sources) and time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.strip():
                lines.append(line)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "stopped watching" in err
    imported = sum(json.loads(line)["imported"] for line in lines)
    assert imported == len(sources)
