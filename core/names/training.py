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
from core.names.diagnostics import Recorder, snapshot
from core.names.layers import BatchNorm1d
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
class TrainConfig:
    """Minibatch SGD for the MLP and the WaveNet, with the lectures' step decay: ``lr`` until
    ``lr_decay_step``, then ``lr_late`` (part 2: 0.1 -> 0.01 at 100K of 200K steps; part 5: at
    150K of 200K)."""

    steps: int = 200_000
    batch_size: int = 32
    lr: float = 0.1
    lr_decay_step: int = 100_000  # from this step on the learning rate is lr_late
    lr_late: float = 0.01
    seed: int = 42  # minibatch sampling
    eval_every: int = 5_000  # full train/dev loss every this many steps
    log_every: int = 500  # mean minibatch loss every this many steps
    diagnostics_every: int = 0  # record `core.names.diagnostics` every this many steps (0: never)
    calibrate: bool = True  # at the end, BatchNorm statistics from the whole training split

    def __post_init__(self):
        if self.steps < 0 or self.batch_size < 1 or self.eval_every < 1 or self.log_every < 1:
            raise ValueError("steps must be >= 0 and batch_size, eval_every, log_every >= 1")
        if self.diagnostics_every < 0:
            raise ValueError("diagnostics_every must be >= 0")
        if not (math.isfinite(self.lr) and self.lr > 0 and math.isfinite(self.lr_late) and self.lr_late > 0):
            raise ValueError("learning rates must be finite and > 0")

    def lr_at(self, step: int) -> float:
        return self.lr if step < self.lr_decay_step else self.lr_late


def lecture_decay_step(kind: str, steps: int) -> int:
    """Where the lectures divide the learning rate by 10: at half the steps for the MLP (part 2:
    100K of 200K), at three quarters for the WaveNet (part 5: 150K of 200K)."""
    return steps * 3 // 4 if kind == "wavenet" else steps // 2


@dataclass
class TrainResult:
    losses: dict[str, float]  # final train/dev/test mean NLL
    steps_done: int
    seconds: float  # spent on training steps (evaluations excluded)
    cpu_seconds: float = float("nan")  # CPU time of the process in those steps (less sensitive to load)
    stopped: bool = False
    diverged: bool = False
    history: list[dict] = field(default_factory=list)
    initial_loss: float | None = None  # the first minibatch's loss, before any update
    running_stat_losses: dict[str, float] | None = None  # BatchNorm models: before `calibrate_batchnorm`
    diagnostics: list[dict] = field(default_factory=list)  # `core.names.diagnostics.snapshot`s

    @property
    def steps_per_second(self) -> float:
        return self.steps_done / self.seconds if self.seconds > 0 else float("nan")


@torch.no_grad()
def mean_nll(model, X: torch.Tensor, Y: torch.Tensor, chunk: int = 16_384) -> float:
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
    return TrainResult(losses, step, time.perf_counter() - start, stopped=stopped, diverged=diverged, history=history)


def train_model(model, data: SplitTensors, config: TrainConfig,
                on_event: Event | None = None, should_continue: Continue | None = None,
                device: torch.device | str = "cpu", threads: int | None = 1) -> TrainResult:
    """makemore's loop for the MLP and the WaveNet: each step a random minibatch, cross-entropy,
    plain SGD with the step learning-rate schedule. See `_train_model` for how it is kept fast.

    ``threads`` caps torch's intra-op threads for the loop (restored afterwards): a 32x30 by
    30x200 product gains nothing from a second thread, and on a busy machine waiting for it
    costs several times the work."""
    with torch_threads(threads):
        return _train_model(model, data, config, on_event, should_continue, device)


def _train_model(model, data, config, on_event, should_continue, device) -> TrainResult:
    """The lecture's update, with less bookkeeping per step than the lecture's loop:
    - minibatch indices for ``log_every`` steps are drawn (and gathered) at once: the same
      distribution as one ``randint`` per step;
    - the loss stays a tensor until the end of a chunk (no ``.item()`` per step);
    - one ``_foreach_add_`` updates every parameter (``p.data += -lr * p.grad`` per parameter is
      two operations each);
    - diagnostics hooks exist only on the sampled steps (`core.names.diagnostics.Recorder`)."""
    if len(data.train[1]) == 0:
        raise ValueError("the training split is empty; use more words")
    device = torch.device(device)
    model.to(device)
    data = data.to(device)
    Xtr, Ytr = data.train
    g = torch.Generator().manual_seed(config.seed)
    params = list(model.parameters())
    weights = [p.data for p in params]  # updated in place, outside autograd, as `p.data += ...`
    every = config.diagnostics_every
    model.train()
    history: list[dict] = []
    snapshots: list[dict] = []
    initial = None
    start = time.perf_counter()
    stopped = diverged = False
    step = 0
    evaluating = cpu_evaluating = 0.0  # spent on full-split losses: not training, kept out of the speed
    cpu_start = time.process_time()
    lr = config.lr_at(0)
    while step < config.steps:
        if should_continue is not None and not should_continue():
            stopped = True
            break
        chunk = min(config.log_every, config.steps - step)
        ix = torch.randint(0, len(Ytr), (chunk, config.batch_size), generator=g).to(device)
        losses = []
        for Xb, Yb in zip(Xtr[ix].unbind(0), Ytr[ix].unbind(0)):
            lr = config.lr_at(step)
            if every and (step % every == 0 or step == config.steps - 1):
                with Recorder(model) as recorder:
                    loss = _sgd_step(model, params, weights, Xb, Yb, lr)
                snapshots.append(snapshot(step, loss, lr, recorder, model))
                if on_event:
                    on_event({"step": step, "diagnostics": snapshots[-1]})
            else:
                loss = _sgd_step(model, params, weights, Xb, Yb, lr)
            losses.append(loss)
            step += 1
        chunk_losses = torch.stack(losses)
        if initial is None:
            initial = float(chunk_losses[0])
        batch_loss = float(chunk_losses.mean())
        event = {"step": step, "batch_loss": batch_loss, "lr": lr,
                 "steps_per_s": step / max(time.perf_counter() - start - evaluating, 1e-9)}
        if len(history) == 0:
            event["initial_loss"] = initial
        if not math.isfinite(batch_loss):
            diverged = True
            event["diverged"] = True
        elif step % config.eval_every < chunk or step == config.steps:
            tick, cpu_tick = time.perf_counter(), time.process_time()
            event["train_loss"] = mean_nll(model, *data.train)
            event["dev_loss"] = mean_nll(model, *data.dev)
            model.train()
            evaluating += time.perf_counter() - tick
            cpu_evaluating += time.process_time() - cpu_tick
        history.append(event)
        if on_event:
            on_event(event)
        if diverged:
            break
    seconds = time.perf_counter() - start - evaluating
    cpu_seconds = time.process_time() - cpu_start - cpu_evaluating
    losses = split_losses(model, data)
    before = None
    if config.calibrate and not diverged and calibrate_batchnorm(model, Xtr):
        before, losses = losses, split_losses(model, data)
    model.to("cpu").train()  # sampling and the page work on the CPU copy
    return TrainResult(losses, step, seconds, cpu_seconds, stopped, diverged, history, initial, before, snapshots)


def _sgd_step(model, params, weights, X, Y, lr: float) -> torch.Tensor:
    """One forward, backward and SGD update; returns the (detached) loss."""
    loss = F.cross_entropy(model(X), Y)
    for p in params:
        p.grad = None
    loss.backward()
    torch._foreach_add_(weights, [p.grad for p in params], alpha=-lr)
    return loss.detach()


class _Collected(Exception):
    def __init__(self, value: torch.Tensor):
        super().__init__("input collected")
        self.value = value


@torch.no_grad()
def calibrate_batchnorm(model, X: torch.Tensor, chunk: int = 16_384) -> int:
    """Set each BatchNorm's running mean and variance to those of its input over all of ``X``
    (makemore part 3's "calibrate the batch norm at the end of training"), first layer first so
    that each later layer sees its predecessors' final statistics. The running averages kept
    during training follow the last few dozen minibatches and so carry their noise into
    evaluation and sampling; the full training set does not. Returns how many layers it set."""
    norms = [layer for layer in getattr(model, "layers", []) if isinstance(layer, BatchNorm1d)]
    if not norms or len(X) < 2:
        return 0
    was_training = model.training
    model.eval()
    for norm in norms:
        total = torch.zeros(norm.gamma.shape[0], dtype=torch.float64, device=X.device)
        squares, count = torch.zeros_like(total), 0

        def collect(module, inputs):  # a pre-hook: take the input, skip the rest of the forward pass
            raise _Collected(inputs[0])

        handle = norm.register_forward_pre_hook(collect)
        try:
            for i in range(0, len(X), chunk):
                try:
                    model(X[i:i + chunk])
                except _Collected as got:
                    x = got.value.reshape(-1, got.value.shape[-1]).double()
                total += x.sum(0)
                squares += (x * x).sum(0)
                count += x.shape[0]
        finally:
            handle.remove()
        mean = total / count
        var = (squares - count * mean * mean) / max(count - 1, 1)
        norm.running_mean.copy_(mean.to(norm.running_mean.dtype))
        norm.running_var.copy_(var.clamp_min(0).to(norm.running_var.dtype))
    model.train(was_training)
    return len(norms)
