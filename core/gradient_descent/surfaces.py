"""Two-dimensional loss surfaces f(x, y) for optimizer races.

Each ``Surface`` evaluates batched points (any shape of x and y) with torch, so the same
function drives the contour grid, the optimizers' autograd gradients and the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch

from core.gradient_descent.expression import ExpressionError, parse_expression
from core.gradient_descent.optimizers import autograd_value_and_grad

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
    flat: bool = False  # the same value everywhere (a custom formula without x or y): zero gradient

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.fn(x, y)

    def value_and_grad(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """f and its gradient at ``points`` of shape (K, 2), each row independent (autograd)."""
        return autograd_value_and_grad(lambda p: self.fn(p[:, 0], p[:, 1]), points)

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


def _rastrigin(x, y):
    return 20 + x * x + y * y - 10 * (torch.cos(2 * math.pi * x) + torch.cos(2 * math.pi * y))


def _plateau(x, y):
    return 1 - torch.exp(-(x * x + 2 * y * y) / 2)


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

RASTRIGIN = Surface("rastrigin", "Rastrigin", "20 + x² + y² − 10·(cos 2πx + cos 2πy)", _rastrigin,
                    (-5.12, 5.12), (-5.12, 5.12), (2.2, -3.1), ((0.0, 0.0),), 0.0,
                    "A bowl covered in ripples: a local minimum near every point with whole-number "
                    "coordinates, the global one at the origin. Gradient methods stop in a nearby pit; "
                    "momentum can roll over a few ridges first.")
PLATEAU = Surface("plateau", "Plateau", "1 − exp(−(x² + 2y²)/2)", _plateau, (-4.0, 4.0), (-4.0, 4.0),
                  (-3.2, 2.0), ((0.0, 0.0),), 0.0,
                  "A single well in a wide, almost flat plain: at the start the slope is about 1e-4, so "
                  "plain gradient descent barely moves, while methods that divide by the gradient's size "
                  "(AdaGrad, RMSProp, Adam) walk off the plateau at a steady pace.")

BUILTIN = {s.key: s for s in (ROSENBROCK, BEALE, HIMMELBLAU, SADDLE, RASTRIGIN, PLATEAU)}
SURFACE_KEYS = ("quadratic", "rosenbrock", "beale", "himmelblau", "saddle", "rastrigin", "plateau", "custom")
SURFACE_TITLES = {"quadratic": "Ill-conditioned bowl", "rosenbrock": "Rosenbrock", "beale": "Beale",
                  "himmelblau": "Himmelblau", "saddle": "Saddle", "rastrigin": "Rastrigin (many minima)",
                  "plateau": "Plateau", "custom": "Your own f(x, y)"}
CHECK_N = 41  # a custom formula is evaluated on this lattice before it is accepted


def custom_surface(text: str, x_range=(-3.0, 3.0), y_range=(-3.0, 3.0)) -> Surface:
    """A surface from a user formula (raises ``ExpressionError`` with a message when refused).

    A formula must give a finite number somewhere on the drawn square, or there is nothing to
    descend (``1/0``, ``log(-1)``, ``exp(1e6)`` are refused). A formula without x or y (``1``,
    ``pi``, ``0x10``) is accepted as a flat surface: its gradient is zero, so no optimizer moves,
    and the page says why.
    """
    parsed = parse_expression(text)

    def fn(x, y):
        return torch.broadcast_to(parsed.evaluate(x, y), torch.broadcast_shapes(x.shape, y.shape))

    surface = Surface("custom", "Your own f(x, y)", parsed.text, fn, x_range, y_range,
                      (0.5 * x_range[0], 0.5 * y_range[1]), (), None, "Gradients come from autograd.")
    z = surface.grid(CHECK_N)[2]
    finite = z[np.isfinite(z)]
    if not finite.size:
        value = "infinite" if np.isinf(z).any() else "not a number"
        raise ExpressionError(f"f(x, y) is {value} everywhere on the drawn square {list(x_range)}², "
                              "so there is nothing to descend")
    if not parsed.uses or finite.min() == finite.max():
        return replace(surface, flat=True, notes=(
            f"f has the same value, {finite[0] + 0.0:g}, everywhere: a flat surface. Its gradient is zero, so "
            "no optimizer moves; add x or y to the formula to give it a slope."))
    return surface


def make_surface(key: str, condition: float = 10.0, expression: str = "") -> Surface:
    """The surface named ``key`` (one of SURFACE_KEYS)."""
    if key == "quadratic":
        return quadratic_bowl(condition)
    if key == "custom":
        return custom_surface(expression)
    if key not in BUILTIN:
        raise ValueError(f"unknown surface {key!r}; choose from {SURFACE_KEYS}")
    return BUILTIN[key]
