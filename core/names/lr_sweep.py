"""Finding a learning rate for the MLP as makemore part 2 does: one short run in which the
learning rate grows exponentially from step to step (10^-3 to 10^0 over 1,000 steps in the
lecture), then the loss against the rate it was taken at.

The loss first falls faster as the rate grows, bottoms out, then turns up and becomes unstable.
Each step's minibatch loss is noisy (batch 32), so the curve is smoothed with a centred moving
average before it is read. The chosen rate is the bottom of the smoothed curve (where the lecture
reads 0.1), and the marked region is every neighbouring rate whose smoothed loss is nearly as low,
by the same rule the gradient descent page's LR finder uses
(`core.gradient_descent.lr_finder.best_and_region`). The run stops early once the loss has clearly
blown up (four times its starting value, or not finite).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.gradient_descent.lr_finder import best_and_region, log_grid
from core.names.training import Continue, Event, SplitTensors
from core.threads import torch_threads


@dataclass
class LRSweepResult:
    lrs: list[float]  # the rate of each step taken
    losses: list[float]  # each step's minibatch loss
    smoothed: list[float]  # centred moving average of ``losses`` (NaN where undefined)
    best_lr: float | None
    region: tuple[float, float] | None
    steps_planned: int
    seconds: float
    stopped: bool = False


def smooth(values, window: int) -> np.ndarray:
    """Centred moving average over ``window`` values (shorter at the ends)."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return values
    window = max(1, min(int(window), len(values)))
    half = window // 2
    padded = np.concatenate([[0.0], np.cumsum(values)])
    lo = np.clip(np.arange(len(values)) - half, 0, len(values))
    hi = np.clip(np.arange(len(values)) + half + 1, 0, len(values))
    return (padded[hi] - padded[lo]) / (hi - lo)


def lr_sweep(model, data: SplitTensors, lo: float = 1e-3, hi: float = 1.0, steps: int = 1000,
             batch_size: int = 32, seed: int = 42, on_event: Event | None = None,
             should_continue: Continue | None = None, threads: int | None = 1) -> LRSweepResult:
    """One run of ``steps`` SGD steps on ``model`` (changed in place), step i at rate
    ``log_grid(lo, hi, steps)[i]``."""
    if not (0 < lo < hi and math.isfinite(hi)) or steps < 10:
        raise ValueError("the sweep needs 0 < lo < hi and at least 10 steps")
    grid = log_grid(lo, hi, steps)
    Xtr, Ytr = data.train
    if len(Ytr) == 0:
        raise ValueError("the training split is empty; use more words")
    g = torch.Generator().manual_seed(seed)
    params = list(model.parameters())
    losses: list[float] = []
    stopped = False
    start = time.perf_counter()
    model.train()
    with torch_threads(threads):
        for i, lr in enumerate(grid):
            if i % 100 == 0 and should_continue is not None and not should_continue():
                stopped = True
                break
            ix = torch.randint(0, len(Ytr), (batch_size,), generator=g)
            loss = F.cross_entropy(model(Xtr[ix]), Ytr[ix])
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                torch._foreach_add_(params, [p.grad for p in params], alpha=-float(lr))
            value = float(loss.detach())
            losses.append(value)
            if i % 100 == 99 and on_event is not None:
                on_event({"step": i + 1, "lr": float(lr), "batch_loss": value})
            if not math.isfinite(value) or value > 4 * losses[0]:
                break
    window = max(5, steps // 20)
    smoothed = smooth(losses, window)
    best, region = best_and_region(grid[:len(losses)], smoothed, float(smoothed[0]) if len(smoothed) else math.nan)
    return LRSweepResult(grid[:len(losses)].tolist(), losses, smoothed.tolist(), best, region, steps,
                         time.perf_counter() - start, stopped)
