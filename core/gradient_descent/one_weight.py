"""The one-weight picture: a loss L(w), its tangent (slope dL/dw), and the steps w <- w - lr dL/dw."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from core.gradient_descent.optimizers import OptimizerConfig, RunResult, autograd_value_and_grad, run_batched

LOSS_KEYS = ("quadratic", "double_well")
LOSS_TITLES = {"quadratic": "Quadratic (a U-shaped bowl)", "double_well": "Double well (non-convex)"}


@dataclass(frozen=True)
class OneWeightLoss:
    key: str
    formula: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    w_range: tuple[float, float]
    curvature: float | None  # constant second derivative when the loss is quadratic

    def value_and_grad(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """L and dL/dw at (K, 1) weights, each row independent."""
        return autograd_value_and_grad(lambda p: self.fn(p[:, 0]), points)

    def second_derivative(self, w: float) -> float:
        """d²L/dw² at ``w`` (autograd twice)."""
        p = torch.tensor(float(w), dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(self.fn(p), p, create_graph=True)
        (h,) = torch.autograd.grad(g, p)
        return float(h)

    def critical_lr(self, w: float | None = None) -> float | None:
        """2 / curvature: above it plain GD diverges (exactly, for a quadratic; locally otherwise)."""
        c = self.curvature if self.curvature is not None else (None if w is None else self.second_derivative(w))
        return None if c is None or c <= 0 else 2.0 / c


def quadratic_loss(curvature: float = 1.0, target: float = 1.0) -> OneWeightLoss:
    """L(w) = a/2 (w - w*)^2, whose curvature is a everywhere."""
    a, t = float(curvature), float(target)
    return OneWeightLoss("quadratic", f"L(w) = {a:g}/2 · (w − {t:g})²", lambda w: 0.5 * a * (w - t) ** 2,
                         (t - 3.0, t + 3.0), a)


def double_well_loss(tilt: float = 0.3) -> OneWeightLoss:
    """L(w) = (w^2 - 1)^2 + tilt w: two valleys of different depth, a bump between them."""
    k = float(tilt)
    return OneWeightLoss("double_well", f"L(w) = (w² − 1)² + {k:g}·w", lambda w: (w * w - 1) ** 2 + k * w,
                         (-2.0, 2.0), None)


def make_loss(key: str, curvature: float = 1.0) -> OneWeightLoss:
    if key == "quadratic":
        return quadratic_loss(curvature)
    if key == "double_well":
        return double_well_loss()
    raise ValueError(f"unknown loss {key!r}; choose from {LOSS_KEYS}")


def descend(loss: OneWeightLoss, w0: float, lr: float, steps: int, device="cpu") -> RunResult:
    """Plain gradient descent from ``w0`` (the same engine as the 2-D race, with one weight)."""
    return run_batched(loss.value_and_grad, [OptimizerConfig("gd", lr=lr)], [[w0]], steps, device=device)


def tangent(loss: OneWeightLoss, w: float, half_width: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Points of the tangent line at ``w`` over [w - half_width, w + half_width], and its slope."""
    f, g = loss.value_and_grad(torch.tensor([[float(w)]], dtype=torch.float64))
    slope = float(g[0, 0])
    ws = np.array([w - half_width, w + half_width])
    return ws, float(f[0]) + slope * (ws - w), slope


def view_range(loss: OneWeightLoss, path_w, max_zoom_out: float = 8.0) -> tuple[float, float]:
    """The loss's own range widened to show the finite steps, at most ``max_zoom_out`` times wider."""
    lo, hi = loss.w_range
    finite = np.asarray(path_w, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size:
        center, half = (lo + hi) / 2, (hi - lo) / 2
        reach = min(max(half, float(np.abs(finite - center).max()) * 1.05), half * max_zoom_out)
        lo, hi = center - reach, center + reach
    return float(lo), float(hi)


def curve(loss: OneWeightLoss, w_range: tuple[float, float] | None = None, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """The loss sampled over ``w_range`` (default: its own range), for plotting."""
    ws = torch.linspace(*(w_range or loss.w_range), n, dtype=torch.float64)
    with torch.no_grad():
        return ws.numpy(), loss.fn(ws).numpy()
