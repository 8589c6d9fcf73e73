"""Save and load trained name models (weights, config, vocabulary, training words).

A checkpoint is a ``torch.save`` dict: ``kind`` (bigram, mlp, wavenet), ``chars``, ``config``
(the model's config dataclass as a dict), ``state`` (its state dict), ``train_words`` and
``losses``. `load_model` reads it with ``weights_only=True`` (no code runs from the file) and
turns every way a file can be wrong (not a torch file, truncated, another program's checkpoint,
missing keys, a config the model refuses, weights of other shapes) into one `CheckpointError`
whose message is one line for the user.
"""

from __future__ import annotations

import pickle
import zipfile
from dataclasses import asdict
from pathlib import Path

import torch

from core.names.data import Vocabulary
from core.names.mlp import MLP, CharMLPConfig
from core.names.neural_bigram import NeuralBigram, NeuralBigramConfig
from core.names.wavenet import WaveNet, WaveNetConfig
from core.paths import data_dir

MODELS = {"bigram": (NeuralBigram, NeuralBigramConfig), "mlp": (MLP, CharMLPConfig),
          "wavenet": (WaveNet, WaveNetConfig)}
KEYS = ("kind", "chars", "config", "state")


class CheckpointError(ValueError):
    """A file that is not a usable name-model checkpoint; the message says why, in one line."""


def default_checkpoint(kind: str) -> Path:
    """Where the CLI keeps the last model of each kind: ``<data dir>/names/<kind>.pt``."""
    return data_dir("names") / f"{kind}.pt"


def save_model(model, path: str | Path, train_words, losses: dict | None = None) -> Path:
    """Write ``model`` to ``path`` through a temporary file, so an interrupted save leaves the
    previous checkpoint intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = {
        "kind": model.kind,
        "chars": list(model.vocab.chars),
        "config": asdict(model.config),
        "state": model.state_dict(),
        "train_words": list(train_words),
        "losses": dict(losses or {}),
    }
    partial = path.with_name(path.name + ".partial")
    torch.save(blob, partial)
    partial.replace(path)
    return path


def _one_line(exc: BaseException, limit: int) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read(path: Path) -> dict:
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, zipfile.BadZipFile, EOFError, RuntimeError, ValueError, TypeError,
            AttributeError, ImportError, IndexError, KeyError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path} is not a readable torch checkpoint ({_one_line(exc, 160)})") from None
    if not isinstance(blob, dict):
        raise CheckpointError(f"{path} holds a {type(blob).__name__}, not a name-model checkpoint")
    missing = [key for key in KEYS if key not in blob]
    if missing:
        raise CheckpointError(f"{path} is not a name-model checkpoint (missing {', '.join(missing)}); "
                              "train one with python -m core.names train")
    return blob


def load_model(path: str | Path):
    """(model, training words, losses) from a file written by `save_model`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {path}; train one first (python -m core.names train ...)")
    blob = _read(path)
    kind = blob["kind"]
    if kind not in MODELS:
        raise CheckpointError(f"{path} holds an unknown model kind {str(kind)[:40]!r}; "
                              f"expected one of {', '.join(MODELS)}")
    model_cls, config_cls = MODELS[kind]
    try:
        vocab = Vocabulary(tuple(str(c) for c in blob["chars"]))
        model = model_cls(vocab, config_cls(**dict(blob["config"])))
        model.load_state_dict(blob["state"])
    except (TypeError, ValueError, RuntimeError, KeyError, AttributeError) as exc:
        raise CheckpointError(f"{path} does not fit a {kind} model ({_one_line(exc, 240)})") from None
    model.eval()
    words = blob.get("train_words")
    return model, list(words) if isinstance(words, (list, tuple)) else [], dict(blob.get("losses") or {})
