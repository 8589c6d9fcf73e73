"""Tab 4: learning-rate finder -- one optimizer at 41 learning rates, run as one batch."""

from __future__ import annotations

import streamlit as st

from core.gradient_descent.optimizers import KINDS, TITLES
from core.text import escape_markdown
from ui.gradient_descent import charts, compute
from ui.gradient_descent.state import STATE, GradientDescentState


def render(state: GradientDescentState, device: str) -> None:
    surface, error = compute.surface_or_error(state.surface, state.condition, state.expression)
    if error:
        st.error(f"Your formula was refused: {escape_markdown(error, None)}. Change it in the race tab.",
                 icon=":material/block:")
        return
    noisy = f", with the race's gradient noise σ = {state.noise:g}" if state.noise > 0 else ""
    st.markdown(f"Sweeps the learning rate from 1e-4 to 10 on **{surface.title}** from the race's start point "
                f"({state.start_x:g}, {state.start_y:g}){noisy}, keeping the other hyperparameters of the chosen "
                "optimizer.")
    c1, c2 = st.columns(2)
    c1.selectbox("Optimizer", KINDS, format_func=TITLES.get, key=STATE.key("finder_kind"))
    c2.slider("Steps per learning rate", 5, 1000, step=5, key=STATE.key("finder_steps"))
    config = state.optimizer_config(state.finder_kind)
    sweep = compute.sweep(state.surface, state.condition, state.expression, config,
                          (float(state.start_x), float(state.start_y)), int(state.finder_steps), device,
                          float(state.noise), int(state.noise_seed))
    title = f"{TITLES[state.finder_kind]} on {surface.title}, {state.finder_steps} steps"
    st.plotly_chart(charts.lr_finder_figure(sweep, surface.min_value, title), key="gd_lr_finder", width="stretch")
    if sweep.best_lr is None:
        st.error("Every learning rate diverged from this start point.", icon=":material/error:")
        return
    if surface.flat:
        st.info("This surface is flat: every learning rate leaves the loss where it started.", icon=":material/info:")
        return
    lo, hi = sweep.region
    st.success(f"Best learning rate **{sweep.best_lr:.3g}**; good region **{lo:.3g} … {hi:.3g}** "
               f"({int(sweep.diverged.sum())} of {len(sweep.lrs)} learning rates diverged).", icon=":material/target:")
