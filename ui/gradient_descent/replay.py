"""The race replay: Play/Pause, Step, Reset and speed above the contour and the loss chart.

How Pause stays within one frame (decided by measuring in Chromium, see docs/gradient_descent.md):

- While playing, only the fragment `_playing` reruns, on a ``run_every`` timer; each run draws
  the next frame. The controls sit outside it, so a click on Pause asks for a full rerun, and
  Streamlit interrupts a frame that is still being computed for it (a click inside a fragment
  would wait for that frame to finish and send it: one more frame on screen).
- A frame stores its step only after it has drawn everything, and fills the progress bar (the
  step counter people read) last, from a placeholder above the charts: an interrupted frame
  leaves both at the previous step, and the paused view shows exactly that step.
- The Play/Pause button sets the state its label showed (`ui.playback.Playback`), so a click
  that Streamlit delivers twice cannot pause and then resume.
- The full rerun draws the still frame without registering `_playing`, which drops its timer.
"""

from __future__ import annotations

import streamlit as st

from ui.gradient_descent import charts, compute
from ui.gradient_descent import state as gs
from ui.playback import Playback

PLAYBACK = Playback("gd_")
SPEEDS = (1, 2, 5, 10, 25, 50)
FRAME_S = 0.3  # the timer of the playing frames


def _rewind_at_end() -> None:
    """Play from the end (or before any replay) starts over at step 0."""
    ss = st.session_state
    if ss.get(gs.PLAY_STEP) is None or ss[gs.PLAY_STEP] >= ss.get("gd_last_step", 0):
        ss[gs.PLAY_STEP] = 0


def _step() -> None:
    ss = st.session_state
    last, current = ss.get("gd_last_step", 0), ss.get(gs.PLAY_STEP)
    # From the end (or before any playback) stepping starts over at step 0.
    ss[gs.PLAY_STEP] = 0 if current is None or current >= last else current + 1


def _reset() -> None:
    st.session_state[gs.PLAY_STEP] = 0


def _on_contour_select() -> None:
    points = st.session_state.get("gd_contour", {}).get("selection", {}).get("points", [])
    if points:
        gs.set_start(points[0]["x"], points[0]["y"])


def _current_step(result) -> int:
    step = st.session_state.get(gs.PLAY_STEP)
    return result.steps if step is None else min(int(step), result.steps)


def _draw(view: dict, step: int, playing: bool) -> None:
    """One frame: the progress bar (filled last), the contour with the paths up to ``step``, the loss."""
    result, surface = view["result"], view["surface"]
    bar = st.container()  # filled last; until then the previous bar stays (st.empty would blank it)
    # Playing frames carry no click targets: the browser must draw each within the timer's period,
    # or frames queue up and the replay lags behind what the server computed.
    fig = charts.contour_figure(*view["landscape"], result, surface.minima, view["start"], step,
                                None if playing else view["click"], view["ghosts"])
    if playing:
        st.plotly_chart(fig, key="gd_contour_playing", width="stretch")
    else:
        st.plotly_chart(fig, key="gd_contour", on_select=_on_contour_select, selection_mode="points",
                        width="stretch")
        st.caption("Click a point of the contour plot to start the race there.")
    st.markdown(charts.loss_svg(result, surface.min_value, step), unsafe_allow_html=True)  # our numbers, escaped text
    bar.progress(step / max(result.steps, 1), text=f"Step {step} of {result.steps}")


@st.fragment(run_every=FRAME_S)
def _playing(view: dict) -> None:
    """One timer tick: the next frame (the speed's steps further), stored once it is drawn."""
    result = view["result"]
    step = _current_step(result)
    if PLAYBACK.playing:  # (a Pause click can reach a timer run first: then it draws, not advances)
        step = min(step + int(st.session_state.get("gd_speed", 10)), result.steps)
    _draw(view, step, True)
    st.session_state[gs.PLAY_STEP] = step
    if PLAYBACK.playing and step >= result.steps:
        PLAYBACK.set_playing(False)
        st.rerun(scope="app")  # the end: one full rerun drops the timer and redraws Play


def render(state: gs.GradientDescentState, surface, result, ghosts) -> None:
    """The replay of ``result`` (a new race is first shown whole, not mid-replay)."""
    ss = st.session_state
    ss["gd_last_step"] = result.steps
    signature = (state.surface, state.condition, state.expression, tuple(state.optimizer_configs()),
                 state.start_x, state.start_y, state.steps, state.noise, state.noise_seed)
    if ss.get("gd_race_signature") != signature:
        ss["gd_race_signature"] = signature
        ss[gs.PLAY_STEP] = None
        PLAYBACK.set_playing(False)
    speed = PLAYBACK.controls(on_step=_step, on_reset=_reset, on_play=_rewind_at_end)
    ss.setdefault("gd_speed", 10)
    speed.select_slider("Speed (steps per frame)", SPEEDS, key="gd_speed")
    keys = (state.surface, state.condition, state.expression)
    view = {"result": result, "ghosts": ghosts, "surface": surface, "landscape": compute.landscape(*keys),
            "click": compute.click_points(*keys), "start": (float(state.start_x), float(state.start_y))}
    if PLAYBACK.playing:
        _playing(view)
    else:
        _draw(view, _current_step(result), False)
