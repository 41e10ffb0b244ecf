"""Token counting for passage splitting: the embedder's own tokenizer, so a passage fits the model's window.

The splitter (ingest.pdf.passages) takes a plain callable, so ingest stays free of torch and transformers. The
counters here are small picklable objects, so passages can be split in the PDF reader's child process: a fast
tokenizer travels as the path of its `tokenizers` JSON (written once to the temporary folder, named by its
digest: a multilingual vocabulary is megabytes) and is loaded with the `tokenizers` library where it counts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

# Without a tokenizer (a remote endpoint), words and punctuation are counted and the window is shrunk by this
# share: subword tokenizers make about 1.3 tokens of an English word, more for rare terms.
_UNKNOWN_TOKENIZER_SHARE = 0.6
_PIECES = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class PieceCounter:
    """Words and punctuation marks: the estimate for a model whose tokenizer is not at hand."""

    def __call__(self, text: str) -> int:
        return len(_PIECES.findall(text))


@dataclass(frozen=True)
class TokenizerCounter:
    """The tokens a model sees for `prompt + text`, special tokens included, by its fast tokenizer saved as
    `tokenizers` JSON at `tokenizer_file` (truncation and padding off)."""

    tokenizer_file: str
    prompt: str = ""

    def __call__(self, text: str) -> int:
        return len(_tokenizer(self.tokenizer_file).encode(self.prompt + text, add_special_tokens=True).ids)


@functools.lru_cache(maxsize=2)
def _tokenizer(tokenizer_file: str):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(tokenizer_file)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def tokenizer_file(tokenizer: object) -> str | None:
    """A transformers fast tokenizer as it is configured, saved as `tokenizers` JSON in the temporary folder
    under its digest (kept for the next call); its path, or None for a slow tokenizer."""
    import hashlib
    import os
    import tempfile
    from pathlib import Path

    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    text = backend.to_str()
    path = Path(tempfile.gettempdir()) / f"litreview-tokenizer-{hashlib.sha256(text.encode()).hexdigest()[:20]}.json"
    if not path.is_file():
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    return str(path)


def document_token_counter(embedder: object) -> tuple[Callable[[str], int], int, str]:
    """(count, window, splitter key) for `embedder`'s documents.

    `count(text)` is the number of tokens the model sees for `text` as a document (special tokens and any
    document prompt included), `window` the most it reads; the key names tokenizer and window, so passages
    split for one model are re-split when the library changes to a model that counts differently. An embedder
    gives its tokenizer as `tokenizer_file` (the embedding child process does), or as a transformers
    `tokenizer`; `count` is picklable unless the tokenizer is a slow (Python) one.
    """
    window = int(getattr(embedder, "max_length", 0) or 512)
    spec = getattr(embedder, "spec", None)
    prompt = str(getattr(embedder, "document_prompt", None) or getattr(spec, "document_prompt", "") or "")
    model_id = getattr(embedder, "model_id", "")
    tokenizer = getattr(embedder, "tokenizer", None)
    saved = getattr(embedder, "tokenizer_file", None) or (tokenizer_file(tokenizer) if tokenizer else None)
    if saved:
        return TokenizerCounter(saved, prompt), window, f"tokenizer:{model_id}:{window}"
    if tokenizer is not None:

        def count(text: str) -> int:
            return len(tokenizer(prompt + text, add_special_tokens=True, truncation=False)["input_ids"])

        return count, window, f"tokenizer:{model_id}:{window}"
    window = max(16, int(window * _UNKNOWN_TOKENIZER_SHARE))
    return PieceCounter(), window, f"words:{window}"
