"""Gradient descent and its descendants, written out, run batched over many rows at once.

Every row of a batch is one optimizer run (its own kind, hyperparameters and start point),
so six optimizers x 500 steps, or 40 learning rates of an LR sweep, cost one tensor op per
formula per step instead of a Python loop over runs. The update rules follow the PyTorch
formulations (``torch.optim`` SGD, SGD(momentum), SGD(nesterov=True), Adagrad, RMSprop,
Adam) so that a test can compare them step for step.

A run that produces a non-finite value or leaves a huge box is reported as diverged at
that step; its path entries from there on are NaN so plots can simply drop them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

KINDS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
TITLES = {"gd": "Gradient descent", "momentum": "Momentum", "nesterov": "Nesterov",
          "adagrad": "AdaGrad", "rmsprop": "RMSProp", "adam": "Adam"}
# Which hyperparameters each rule reads (the page shows only these).
HYPERPARAMETERS = {"gd": ("lr",), "momentum": ("lr", "momentum"), "nesterov": ("lr", "momentum"),
                   "adagrad": ("lr", "eps"), "rmsprop": ("lr", "alpha", "eps"),
                   "adam": ("lr", "beta1", "beta2", "eps")}
POSITION_BOUND = 1e8  # |x| or |y| beyond this counts as diverged
VALUE_BOUND = 1e100

ValueAndGrad = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class OptimizerConfig:
    """One optimizer and its hyperparameters (the names of torch.optim's arguments)."""

    kind: str
    lr: float
    momentum: float = 0.9  # Momentum, Nesterov
    alpha: float = 0.99  # RMSProp's decay of the squared-gradient average
    beta1: float = 0.9  # Adam
    beta2: float = 0.999  # Adam
    eps: float = 1e-8  # AdaGrad, RMSProp, Adam

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown optimizer {self.kind!r}; choose from {KINDS}")

    @property
    def title(self) -> str:
        return TITLES[self.kind]


class _Hyper:
    """Per-row hyperparameters as (K, 1) columns so they broadcast over (K, D) parameters."""

    def __init__(self, configs: Sequence[OptimizerConfig], dtype, device):
        def col(name):
            return torch.tensor([getattr(c, name) for c in configs], dtype=dtype, device=device)[:, None]

        self.lr, self.momentum, self.alpha = col("lr"), col("momentum"), col("alpha")
        self.beta1, self.beta2, self.eps = col("beta1"), col("beta2"), col("eps")


# --- The update rules. Each returns the step to subtract from the parameters. -------------
# ``s`` is a dict of state tensors shaped like the parameters; ``t`` is the 1-based step.

def gd_update(g, s, h, t):
    """w <- w - lr * g"""
    return h.lr * g


def momentum_update(g, s, h, t):
    """Heavy ball: v <- mu v + g ; w <- w - lr v  (torch's SGD(momentum=mu))."""
    s["velocity"] = h.momentum * s["velocity"] + g
    return h.lr * s["velocity"]


def nesterov_update(g, s, h, t):
    """Look-ahead momentum in torch's form: v <- mu v + g ; w <- w - lr (g + mu v)."""
    s["velocity"] = h.momentum * s["velocity"] + g
    return h.lr * (g + h.momentum * s["velocity"])


def adagrad_update(g, s, h, t):
    """Per-coordinate rate shrinking with the sum of all squared gradients."""
    s["grad_sq_sum"] = s["grad_sq_sum"] + g * g
    return h.lr * g / (s["grad_sq_sum"].sqrt() + h.eps)


def rmsprop_update(g, s, h, t):
    """Like AdaGrad with a leaky (exponential) average of squared gradients."""
    s["grad_sq_avg"] = h.alpha * s["grad_sq_avg"] + (1 - h.alpha) * g * g
    return h.lr * g / (s["grad_sq_avg"].sqrt() + h.eps)


def adam_update(g, s, h, t):
    """Momentum on the gradient (m) and RMSProp scaling (v), both bias-corrected."""
    s["m"] = h.beta1 * s["m"] + (1 - h.beta1) * g
    s["v"] = h.beta2 * s["v"] + (1 - h.beta2) * g * g
    m_hat = s["m"] / (1 - h.beta1**t)
    v_hat = s["v"] / (1 - h.beta2**t)
    return h.lr * m_hat / (v_hat.sqrt() + h.eps)


RULES = {"gd": gd_update, "momentum": momentum_update, "nesterov": nesterov_update,
         "adagrad": adagrad_update, "rmsprop": rmsprop_update, "adam": adam_update}
STATE_NAMES = ("velocity", "grad_sq_sum", "grad_sq_avg", "m", "v")


def torch_optimizer(config: OptimizerConfig, params) -> torch.optim.Optimizer:
    """The ``torch.optim`` optimizer whose update rule ``config``'s kind writes out by hand.

    Used as the reference our update rules are checked against, and as the one-run-at-a-time
    baseline of the benchmark.
    """
    c = config
    if c.kind == "gd":
        return torch.optim.SGD(params, lr=c.lr)
    if c.kind in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=c.lr, momentum=c.momentum, nesterov=c.kind == "nesterov")
    if c.kind == "adagrad":
        return torch.optim.Adagrad(params, lr=c.lr, eps=c.eps)
    if c.kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=c.lr, alpha=c.alpha, eps=c.eps)
    if c.kind == "adam":
        return torch.optim.Adam(params, lr=c.lr, betas=(c.beta1, c.beta2), eps=c.eps)
    raise ValueError(f"unknown optimizer kind {c.kind!r}")


class BatchedOptimizer:
    """Applies each row's own rule to a (K, D) parameter tensor, all rows in one pass."""

    def __init__(self, configs: Sequence[OptimizerConfig], shape, dtype=torch.float64, device="cpu"):
        self.configs = list(configs)
        self.hyper = _Hyper(self.configs, dtype, device)
        self.state = {name: torch.zeros(shape, dtype=dtype, device=device) for name in STATE_NAMES}
        kinds = [c.kind for c in self.configs]
        self.masks = {k: torch.tensor([x == k for x in kinds], device=device)[:, None]
                      for k in KINDS if k in kinds}
        self.t = 0

    def step_delta(self, grad: torch.Tensor) -> torch.Tensor:
        """The amount to subtract from the parameters for gradient ``grad`` (advances state)."""
        self.t += 1
        delta = torch.zeros_like(grad)
        new_state = dict(self.state)
        for kind, mask in self.masks.items():
            scratch = dict(self.state)
            step = RULES[kind](grad, scratch, self.hyper, self.t)
            delta = torch.where(mask, step, delta)
            for name, value in scratch.items():
                if value is not self.state[name]:
                    new_state[name] = torch.where(mask, value, new_state[name])
        self.state = new_state
        return delta


@dataclass
class RunResult:
    """Paths of K runs over T steps (numpy). Entries after a run diverged are NaN."""

    configs: list[OptimizerConfig]
    paths: np.ndarray  # (K, T + 1, D)
    losses: np.ndarray  # (K, T + 1)
    grad_norms: np.ndarray  # (K, T + 1)
    diverged_at: np.ndarray  # (K,) first step whose point was non-finite/out of bounds, -1 if none

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0

    @property
    def steps(self) -> int:
        return self.losses.shape[1] - 1


def default_dtype(device) -> torch.dtype:
    """float64 for step-for-step accuracy, except where the device has no float64 (MPS)."""
    return torch.float32 if torch.device(device).type == "mps" else torch.float64


def autograd_value_and_grad(fn: Callable[[torch.Tensor], torch.Tensor],
                            points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``fn`` and its gradient at ``points`` (rows independent), by autograd.

    A function that does not depend on its input at all (a user's formula ``1`` or ``pi``) has
    no graph to differentiate; its gradient is zero everywhere, not an error.
    """
    p = points.detach().requires_grad_(True)
    with torch.enable_grad():
        values = fn(p)
        if not values.requires_grad:
            return values.detach(), torch.zeros_like(p)
        (grad,) = torch.autograd.grad(values.sum(), p, allow_unused=True)
    return values.detach(), torch.zeros_like(p) if grad is None else grad


NOISE_CHUNK = 256  # noise is drawn in blocks of this many steps, so a longer run extends a shorter one


def gradient_noise(steps: int, dims: int, scale: float, seed: int, dtype=torch.float64, device="cpu") -> torch.Tensor:
    """(steps, dims) Gaussian noise of standard deviation ``scale`` added to the gradient, one row per step.

    The stochastic-gradient model: an unbiased but noisy gradient, as a mini-batch gives. Drawn on
    the CPU from ``seed`` (the same noise on any device) in fixed blocks, so the first steps of a
    long run get the same noise as a short run (the step inspector replays a prefix of a race).
    Shared by every run of a batch: optimizers in one race (or learning rates in one sweep) face
    exactly the same noise.
    """
    if scale <= 0:
        return torch.zeros((steps, dims), dtype=dtype, device=device)
    gen = torch.Generator().manual_seed(int(seed))
    blocks = [torch.randn((NOISE_CHUNK, dims), generator=gen, dtype=torch.float64)
              for _ in range(-(-steps // NOISE_CHUNK))]
    return (float(scale) * torch.cat(blocks)[:steps]).to(dtype).to(device)


def iterate(value_and_grad: ValueAndGrad, configs: Sequence[OptimizerConfig], starts, steps: int,
            noise: float = 0.0, seed: int = 0, dtype: torch.dtype | None = None, device="cpu"):
    """Yield ``(t, points, values, exact_grad, used_grad, optimizer)`` for t = 0 .. steps, *before*
    step t's update is applied (the optimizer's state is that after t updates).

    ``used_grad`` is the gradient the optimizers see: the exact one plus `gradient_noise`. The
    update is applied when the caller asks for the next item.
    """
    dtype = dtype or default_dtype(device)
    p = torch.as_tensor(np.asarray(starts, dtype=float), dtype=dtype, device=device).clone()
    if p.ndim != 2 or p.shape[0] != len(configs):
        raise ValueError(f"starts must be (K, D) with K = {len(configs)} rows, got {tuple(p.shape)}")
    opt = BatchedOptimizer(configs, p.shape, dtype, device)
    kicks = gradient_noise(steps + 1, p.shape[1], noise, seed, dtype, device)
    for t in range(steps + 1):
        f, g = value_and_grad(p)
        used = g + kicks[t] if noise > 0 else g
        yield t, p, f, g, used, opt
        if t < steps:
            with torch.no_grad():  # the update needs no graph (and its tiny ops cost less without one)
                p = p - opt.step_delta(used)


def run_batched(value_and_grad: ValueAndGrad, configs: Sequence[OptimizerConfig], starts,
                steps: int, dtype: torch.dtype | None = None, device="cpu", noise: float = 0.0,
                seed: int = 0) -> RunResult:
    """Run every config from its start row for ``steps`` updates; never raises on divergence.

    ``noise`` > 0 turns gradient descent into its stochastic version (see `gradient_noise`);
    losses and gradient norms are still those of the exact function at each point.
    """
    # Runs are not frozen inside the loop (that would cost ops every step): a diverged row
    # just turns inf/NaN, rows are independent, and the masking below cuts it at its first bad step.
    paths, losses, grads = [], [], []
    for _, p, f, g, _, _ in iterate(value_and_grad, configs, starts, steps, noise, seed, dtype, device):
        paths.append(p)
        losses.append(f)
        grads.append(g)
    path, loss, grad = torch.stack(paths, 1), torch.stack(losses, 1), torch.stack(grads, 1)
    ok = (torch.isfinite(loss) & torch.isfinite(grad).all(-1) & torch.isfinite(path).all(-1)
          & (path.abs() < POSITION_BOUND).all(-1) & (loss.abs() < VALUE_BOUND))
    alive = torch.cummin(ok.to(torch.uint8), dim=1).values.bool().cpu().numpy()  # (K, T+1)
    path = path.cpu().numpy().copy()
    loss = loss.cpu().numpy().copy()
    norm = grad.norm(dim=-1).cpu().numpy().copy()
    path[~alive] = np.nan
    loss[~alive] = np.nan
    norm[~alive] = np.nan
    dead = ~alive
    diverged_at = np.where(dead.any(1), dead.argmax(1), -1)
    return RunResult(list(configs), path, loss, norm, diverged_at)


def steps_to_tolerance(result: RunResult, tol: float, min_value: float | None = None) -> list[int | None]:
    """First step whose loss gap to ``min_value`` (or, when unknown, gradient norm) is below tol."""
    gaps = result.losses - min_value if min_value is not None else result.grad_norms
    out: list[int | None] = []
    for row in gaps:
        hit = np.nonzero(np.nan_to_num(row, nan=np.inf) < tol)[0]
        out.append(int(hit[0]) if hit.size else None)
    return out


def race_table(result: RunResult, tol: float, min_value: float | None = None) -> list[dict]:
    """One row per run: final and best loss, steps to tolerance, and divergence."""
    reach = steps_to_tolerance(result, tol, min_value)
    rows = []
    for k, cfg in enumerate(result.configs):
        finite = result.losses[k][np.isfinite(result.losses[k])]
        died = int(result.diverged_at[k])
        rows.append({
            "optimizer": cfg.title,
            "final loss": float(finite[-1]) if finite.size else float("nan"),
            "best loss": float(finite.min()) if finite.size else float("nan"),
            "steps to tolerance": reach[k],
            "diverged": f"at step {died}" if died >= 0 else "no",
        })
    return rows
