"""A transformers model on this machine: the seed cards' pooling, prompts and MRL, batched for throughput.

torch and transformers are imported here only; this module is imported lazily by load_embedder().
Runs on whichever thread calls it (the worker thread in the app); one instance is not meant to be shared
between threads at the same time.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from litreview.core.progress import CancelToken
from litreview.embedding.base import PromptedEmbedder
from litreview.embedding.onednn import use_onednn_linears
from litreview.embedding.spec import ModelSpec

DEFAULT_TOKEN_BUDGET = 2048  # padded tokens per CPU batch: small enough for activations to stay in cache
MAX_BATCH_SIZE = 256

_threads_lock = threading.Lock()
_threads_configured = False


def configure_torch_threads(threads: int | None = None) -> None:
    """Set torch's intra-op thread count once per process (env LITREVIEW_TORCH_THREADS or `threads`)."""
    global _threads_configured
    import torch

    with _threads_lock:
        if _threads_configured:
            return
        wanted = threads or int(os.environ.get("LITREVIEW_TORCH_THREADS", "0") or 0)
        if wanted > 0:
            torch.set_num_threads(wanted)
        _threads_configured = True


def resolve_device(device: str | None) -> str:
    """`device` as given, or the best available: cuda > mps > cpu."""
    import torch

    if device:
        return device
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def _attention_candidates(device: str) -> list[str]:
    candidates = []
    if device.startswith("cuda") and importlib.util.find_spec("flash_attn") is not None:
        candidates.append("flash_attention_2")
    return [*candidates, "sdpa", "eager"]


def _default_budget(device: str) -> int:
    return 65536 if device.startswith("cuda") else DEFAULT_TOKEN_BUDGET


class TransformerEmbedder(PromptedEmbedder):
    """Embeds texts with a local transformers model as its card prescribes.

    Texts are tokenized once, sorted by token length, grouped into batches of at most `token_budget` padded
    tokens, and the vectors are put back in input order. Pooling is done in float32; MRL truncation to `dim`
    happens before L2 normalisation.
    """

    def __init__(
        self,
        folder: Path,
        spec: ModelSpec,
        *,
        dim: int | None = None,
        device: str | None = None,
        dtype: str | None = None,
        token_budget: int | None = None,
        max_batch_size: int = MAX_BATCH_SIZE,
        threads: int | None = None,
    ) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        # Loading a model is the app's business, not the terminal's: no progress bars, only errors.
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        configure_torch_threads(threads)
        self.folder = Path(folder)
        self.spec = spec
        self.model_id = spec.model_id
        self.max_length = spec.max_length
        self.device = resolve_device(device)
        if dtype is None:
            torch_dtype = torch.float16 if self.device.startswith("cuda") else torch.float32
        elif dtype in ("float32", "float16", "bfloat16"):
            torch_dtype = getattr(torch, dtype)
        else:
            raise ValueError(f"dtype must be float32, float16 or bfloat16, not {dtype!r}")
        self.dtype = str(torch_dtype).removeprefix("torch.")
        self.token_budget = token_budget or _default_budget(self.device)
        self.max_batch_size = max_batch_size

        self.tokenizer = AutoTokenizer.from_pretrained(
            str(self.folder), local_files_only=True, trust_remote_code=False, padding_side=spec.padding_side
        )
        self.tokenizer.padding_side = spec.padding_side
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token

        last_error: Exception | None = None
        model = None
        for attention in _attention_candidates(self.device):
            try:
                model = AutoModel.from_pretrained(
                    str(self.folder),
                    local_files_only=True,
                    trust_remote_code=False,
                    dtype=torch_dtype,
                    attn_implementation=attention,
                )
                self.attention = attention
                break
            except (ValueError, ImportError) as exc:  # this attention kind is not supported by the model
                last_error = exc
        if model is None:
            raise RuntimeError(f"could not load {self.folder}: {last_error}")
        if getattr(model, "pooler", None) is not None:
            model.pooler = None  # BERT's CLS pooler head is never used for sentence embeddings
        model.eval()
        self.model = model.to(self.device)
        # On the CPU the linear layers run through oneDNN's fused kernel (see embedding.onednn): float32 by
        # default; dtype=bfloat16 runs the whole model in bfloat16, which oneDNN turns into AVX512-BF16/AMX
        # products where the CPU has them (1.7x float32 on a 2-core EPYC, 2x with AMX), pooling still in float32.
        self.onednn = self.device == "cpu" and use_onednn_linears(self.model)

        hidden = int(getattr(model.config, "hidden_size", 0) or spec.hidden_size or 0)
        self.native_dim = hidden
        self.dim = dim or hidden
        if not 0 < self.dim <= hidden:
            raise ValueError(f"dim {self.dim} is not between 1 and the model's {hidden}")
        self._prompt_lengths: dict[str, int] = {}

    # -- public API --------------------------------------------------------------------------------------------

    def _embed_with_prompt(
        self, texts: Sequence[str], query: bool, progress: Callable[[int, int], None] | None,
        cancel: CancelToken | None,
    ) -> np.ndarray:
        """Query vectors with the card's query prompt; document vectors with no prompt unless the model's files
        define a document prompt."""
        prompt = self.spec.query_prompt if query else self.spec.document_prompt
        return self._embed(texts, prompt, progress=progress, cancel=cancel)

    def describe(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "dim": self.dim,
            "device": self.device,
            "dtype": self.dtype,
            "attention": self.attention,
            "onednn_linears": self.onednn,
            "pooling": self.spec.pooling,
            "max_length": self.max_length,
            "token_budget": self.token_budget,
            "path": str(self.folder),
        }

    # -- internals ---------------------------------------------------------------------------------------------

    def _batches(self, lengths: list[int]) -> list[list[int]]:
        """Indices grouped longest first so each batch pads little and holds at most token_budget tokens."""
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        batches: list[list[int]] = []
        start = 0
        while start < len(order):
            longest = max(1, lengths[order[start]])
            size = max(1, min(self.max_batch_size, self.token_budget // longest))
            batches.append(order[start : start + size])
            start += size
        return batches

    def _prompt_length(self, prompt: str) -> int:
        """Tokens the prompt occupies at the start of a text, as sentence-transformers counts them."""
        if prompt not in self._prompt_lengths:
            ids = self.tokenizer(prompt, add_special_tokens=True)["input_ids"]
            self._prompt_lengths[prompt] = max(0, len(ids) - 1)
        return self._prompt_lengths[prompt]

    def _embed(
        self,
        texts: Sequence[str],
        prompt: str,
        *,
        progress: Callable[[int, int], None] | None,
        cancel: CancelToken | None,
    ) -> np.ndarray:
        import torch

        texts = list(texts)
        total = len(texts)
        result = np.zeros((total, self.dim), dtype=np.float32)
        if total == 0:
            return result
        if cancel is not None:
            cancel.raise_if_cancelled()
        encoded = self.tokenizer(
            [prompt + text for text in texts],
            truncation=True,
            max_length=self.max_length,
            padding=False,
            return_attention_mask=False,
            return_token_type_ids=False,
        )["input_ids"]
        strip_prompt = bool(prompt) and not self.spec.include_prompt and self.spec.pooling == "mean"
        prompt_length = self._prompt_length(prompt) if strip_prompt else 0
        done = 0
        if progress is not None:
            progress(0, total)
        with torch.inference_mode():
            for batch in self._batches([len(ids) for ids in encoded]):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                padded = self.tokenizer.pad(
                    {"input_ids": [encoded[i] for i in batch]},
                    padding=True,
                    return_attention_mask=True,
                    return_tensors="pt",
                )
                input_ids = padded["input_ids"].to(self.device)
                mask = padded["attention_mask"].to(self.device)
                hidden = self.model(input_ids=input_ids, attention_mask=mask).last_hidden_state
                pooled = self._pool(hidden, mask, prompt_length)
                pooled = pooled[:, : self.dim]
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                result[batch] = pooled.cpu().numpy()
                done += len(batch)
                if progress is not None:
                    progress(done, total)
        return result

    def _pool(self, hidden, mask, prompt_length: int = 0):
        """The model's pooling over real tokens, in float32."""
        import torch

        hidden = hidden.float()
        if self.spec.pooling == "lasttoken":
            # Index of each row's last real token: position -1 under left padding (the cards' layout).
            positions = torch.arange(mask.shape[1], device=mask.device)
            last = (positions * mask).argmax(dim=1)
            return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
        if self.spec.pooling == "cls":
            first = mask.argmax(dim=1)
            return hidden[torch.arange(hidden.shape[0], device=hidden.device), first]
        weights = mask
        if prompt_length:
            first = mask.argmax(dim=1, keepdim=True)
            positions = torch.arange(mask.shape[1], device=mask.device).unsqueeze(0)
            weights = mask * ((positions < first) | (positions >= first + prompt_length))
        weights = weights.unsqueeze(-1).to(hidden.dtype)
        if self.spec.pooling == "max":
            return hidden.masked_fill(weights == 0, float("-inf")).max(dim=1).values
        summed = (hidden * weights).sum(dim=1)
        return summed / weights.sum(dim=1).clamp(min=1e-9)
