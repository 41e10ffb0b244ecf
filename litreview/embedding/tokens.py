"""Token counting for passage splitting: the embedder's own tokenizer, so a passage fits the model's window.

The splitter (ingest.pdf.passages) takes a plain callable, so ingest stays free of torch and transformers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Without a tokenizer (a remote endpoint), words and punctuation are counted and the window is shrunk by this
# share: subword tokenizers make about 1.3 tokens of an English word, more for rare terms.
_UNKNOWN_TOKENIZER_SHARE = 0.6
_PIECES = re.compile(r"\w+|[^\w\s]")


def document_token_counter(embedder: object) -> tuple[Callable[[str], int], int, str]:
    """(count, window, splitter key) for `embedder`'s documents.

    `count(text)` is the number of tokens the model sees for `text` as a document (special tokens and any
    document prompt included), `window` the most it reads; the key names tokenizer and window, so passages
    split for one model are re-split when the library changes to a model that counts differently.
    """
    window = int(getattr(embedder, "max_length", 0) or 512)
    tokenizer = getattr(embedder, "tokenizer", None)
    spec = getattr(embedder, "spec", None)
    if tokenizer is not None:
        prompt = str(getattr(spec, "document_prompt", "") or "")

        def count(text: str) -> int:
            return len(tokenizer(prompt + text, add_special_tokens=True, truncation=False)["input_ids"])

        name = getattr(tokenizer, "name_or_path", "") or getattr(embedder, "model_id", "")
        return count, window, f"tokenizer:{getattr(embedder, 'model_id', name)}:{window}"

    def estimate(text: str) -> int:
        return len(_PIECES.findall(text))

    window = max(16, int(window * _UNKNOWN_TOKENIZER_SHARE))
    return estimate, window, f"words:{window}"
