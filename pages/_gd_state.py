"""The page state <-> widgets <-> URL: one GradientDescentState, one widget key per field ("gd_<field>")."""

from __future__ import annotations

from dataclasses import fields

import streamlit as st

from core.gradient_descent.optimizers import KINDS
from ui.gradient_descent.state import SUGGESTED_LRS, GradientDescentState
from core.gradient_descent.surfaces import make_surface
from core.urlstate import from_query_params, to_query_params

PREFIX = "gd_"
LOADED = "gd_state_loaded"


def key(name: str) -> str:
    return PREFIX + name


def load() -> GradientDescentState:
    """The current state: from the link on a session's first run, from the widgets afterwards."""
    ss = st.session_state
    if not ss.get(LOADED):
        state, messages = from_query_params(GradientDescentState, st.query_params.to_dict())
        state = state.snapped()
        for f in fields(state):
            ss[key(f.name)] = getattr(state, f.name)
        ss[LOADED] = True
        ss["gd_url_messages"] = messages
    else:
        # Re-assigning keeps values of widgets not drawn in this run (Streamlit drops those).
        for f in fields(GradientDescentState):
            ss[key(f.name)] = ss[key(f.name)]
    return current()


def current() -> GradientDescentState:
    return GradientDescentState(**{f.name: st.session_state[key(f.name)] for f in fields(GradientDescentState)})


def sync_url(state: GradientDescentState) -> None:
    """Reflect the state in the address bar so a copied link reproduces this view."""
    params = to_query_params(state)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def on_surface_change() -> None:
    """A new surface gets its own start point and learning rates that suit it."""
    ss = st.session_state
    name = ss[key("surface")]
    try:
        surface = make_surface(name, ss[key("condition")], ss[key("expression")])
        ss[key("start_x")], ss[key("start_y")] = surface.start
    except ValueError:  # a refused custom formula: keep the old start, the page shows the message
        pass
    apply_suggested_lrs()


def apply_suggested_lrs() -> None:
    ss = st.session_state
    for kind in KINDS:
        ss[key(f"lr_{kind}")] = SUGGESTED_LRS[ss[key("surface")]][kind]


def set_start(x: float, y: float) -> None:
    st.session_state[key("start_x")] = round(float(x), 3)
    st.session_state[key("start_y")] = round(float(y), 3)


def reset_all() -> None:
    """Back to the defaults (and a clean URL on the next sync)."""
    for f in fields(GradientDescentState):
        st.session_state[key(f.name)] = getattr(GradientDescentState(), f.name)
    st.session_state["gd_play_step"] = None
    st.session_state["gd_playing"] = False

