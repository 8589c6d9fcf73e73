"""The MLP trainer's Train tab: the current run, play / pause / step / reset / reseed, the live views.

Live training runs in one fragment: while playing, ``st.fragment(run_every=TICK)`` reruns only
this panel; each frame advances the `core.mlp.TrainingRun` kept in ``st.session_state["mlp_run"]``
for up to ``BUDGET`` seconds, then redraws. No thread is involved: the page stays responsive
between frames, Pause simply stops the timer, and the run is resumable.

While playing, every picture is a light SVG / PNG (`pictures`): one ``<img>`` per view, a few
kilobytes each, so the browser shows each frame at once. When paused (or after Step), the
plane and the curves are the richer plotly figures of `charts` (hover values, zoom), with the
confusion matrix or the regression scores. Why these numbers: docs/mlp_trainer.md, "Live updates".
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.mlp import TrainingRun
from core.mlp.views import boundary_grid, confusion_matrix, neuron_grids, regression_scores
from core.text import escape_markdown
from ui.mlp_trainer import charts, pictures
from ui.mlp_trainer.state import PREFIX, RUN_KEY, STATE, STEP_TOKEN, MLPTrainerState, new_run, next_seed
from ui.playback import Playback

TICK = 0.15  # seconds between live frames while playing (at most 6.7 frames/s)
BUDGET = 0.06  # seconds of training per frame (the rest of the tick is drawing and the browser)
PLANE_RESOLUTION = 60
PLANE_WIDTH = 420  # pixels: about the plotly figure's plotting area, so Pause barely shifts the page
NEURONS_SHOWN = 8
PLAYBACK = Playback(PREFIX)
PLAIN = {"config": {"displayModeBar": False}}


@dataclass
class LiveRun:
    """The session's current run (``st.session_state["mlp_run"]``) and what it was built from."""

    key: tuple
    run: TrainingRun | None
    note: str | None = None
    error: str | None = None
    points_markup: tuple | None = None  # (show_test, SVG markup of the data points), reused every frame


def current_run(state: MLPTrainerState, table, data_key: tuple, device) -> LiveRun:
    """The run for these settings: the session's current one, or a fresh, paused one when a setting
    changed (or after Reset, which drops it: the same seed then gives the same initial weights)."""
    key = (state.model_key(), data_key)
    live = st.session_state.get(RUN_KEY)
    if live is not None and live.key == key and (live.run is not None or live.error):
        return live
    try:
        run, note = new_run(state, table, device)
        live = LiveRun(key, run, note)
    except (ValueError, RuntimeError) as exc:
        live = LiveRun(key, None, error=f"Cannot build this network: {exc}")
    st.session_state[RUN_KEY] = live
    PLAYBACK.set_playing(False)
    return live


# --- controls ------------------------------------------------------------------------------
# Every callback here is idempotent: a click that lands while the live fragment's timer reruns can
# reach its callback twice (Streamlit 1.67, seen in Chromium: Pause toggled off and straight back
# on, docs/mlp_trainer.md). So callbacks carry what the page showed when it was drawn.

def _step(drawn: int) -> None:
    """One epoch, once per drawing of the controls (``drawn`` tells a repeated delivery apart)."""
    live = st.session_state.get(RUN_KEY)
    if st.session_state.get(STEP_TOKEN) != drawn and live is not None and live.run is not None:
        st.session_state[STEP_TOKEN] = drawn
        live.run.advance(1)


def _reset() -> None:
    st.session_state[RUN_KEY] = None  # rebuilt from the same settings (same seed) on this rerun


def _reseed(shown: int) -> None:
    STATE.set(seed=next_seed(shown))  # a new seed: new initial weights and batch order


def controls(state: MLPTrainerState) -> None:
    """Play / Pause, Step, Reset, Reseed, and the test-points toggle."""
    wide = PLAYBACK.controls(on_step=functools.partial(_step, time.monotonic_ns()), on_reset=_reset,
                             step_help="Train one epoch",
                             reset_help="Back to epoch 0 with the same initial weights (same seed)",
                             extra=(("Reseed", ":material/casino:", functools.partial(_reseed, state.seed),
                                     "New initial weights: moves to the next seed (in the sidebar and the link)"),))
    wide.toggle("Show test points", key=STATE.key("show_test"))


# --- the panel -----------------------------------------------------------------------------

def _advance(state: MLPTrainerState, run: TrainingRun) -> None:
    """One live frame's training; stops the timer at the stop epoch or on divergence."""
    limit = state.stop_at - run.epoch if state.stop_at else 10**9
    if limit > 0:
        run.advance(limit, time_budget=BUDGET)
    if run.diverged or (state.stop_at and run.epoch >= state.stop_at):
        PLAYBACK.set_playing(False)
        st.rerun(scope="app")  # redraw the controls without the timer


def _metrics(run: TrainingRun, table) -> None:
    h = run.history
    regression = run.config.task == "regression"
    cols = st.columns(6 if regression else 5)
    cols[0].metric("Epoch", f"{run.epoch:,}")
    cols[1].metric("Train loss", f"{h['train_loss'][-1]:.4f}")
    cols[2].metric("Test loss", f"{h['test_loss'][-1]:.4f}")
    if regression:
        r2, rmse = regression_scores(run, table.x_test, table.y_test, table.target_scale)
        cols[3].metric("Test R²", f"{r2:.3f}")
        cols[4].metric("Test RMSE", f"{rmse:.4g}", help="In the target's own units")
    else:
        cols[3].metric("Test accuracy", f"{h['test_acc'][-1]:.1%}")
    cols[-1].metric("Parameters", f"{run.n_parameters:,}")


def _points_markup(live: LiveRun, table, show_test: bool) -> str:
    if live.points_markup is None or live.points_markup[0] != show_test:
        markup = pictures.points_layer(table.points_train, table.y_train.numpy(), table.points_test,
                                       table.y_test.numpy(), live.run.config.task, show_test)
        live.points_markup = (show_test, markup)
    return live.points_markup[1]


def _plane(live: LiveRun, table, playing: bool) -> None:
    """The output over the plane: a light picture while playing, the plotly figure when paused."""
    run = live.run
    show_test = bool(STATE.get("show_test"))
    axis, surface = boundary_grid(run, table.feature_names, PLANE_RESOLUTION)
    n_colours = run.config.n_outputs if run.config.task == "multiclass" else 2
    if playing:
        st.markdown("**Output over the input plane**")
        svg = pictures.plane_svg(surface, run.config.task, _points_markup(live, table, show_test))
        st.image(pictures.svg_data_url(svg, stamp=f"epoch {run.epoch}"), width=PLANE_WIDTH)
    else:
        st.plotly_chart(charts.boundary_figure(axis, surface, table, run.config.task, n_colours, show_test),
                        key=PREFIX + "boundary", **PLAIN)


def _curves(run: TrainingRun, playing: bool) -> None:
    regression = run.config.task == "regression"
    metric = "R²" if regression else "Accuracy"
    if playing:
        svg = pictures.curves_svg(run.history, metric, regression)
        st.image(pictures.svg_data_url(svg, stamp=f"epoch {run.epoch}"), width="stretch")
    else:
        st.plotly_chart(charts.loss_figure(run.history, metric), key=PREFIX + "loss_chart", **PLAIN)


def _network(run: TrainingRun, table, playing: bool) -> None:
    weights = [w.detach().cpu().numpy() for w in run.coeffs[0]]
    if table.x_train.shape[1] == 784 and not run.config.hiddens:
        picture = pictures.raster_svg(pictures.weights_rgb(weights[0][:, 0]), scale=10)
        st.image(pictures.svg_data_url(picture, stamp=f"epoch {run.epoch}"), width=280,
                 caption="Learned weights of the output neuron (blue pushes towards 7, orange towards 1)")
        return
    if weights[0].shape[0] > 40:
        st.caption(f"{weights[0].shape[0]} inputs: too many to draw the network legibly.")
        return
    biases = [b.detach().cpu().numpy() for b in run.coeffs[1]]
    svg = pictures.network_svg(weights, biases, table.feature_names, hover=not playing, fluid=not playing)
    st.caption("Network: line width |w|, blue +, orange −" + ("" if playing else " (hover a line for its weight)"))
    if playing:
        st.image(pictures.svg_data_url(svg, stamp=f"epoch {run.epoch}"), width="stretch")
    else:
        # Inline, so that each line's <title> shows on hover. Not st.html: its sanitiser drops SVG. The
        # markup is one line (a raw HTML block: no Markdown inside) and every name in it is XML-escaped.
        st.markdown(f'<div class="mlp-network">{svg}</div>', unsafe_allow_html=True)


def _neurons(run: TrainingRun, table) -> None:
    if table.points_train is None or not run.config.hiddens:
        return
    grids = neuron_grids(run, table.feature_names, 24, NEURONS_SHOWN)
    st.caption(f"What each hidden neuron computes over the plane (rows = layers, first {NEURONS_SHOWN} per layer):")
    mosaic = pictures.neurons_rgb(grids)
    st.image(pictures.svg_data_url(pictures.raster_svg(mosaic, scale=2), stamp=f"epoch {run.epoch}"),
             width=min(2 * mosaic.shape[1], 520))


def _scores(run: TrainingRun, table) -> None:
    """The confusion matrix on the test set (classification; shown when paused)."""
    if run.config.task == "regression" or len(table.x_test) == 0:
        return
    k = run.config.n_outputs if run.config.task == "multiclass" else 2
    matrix = confusion_matrix(run, table.x_test, table.y_test, k)
    names = table.class_names if len(table.class_names) == k else [str(i) for i in range(k)]
    st.caption("Confusion matrix on the test set (rows: true class, columns: predicted)")
    st.dataframe(pd.DataFrame(matrix, index=[f"true {n}" for n in names], columns=[f"pred {n}" for n in names]))


def _frame(state: MLPTrainerState, table) -> None:
    live = st.session_state.get(RUN_KEY)
    if live is None or live.run is None:
        return
    run, playing = live.run, PLAYBACK.playing
    if playing:
        _advance(state, run)
    if run.diverged:
        st.error(escape_markdown(run.diverged, None), icon=":material/error:")
    _metrics(run, table)
    if table.points_train is not None:
        left, right = st.columns([5, 4])
        with left, st.container(key=PREFIX + "plane_view"):
            _plane(live, table, playing)
        with right:
            with st.container(key=PREFIX + "curves_view"):
                _curves(run, playing)
            _network(run, table, playing)
            if not playing:
                _scores(run, table)
        _neurons(run, table)
        return
    with st.container(key=PREFIX + "curves_view"):
        _curves(run, playing)
    left, right = st.columns([3, 2])
    with left:
        _network(run, table, playing)
    with right:
        if not playing:
            _scores(run, table)


def live_panel(state: MLPTrainerState, table) -> None:
    """Draw the training views; while playing, a timer reruns just this panel every ``TICK`` seconds."""
    st.fragment(_frame, run_every=TICK if PLAYBACK.playing else None)(state, table)

