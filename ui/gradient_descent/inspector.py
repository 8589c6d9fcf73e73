"""The step inspector: one optimizer's vectors at one step of the race, drawn to scale in a close-up."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.gradient_descent import inspector as core_inspector
from core.gradient_descent.optimizers import TITLES
from ui.gradient_descent import charts, compute
from ui.gradient_descent import state as gs
from ui.gradient_descent.numbers import format_number, format_vector

ARROWS = {  # core arrow name -> (legend label, colour)
    core_inspector.GRADIENT: ("−lr·g: the plain gradient step", "#d62728"),
    core_inspector.VELOCITY: ("−lr·μ·v: the velocity's part", "#ff7f0e"),
    core_inspector.FIRST_MOMENT: ("−lr·m̂: Adam's first moment (averaged gradient)", "#ff7f0e"),
}
STATE_LABELS = {"velocity": "velocity v (after the update)", "grad_sq_sum": "sum of squared gradients G",
                "grad_sq_avg": "average of squared gradients s", "m": "first moment m", "v": "second moment v",
                "m_hat": "m̂ = m / (1 − β1ᵗ)", "v_hat": "v̂ = v / (1 − β2ᵗ)"}
EXPLAIN = {
    "gd": "Plain gradient descent: the step is exactly −lr·g.",
    "momentum": "Momentum: v ← μ·v + g, step = −lr·v. The arrows add up tip to tail: the gradient step plus the "
                "part carried over from the previous velocity (−lr·μ·v before the update).",
    "nesterov": "Nesterov (torch's form): v ← μ·v + g, step = −lr·(g + μ·v). The arrows add up: the gradient "
                "step plus a look-ahead along the new velocity.",
    "adagrad": "AdaGrad: each coordinate of −lr·g is divided by √G + ε, the root of all squared gradients so far, "
               "so the step (black) points elsewhere than the gradient step (red).",
    "rmsprop": "RMSProp: like AdaGrad with a leaky average s of squared gradients: each coordinate of −lr·g is "
               "divided by √s + ε.",
    "adam": "Adam: the step is −lr·m̂ / (√v̂ + ε): the averaged gradient m̂ (orange), divided per coordinate by "
            "the root of the averaged squared gradient v̂.",
}


def _window(surface, hit, exact_step) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square around the point, large enough for every arrow (at least 2% of the surface's range)."""
    vectors = [hit.update, *hit.arrows.values()] + ([exact_step] if exact_step is not None else [])
    reach = 0.0
    tail = np.zeros(2)
    for v in vectors:  # tip-to-tail chains reach further than any single arrow
        tail = tail + v if hit.adds_up else v
        reach = max(reach, float(np.abs(v).max()), float(np.abs(tail).max()))
    half = max(1.3 * reach, 0.02 * (surface.x_range[1] - surface.x_range[0]))
    (px, py) = hit.point
    return (px - half, px + half), (py - half, py + half)


def _numbers(hit, exact: bool) -> list[dict]:
    rows = [("point (x, y)", hit.point), ("f", [hit.value]), ("gradient g the optimizer used", hit.gradient)]
    if exact:
        rows.append(("exact gradient ∇f", hit.exact_gradient))
    rows += [(STATE_LABELS[name], value) for name, value in hit.state.items()]
    if hit.scale is not None:
        rows.append(("step size per coordinate, lr / (√· + ε)", hit.scale))
    rows.append(("the step taken", hit.update))
    return [{"quantity": name, "value": format_vector(v) if len(v) > 1 else format_number(float(v[0]))}
            for name, v in rows]


def render(state: gs.GradientDescentState, surface, result, device: str) -> None:
    chosen = [c.kind for c in result.configs]
    if state.inspect_kind not in chosen:
        gs.STATE.set(inspect_kind=chosen[0])
    if state.inspect_step > result.steps - 1:
        gs.STATE.set(inspect_step=result.steps - 1)
    c1, c2 = st.columns([1, 2])
    kind = c1.selectbox("Optimizer to inspect", chosen, format_func=TITLES.get, key=gs.STATE.key("inspect_kind"))
    step = c2.slider("Step", 0, result.steps - 1, key=gs.STATE.key("inspect_step"),
                     help="The update from the point at this step to the next one.")
    k = chosen.index(kind)
    start = (float(state.start_x), float(state.start_y))
    hits = compute.inspection(state.surface, state.condition, state.expression, tuple(result.configs), start,
                              int(step), device, float(state.noise), int(state.noise_seed))
    hit = hits[k]
    if hit is None:
        st.warning(f"{TITLES[kind]} has no finite point at step {step}: it diverged at step "
                   f"{int(result.diverged_at[k])}. Pick an earlier step.", icon=":material/warning:")
        return
    exact_step = -hit.config.lr * hit.exact_gradient if state.noise > 0 else None
    x_range, y_range = _window(surface, hit, exact_step)
    picture = compute.landscape(state.surface, state.condition, state.expression, x_range, y_range, compute.ZOOM_N)
    left, right = st.columns([3, 2])
    left.plotly_chart(charts.inspector_figure(*picture, hit, ARROWS, exact_step), key="gd_inspector",
                      width="stretch")
    right.markdown(f"**{TITLES[kind]}, update {step} → {step + 1}** (lr = {hit.config.lr:g})")
    right.caption(EXPLAIN[kind])
    longest = max(float(np.linalg.norm(v)) for v in hit.arrows.values())
    taken = float(np.linalg.norm(hit.update))
    if taken < 0.05 * longest:
        right.caption(f"The step taken is {format_number(longest / max(taken, 1e-300), 2)} times shorter than the "
                      "longest arrow, too short to see at this scale: see its length in the table.")
    right.dataframe(_numbers(hit, exact_step is not None), hide_index=True, width="stretch",
                    key="gd_inspector_table")
