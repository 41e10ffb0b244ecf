"""Ctrl-C in a long CLI command: the first lets the step in progress finish and stops the job at its next check
(no KeyboardInterrupt raised inside torch or exec'd code, where it ends the process badly); a second, or one while
nothing checks a token (a model loading), stops the process at once with status 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pdf_factory import make_paper

from litreview.cli import INTERRUPTED, main
from litreview.pipeline import importer

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(120)
def test_ctrl_c_lets_the_current_step_finish_then_the_import_stops(tmp_path, monkeypatch, capfd):
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for seed in range(3):
        make_paper(folder / f"paper{seed}.pdf", pages=1, seed=seed)
    finished = []
    import_file = importer._import_file

    def ctrl_c_while_importing(importer_, path, read):
        if not finished:
            signal.raise_signal(signal.SIGINT)
        import_file(importer_, path, read)
        finished.append(path)

    monkeypatch.setattr(importer, "_import_file", ctrl_c_while_importing)
    handler = signal.getsignal(signal.SIGINT)
    status = main(["--library", str(tmp_path / "library.sqlite"), "import", str(folder), "--no-embed", "--json"])
    err = capfd.readouterr().err
    assert status == 130
    assert len(finished) == 1  # the file being imported was stored; the next was not begun
    assert "stopping after the current step" in err and "import interrupted" in err and "Traceback" not in err
    assert signal.getsignal(signal.SIGINT) is handler


@pytest.mark.timeout(120)
@pytest.mark.parametrize("presses, token", [(2, "CancelToken()"), (1, "None")])
def test_a_second_ctrl_c_or_one_with_no_token_stops_at_once(presses, token):
    script = (
        "import signal\n"
        "from litreview.cli.common import handle_ctrl_c\n"
        "from litreview.core.progress import CancelToken\n"
        f"with handle_ctrl_c({token}):\n"
        f"    for _ in range({presses}):\n"
        "        signal.raise_signal(signal.SIGINT)\n"
        "    print('not stopped')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 130
    assert result.stdout == ""
    assert INTERRUPTED in result.stderr and "Traceback" not in result.stderr
