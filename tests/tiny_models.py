"""Tiny randomly initialised Qwen3 and BERT models with trained tokenizers, saved in the seed repos' layout.

The layout is the sentence-transformers one the seed repositories use: the transformers files at the top,
`modules.json`, `1_Pooling/config.json`, `config_sentence_transformers.json` (prompts) and
`sentence_bert_config.json` (max_seq_length). Import the `tiny_models` fixture from test files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SENTENCES = [
    "Microstructural development of human newborn cerebral white matter assessed by diffusion tensor imaging.",
    "Alterations of the architecture of cerebral white matter can affect cortical development.",
    "We present a transformer model for retrieving relevant scientific abstracts given a claim.",
    "Dense retrieval with contrastive learning improves recall on scientific fact checking.",
    "Given a web search query, retrieve relevant passages that answer the query",
    "Given a query, retrieve relevant passages that answer the query",
    "Instruct: Query: the cat sat on the mat while the dog slept near the door.",
    "Gravitational waves from binary black hole mergers observed by interferometers.",
    "Protein folding prediction with attention networks reaches experimental accuracy.",
    "A survey of clustering methods for document collections and topic labels.",
]

QWEN3_BASE_QUERY_PROMPT = "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:"
QWEN3_ACADEMIC_QUERY_PROMPT = "Instruct: Given a query, retrieve relevant passages that answer the query\nQuery: "


def _write_st_layout(folder: Path, *, pooling: str, max_seq_length: int, prompts: dict[str, str] | None,
                     hidden_size: int = 32) -> None:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    pooling_config = {
        "word_embedding_dimension": hidden_size,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": pooling == "mean",
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": pooling == "lasttoken",
        "include_prompt": True,
    }
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling_config, indent=2))
    st_config: dict = {"__version__": {"sentence_transformers": "3.0.0"}, "similarity_fn_name": "cosine"}
    if prompts is not None:
        st_config["prompts"] = prompts
        st_config["default_prompt_name"] = None
    (folder / "config_sentence_transformers.json").write_text(json.dumps(st_config, indent=2))
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": max_seq_length, "do_lower_case": False})
    )


def build_tiny_qwen3(folder: Path, *, query_prompt: str = QWEN3_BASE_QUERY_PROMPT, seed: int = 0,
                     hidden_size: int = 32, max_seq_length: int = 512) -> Path:
    """A 2-layer Qwen3 (hidden 32, or `hidden_size`: 1024 is the seed's width) with a byte-level BPE tokenizer that
    appends <|endoftext|> like the seed repo; `max_seq_length` is what sentence-transformers (and a server
    built on it) truncates to."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast, Qwen3Config, Qwen3Model

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(SENTENCES, trainer=trainer)
    eos_id = tokenizer.token_to_id("<|endoftext|>")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="$A <|endoftext|>", pair="$A <|endoftext|> $B <|endoftext|>", special_tokens=[("<|endoftext|>", eos_id)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token="<|endoftext|>", pad_token="<|endoftext|>", padding_side="left"
    )
    fast.model_max_length = max(512, max_seq_length)
    fast.save_pretrained(folder)

    torch.manual_seed(seed)
    config = Qwen3Config(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=hidden_size,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=8,
        max_position_embeddings=max(512, max_seq_length),
        eos_token_id=eos_id,
        pad_token_id=eos_id,
        tie_word_embeddings=True,
    )
    model = Qwen3Model(config).eval()
    model.save_pretrained(folder)
    _write_st_layout(folder, pooling="lasttoken", max_seq_length=max_seq_length,
                     prompts={"query": query_prompt, "document": ""}, hidden_size=hidden_size)
    return folder


def build_tiny_bert(folder: Path, *, max_seq_length: int = 64, seed: int = 0) -> Path:
    """A 2-layer BERT (hidden 32) with a WordPiece tokenizer, mean pooling, laid out like all-MiniLM-L6-v2."""
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    tokenizer.train_from_iterator(SENTENCES, trainer=trainers.WordPieceTrainer(vocab_size=200, special_tokens=specials))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    fast.model_max_length = 128
    fast.save_pretrained(folder)

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=128,
        pad_token_id=tokenizer.token_to_id("[PAD]"),
    )
    BertModel(config).eval().save_pretrained(folder)
    _write_st_layout(folder, pooling="mean", max_seq_length=max_seq_length, prompts=None)
    return folder


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Folders of tiny models: "qwen3" (base card prompt), "qwen3-academic" (academic prompt), "bert"."""
    root = tmp_path_factory.mktemp("tiny_models")
    return {
        "qwen3": build_tiny_qwen3(root / "qwen3"),
        "qwen3-academic": build_tiny_qwen3(root / "qwen3-academic", query_prompt=QWEN3_ACADEMIC_QUERY_PROMPT, seed=1),
        "bert": build_tiny_bert(root / "bert"),
    }
