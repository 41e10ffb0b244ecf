"""`litreview embed` and `litreview models` from outside: JSON on stdout, one-line errors, presets from the HF cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_embedding import TEXTS, qwen3_card_embed
from tiny_models import tiny_models  # noqa: F401

from litreview.cli import main
from litreview.embedding import PRESETS

ROOT = Path(__file__).resolve().parent.parent


def run_json(capsys: pytest.CaptureFixture[str], *argv: str):
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_embed_json_matches_the_card(capsys, tiny_models) -> None:  # noqa: F811
    folder = str(tiny_models["qwen3"])
    result = run_json(capsys, "embed", "--model", folder, "--json", *TEXTS[:3])
    assert set(result) >= {"model", "dim", "vectors"} and result["dim"] == 32
    np.testing.assert_allclose(
        np.array(result["vectors"]), qwen3_card_embed(tiny_models["qwen3"], TEXTS[:3]), atol=1e-5
    )

    result = run_json(capsys, "embed", "--model", folder, "--query", "--dim", "16", "--json", "cat")
    prompt = PRESETS["qwen3-0.6b"].query_prompt
    np.testing.assert_allclose(
        np.array(result["vectors"]), qwen3_card_embed(tiny_models["qwen3"], [prompt + "cat"], dim=16), atol=1e-5
    )
    assert result["dim"] == 16 and len(result["vectors"][0]) == 16


def test_embed_options_and_plain_output(capsys, tiny_models) -> None:  # noqa: F811
    assert main(["embed", "--model", str(tiny_models["bert"]), "-o", "max_length=8", "a", "b c"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(len(line.split()) == 32 for line in lines)


def test_embed_missing_model_fails_in_one_line(capsys) -> None:
    assert main(["embed", "--model", "nobody/nothing", "--json", "x"]) == 1
    out = capsys.readouterr()
    assert out.out == "" and len(out.err.strip().splitlines()) == 1
    assert "offline choices" in out.err and "minilm" in out.err
    assert main(["embed", "--model", "qwen3-0.6b", "--dim", "7", "x"]) == 1
    assert "supports dims" in capsys.readouterr().err


def test_models_json_and_download_of_the_packaged_default(capsys) -> None:
    models = run_json(capsys, "models", "--json")
    assert {m["name"] for m in models} == set(PRESETS)
    for model in models:
        assert {"name", "model_id", "dim", "offline", "size_mb"} <= set(model)
    result = run_json(capsys, "models", "download", "minilm", "--json")
    assert (Path(result["path"]) / "model.safetensors").is_file()
    assert main(["models"]) == 0 and "minilm" in capsys.readouterr().out


def test_preset_resolves_from_the_hugging_face_cache(tmp_path: Path, tiny_models) -> None:  # noqa: F811
    """`--model qwen3-0.6b` finds the repo in the HF cache and applies the card (prompt, model id)."""
    commit = "f" * 40
    repo = tmp_path / "hub" / "models--Qwen--Qwen3-Embedding-0.6B"
    shutil.copytree(tiny_models["qwen3"], repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "litreview", "embed", "--model", "qwen3-0.6b", "--query", "--json", "cat"]
    out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["model"] == "Qwen/Qwen3-Embedding-0.6B" and result["dim"] == 32
    reference = qwen3_card_embed(tiny_models["qwen3"], [PRESETS["qwen3-0.6b"].query_prompt + "cat"], max_length=8192)
    np.testing.assert_allclose(np.array(result["vectors"]), reference, atol=1e-5)

    listing = subprocess.run(
        [sys.executable, "-m", "litreview", "models", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    offline = {m["name"]: m["offline"] for m in json.loads(listing.stdout)}
    assert offline["qwen3-0.6b"] is True and offline["qwen3-0.6b-academic"] is False
