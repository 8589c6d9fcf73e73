"""A multilayer perceptron from six plain functions, grown into a small library.

The recipe of the source articles: ``init_coeffs`` makes explicit weight and bias tensors
with ``requires_grad``; ``calc_preds`` runs the forward pass (the chosen activation in the
hidden layers, sigmoid or softmax at the output); ``calc_loss`` compares predictions with the
targets (MAE as in the articles, MSE, binary or multiclass cross-entropy, plus an optional L1/L2
penalty); ``update_coeffs`` steps the coefficients under ``torch.no_grad()`` and zeroes their
gradients; ``execute_epoch`` does one pass over the data in batches; ``train_model`` repeats
epochs; ``model_accuracy`` scores a model. Data are always passed in, never read from globals.

Coefficients are ``(weights, biases)``: ``weights[i]`` has shape ``(n_in, n_out)`` and a layer
computes ``x @ W + b`` as in the articles. Any list of hidden sizes works, ``[]`` included
(a single neuron).

This module imports only torch, the standard library and two dependency-free helpers
(`core.errors`, `core.threads`), so the exporter can copy the three verbatim into a standalone
script that reproduces a run.
"""

from __future__ import annotations

import math
import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace

import torch
import torch.nn.functional as F

from core.errors import TrainingDiverged
from core.threads import single_thread

ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "linear")
LOSSES = ("mae", "mse", "bce", "ce")
OPTIMIZERS = ("gd", "momentum", "adam")
REGULARIZERS = ("none", "l1", "l2")
TASKS = ("binary", "multiclass", "regression")
INITS = ("auto", "recipe")


@dataclass
class MLPConfig:
    """Everything that defines a network and how it trains (the recipe's defaults where it has them)."""

    hiddens: list[int] = field(default_factory=lambda: [10, 10])
    activation: str = "relu"
    task: str = "binary"  # binary: 1 sigmoid output; multiclass: softmax over n_classes; regression: linear
    n_classes: int = 2
    loss: str = "mae"
    optimizer: str = "gd"
    lr: float = 0.1
    momentum: float = 0.9  # used by "momentum"
    betas: tuple[float, float] = (0.9, 0.999)  # used by "adam"
    eps: float = 1e-8
    batch_size: int = 0  # 0 or >= N: full batch; 1: stochastic; otherwise mini-batch
    regularization: str = "none"
    reg_rate: float = 0.0
    init: str = "auto"
    seed: int = 0

    def __post_init__(self):
        self.hiddens = [int(h) for h in self.hiddens]
        checks = [(self.activation, ACTIVATIONS, "activation"), (self.loss, LOSSES, "loss"),
                  (self.optimizer, OPTIMIZERS, "optimizer"), (self.task, TASKS, "task"),
                  (self.regularization, REGULARIZERS, "regularization"), (self.init, INITS, "init")]
        for value, allowed, name in checks:
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, not {value!r}")
        if any(h < 1 for h in self.hiddens):
            raise ValueError("every hidden layer needs at least one neuron")
        if self.task == "multiclass" and self.n_classes < 2:
            raise ValueError("multiclass needs at least 2 classes")
        if self.task == "regression" and self.loss in ("bce", "ce"):
            raise ValueError("regression takes the MAE or MSE loss, not cross-entropy")
        if self.task == "binary" and self.loss == "ce":
            self.loss = "bce"  # two-class cross-entropy is BCE on one sigmoid output

    @property
    def n_outputs(self) -> int:
        return self.n_classes if self.task == "multiclass" else 1


def _activate(z: torch.Tensor, name: str) -> torch.Tensor:
    if name == "relu":
        return F.relu(z)
    if name == "leaky_relu":
        return F.leaky_relu(z, 0.01)
    if name == "tanh":
        return torch.tanh(z)
    if name == "sigmoid":
        return torch.sigmoid(z)
    return z


def init_coeffs(n_inputs: int, hiddens: list[int] | None = None, n_outputs: int = 1, *,
                config: MLPConfig | None = None, dtype=torch.float32, device=None):
    """Weights ``(n_in, n_out)`` and bias vectors for every layer, each with ``requires_grad``.

    ``init="auto"`` draws uniform weights scaled to the fan-in (He for ReLU-like activations,
    Glorot otherwise) so that deep nets start in a trainable range; ``init="recipe"`` uses the
    articles' ``(rand - 0.3) / n_out * 4`` weights and small random biases.
    """
    config = config or MLPConfig()
    hiddens = config.hiddens if hiddens is None else list(hiddens)
    sizes = [int(n_inputs)] + list(hiddens) + [int(n_outputs)]
    gen = torch.Generator().manual_seed(int(config.seed))
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        unit = torch.rand(fan_in, fan_out, generator=gen, dtype=torch.float64)
        if config.init == "recipe":
            w = (unit - 0.3) / fan_out * 4
            b = (torch.rand(fan_out, generator=gen, dtype=torch.float64) - 0.5) * 0.1
        else:
            relu_like = config.activation in ("relu", "leaky_relu")
            bound = math.sqrt(6 / fan_in) if relu_like else math.sqrt(6 / (fan_in + fan_out))
            w = (unit * 2 - 1) * bound
            b = torch.zeros(fan_out, dtype=torch.float64)
        weights.append(w.to(dtype=dtype, device=device).requires_grad_())
        biases.append(b.to(dtype=dtype, device=device).requires_grad_())
    return weights, biases


def forward_logits(coeffs, indeps: torch.Tensor, activation: str = "relu") -> torch.Tensor:
    """Raw outputs of the last layer (before sigmoid/softmax)."""
    weights, biases = coeffs
    res = indeps
    last = len(weights) - 1
    for i, (wt, bs) in enumerate(zip(weights, biases)):
        res = res @ wt + bs
        if i != last:
            res = _activate(res, activation)
    return res


def hidden_activations(coeffs, indeps: torch.Tensor, activation: str = "relu") -> list[torch.Tensor]:
    """The output of every hidden layer, ``[(N, h1), (N, h2), ...]`` (what each neuron computes)."""
    weights, biases = coeffs
    outs, res = [], indeps
    for wt, bs in zip(weights[:-1], biases[:-1]):
        res = _activate(res @ wt + bs, activation)
        outs.append(res)
    return outs


def _output_head(logits: torch.Tensor, task: str) -> torch.Tensor:
    if task == "binary":
        return torch.sigmoid(logits)
    if task == "multiclass":
        return torch.softmax(logits, dim=1)
    return logits


def calc_preds(coeffs, indeps: torch.Tensor, config: MLPConfig | None = None) -> torch.Tensor:
    """Forward pass: probabilities (binary ``(N, 1)``, multiclass ``(N, C)``) or values (regression)."""
    config = config or MLPConfig()
    return _output_head(forward_logits(coeffs, indeps, config.activation), config.task)


def _targets(deps: torch.Tensor, config: MLPConfig, like: torch.Tensor) -> torch.Tensor:
    if config.task == "multiclass":
        return deps.reshape(-1).long()
    return deps.reshape(-1, 1).to(like.dtype)


def penalty(coeffs, config: MLPConfig) -> torch.Tensor | float:
    """L1 (sum |w|) or L2 (sum w^2) of the weights times the rate; biases are not penalised."""
    if config.regularization == "none" or config.reg_rate == 0:
        return 0.0
    weights, _ = coeffs
    if config.regularization == "l1":
        return config.reg_rate * sum(w.abs().sum() for w in weights)
    return config.reg_rate * sum((w * w).sum() for w in weights)


def data_loss(logits: torch.Tensor, deps: torch.Tensor, config: MLPConfig) -> torch.Tensor:
    """The chosen loss from raw outputs (cross-entropies use the numerically stable logit forms)."""
    target = _targets(deps, config, logits)
    if config.loss == "bce":
        return F.binary_cross_entropy_with_logits(logits, target)
    if config.loss == "ce":
        return F.cross_entropy(logits, target)
    preds = _output_head(logits, config.task)
    if config.task == "multiclass":  # MAE/MSE against one-hot targets
        target = F.one_hot(target, config.n_classes).to(preds.dtype)
    diff = preds - target
    return diff.abs().mean() if config.loss == "mae" else (diff * diff).mean()


def calc_loss(coeffs, indeps: torch.Tensor, deps: torch.Tensor, config: MLPConfig | None = None,
              with_penalty: bool = True) -> torch.Tensor:
    """Loss of the predictions against ``deps`` (plus the L1/L2 penalty), a scalar with a graph."""
    config = config or MLPConfig()
    loss = data_loss(forward_logits(coeffs, indeps, config.activation), deps, config)
    return loss + penalty(coeffs, config) if with_penalty else loss


def init_optimizer_state(coeffs) -> dict:
    """Per-parameter buffers for momentum and Adam (plain GD needs none)."""
    params = [*coeffs[0], *coeffs[1]]
    return {"step": 0, "velocity": [torch.zeros_like(p) for p in params],
            "m": [torch.zeros_like(p) for p in params], "v": [torch.zeros_like(p) for p in params]}


def update_coeffs(coeffs, lr: float, config: MLPConfig | None = None, state: dict | None = None) -> None:
    """One gradient step on every weight and bias, then zero the gradients.

    ``gd``: ``p -= lr * g``. ``momentum`` (PyTorch's SGD convention): ``v = mu * v + g``,
    ``p -= lr * v``. ``adam``: bias-corrected first and second moments as in Kingma & Ba.
    """
    config = config or MLPConfig()
    weights, biases = coeffs
    params = [*weights, *biases]
    with torch.no_grad():
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
        if config.optimizer == "gd":
            for p, g in zip(params, grads):
                p.add_(g, alpha=-lr)
        else:
            if state is None:
                raise ValueError(f"the {config.optimizer} optimizer needs a state from init_optimizer_state")
            state["step"] += 1
            if config.optimizer == "momentum":
                for p, g, v in zip(params, grads, state["velocity"]):
                    v.mul_(config.momentum).add_(g)  # v starts at 0, so step 1 gives v = g like torch
                    p.add_(v, alpha=-lr)
            else:
                b1, b2 = config.betas
                t = state["step"]
                for p, g, m, v in zip(params, grads, state["m"], state["v"]):
                    m.mul_(b1).add_(g, alpha=1 - b1)
                    v.mul_(b2).addcmul_(g, g, value=1 - b2)
                    denom = (v.sqrt() / math.sqrt(1 - b2 ** t)).add_(config.eps)
                    p.addcdiv_(m, denom, value=-lr / (1 - b1 ** t))
        for p in params:
            p.grad = None


def batch_indices(n: int, batch_size: int, generator: torch.Generator | None) -> list[torch.Tensor] | None:
    """Shuffled index batches for one epoch, or None for a full batch (no copy of the data)."""
    if batch_size <= 0 or batch_size >= n:
        return None
    order = torch.randperm(n, generator=generator)
    return list(order.split(batch_size))


def execute_epoch(coeffs, lr: float, indeps: torch.Tensor, deps: torch.Tensor,
                  config: MLPConfig | None = None, state: dict | None = None,
                  generator: torch.Generator | None = None) -> float:
    """One pass over the training data: loss, backward, update per batch; returns the mean loss."""
    config = config or MLPConfig()
    batches = batch_indices(len(indeps), config.batch_size, generator)
    if batches is None:
        loss = calc_loss(coeffs, indeps, deps, config)
        loss.backward()
        update_coeffs(coeffs, lr, config, state)
        return float(loss.detach())
    total = 0.0
    for idx in batches:
        loss = calc_loss(coeffs, indeps[idx], deps[idx], config)
        loss.backward()
        update_coeffs(coeffs, lr, config, state)
        total += float(loss.detach()) * len(idx)
    return total / len(indeps)


def _is_small(x: torch.Tensor, config: MLPConfig) -> bool:
    return x.device.type == "cpu" and x.numel() * max(config.hiddens or [1]) < 2_000_000


def train_model(indeps: torch.Tensor, deps: torch.Tensor, epochs: int = 30, lr: float | None = None,
                config: MLPConfig | None = None, coeffs=None, history: list | None = None, **overrides):
    """Train for ``epochs`` and return the coefficients (the recipe's outer loop).

    Options come from ``config`` and keyword overrides (``hiddens=[16, 16], optimizer="adam"``).
    Each epoch's loss is appended to ``history`` when given. Raises `TrainingDiverged` when the
    loss stops being finite.
    """
    config = replace(config or MLPConfig(), **overrides)
    lr = config.lr if lr is None else lr
    if coeffs is None:
        coeffs = init_coeffs(indeps.shape[1], config.hiddens, config.n_outputs, config=config,
                             dtype=indeps.dtype, device=indeps.device)
    state = init_optimizer_state(coeffs) if config.optimizer != "gd" else None
    gen = torch.Generator().manual_seed(int(config.seed) + 1)
    with single_thread() if _is_small(indeps, config) else nullcontext():
        for epoch in range(1, epochs + 1):
            loss = execute_epoch(coeffs, lr, indeps, deps, config, state, gen)
            if history is not None:
                history.append(loss)
            if not math.isfinite(loss):
                raise TrainingDiverged(epoch=epoch, loss=loss, lr=lr)
    return coeffs


def model_accuracy(coeffs, indeps: torch.Tensor, deps: torch.Tensor, config: MLPConfig | None = None) -> float:
    """Fraction classified correctly (threshold 0.5 for binary, argmax for multiclass).

    For regression there is no accuracy; this returns R² instead (1 is perfect, 0 is the mean).
    """
    config = config or MLPConfig()
    with torch.no_grad():
        preds = calc_preds(coeffs, indeps, config)
        if config.task == "binary":
            return float(((preds.reshape(-1) > 0.5) == deps.reshape(-1).bool()).float().mean())
        if config.task == "multiclass":
            return float((preds.argmax(1) == deps.reshape(-1).long()).float().mean())
        target = deps.reshape(-1).to(preds.dtype)
        ss_res = ((preds.reshape(-1) - target) ** 2).sum()
        ss_tot = ((target - target.mean()) ** 2).sum().clamp_min(1e-12)
        return float(1 - ss_res / ss_tot)


HUGE_INPUT = 1e15  # squared in a loss, larger values leave little room before float32 overflows (3.4e38)


def input_problem(indeps: torch.Tensor, deps: torch.Tensor) -> str | None:
    """Why these training data cannot be trained on at all, or None.

    NaN or infinite values, or values beyond `HUGE_INPUT`, turn the loss into NaN at once, and
    no learning rate can help: the message says so instead of blaming the learning rate.
    """
    for kind, values in (("feature", indeps), ("target", deps)):
        values = values.detach().double().reshape(len(values), -1)
        if values.numel() == 0:
            continue
        finite = torch.isfinite(values)
        if not bool(finite.all()):
            column = int((~finite).any(0).nonzero()[0]) + 1
            return (f"The {kind} column {column} contains NaN or infinite values; no learning rate can train on "
                    "them. Remove or fix those values.")
        largest = float(values.abs().max())
        if largest > HUGE_INPUT:
            return (f"The {kind} values reach {largest:.3g}: squared in the loss they overflow 32-bit floats, "
                    "whatever the learning rate. Standardise the columns first.")
    return None


def parameter_count(coeffs) -> int:
    return sum(p.numel() for p in [*coeffs[0], *coeffs[1]])


class TrainingRun:
    """A resumable run: coefficients, optimizer state, epoch counter and loss/accuracy history.

    The page advances it a chunk at a time (``advance``) so that training never blocks the UI.
    A non-finite loss stops the run and sets ``diverged`` to a message instead of raising; data
    that cannot train at all (`input_problem`) stop it before the first epoch, with their own message.
    """

    def __init__(self, config: MLPConfig, x_train, y_train, x_test=None, y_test=None, device=None):
        self.config = config
        self.device = device or torch.device("cpu")
        self.x_train, self.y_train = x_train.to(self.device), y_train.to(self.device)
        has_test = x_test is not None and len(x_test) > 0
        self.x_test = x_test.to(self.device) if has_test else None
        self.y_test = y_test.to(self.device) if has_test else None
        self.coeffs = init_coeffs(x_train.shape[1], config.hiddens, config.n_outputs, config=config,
                                  dtype=x_train.dtype, device=self.device)
        self.state = init_optimizer_state(self.coeffs) if config.optimizer != "gd" else None
        self.generator = torch.Generator().manual_seed(int(config.seed) + 1)
        self.epoch = 0
        self.last_loss = float("nan")
        self.diverged: str | None = input_problem(self.x_train, self.y_train)  # a message once stopped
        self.history: dict[str, list[float]] = {k: [] for k in
                                                ("epoch", "train_loss", "test_loss", "train_acc", "test_acc")}
        self.record()

    @property
    def n_parameters(self) -> int:
        return parameter_count(self.coeffs)

    def advance(self, epochs: int = 1, time_budget: float | None = None) -> int:
        """Run up to ``epochs`` epochs (stopping early after ``time_budget`` seconds); returns how many ran."""
        if self.diverged:
            return 0
        with single_thread() if _is_small(self.x_train, self.config) else nullcontext():
            done = self._advance(epochs, time_budget, time.perf_counter())
            self.record()
        return done

    def _advance(self, epochs: int, time_budget: float | None, start: float) -> int:
        done = 0
        while done < epochs:
            loss = execute_epoch(self.coeffs, self.config.lr, self.x_train, self.y_train, self.config,
                                 self.state, self.generator)
            self.epoch += 1
            done += 1
            self.last_loss = loss
            if not math.isfinite(loss):
                self.diverged = str(TrainingDiverged(epoch=self.epoch, loss=loss, lr=self.config.lr))
                break
            if self.epoch % self.record_stride() == 0:
                self.record()
            if time_budget is not None and time.perf_counter() - start > time_budget:
                break
        return done

    def record_stride(self) -> int:
        """Record every epoch up to 100, then every 10 up to 1,000, ...: even spacing on a log axis."""
        return max(1, 10 ** int(math.log10(self.epoch + 1)) // 10)

    def evaluate(self, x, y) -> tuple[float, float]:
        """(loss without penalty, accuracy or R²) on ``x, y``."""
        with torch.no_grad():
            loss = float(calc_loss(self.coeffs, x, y, self.config, with_penalty=False))
        return loss, model_accuracy(self.coeffs, x, y, self.config)

    def record(self) -> None:
        if self.history["epoch"] and self.history["epoch"][-1] == self.epoch:
            return
        train = self.evaluate(self.x_train, self.y_train)
        test = self.evaluate(self.x_test, self.y_test) if self.x_test is not None else (float("nan"),) * 2
        for key, value in zip(self.history, (self.epoch, train[0], test[0], train[1], test[1])):
            self.history[key].append(value)
        if len(self.history["epoch"]) > 4000:  # keep long runs light: thin the older half
            for key in self.history:
                values = self.history[key]
                self.history[key] = values[:2000:2] + values[2000:]

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad(), single_thread():
            return calc_preds(self.coeffs, x.to(self.device), self.config).cpu()
