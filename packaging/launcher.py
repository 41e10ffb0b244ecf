"""Entry point of the frozen (PyInstaller) app: `litreview [--self-test | COMMAND ...]`, the GUI by default.

`--embedding-child CONFIG` is internal: the app starts itself with it to run the embedding model in a child
process (litreview.workers.embedding_process), since a frozen app has no `python -m`.
"""

from __future__ import annotations

import multiprocessing
import sys


def main(argv: list[str]) -> int:
    """`--self-test` (the flag desktop packagers and CI call) runs the end-to-end check; `--embedding-child CONFIG`
    serves the embedding model to the app; anything else is the CLI."""
    if argv[:1] == ["--embedding-child"]:
        from litreview.workers.embedding_process import main as serve_embeddings

        return serve_embeddings(["--serve", *argv[1:]])
    if argv[:1] == ["--self-test"]:
        from litreview.selftest import run_self_test

        return run_self_test()
    from litreview.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # torch and scikit-learn may start worker processes from a frozen app
    sys.exit(main(sys.argv[1:]))
