"""Save and load trained name models (weights, config, vocabulary, training words)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import torch

from core.names.data import Vocabulary
from core.names.mlp import MLP, CharMLPConfig
from core.names.neural_bigram import NeuralBigram
from core.paths import data_dir


def default_checkpoint(kind: str) -> Path:
    """Where the CLI keeps the last model of each kind: ``<data dir>/names/<kind>.pt``."""
    return data_dir("names") / f"{kind}.pt"


def save_model(model, path: str | Path, train_words, losses: dict | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = {
        "kind": model.kind,
        "chars": list(model.vocab.chars),
        "state": model.state_dict(),
        "config": asdict(model.config) if isinstance(model, MLP) else {},
        "train_words": list(train_words),
        "losses": dict(losses or {}),
    }
    torch.save(blob, path)
    return path


def load_model(path: str | Path):
    """(model, training words, losses) from a file written by `save_model`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {path}; train one first (python -m core.names train ...)")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    vocab = Vocabulary(tuple(blob["chars"]))
    if blob["kind"] == "mlp":
        model = MLP(vocab, CharMLPConfig(**blob["config"]))
    elif blob["kind"] == "bigram":
        model = NeuralBigram(vocab)
    else:
        raise ValueError(f"unknown model kind {blob['kind']!r} in {path}")
    model.load_state_dict(blob["state"])
    model.eval()
    return model, blob["train_words"], blob.get("losses", {})
