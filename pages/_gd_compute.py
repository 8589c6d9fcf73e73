"""Cached calls into core.gradient_descent, keyed on plain settings (so reruns reuse results)."""

from __future__ import annotations

import streamlit as st

from core.gradient_descent import lr_finder, one_weight, regression
from core.gradient_descent.expression import ExpressionError
from core.gradient_descent.optimizers import OptimizerConfig, RunResult, race_table, run_batched
from core.gradient_descent.surfaces import Surface, make_surface

CONTOUR_N = 200
CONTOUR_PLAY_N = 100
SURFACE_3D_N = 80
CLICK_N = 41


def surface_or_error(key: str, condition: float, expression: str) -> tuple[Surface | None, str | None]:
    """The surface, or (None, message) when the user's formula is refused."""
    try:
        return make_surface(key, condition, expression), None
    except ExpressionError as exc:
        return None, str(exc)


@st.cache_data(max_entries=32, show_spinner=False)
def surface_grid(key: str, condition: float, expression: str, n: int):
    surface = make_surface(key, condition, expression)
    return surface.grid(n)


@st.cache_data(max_entries=32, show_spinner=False)
def click_points(key: str, condition: float, expression: str):
    return make_surface(key, condition, expression).grid_points(CLICK_N)


@st.cache_data(max_entries=64, show_spinner=False)
def race(key: str, condition: float, expression: str, configs: tuple[OptimizerConfig, ...],
         start: tuple[float, float], steps: int, device: str) -> RunResult:
    surface = make_surface(key, condition, expression)
    return run_batched(surface.value_and_grad, list(configs), [start] * len(configs), steps, device=device)


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
          steps: int, device: str, n: int = 41):
    surface = make_surface(key, condition, expression)
    return lr_finder.lr_sweep(surface.value_and_grad, config, start, lr_finder.log_grid(1e-4, 10.0, n), steps,
                              device=device)


@st.cache_data(max_entries=16, show_spinner=False)
def batch_comparison(batch_size: int, lr: float, epochs: int, device: str, seed: int = 0):
    data = regression.make_data(seed=seed)
    n = len(data.x)
    sizes = sorted({n, int(batch_size), 1}, reverse=True)
    runs = [regression.fit_minibatch(data, b, lr, epochs, seed=seed, device=device) for b in sizes]
    optimum = regression.normal_equations(data)
    return data, runs, optimum, *regression.loss_landscape(data, optimum)
