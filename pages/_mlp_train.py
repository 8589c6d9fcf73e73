"""The MLP trainer's training panel: play / pause / step / reset and the live fragment."""

from __future__ import annotations

import streamlit as st

from core.mlp.views import boundary_grid, neuron_grids
from pages import _mlp_charts as charts

TICK = 0.3  # seconds between live updates while playing
BUDGET = 0.12  # seconds of training per update (the rest of the tick is drawing)
NEURON_TICK = 2.0  # the per-neuron heatmaps are the costliest figure: refresh them less often
NEURONS_SHOWN = 8


def _toggle_play():
    st.session_state["mlpo_playing"] = not st.session_state.get("mlpo_playing", False)


def _step():
    run = st.session_state.get("mlpo_run")
    if run is not None:
        run.advance(1)
    st.session_state["mlpo_playing"] = False


def _reset():
    st.session_state["mlpo_run"] = None  # rebuilt from the same settings (same seed) on this rerun
    st.session_state["mlpo_playing"] = False


def transport(state, table) -> None:
    playing = st.session_state.get("mlpo_playing", False)
    c1, c2, c3, c4 = st.columns([1, 1, 1, 3])
    c1.button("Pause" if playing else "Play", icon=":material/pause:" if playing else ":material/play_arrow:",
              on_click=_toggle_play, type="primary", key="mlpb_play", width="stretch")
    c2.button("Step", icon=":material/skip_next:", on_click=_step, key="mlpb_step", width="stretch",
              help="Train one epoch")
    c3.button("Reset", icon=":material/restart_alt:", on_click=_reset, key="mlpb_reset", width="stretch",
              help="New initial weights from the same seed")
    c4.toggle("Show test points", value=True, key="mlpb_show_test")


def _metrics(run, table) -> None:
    h = run.history
    regression = run.config.task == "regression"
    name = "R²" if regression else "accuracy"
    cols = st.columns(5)
    cols[0].metric("Epoch", f"{run.epoch:,}")
    cols[1].metric("Train loss", f"{h['train_loss'][-1]:.4f}")
    cols[2].metric("Test loss", f"{h['test_loss'][-1]:.4f}")
    cols[3].metric(f"Test {name}", f"{h['test_acc'][-1]:.3f}" if regression else f"{h['test_acc'][-1]:.1%}")
    cols[4].metric("Parameters", f"{run.n_parameters:,}")


def _body(state, table) -> None:
    ss = st.session_state
    run = ss.get("mlpo_run")
    if run is None:
        return
    if ss.get("mlpo_playing"):
        limit = state.stop_at - run.epoch if state.stop_at else 10**9
        if limit > 0:
            run.advance(limit, time_budget=BUDGET)
        if run.diverged or (state.stop_at and run.epoch >= state.stop_at):
            ss["mlpo_playing"] = False
            st.rerun(scope="app")  # stop the timer
    if run.diverged:
        st.error(run.diverged, icon=":material/error:")
    _metrics(run, table)
    metric = "R²" if run.config.task == "regression" else "Accuracy"
    plain = {"config": {"displayModeBar": False}}
    weights = [w.detach().cpu().numpy() for w in run.coeffs[0]]
    if table.points_train is not None:
        left, right = st.columns([5, 4])
        axis, surface = boundary_grid(run, table.feature_names, 60)
        n_colours = run.config.n_outputs if run.config.task == "multiclass" else 2
        left.plotly_chart(charts.boundary_figure(axis, surface, table, run.config.task, n_colours,
                                                 ss.get("mlpb_show_test", True)), key="mlp_boundary", **plain)
        right.plotly_chart(charts.loss_figure(run.history, metric), key="mlp_loss_chart", **plain)
        right.plotly_chart(charts.network_figure(weights, table.feature_names), key="mlp_network", **plain)
        return
    st.plotly_chart(charts.loss_figure(run.history, metric), key="mlp_loss_chart", **plain)
    if table.x_train.shape[1] == 784 and not run.config.hiddens:
        st.plotly_chart(charts.weights_image_figure(weights[0][:, 0]), key="mlp_weights_image", **plain)
    elif weights[0].shape[0] <= 40:
        st.plotly_chart(charts.network_figure(weights, table.feature_names), key="mlp_network", **plain)
    else:
        st.caption(f"{weights[0].shape[0]} inputs: too many to draw the network legibly.")


def _neurons(table) -> None:
    run = st.session_state.get("mlpo_run")
    if run is None or table.points_train is None or not run.config.hiddens:
        return
    st.caption(f"What each hidden neuron computes over the plane (first {NEURONS_SHOWN} per layer):")
    grids = neuron_grids(run, table.feature_names, 24, NEURONS_SHOWN)
    st.plotly_chart(charts.neurons_figure(grids, NEURONS_SHOWN), key="mlp_neurons", width="content",
                    config={"displayModeBar": False})


def live_panel(state, table) -> None:
    """Redraw the training view; while playing, timers rerun just these panels (no full-page rerun)."""
    playing = st.session_state.get("mlpo_playing")
    st.fragment(_body, run_every=TICK if playing else None)(state, table)
    st.fragment(_neurons, run_every=NEURON_TICK if playing else None)(table)
