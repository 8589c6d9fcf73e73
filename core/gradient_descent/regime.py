"""Naming what a learning rate does to gradient descent: slow, converging, oscillating, diverging."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REGIMES = ("slow", "converging", "oscillating", "diverging")
# "Slow" means the gradient did not shrink by this factor within the steps shown.
SLOW_FACTOR = 0.01


@dataclass(frozen=True)
class Regime:
    name: str  # one of REGIMES
    detail: str


def quadratic_regime(lr: float, curvature: float, steps: int) -> str:
    """The exact regime of GD on a/2 (w - w*)^2: the error is multiplied by r = 1 - lr a each step."""
    r = 1.0 - lr * curvature
    if abs(r) > 1:
        return "diverging"
    if r < 0:
        return "oscillating"
    if r**steps > SLOW_FACTOR:
        return "slow"
    return "converging"


def classify_trajectory(ws: np.ndarray, grads: np.ndarray, losses: np.ndarray) -> Regime:
    """Name the regime from a 1-D run (weights, gradients and losses per step, NaN once diverged)."""
    ws, grads, losses = (np.asarray(a, dtype=float).ravel() for a in (ws, grads, losses))
    if not np.all(np.isfinite(ws)) or not np.all(np.isfinite(losses)):
        bad = int(np.argmin(np.isfinite(ws) & np.isfinite(losses)))
        return Regime("diverging", f"the weight ran away (|w| passed 1e8 or stopped being a number) at step {bad}")
    steps = len(ws) - 1
    if steps < 2:
        return Regime("converging", "too few steps to tell")
    moves = np.diff(ws)
    first, last = abs(moves[0]), abs(moves[-1])
    if last > first * 1.0001 and losses[-1] > losses[0] and last > 0:
        return Regime("diverging", f"each step overshoots further: |Δw| grew from {first:.3g} to {last:.3g}")
    g0, gT = abs(grads[0]), abs(grads[-1])
    nonzero = moves[np.abs(moves) > 1e-12 * max(1.0, np.abs(ws).max())]
    flips = np.mean(np.sign(nonzero[1:]) != np.sign(nonzero[:-1])) if nonzero.size > 2 else 0.0
    shrunk = g0 == 0 or gT <= SLOW_FACTOR * g0
    if flips > 0.5:
        tail = "and settling" if shrunk else "without settling"
        return Regime("oscillating", f"the weight jumps across the valley ({flips:.0%} of steps change side) {tail}")
    if not shrunk:
        return Regime("slow", f"after {steps} steps the slope is still {gT / g0:.0%} of where it started")
    return Regime("converging", f"the slope shrank from {g0:.3g} to {gT:.3g} in {steps} steps")
