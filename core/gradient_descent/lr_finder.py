"""Learning-rate finder: run one optimizer at many learning rates (batched) and compare losses."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from core.gradient_descent.optimizers import OptimizerConfig, ValueAndGrad, run_batched


@dataclass
class LRSweep:
    lrs: np.ndarray
    final_loss: np.ndarray  # NaN where the run diverged
    initial_loss: float
    diverged: np.ndarray  # bool per lr
    best_lr: float | None
    region: tuple[float, float] | None  # contiguous lrs around the best with a near-best loss


def log_grid(lo: float, hi: float, n: int) -> np.ndarray:
    return np.logspace(np.log10(lo), np.log10(hi), int(n))


def lr_sweep(value_and_grad: ValueAndGrad, config: OptimizerConfig, start, lrs, steps: int,
             near: float = 0.1, device="cpu", noise: float = 0.0, seed: int = 0) -> LRSweep:
    """Loss after ``steps`` updates of ``config`` for each lr, all lrs in one batched run
    (``noise``/``seed``: the stochastic-gradient mode of `run_batched`, the same noise for every lr).

    The marked region holds the lrs next to the best one whose loss improvement is within
    ``near`` of the best improvement (as a fraction of the initial loss minus the best loss).
    """
    lrs = np.asarray(lrs, dtype=float)
    configs = [replace(config, lr=float(lr)) for lr in lrs]
    run = run_batched(value_and_grad, configs, np.repeat(np.asarray([start], float), len(lrs), 0), steps,
                      device=device, noise=noise, seed=seed)
    final = run.losses[:, -1]
    initial = float(run.losses[0, 0])
    best, region = best_and_region(lrs, final, initial, near)
    return LRSweep(lrs, final, initial, ~np.isfinite(final), best, region)


def best_and_region(lrs, losses, initial: float, near: float = 0.1) -> tuple[float | None, tuple[float, float] | None]:
    """`lr_sweep`'s marking rule for any list of (lr, loss) pairs on an increasing grid: the lr with
    the lowest finite loss, and the contiguous lrs around it whose improvement over ``initial`` is
    within ``near`` of the best improvement. (None, None) when no loss is finite. Used by the names
    page's one-run MLP sweep (`core.names.lr_sweep`)."""
    lrs = np.asarray(lrs, dtype=float)
    final = np.asarray(losses, dtype=float)
    finite = np.isfinite(final)
    if not finite.any():
        return None, None
    best = int(np.nanargmin(np.where(finite, final, np.nan)))
    cutoff = final[best] + near * max(initial - final[best], 0.0)
    good = finite & (np.nan_to_num(final, nan=np.inf) <= cutoff)
    lo = hi = best
    while lo > 0 and good[lo - 1]:
        lo -= 1
    while hi < len(lrs) - 1 and good[hi + 1]:
        hi += 1
    return float(lrs[best]), (float(lrs[lo]), float(lrs[hi]))
