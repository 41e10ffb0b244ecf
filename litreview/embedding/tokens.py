"""Token counting for passage splitting: the embedder's own tokenizer, so a passage fits the model's window.

The splitter (ingest.pdf.passages) takes a plain callable, so ingest stays free of torch and transformers. The
counters here are plain picklable objects (a tokenizer travels as its JSON and is loaded with the `tokenizers`
library where it is used), so passages can be split in the PDF reader's child process.
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
    """The tokens a model sees for `prompt + text`, special tokens included, by its fast tokenizer given as
    the `tokenizers` JSON (truncation and padding off)."""

    tokenizer_json: str
    prompt: str = ""

    def __call__(self, text: str) -> int:
        return len(_tokenizer(self.tokenizer_json).encode(self.prompt + text, add_special_tokens=True).ids)


@functools.lru_cache(maxsize=2)
def _tokenizer(tokenizer_json: str):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(tokenizer_json)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def tokenizer_json(tokenizer: object) -> str | None:
    """The `tokenizers` JSON of a transformers fast tokenizer as it is configured, None for a slow one."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    return backend.to_str() if backend is not None else None


def document_token_counter(embedder: object) -> tuple[Callable[[str], int], int, str]:
    """(count, window, splitter key) for `embedder`'s documents.

    `count(text)` is the number of tokens the model sees for `text` as a document (special tokens and any
    document prompt included), `window` the most it reads; the key names tokenizer and window, so passages
    split for one model are re-split when the library changes to a model that counts differently. An embedder
    gives its tokenizer as `tokenizer_json` (the embedding child process does), or as a transformers
    `tokenizer`; `count` is picklable unless the tokenizer is a slow (Python) one.
    """
    window = int(getattr(embedder, "max_length", 0) or 512)
    spec = getattr(embedder, "spec", None)
    prompt = str(getattr(embedder, "document_prompt", None) or getattr(spec, "document_prompt", "") or "")
    model_id = getattr(embedder, "model_id", "")
    tokenizer = getattr(embedder, "tokenizer", None)
    as_json = getattr(embedder, "tokenizer_json", None) or (tokenizer_json(tokenizer) if tokenizer else None)
    if as_json:
        return TokenizerCounter(as_json, prompt), window, f"tokenizer:{model_id}:{window}"
    if tokenizer is not None:

        def count(text: str) -> int:
            return len(tokenizer(prompt + text, add_special_tokens=True, truncation=False)["input_ids"])

        return count, window, f"tokenizer:{model_id}:{window}"
    window = max(16, int(window * _UNKNOWN_TOKENIZER_SHARE))
    return PieceCounter(), window, f"words:{window}"
