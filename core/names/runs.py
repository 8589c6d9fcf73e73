"""Training runs as self-contained units of work for a background job (or any caller): build the
examples for a corpus, train, and hand back the model with its losses.

``job`` is a `core.jobs.BackgroundJob` (or None): the runs report to ``job.emit`` and stop at
``job.checkpoint``. Its thread count is set by the job itself (`core.jobs` gives each heavy job
its fair share), so the runs pass ``threads=None`` and leave it alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.names.corpus import Corpus
from core.names.lr_sweep import LRSweepResult, lr_sweep
from core.names.mlp import MLP, CharMLPConfig
from core.names.neural_bigram import NeuralBigram, NeuralBigramConfig
from core.names.training import SplitTensors, TrainConfig, TrainResult, train_model, train_neural_bigram
from core.names.wavenet import WaveNet, WaveNetConfig


@dataclass
class TrainedModel:
    kind: str  # "bigram", "mlp" or "wavenet"
    model: object
    result: TrainResult
    corpus_key: str  # which word list it was trained on


def _hooks(job) -> dict:
    return {"on_event": job.emit if job else None, "should_continue": job.checkpoint if job else None}


def run_neural_bigram(corpus: Corpus, corpus_key: str, config: NeuralBigramConfig, job=None) -> TrainedModel:
    """Train a neural bigram on the corpus' training split."""
    model = NeuralBigram(corpus.vocab, config)
    data = SplitTensors.build(corpus.split, corpus.vocab, 1)
    result = train_neural_bigram(model, data, config, threads=None, **_hooks(job))
    return TrainedModel("bigram", model, result, corpus_key)


def build_model(corpus: Corpus, config: CharMLPConfig | WaveNetConfig):
    """The MLP or WaveNet that ``config`` describes, for this corpus' vocabulary."""
    return WaveNet(corpus.vocab, config) if isinstance(config, WaveNetConfig) else MLP(corpus.vocab, config)


def run_model(corpus: Corpus, corpus_key: str, model_config: CharMLPConfig | WaveNetConfig,
              train_config: TrainConfig, device: torch.device | str = "cpu", job=None) -> TrainedModel:
    """Train an MLP or a WaveNet on the corpus' training split."""
    model = build_model(corpus, model_config)
    data = SplitTensors.build(corpus.split, corpus.vocab, model.block_size)
    if job:
        job.emit({"step": 0, "parameters": model.num_parameters(), "examples": len(data.train[1])})
    result = train_model(model, data, train_config, device=device, threads=None, **_hooks(job))
    return TrainedModel(model.kind, model, result, corpus_key)


def run_lr_sweep(corpus: Corpus, model_config: CharMLPConfig, steps: int = 1000, batch_size: int = 32,
                 job=None) -> LRSweepResult:
    """makemore part 2's sweep on a fresh MLP built from ``model_config``."""
    model = MLP(corpus.vocab, model_config)
    data = SplitTensors.build(corpus.split, corpus.vocab, model.block_size)
    return lr_sweep(model, data, steps=steps, batch_size=batch_size, threads=None, **_hooks(job))
