"""benchmarks/torture.py with a small count (issue #14): an owner process writing, the CLI, SIGKILLs of either side and
stray descriptor closes in the owner; nothing acknowledged may be lost and the library must stay consistent."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(sys.platform != "linux", reason="uses SIGKILL and POSIX lock semantics")
@pytest.mark.parametrize("seed", [1, 2])
def test_torture_loses_nothing(tmp_path, seed):
    spec = importlib.util.spec_from_file_location("torture", ROOT / "benchmarks" / "torture.py")
    torture = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, torture)  # dataclasses look their module up there
    spec.loader.exec_module(torture)
    result = torture.run(40, seed, tmp_path)
    assert result["owner_starts"] >= 1 and result["cli_runs"] >= 5, result  # the mix really ran
    assert result["lost_list_items"] == 0 and result["lost_edits"] == 0, result
    assert result["integrity_errors"] == 0 and result["doctor_integrity"] == "ok", result
    assert result["doctor_index_consistent"] and result["doctor_problems"] == [], result
    assert result["cli_failed_otherwise"] == 0 and result["errors"] == [], result
