"""CPU inference through oneDNN's fused linear kernel, in float32 or bfloat16.

On the CPU PyTorch runs a float32 nn.Linear as MKL's addmm: the bias is first copied into the whole output, then
the product is added to it, and the GELU that follows in a BERT layer reads and writes that output once more.
oneDNN's linear (the kernel torch.compile's freezing pass swaps in) adds the bias and applies the exact (erf) GELU
while each block of the product is still in cache. On all-MiniLM-L6-v2 this makes a forward pass about 1.2x faster
with the same float32 arithmetic (benchmarks/embed.py measures it against sentence-transformers). A model loaded
in bfloat16 takes the same kernel's bfloat16 form (AVX512-BF16 or AMX where the CPU has them).

The kernel is PyTorch-internal (torch.ops.mkldnn._linear_pointwise), so the swap is checked on a probe batch
against the unchanged model and undone if the kernel is missing, fails, or gives other numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

# Largest relative difference (norm of the difference over the norm) between the probe's hidden states with and
# without the swap, by weight dtype: float32 rounding gives 1e-7 to 2e-6 (6 to 12 layers), bfloat16's 8-bit mantissa
# about 1e-2; a kernel that computed something else (no bias, no GELU) would differ by the order of 1.
PROBE_TOLERANCE = {"float32": 1e-4, "bfloat16": 3e-2}


def _fused_forward(kernel: Callable, linear, activation: str) -> Callable:
    algorithm = "none" if activation == "gelu" else ""  # "none": exact erf GELU, as nn.functional.gelu

    def forward(hidden):
        return kernel(hidden, linear.weight, linear.bias, activation, [], algorithm)

    return forward


def _swaps(model) -> list[tuple[object, object | None]]:
    """(linear, block whose exact GELU folds into it) for every nn.Linear that runs nn.Linear.forward (not one
    swapped already or hooked by another library); the block is a BERT-style intermediate."""
    import torch
    from transformers.activations import GELUActivation

    gelu_blocks = {}
    for module in model.modules():
        dense, act = getattr(module, "dense", None), getattr(module, "intermediate_act_fn", None)
        exact_gelu = isinstance(act, GELUActivation) and act.act is torch.nn.functional.gelu
        if isinstance(dense, torch.nn.Linear) and exact_gelu:
            gelu_blocks[id(dense)] = module
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear) and "forward" not in vars(m)]
    return [(linear, gelu_blocks.get(id(linear))) for linear in linears]


def _probe(model):
    import torch

    vocab = int(getattr(model.config, "vocab_size", 0) or 1000)
    input_ids = torch.arange(2 * 16).reshape(2, 16) % vocab
    mask = torch.ones_like(input_ids)
    mask[1, -4:] = 0
    with torch.inference_mode():
        return model(input_ids=input_ids, attention_mask=mask).last_hidden_state


def use_onednn_linears(model) -> bool:
    """Run `model`'s linear layers (and a BERT intermediate GELU) through oneDNN; False if left unchanged."""
    import torch

    swaps = _swaps(model)
    dtype = str(swaps[0][0].weight.dtype).removeprefix("torch.") if swaps else None
    if dtype not in PROBE_TOLERANCE or not torch.backends.mkldnn.is_available():
        return False
    try:
        kernel = torch.ops.mkldnn._linear_pointwise.default
    except (AttributeError, RuntimeError):
        return False
    expected = _probe(model)
    gelus = {}
    for linear, block in swaps:
        linear.forward = _fused_forward(kernel, linear, "gelu" if block is not None else "none")
        if block is not None:
            gelus[id(block)] = block.intermediate_act_fn
            block.intermediate_act_fn = torch.nn.Identity()
    try:
        expected = expected.float()
        difference = float((_probe(model).float() - expected).norm() / expected.norm())
        log.debug("oneDNN linear probe: relative difference %.3g (%s)", difference, dtype)
        same = difference <= PROBE_TOLERANCE[dtype]
    except Exception as exc:  # noqa: BLE001 - any failure of an internal kernel means: keep PyTorch's
        log.info("oneDNN linear kernel failed on the probe, keeping PyTorch's: %s", exc)
        same = False
    if not same:
        log.info("oneDNN linear kernel not used for this %s model", dtype)
        for linear, block in swaps:
            del linear.forward  # back to nn.Linear.forward
            if block is not None:
                block.intermediate_act_fn = gelus[id(block)]
    return same
