"""Tab 1: one weight, one loss -- the tangent, the steps and the regime a learning rate produces."""

from __future__ import annotations

import streamlit as st

from core.gradient_descent import one_weight
from core.gradient_descent.regime import classify_trajectory, quadratic_regime
from ui.gradient_descent import charts, compute
from ui.gradient_descent.state import LR_GRID, STATE, GradientDescentState

REGIME_STYLE = {"slow": st.info, "converging": st.success, "oscillating": st.warning, "diverging": st.error}


def render(state: GradientDescentState, device: str) -> None:
    c1, c2, c3 = st.columns([1.2, 1, 1])
    c1.selectbox("Loss", one_weight.LOSS_KEYS, format_func=one_weight.LOSS_TITLES.get, key=STATE.key("loss_1d"))
    c1.select_slider("Learning rate (log scale)", LR_GRID, key=STATE.key("lr_1d"), format_func=lambda v: f"{v:g}",
                     help="Each update moves the weight by lr × slope, against the slope.")
    if state.loss_1d == "quadratic":
        c2.slider("Curvature a (d²L/dw²)", 0.1, 20.0, step=0.1, key=STATE.key("curvature"))
    c2.slider("Start weight w₀", -3.0, 3.0, step=0.1, key=STATE.key("w0"))
    c3.slider("Steps shown", 1, 100, key=STATE.key("steps_1d"))

    loss = one_weight.make_loss(state.loss_1d, state.curvature)
    ws, ls, grads, diverged_at = compute.one_weight_run(state.loss_1d, state.curvature, state.w0, state.lr_1d,
                                                        state.steps_1d, device)
    regime = classify_trajectory(ws, grads, ls)
    label = {"slow": "Converging slowly", "converging": "Converging", "oscillating": "Oscillating",
             "diverging": "Diverging"}[regime.name]
    REGIME_STYLE[regime.name](f"**{label}**: {regime.detail}.", icon=":material/insights:")

    critical = loss.critical_lr()
    if critical is not None:
        exact = quadratic_regime(state.lr_1d, loss.curvature, state.steps_1d)
        m1, m2, m3 = st.columns(3)
        m1.metric("Critical learning rate 2 / a", f"{critical:.3g}")
        m2.metric("Error multiplier per step, 1 − lr·a", f"{1 - state.lr_1d * loss.curvature:.3g}")
        m3.metric("Exact regime", exact)
        st.caption("On a quadratic the distance to the minimum is multiplied by r = 1 − lr·a every step: "
                   "0 < r < 1 creeps in, −1 < r < 0 jumps across the valley while shrinking, |r| > 1 "
                   "grows without bound. So lr above 2/a always diverges, and lr = 1/a lands in one step.")
    else:
        finite = [w for w in ws if w == w]
        here = finite[-1] if finite else state.w0
        local = loss.critical_lr(here)
        st.caption(f"The curvature changes along this loss. Near w = {here:.3g} it is "
                   f"{loss.second_derivative(here):.3g}, so the local critical learning rate is "
                   + (f"{local:.3g}." if local is not None else "undefined (the loss curves downward there)."))

    finite_steps = [i for i, w in enumerate(ws) if w == w]
    st.session_state.setdefault("gd_tangent_step", 0)
    at = st.slider("Show the tangent at step", 0, 100, key="gd_tangent_step",
                   help="Past the last step (or a diverged step) it shows the last finite one.")
    at = min(at, finite_steps[-1]) if finite_steps else 0
    w_range = one_weight.view_range(loss, ws)
    span = 0.12 * (w_range[1] - w_range[0])
    tw, tl, slope = one_weight.tangent(loss, float(ws[at]) if finite_steps else state.w0, span)
    cw, cl = one_weight.curve(loss, w_range)
    # Inline SVG built from our own numbers, every text in it HTML-escaped (st.html would strip SVG).
    svg = charts.one_weight_svg(cw, cl, ws, ls, tw, tl, slope, w_range, loss.formula)
    st.markdown(svg, unsafe_allow_html=True)
    if diverged_at >= 0:
        st.caption(f"The weight left any finite range at step {diverged_at}; the steps after it are not drawn.")
