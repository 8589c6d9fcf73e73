"""Training runs as self-contained units of work for a background job (or any caller):
build the examples for a corpus, train, and hand back the model with its losses."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.names.corpus import Corpus
from core.names.mlp import MLP, CharMLPConfig
from core.names.neural_bigram import NeuralBigram, NeuralBigramConfig
from core.names.training import MLPTrainConfig, SplitTensors, TrainResult, train_mlp, train_neural_bigram


@dataclass
class TrainedModel:
    kind: str  # "bigram" or "mlp"
    model: object
    result: TrainResult
    corpus_key: str  # which word list it was trained on


def run_neural_bigram(corpus: Corpus, corpus_key: str, config: NeuralBigramConfig, job=None) -> TrainedModel:
    """Train a neural bigram on the corpus' training split; ``job`` is a `core.jobs.BackgroundJob`."""
    model = NeuralBigram(corpus.vocab, seed=config.seed)
    data = SplitTensors.build(corpus.split, corpus.vocab, 1)
    result = train_neural_bigram(model, data, config, on_event=job.emit if job else None,
                                 should_continue=job.checkpoint if job else None)
    return TrainedModel("bigram", model, result, corpus_key)


def run_mlp(corpus: Corpus, corpus_key: str, model_config: CharMLPConfig, train_config: MLPTrainConfig,
            device: torch.device | str = "cpu", job=None) -> TrainedModel:
    """Train an MLP on the corpus' training split, reporting to ``job`` when given."""
    model = MLP(corpus.vocab, model_config)
    data = SplitTensors.build(corpus.split, corpus.vocab, model_config.block_size)
    if job:
        job.emit({"step": 0, "parameters": model.num_parameters(), "examples": len(data.train[1])})
    result = train_mlp(model, data, train_config, on_event=job.emit if job else None,
                       should_continue=job.checkpoint if job else None, device=device)
    return TrainedModel("mlp", model, result, corpus_key)
