#!/usr/bin/env bash
# A separate environment for infinity-emb, the real OpenAI-compatible embedding server the slow tests and
# benchmarks/embed_remote.py start on 127.0.0.1. It cannot share the project's environment: infinity-emb 0.0.78
# pins numpy<2 and (through its [torch] extra) transformers 4.x, which would downgrade the project's. So it is a
# venv layered over the project's (same torch, transformers, sentence-transformers, numpy: nothing else is
# downloaded that the project already has), with infinity-emb and its web-server packages installed --no-deps.
#
# usage: scripts/make_infinity_env.sh [PROJECT_PYTHON] [TARGET_DIR]
#   then: export LITREVIEW_INFINITY=TARGET_DIR/bin/infinity_emb
set -euo pipefail
base_python=${1:-.venv/bin/python}
target=${2:-.venv-infinity}
base_site=$("$base_python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
"$base_python" -m venv --without-pip "$target"
site=$("$target/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$base_site" > "$site/_litreview_base.pth"   # after the venv's own site-packages on sys.path
"$target/bin/python" -m pip --version >/dev/null  # pip comes from the project's environment through the .pth
"$target/bin/python" -m pip install -q --no-deps --prefix "$target" \
  "infinity-emb==0.0.78" "fastapi>=0.110,<1" "starlette" "uvicorn>=0.30,<1" "orjson" "typer>=0.12,<0.13" \
  "click>=8.1,<8.2" "rich>=13,<14" "prometheus-fastapi-instrumentator>=7,<9" "prometheus-client" "hf-transfer" \
  "posthog" "backoff" "distro" "python-dotenv" "httptools" "annotated-doc" "shellingham" "markdown-it-py" "mdurl" \
  "pygments" "h11" "anyio" "sniffio" "python-dateutil" "monotonic" "six" "requests" "urllib3" "certifi" \
  "charset-normalizer" "idna" "opentelemetry-api" "importlib-metadata" "zipp"
"$target/bin/infinity_emb" v2 --help >/dev/null  # fails here if a module is still missing
echo "infinity-emb is in $target: export LITREVIEW_INFINITY=$(cd "$target" && pwd)/bin/infinity_emb"
