"""Tab 2: race optimizers on a 2-D surface -- controls, then one of three views, then the table."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.gradient_descent.optimizers import HYPERPARAMETERS, KINDS, TITLES
from core.gradient_descent.surfaces import SURFACE_KEYS, SURFACE_TITLES
from core.text import escape_markdown
from ui.gradient_descent import charts, compute, inspector, replay
from ui.gradient_descent import state as gs
from ui.gradient_descent.numbers import format_number
from ui.gradient_descent.state import (CONDITION_GRID, EPS_GRID, LR_GRID, NOISE_GRID, RACE_TABS, TOL_GRID,
                                       GradientDescentState, stateful_tabs)

EXTRA = {  # (state field, label, help) for each optimizer's hyperparameters other than lr
    ("momentum", "momentum"): ("momentum", "Momentum μ", "How much of the previous velocity is kept."),
    ("nesterov", "momentum"): ("nesterov_momentum", "Momentum μ", "Nesterov looks ahead along the velocity."),
    ("rmsprop", "alpha"): ("rmsprop_alpha", "Decay β (alpha)", "Leak of the squared-gradient average."),
    ("adam", "beta1"): ("adam_beta1", "β1", "Decay of the gradient average (momentum)."),
    ("adam", "beta2"): ("adam_beta2", "β2", "Decay of the squared-gradient average."),
    ("adagrad", "eps"): ("adagrad_eps", "ε", None),
    ("rmsprop", "eps"): ("rmsprop_eps", "ε", None),
    ("adam", "eps"): ("adam_eps", "ε", None),
}
NOISE_HELP = ("Stochastic gradient descent sees a noisy gradient (a mini-batch's), not the exact one. Here every "
              "step's gradient gets Gaussian noise of this standard deviation per coordinate; 0 is exact gradient "
              "descent. Every optimizer of the race gets the same noise.")


def _controls(state: GradientDescentState) -> None:
    key = gs.STATE.key
    c1, c2, c3 = st.columns([1.2, 1.6, 1])
    c1.selectbox("Surface", SURFACE_KEYS, format_func=SURFACE_TITLES.get, key=key("surface"),
                 on_change=gs.on_surface_change)
    if state.surface == "quadratic":
        c1.select_slider("Condition number κ", CONDITION_GRID, key=key("condition"), format_func=lambda v: f"{v:g}")
    if state.surface == "custom":
        c1.text_input("f(x, y) =", key=key("expression"), max_chars=300,
                      help="Numbers, x, y, pi, e, + − * / **, parentheses and sin cos tan exp log sqrt "
                           "tanh abs sigmoid sinh cosh atan. Gradients come from autograd.")
    c2.multiselect("Optimizers", KINDS, format_func=TITLES.get, key=key("optimizers"))
    c2.slider("Steps", 10, 2000, step=10, key=key("steps"))
    x, y = c3.columns(2)
    x.number_input("Start x", -100.0, 100.0, step=0.1, key=key("start_x"))
    y.number_input("Start y", -100.0, 100.0, step=0.1, key=key("start_y"))
    c3.select_slider("Tolerance", TOL_GRID, key=key("tol"), format_func=lambda v: f"{v:g}",
                     help="A run 'arrives' when f − f(minimum) (or |∇f| when the minimum is unknown) drops below it.")
    n1, n2 = c2.columns([2, 1])
    n1.select_slider("Gradient noise σ (stochastic mode)", NOISE_GRID, key=key("noise"), help=NOISE_HELP,
                     format_func=lambda v: f"{v:g}" if v else "0 (exact)")
    if state.noise > 0:
        n2.number_input("Noise seed", 0, 9999, step=1, key=key("noise_seed"), help="The same seed, the same noise.")
    # A toggle rather than an expander: Streamlit draws a closed expander's widgets all the same, and
    # these 6-14 sliders made every new race about 0.25 s slower in Chromium (docs/gradient_descent.md).
    # Their values live in the page state whether or not they are shown.
    st.toggle("Hyperparameters (learning rate, momentum, β, ε of each optimizer)", key=key("hyperparameters"))
    if not state.hyperparameters:
        return
    with st.container(border=True):
        st.button("Suggested learning rates for this surface", on_click=gs.apply_suggested_lrs,
                  icon=":material/auto_fix_high:")
        chosen = [k for k in KINDS if k in state.optimizers]
        for col, kind in zip(st.columns(max(len(chosen), 1)), chosen):
            col.markdown(f"**{TITLES[kind]}**")
            col.select_slider("lr", LR_GRID, key=key(f"lr_{kind}"), format_func=lambda v: f"{v:g}")
            for name in HYPERPARAMETERS[kind][1:]:
                field, label, help_text = EXTRA[(kind, name)]
                if name == "eps":
                    col.select_slider(label, EPS_GRID, key=key(field), format_func=lambda v: f"{v:g}")
                else:
                    col.slider(label, 0.0, 0.9999, step=0.0001, format="%.4f", key=key(field), help=help_text)


def _warnings(result, configs, start) -> None:
    if (result.diverged_at == 0).all():
        st.warning(f"f(x, y) is not a finite number at the start point ({start[0]:g}, {start[1]:g}); "
                   "pick another start.", icon=":material/warning:")
        return
    for k, cfg in enumerate(configs):
        if result.diverged[k]:
            st.warning(f"**{cfg.title}** diverged at step {int(result.diverged_at[k])} (lr = {cfg.lr:g}): its "
                       "values became infinite or left the plane; its path ends at its last point inside the plot "
                       "(marked ×). Try a smaller learning rate.", icon=":material/warning:")


def _noise_caption(state: GradientDescentState, result) -> None:
    st.caption(f"Stochastic mode: each step's gradient gets Gaussian noise of σ = {state.noise:g} per coordinate "
               f"(seed {state.noise_seed}), the same draws for every optimizer. For scale: |∇f| at the start is "
               f"{format_number(float(result.grad_norms[0, 0]), 3)}. Dotted lines: the same optimizers with exact "
               "gradients.")


def table_rows(rows: list[dict]) -> list[dict]:
    """The race table with numbers for people (a diverged run's last loss reads 7.879 × 10¹⁵)."""
    def reach(steps):
        return "not reached" if steps is None else str(steps)

    return [{**row, "final loss": format_number(row["final loss"]), "best loss": format_number(row["best loss"]),
             "steps to tolerance": reach(row["steps to tolerance"])} for row in rows]


def render(state: GradientDescentState, device: str) -> None:
    _controls(state)
    surface, error = compute.surface_or_error(state.surface, state.condition, state.expression)
    if error:
        st.error(f"Your formula was refused: {escape_markdown(error, None)}.", icon=":material/block:")
        return
    st.caption(f"**{surface.title}**: f(x, y) = {escape_markdown(surface.formula, None)}. {surface.notes}")
    configs = tuple(state.optimizer_configs())
    if not configs:
        st.info("Choose at least one optimizer to race.", icon=":material/info:")
        return
    start = (float(state.start_x), float(state.start_y))
    args = (state.surface, state.condition, state.expression, configs, start)
    noise = (float(state.noise), int(state.noise_seed))
    result = compute.race(*args, state.steps, device, *noise)
    ghosts = compute.race(*args, state.steps, device) if state.noise > 0 else None
    if state.noise > 0:
        _noise_caption(state, result)
    _warnings(result, configs, start)

    views = stateful_tabs("race_view", RACE_TABS)
    with views[state.race_view]:
        if state.race_view == "contour":
            replay.render(state, surface, result, ghosts)
        elif state.race_view == "surface3d":
            grid = compute.surface_grid(state.surface, state.condition, state.expression, compute.SURFACE_3D_N)
            floor = surface.display_floor(grid[2])
            st.plotly_chart(charts.surface_figure(*grid, floor, result), key="gd_surface3d", width="stretch")
        else:
            inspector.render(state, surface, result, device)
    rows = table_rows(compute.table(result, float(state.tol), surface.min_value))
    # A static table, not st.dataframe: six rows need no grid, and the grid's redraw made every new
    # race about 0.3 s slower in Chromium (docs/gradient_descent.md). Its cells are Markdown: escaped.
    st.table([{name: escape_markdown(value, None) for name, value in row.items()} for row in rows], hide_index=True)
    if ghosts is not None and not np.array_equal(result.diverged_at, ghosts.diverged_at):
        st.caption("With exact gradients the divergences differ: noise can push a run over the edge, or keep it "
                   "from settling.")
