"""One sampling routine for every name model (counts, neural bigram, MLP, WaveNet).

A model only has to offer ``block_size``, ``vocab`` and ``logits(context) -> (B, |V|)``.
All names are drawn in parallel, one character per step, from a seeded generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from core.names.data import MAX_WORD_LENGTH


@dataclass
class Sample:
    name: str
    in_training_set: bool


@dataclass
class SampleStep:
    context: str  # the characters the model saw
    probs: list[float]  # distribution over the vocabulary after temperature and top-k
    chosen: str
    chosen_prob: float


def next_char_probs(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None) -> torch.Tensor:
    """Softmax of logits / temperature, keeping only the ``top_k`` most likely characters."""
    if not (math.isfinite(temperature) and temperature > 0):
        raise ValueError("temperature must be a finite number > 0")
    logits = logits.float() / temperature
    if top_k is not None and 0 < top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return torch.softmax(logits, dim=-1)


@torch.no_grad()
def _sample(model, n: int, seed: int, temperature: float, top_k: int | None,
            max_length: int, trace: bool) -> tuple[list[str], list[SampleStep]]:
    if n < 1:
        raise ValueError("n must be at least 1")
    g = torch.Generator().manual_seed(int(seed))
    itos = model.vocab.itos
    context = torch.zeros((n, model.block_size), dtype=torch.long)
    out = torch.zeros((n, max_length), dtype=torch.long)
    alive = torch.ones(n, dtype=torch.bool)
    steps: list[SampleStep] = []
    for t in range(max_length):
        probs = next_char_probs(model.logits(context), temperature, top_k)
        ix = torch.multinomial(probs, 1, generator=g).squeeze(1)
        ix = torch.where(alive, ix, torch.zeros_like(ix))
        if trace and alive[0]:
            seen = "".join(itos[int(i)] for i in context[0])
            steps.append(SampleStep(seen, probs[0].tolist(), itos[int(ix[0])], float(probs[0, ix[0]])))
        out[:, t] = ix
        alive &= ix != 0
        context = torch.cat([context[:, 1:], ix[:, None]], dim=1)
        if not alive.any():
            break
    names = []
    for row in out.tolist():
        end = row.index(0) if 0 in row else len(row)
        names.append("".join(itos[i] for i in row[:end]))
    return names, steps


def sample_names(model, n: int = 20, seed: int = 42, temperature: float = 1.0, top_k: int | None = None,
                 training_words=(), max_length: int = MAX_WORD_LENGTH) -> list[Sample]:
    """``n`` names from ``model``, each tagged whether it already is in ``training_words``.
    The same seed gives the same names."""
    known = training_words if isinstance(training_words, (set, frozenset)) else set(training_words)
    names, _ = _sample(model, n, seed, temperature, top_k, max_length, trace=False)
    return [Sample(name, name in known) for name in names]


def trace_sample(model, seed: int = 42, temperature: float = 1.0, top_k: int | None = None,
                 max_length: int = MAX_WORD_LENGTH) -> tuple[str, list[SampleStep]]:
    """One name with every step recorded: the context, the row of probabilities, the pick."""
    names, steps = _sample(model, 1, seed, temperature, top_k, max_length, trace=True)
    return names[0], steps
