"""Two-dimensional loss surfaces f(x, y) for optimizer races.

Each ``Surface`` evaluates batched points (any shape of x and y) with torch, so the same
function drives the contour grid, the optimizers' autograd gradients and the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from core.gradient_descent.expression import parse_expression

Fn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Surface:
    key: str
    title: str
    formula: str  # shown to the user
    fn: Fn
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]  # a default start point that makes an interesting race
    minima: tuple[tuple[float, float], ...] = ()  # known global minima (may be several)
    min_value: float | None = None  # known global minimum value, None when unknown/unbounded
    notes: str = ""

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.fn(x, y)

    def value_and_grad(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """f and its gradient at ``points`` of shape (K, 2), each row independent (autograd)."""
        p = points.detach().requires_grad_(True)
        with torch.enable_grad():
            values = self.fn(p[:, 0], p[:, 1])
            (grad,) = torch.autograd.grad(values.sum(), p)
        return values.detach(), grad

    def grid(self, n: int = 200, dtype=torch.float64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xs, ys, Z) on an n x n grid over the surface's range; Z[i, j] = f(xs[j], ys[i])."""
        xs = torch.linspace(*self.x_range, n, dtype=dtype)
        ys = torch.linspace(*self.y_range, n, dtype=dtype)
        yy, xx = torch.meshgrid(ys, xs, indexing="ij")
        with torch.no_grad():
            z = self.fn(xx, yy)
        z = torch.broadcast_to(z, xx.shape)
        return xs.numpy(), ys.numpy(), z.numpy().copy()

    def display_floor(self, z: np.ndarray) -> float:
        """The value colour scales start from: the known minimum, else the lowest finite grid value."""
        if self.min_value is not None:
            return self.min_value
        finite = z[np.isfinite(z)]
        return float(finite.min()) if finite.size else 0.0

    def grid_points(self, n: int = 41) -> tuple[np.ndarray, np.ndarray]:
        """Flat x and y coordinates of an n x n lattice over the range (e.g. click targets)."""
        xx, yy = np.meshgrid(np.linspace(*self.x_range, n), np.linspace(*self.y_range, n))
        return xx.ravel(), yy.ravel()


def quadratic_bowl(condition: float = 10.0) -> Surface:
    """0.5 (x^2 + kappa y^2): Hessian eigenvalues 1 and kappa, so the condition number is kappa."""
    kappa = float(condition)
    return Surface(
        "quadratic", f"Ill-conditioned bowl (κ = {kappa:g})", f"0.5·(x² + {kappa:g}·y²)",
        lambda x, y: 0.5 * (x * x + kappa * y * y), (-2.0, 2.0), (-2.0, 2.0), (-1.8, 1.2),
        ((0.0, 0.0),), 0.0,
        f"Curvatures 1 and {kappa:g}: plain GD needs lr < 2/{kappa:g} = {2 / kappa:.3g} to converge, "
        f"and then creeps along x at rate (1 − lr).",
    )


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _himmelblau(x, y):
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def _saddle(x, y):
    return x * x - y * y + 0.25 * y**4


ROSENBROCK = Surface("rosenbrock", "Rosenbrock", "(1 − x)² + 100·(y − x²)²", _rosenbrock,
                     (-2.0, 2.0), (-1.0, 3.0), (-1.2, 1.0), ((1.0, 1.0),), 0.0,
                     "A long curved valley: easy to find, hard to follow to (1, 1).")
BEALE = Surface("beale", "Beale", "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²", _beale,
                (-4.5, 4.5), (-4.5, 4.5), (1.0, 1.4), ((3.0, 0.5),), 0.0,
                "Flat plateaus and sharp ridges; gradients span many orders of magnitude.")
HIMMELBLAU = Surface("himmelblau", "Himmelblau", "(x² + y − 11)² + (x + y² − 7)²", _himmelblau,
                     (-5.0, 5.0), (-5.0, 5.0), (-0.3, -0.9),
                     ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)), 0.0,
                     "Four equal minima: which one an optimizer reaches depends on its path.")
SADDLE = Surface("saddle", "Saddle", "x² − y² + y⁴/4", _saddle, (-2.0, 2.0), (-2.5, 2.5), (-1.8, 0.001),
                 ((0.0, math.sqrt(2.0)), (0.0, -math.sqrt(2.0))), -1.0,
                 "A saddle at the origin between two minima at y = ±√2: gradient methods crawl away "
                 "from it when they start almost on the ridge.")

BUILTIN = {s.key: s for s in (ROSENBROCK, BEALE, HIMMELBLAU, SADDLE)}
SURFACE_KEYS = ("quadratic", "rosenbrock", "beale", "himmelblau", "saddle", "custom")
SURFACE_TITLES = {"quadratic": "Ill-conditioned bowl", "rosenbrock": "Rosenbrock", "beale": "Beale",
                  "himmelblau": "Himmelblau", "saddle": "Saddle", "custom": "Your own f(x, y)"}


def custom_surface(text: str, x_range=(-3.0, 3.0), y_range=(-3.0, 3.0)) -> Surface:
    """A surface from a user formula (raises ``ExpressionError`` with a message when refused)."""
    parsed = parse_expression(text)

    def fn(x, y):
        return torch.broadcast_to(parsed.evaluate(x, y), torch.broadcast_shapes(x.shape, y.shape))

    return Surface("custom", "Your own f(x, y)", parsed.text, fn, x_range, y_range,
                   (0.5 * x_range[0], 0.5 * y_range[1]), (), None, "Gradients come from autograd.")


def make_surface(key: str, condition: float = 10.0, expression: str = "") -> Surface:
    """The surface named ``key`` (one of SURFACE_KEYS)."""
    if key == "quadratic":
        return quadratic_bowl(condition)
    if key == "custom":
        return custom_surface(expression)
    if key not in BUILTIN:
        raise ValueError(f"unknown surface {key!r}; choose from {SURFACE_KEYS}")
    return BUILTIN[key]
