"""PDFs read in a child process give the same records as in-process, and a bad file stays one bad file."""

from __future__ import annotations

from litreview.core.paper import IngestError, ParsedPaper
from litreview.pipeline import PdfReader


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
