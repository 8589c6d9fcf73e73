"""Tab 2: race optimizers on a 2-D surface -- controls, playback, contour/3-D views and the table."""

from __future__ import annotations

import streamlit as st

from core.gradient_descent.optimizers import HYPERPARAMETERS, KINDS, TITLES
from ui.gradient_descent.state import CONDITION_GRID, EPS_GRID, LR_GRID, TOL_GRID, GradientDescentState
from core.gradient_descent.surfaces import SURFACE_KEYS, SURFACE_TITLES
from pages import _gd_charts as charts
from pages import _gd_compute as compute
from pages import _gd_state as gs

SPEEDS = (1, 2, 5, 10, 25, 50)
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


def _controls(state: GradientDescentState) -> None:
    c1, c2, c3 = st.columns([1.2, 1.6, 1])
    c1.selectbox("Surface", SURFACE_KEYS, format_func=SURFACE_TITLES.get, key=gs.key("surface"),
                 on_change=gs.on_surface_change)
    if state.surface == "quadratic":
        c1.select_slider("Condition number κ", CONDITION_GRID, key=gs.key("condition"),
                         format_func=lambda v: f"{v:g}")
    if state.surface == "custom":
        c1.text_input("f(x, y) =", key=gs.key("expression"), max_chars=300,
                      help="Numbers, x, y, pi, e, + − * / **, parentheses and sin cos tan exp log sqrt "
                           "tanh abs sigmoid sinh cosh atan. Gradients come from autograd.")
    c2.multiselect("Optimizers", KINDS, format_func=TITLES.get, key=gs.key("optimizers"))
    c2.slider("Steps", 10, 2000, step=10, key=gs.key("steps"))
    x, y = c3.columns(2)
    x.number_input("Start x", -100.0, 100.0, step=0.1, key=gs.key("start_x"))
    y.number_input("Start y", -100.0, 100.0, step=0.1, key=gs.key("start_y"))
    c3.select_slider("Tolerance", TOL_GRID, key=gs.key("tol"), format_func=lambda v: f"{v:g}",
                     help="A run 'arrives' when f − f(minimum) (or |∇f| when the minimum is unknown) drops below it.")
    with st.expander("Hyperparameters", icon=":material/tune:", expanded=False):
        st.button("Suggested learning rates for this surface", on_click=gs.apply_suggested_lrs,
                  icon=":material/auto_fix_high:")
        chosen = [k for k in KINDS if k in state.optimizers]
        for col, kind in zip(st.columns(max(len(chosen), 1)), chosen):
            col.markdown(f"**{TITLES[kind]}**")
            col.select_slider("lr", LR_GRID, key=gs.key(f"lr_{kind}"), format_func=lambda v: f"{v:g}")
            for name in HYPERPARAMETERS[kind][1:]:
                field, label, help_text = EXTRA[(kind, name)]
                if name == "eps":
                    col.select_slider(label, EPS_GRID, key=gs.key(field), format_func=lambda v: f"{v:g}")
                else:
                    col.slider(label, 0.0, 0.9999, step=0.0001, format="%.4f", key=gs.key(field), help=help_text)


def _on_contour_select() -> None:
    points = st.session_state.get("gd_contour", {}).get("selection", {}).get("points", [])
    if points:
        gs.set_start(points[0]["x"], points[0]["y"])
        st.session_state["gd_start_clicked"] = True


def _play() -> None:
    ss = st.session_state
    if ss.get("gd_playing"):
        ss["gd_playing"] = False
    else:
        if ss.get("gd_play_step") is None or ss["gd_play_step"] >= ss.get("gd_last_step", 0):
            ss["gd_play_step"] = 0
        ss["gd_playing"] = True


def _step() -> None:
    ss = st.session_state
    ss["gd_playing"] = False
    last, current = ss.get("gd_last_step", 0), ss.get("gd_play_step")
    # From the end (or before any playback) stepping starts over at step 0.
    ss["gd_play_step"] = 0 if current is None or current >= last else current + 1


def _reset() -> None:
    st.session_state["gd_playing"] = False
    st.session_state["gd_play_step"] = 0


def _playback_controls() -> None:
    c = st.columns([1, 1, 1, 3])
    playing = st.session_state.get("gd_playing", False)
    c[0].button("Pause" if playing else "Play", on_click=_play, key="gd_play_button",
                icon=":material/pause:" if playing else ":material/play_arrow:", width="stretch")
    c[1].button("Step", on_click=_step, key="gd_step_button", icon=":material/skip_next:", width="stretch")
    c[2].button("Reset", on_click=_reset, key="gd_reset_button", icon=":material/replay:", width="stretch")
    c[3].select_slider("Speed (steps per frame)", SPEEDS, value=10, key="gd_speed")


def render(state: GradientDescentState, device: str) -> None:
    _controls(state)
    surface, error = compute.surface_or_error(state.surface, state.condition, state.expression)
    if error:
        st.error(f"Your formula was refused: {error}.", icon=":material/block:")
        return
    st.caption(f"**{surface.title}**: f(x, y) = {surface.formula}. {surface.notes}")
    configs = tuple(state.optimizer_configs())
    if not configs:
        st.info("Choose at least one optimizer to race.", icon=":material/info:")
        return
    start = (float(state.start_x), float(state.start_y))
    result = compute.race(state.surface, state.condition, state.expression, configs, start, state.steps, device)
    grid = compute.surface_grid(state.surface, state.condition, state.expression, compute.CONTOUR_N)
    coarse = compute.surface_grid(state.surface, state.condition, state.expression, compute.SURFACE_3D_N)
    click = compute.click_points(state.surface, state.condition, state.expression)
    floor = surface.display_floor(grid[2])
    st.session_state["gd_last_step"] = result.steps
    signature = (state.surface, state.condition, state.expression, configs, start, state.steps)
    if st.session_state.get("gd_race_signature") != signature:  # a new race is shown whole, not mid-replay
        st.session_state["gd_race_signature"] = signature
        st.session_state["gd_play_step"] = None
        st.session_state["gd_playing"] = False

    if (result.diverged_at == 0).all():
        st.warning(f"f(x, y) is not a finite number at the start point ({start[0]:g}, {start[1]:g}); "
                   "pick another start.", icon=":material/warning:")
    else:
        for k, cfg in enumerate(configs):
            if result.diverged[k]:
                st.warning(f"**{cfg.title}** diverged at step {int(result.diverged_at[k])} (lr = {cfg.lr:g}): its "
                           "values became infinite or left the plane; its path stops there. Try a smaller "
                           "learning rate.", icon=":material/warning:")

    _playback_controls()
    playing = st.session_state.get("gd_playing", False)
    names = [c.title for c in configs]
    kinds = [c.kind for c in configs]

    # While playing, frames use a lighter contour grid so the browser keeps up with the timer.
    shown = compute.surface_grid(state.surface, state.condition, state.expression, compute.CONTOUR_PLAY_N) \
        if playing else grid

    @st.fragment(run_every=0.3 if playing else None)
    def frame():
        ss = st.session_state
        if ss.pop("gd_start_clicked", False):
            st.rerun(scope="app")  # a new start point means a new race, not just a new frame
        step = ss.get("gd_play_step")
        step = result.steps if step is None else min(int(step), result.steps)
        if ss.get("gd_playing"):
            step = min(step + int(ss.get("gd_speed", 10)), result.steps)
        ss["gd_play_step"] = step
        st.progress(step / max(result.steps, 1), text=f"Step {step} of {result.steps}")
        fig = charts.contour_figure(shown[0], shown[1], shown[2], floor, result.paths, names, kinds,
                                    surface.minima, start, step, None if playing else click)
        st.plotly_chart(fig, key="gd_contour", on_select=_on_contour_select, selection_mode="points",
                        width="stretch")
        st.caption("Click a point of the contour plot to start the race there.")
        loss_fig = charts.loss_figure(result.losses, names, kinds, surface.min_value, step)
        loss_fig.update_xaxes(range=[0, result.steps])
        st.plotly_chart(loss_fig, key="gd_loss_chart", width="stretch")
        if ss.get("gd_playing") and step >= result.steps:
            ss["gd_playing"] = False
            st.rerun(scope="app")  # stop the timer

    flat, solid = st.tabs(["Contour and loss (playback)", "3-D surface (whole race)"])
    with flat:
        frame()
    with solid:
        fig3 = charts.surface_figure(coarse[0], coarse[1], coarse[2], floor, result.paths, result.losses,
                                     names, kinds, result.steps)
        st.plotly_chart(fig3, key="gd_surface3d", width="stretch")
    rows = compute.table(result, float(state.tol), surface.min_value)
    st.dataframe(rows, hide_index=True, width="stretch", key="gd_race_table",
                 column_config={"final loss": st.column_config.NumberColumn(format="%.4g"),
                                "best loss": st.column_config.NumberColumn(format="%.4g")})
