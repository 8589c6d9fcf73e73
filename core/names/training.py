"""Training loops for the neural name models, with progress events and cooperative stopping.

The loops take two optional callables so the same code serves the CLI, tests and the page's
background job: ``on_event(dict)`` receives progress, ``should_continue() -> bool`` is asked
between chunks of steps (a `core.jobs.BackgroundJob` passes ``job.emit`` and ``job.checkpoint``).
"""

from __future__ import annotations

import math
import time

from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F

from core.names.data import Split, Vocabulary
from core.names.dataset import build_examples
from core.names.mlp import MLP
from core.names.neural_bigram import NeuralBigram, NeuralBigramConfig
from core.threads import torch_threads

Event = Callable[[dict], None]
Continue = Callable[[], bool]


@dataclass
class SplitTensors:
    """(X, Y) example tensors of the train/dev/test words for one context length."""

    train: tuple[torch.Tensor, torch.Tensor]
    dev: tuple[torch.Tensor, torch.Tensor]
    test: tuple[torch.Tensor, torch.Tensor]

    @classmethod
    def build(cls, split: Split, vocab: Vocabulary, block_size: int) -> "SplitTensors":
        return cls(*(build_examples(w, vocab, block_size) for w in (split.train, split.dev, split.test)))

    def to(self, device) -> "SplitTensors":
        return SplitTensors(*((X.to(device), Y.to(device)) for X, Y in (self.train, self.dev, self.test)))


@dataclass
class MLPTrainConfig:
    steps: int = 200_000
    batch_size: int = 32
    lr: float = 0.1
    lr_decay_step: int = 100_000  # from this step on the learning rate is lr_late
    lr_late: float = 0.01
    seed: int = 42  # minibatch sampling
    eval_every: int = 5_000  # full train/dev loss every this many steps
    log_every: int = 500  # mean minibatch loss every this many steps

    def __post_init__(self):
        if self.steps < 0 or self.batch_size < 1 or self.eval_every < 1 or self.log_every < 1:
            raise ValueError("steps must be >= 0 and batch_size, eval_every, log_every >= 1")
        if not (math.isfinite(self.lr) and self.lr > 0 and math.isfinite(self.lr_late) and self.lr_late > 0):
            raise ValueError("learning rates must be finite and > 0")


@dataclass
class TrainResult:
    losses: dict[str, float]  # final train/dev/test mean NLL
    steps_done: int
    seconds: float
    stopped: bool = False
    diverged: bool = False
    history: list[dict] = field(default_factory=list)

    @property
    def steps_per_second(self) -> float:
        return self.steps_done / self.seconds if self.seconds > 0 else float("nan")


@torch.no_grad()
def mean_nll(model, X: torch.Tensor, Y: torch.Tensor, chunk: int = 65_536) -> float:
    """Average cross-entropy of ``model`` (in eval mode) on all examples."""
    if len(Y) == 0:
        return float("nan")
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    total = 0.0
    for i in range(0, len(Y), chunk):
        logits = model(X[i:i + chunk]) if callable(model) else model.logits(X[i:i + chunk])
        total += float(F.cross_entropy(logits, Y[i:i + chunk], reduction="sum"))
    if was_training:
        model.train()
    return total / len(Y)


def split_losses(model, data: SplitTensors) -> dict[str, float]:
    return {name: mean_nll(model, *getattr(data, name)) for name in ("train", "dev", "test")}


def train_neural_bigram(model: NeuralBigram, data: SplitTensors, config: NeuralBigramConfig,
                        on_event: Event | None = None, should_continue: Continue | None = None,
                        threads: int | None = 1) -> TrainResult:
    """Full-batch gradient descent; see `_train_neural_bigram`. Tiny tensors: one thread."""
    with torch_threads(threads):
        return _train_neural_bigram(model, data, config, on_event, should_continue)


def _train_neural_bigram(model, data, config, on_event, should_continue) -> TrainResult:
    """Full-batch gradient descent on all training bigrams: loss = NLL + reg * mean(W**2).

    The mean NLL over all training examples depends only on how often each (x, y) pair occurs,
    so each step evaluates it exactly as sum(N * -log_softmax(W)) / sum(N) on the |V|x|V| count
    table: the same loss and gradient as the one-hot forward pass over every example, at the
    cost of one |V|x|V| softmax."""
    V = model.vocab.size

    def table(X, Y):
        return torch.bincount(X[:, -1] * V + Y, minlength=V * V).view(V, V).float()

    counts, dev_counts = table(*data.train), table(*data.dev)
    total, dev_total = counts.sum().clamp_min(1.0), dev_counts.sum().clamp_min(1.0)
    start = time.perf_counter()
    history: list[dict] = []
    stopped = diverged = False
    step = 0
    every = max(1, config.steps // 200)
    for step in range(1, config.steps + 1):
        if should_continue is not None and not should_continue():
            stopped, step = True, step - 1
            break
        nll = -(counts * torch.log_softmax(model.W, dim=1)).sum() / total
        loss = nll + config.regularization * (model.W**2).mean()
        model.W.grad = None
        loss.backward()
        with torch.no_grad():
            model.W -= config.lr * model.W.grad
        if not math.isfinite(float(loss.detach())):
            diverged = True
            break
        if step % every == 0 or step == config.steps or step == 1:
            with torch.no_grad():
                dev = -(dev_counts * torch.log_softmax(model.W, dim=1)).sum() / dev_total
            event = {"step": step, "train_loss": float(nll.detach()), "dev_loss": float(dev)}
            history.append(event)
            if on_event:
                on_event(event)
    losses = split_losses(model, data)
    return TrainResult(losses, step, time.perf_counter() - start, stopped, diverged, history)


def train_mlp(model: MLP, data: SplitTensors, config: MLPTrainConfig,
              on_event: Event | None = None, should_continue: Continue | None = None,
              device: torch.device | str = "cpu", threads: int | None = 1) -> TrainResult:
    """makemore's loop: each step a random minibatch, cross-entropy, plain SGD with a step
    learning-rate schedule. Minibatch indices are drawn for ``log_every`` steps at a time
    (same distribution as one draw per step, fewer calls).

    ``threads`` caps torch's intra-op threads for the loop (restored afterwards): a 32x30 by
    30x200 product gains nothing from a second thread, and on a busy machine waiting for it
    costs several times the work."""
    with torch_threads(threads):
        return _train_mlp(model, data, config, on_event, should_continue, device)


def _train_mlp(model, data, config, on_event, should_continue, device) -> TrainResult:
    if len(data.train[1]) == 0:
        raise ValueError("the training split is empty; use more words")
    device = torch.device(device)
    model.to(device)
    data = data.to(device)
    Xtr, Ytr = data.train
    g = torch.Generator().manual_seed(config.seed)
    params = list(model.parameters())
    model.train()
    history: list[dict] = []
    start = time.perf_counter()
    stopped = diverged = False
    step = 0
    running = 0.0
    while step < config.steps:
        if should_continue is not None and not should_continue():
            stopped = True
            break
        chunk = min(config.log_every, config.steps - step)
        batches = torch.randint(0, len(Ytr), (chunk, config.batch_size), generator=g).to(device)
        running = 0.0
        for ix in batches:
            lr = config.lr if step < config.lr_decay_step else config.lr_late
            loss = F.cross_entropy(model(Xtr[ix]), Ytr[ix])
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p.add_(p.grad, alpha=-lr)
            running += loss.item()
            step += 1
        batch_loss = running / chunk
        if not math.isfinite(batch_loss):
            diverged = True
            event = {"step": step, "batch_loss": batch_loss, "diverged": True}
            history.append(event)
            if on_event:
                on_event(event)
            break
        event = {"step": step, "batch_loss": batch_loss, "lr": lr,
                 "steps_per_s": step / max(time.perf_counter() - start, 1e-9)}
        if step % config.eval_every < chunk or step == config.steps:
            event["train_loss"] = mean_nll(model, *data.train)
            event["dev_loss"] = mean_nll(model, *data.dev)
            model.train()
        history.append(event)
        if on_event:
            on_event(event)
    seconds = time.perf_counter() - start
    losses = split_losses(model, data)
    model.to("cpu").train()  # sampling and the page work on the CPU copy
    return TrainResult(losses, step, seconds, stopped, diverged, history)
