"""PDFs read in a child process give the same records as in-process, and a bad file stays one bad file."""

from __future__ import annotations

from litreview.core.paper import IngestError, ParsedPaper
from litreview.ingest.pdf_process import PdfReader


def test_child_reader_matches_in_process_reader(shared_data, tmp_path):
    pdfs = sorted((shared_data / "pdfs" / "ground-truth").glob("*.pdf"))[:3]
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n garbage")
    order = [pdfs[0], broken, *pdfs[1:]]
    inline = PdfReader(order, in_child=False)
    child = PdfReader(order, in_child=True)
    try:
        for path in order:
            expected, got = inline.read(path), child.read(path)
            assert type(got) is type(expected)
            if isinstance(expected, ParsedPaper):
                assert (got.title, got.authors, got.abstract, got.doi) == (
                    expected.title, expected.authors, expected.abstract, expected.doi)
            else:
                assert isinstance(got, IngestError) and got.reason == expected.reason
    finally:
        child.close()


def _sleep_forever(path):
    import time

    time.sleep(3600)


def test_a_hanging_read_is_cut_off_and_the_next_file_still_reads(shared_data, monkeypatch):
    pdf = sorted((shared_data / "pdfs" / "ground-truth").glob("*.pdf"))[0]
    reader = PdfReader([pdf], in_child=True)
    monkeypatch.setattr(PdfReader, "TIMEOUT_S", 0.5)
    try:
        reader._pending[pdf] = reader._executor().submit(_sleep_forever, pdf)  # a read that never ends
        result = reader.read(pdf)
        assert isinstance(result, IngestError) and "longer than 0.5 s" in result.reason
        monkeypatch.setattr(PdfReader, "TIMEOUT_S", 120.0)
        assert isinstance(reader.read(pdf), ParsedPaper)  # a fresh child took over
    finally:
        reader.close()


def test_the_background_child_leaves_ctrl_c_to_the_app():
    """A terminal's Ctrl-C goes to the whole process group: the child must not die of it (or print a traceback)
    while the app lets the step in progress finish."""
    import signal

    from litreview.ingest.pdf_process import background_pool

    pool = background_pool()
    try:
        assert pool.submit(signal.getsignal, signal.SIGINT).result(timeout=60) == signal.SIG_IGN
    finally:
        pool.shutdown()
