"""Cached calls into core.gradient_descent, keyed on plain settings (so reruns reuse results).

Grid sizes are chosen by measurement in headless Chromium (see docs/gradient_descent.md): what
costs the user time is Plotly drawing a contour in the browser, which grows with the grid, not
the server computing it.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.gradient_descent import lr_finder, one_weight, regression
from core.gradient_descent.expression import ExpressionError
from core.gradient_descent.inspector import inspect_step
from core.gradient_descent.optimizers import OptimizerConfig, RunResult, race_table, run_batched
from core.gradient_descent.surfaces import Surface, make_surface
from ui.gradient_descent import charts

LANDSCAPE_N = 300  # pixels of the picture of f under the 2-D views (a PNG: its size costs the browser little)
SURFACE_3D_N = 100  # the 3-D view's cost is WebGL's start-up (measured: 40, 60 and 80 drew alike)
# Click targets: a click anywhere snaps to the nearest (the contour's hoverdistance is unlimited).
# 15 x 15 (0.29 apart on Rosenbrock's [-2, 2]): measured in Chromium, 21 x 21 made every redraw of
# the paused contour about 0.15-0.3 s slower (41 x 41: 0.5 s); exact starts are typed in Start x / y.
CLICK_N = 15
ZOOM_N = 120


def surface_or_error(key: str, condition: float, expression: str) -> tuple[Surface | None, str | None]:
    """The surface, or (None, message) when the user's formula is refused."""
    try:
        return cached_surface(key, condition, expression), None
    except ExpressionError as exc:
        return None, str(exc)


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_surface(key: str, condition: float, expression: str) -> Surface:
    """One parsed and checked surface per setting (immutable, so shared rather than copied)."""
    return make_surface(key, condition, expression)


@st.cache_data(max_entries=32, show_spinner=False)
def surface_grid(key: str, condition: float, expression: str, n: int):
    return cached_surface(key, condition, expression).grid(n)


@st.cache_data(max_entries=32, show_spinner=False)
def landscape(key: str, condition: float, expression: str, x_range: tuple | None = None,
              y_range: tuple | None = None, n: int = LANDSCAPE_N) -> tuple:
    """(xs, ys, PNG data URI) of f over the surface's square, or over a window (the inspector's close-up)."""
    surface = cached_surface(key, condition, expression)
    if x_range is not None:
        surface = replace(surface, x_range=x_range, y_range=y_range)
    xs, ys, z = surface.grid(n)
    return xs, ys, charts.landscape_png(z, surface.display_floor(z))


@st.cache_data(max_entries=32, show_spinner=False)
def click_points(key: str, condition: float, expression: str):
    return cached_surface(key, condition, expression).grid_points(CLICK_N)


@st.cache_data(max_entries=64, show_spinner=False)
def race(key: str, condition: float, expression: str, configs: tuple[OptimizerConfig, ...],
         start: tuple[float, float], steps: int, device: str, noise: float = 0.0, seed: int = 0) -> RunResult:
    surface = cached_surface(key, condition, expression)
    return run_batched(surface.value_and_grad, list(configs), [start] * len(configs), steps, device=device,
                       noise=noise, seed=seed)


@st.cache_data(max_entries=64, show_spinner=False)
def inspection(key: str, condition: float, expression: str, configs: tuple[OptimizerConfig, ...],
               start: tuple[float, float], step: int, device: str, noise: float = 0.0, seed: int = 0):
    surface = cached_surface(key, condition, expression)
    return inspect_step(surface.value_and_grad, list(configs), [start] * len(configs), step, noise, seed, device)


@st.cache_data(max_entries=64, show_spinner=False)
def table(result: RunResult, tol: float, min_value: float | None):
    return race_table(result, tol, min_value)


@st.cache_data(max_entries=64, show_spinner=False)
def one_weight_run(loss_key: str, curvature: float, w0: float, lr: float, steps: int, device: str):
    loss = one_weight.make_loss(loss_key, curvature)
    run = one_weight.descend(loss, w0, lr, steps, device=device)
    return run.paths[0, :, 0], run.losses[0], run.grad_norms[0], int(run.diverged_at[0])


@st.cache_data(max_entries=32, show_spinner=False)
def sweep(key: str, condition: float, expression: str, config: OptimizerConfig, start: tuple[float, float],
          steps: int, device: str, noise: float = 0.0, seed: int = 0, n: int = 41):
    surface = cached_surface(key, condition, expression)
    return lr_finder.lr_sweep(surface.value_and_grad, config, start, lr_finder.log_grid(1e-4, 10.0, n), steps,
                              device=device, noise=noise, seed=seed)


@st.cache_data(max_entries=16, show_spinner=False)
def batch_comparison(batch_size: int, lr: float, epochs: int, device: str, seed: int = 0):
    data = regression.make_data(seed=seed)
    n = len(data.x)
    sizes = sorted({n, int(batch_size), 1}, reverse=True)
    runs = [regression.fit_minibatch(data, b, lr, epochs, seed=seed, device=device) for b in sizes]
    optimum = regression.normal_equations(data)
    gaps = [regression.gap_to_optimum(data, run.path[-1], optimum) for run in runs]
    return data, runs, optimum, gaps, *regression.loss_landscape(data, optimum)
