"""Two-dimensional loss surfaces f(x, y) for optimizer races.

Each ``Surface`` evaluates batched points (any shape of x and y) with torch, so the same
function drives the contour grid, the optimizers' gradients and the tests.

Gradients: the built-in surfaces carry their value and gradient written out by hand
(``analytic``), because a race asks for them once per step and autograd's graph and backward
pass cost about 0.37 ms a step for six runs, about half of the whole step (measured on this 2-core
machine; see docs/gradient_descent.md). A user's formula has no hand-written gradient and goes
through autograd. Tests check every hand-written gradient against autograd.
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
# (x, y) -> (f, df/dx, df/dy), each shaped like x and y
Analytic = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]


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
    analytic: Analytic | None = None  # f and its gradient written out; None: autograd on ``fn``

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.fn(x, y)

    def value_and_grad(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """f and its gradient at ``points`` of shape (K, 2), each row independent.

        Written out for the built-in surfaces (`analytic`), by autograd for a user's formula."""
        if self.analytic is None:
            return autograd_value_and_grad(lambda p: self.fn(p[:, 0], p[:, 1]), points)
        with torch.no_grad():
            f, gx, gy = self.analytic(points[:, 0], points[:, 1])
            return f, torch.stack((gx, gy), dim=-1)

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
        analytic=lambda x, y: (0.5 * (x * x + kappa * y * y), x, kappa * y),
    )


# Each surface: f, and f with its gradient written out (the chain rule by hand, sharing terms).

def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _rosenbrock_grad(x, y):
    a, b = 1 - x, y - x * x
    return a * a + 100 * b * b, -2 * a - 400 * x * b, 200 * b


def _beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _beale_grad(x, y):
    y2 = y * y
    y3 = y2 * y
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y3
    df_dx = 2 * (a * (y - 1) + b * (y2 - 1) + c * (y3 - 1))
    df_dy = 2 * x * (a + 2 * b * y + 3 * c * y2)
    return a * a + b * b + c * c, df_dx, df_dy


def _himmelblau(x, y):
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def _himmelblau_grad(x, y):
    a, b = x * x + y - 11, x + y * y - 7
    return a * a + b * b, 4 * x * a + 2 * b, 2 * a + 4 * y * b


def _saddle(x, y):
    return x * x - y * y + 0.25 * y**4


def _saddle_grad(x, y):
    y2 = y * y
    return x * x - y2 + 0.25 * y2 * y2, 2 * x, y * (y2 - 2)


def _rastrigin(x, y):
    return 20 + x * x + y * y - 10 * (torch.cos(2 * math.pi * x) + torch.cos(2 * math.pi * y))


def _rastrigin_grad(x, y):
    tx, ty = 2 * math.pi * x, 2 * math.pi * y
    f = 20 + x * x + y * y - 10 * (torch.cos(tx) + torch.cos(ty))
    return f, 2 * x + 20 * math.pi * torch.sin(tx), 2 * y + 20 * math.pi * torch.sin(ty)


def _plateau(x, y):
    return 1 - torch.exp(-(x * x + 2 * y * y) / 2)


def _plateau_grad(x, y):
    well = torch.exp(-(x * x + 2 * y * y) / 2)
    return 1 - well, x * well, 2 * y * well


ROSENBROCK = Surface("rosenbrock", "Rosenbrock", "(1 − x)² + 100·(y − x²)²", _rosenbrock,
                     (-2.0, 2.0), (-1.0, 3.0), (-1.2, 1.0), ((1.0, 1.0),), 0.0,
                     "A long curved valley: easy to find, hard to follow to (1, 1).", analytic=_rosenbrock_grad)
BEALE = Surface("beale", "Beale", "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²", _beale,
                (-4.5, 4.5), (-4.5, 4.5), (1.0, 1.4), ((3.0, 0.5),), 0.0,
                "Flat plateaus and sharp ridges; gradients span many orders of magnitude.", analytic=_beale_grad)
HIMMELBLAU = Surface("himmelblau", "Himmelblau", "(x² + y − 11)² + (x + y² − 7)²", _himmelblau,
                     (-5.0, 5.0), (-5.0, 5.0), (-0.3, -0.9),
                     ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)), 0.0,
                     "Four equal minima: which one an optimizer reaches depends on its path.",
                     analytic=_himmelblau_grad)
SADDLE = Surface("saddle", "Saddle", "x² − y² + y⁴/4", _saddle, (-2.0, 2.0), (-2.5, 2.5), (-1.8, 0.001),
                 ((0.0, math.sqrt(2.0)), (0.0, -math.sqrt(2.0))), -1.0,
                 "A saddle at the origin between two minima at y = ±√2: gradient methods crawl away "
                 "from it when they start almost on the ridge.", analytic=_saddle_grad)

RASTRIGIN = Surface("rastrigin", "Rastrigin", "20 + x² + y² − 10·(cos 2πx + cos 2πy)", _rastrigin,
                    (-5.12, 5.12), (-5.12, 5.12), (2.2, -3.1), ((0.0, 0.0),), 0.0,
                    "A bowl covered in ripples: a local minimum near every point with whole-number "
                    "coordinates, the global one at the origin. Gradient methods stop in a nearby pit; "
                    "momentum can roll over a few ridges first.", analytic=_rastrigin_grad)
PLATEAU = Surface("plateau", "Plateau", "1 − exp(−(x² + 2y²)/2)", _plateau, (-4.0, 4.0), (-4.0, 4.0),
                  (-3.2, 2.0), ((0.0, 0.0),), 0.0,
                  "A single well in a wide, almost flat plain: at the start the slope is about 1e-4, so "
                  "plain gradient descent barely moves, while methods that divide by the gradient's size "
                  "(AdaGrad, RMSProp, Adam) walk off the plateau at a steady pace.", analytic=_plateau_grad)

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
