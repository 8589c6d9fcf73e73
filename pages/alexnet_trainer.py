"""AlexNet trainer: pick a recipe, train in the background, follow live curves, inspect the results.

A table of contents: the views live in `ui.alexnet_trainer`, the network and training in `core.alexnet`.
"""

from __future__ import annotations

import streamlit as st

from core.alexnet import get_recipe
from ui import jobs
from ui.alexnet_trainer import live, runs, sidebar
from ui.alexnet_trainer.live_run import LiveRun
from ui.alexnet_trainer.state import STATE
from ui.navigation import enter_page

enter_page()

st.title("AlexNet trainer")
st.caption("Krizhevsky et al.'s network (2012), trained two ways: the recipe of *The Math Behind Deep CNN — "
           "AlexNet* (SGD, ReduceLROnPlateau, early stopping) as published, and a modern default that adds "
           "BatchNorm and trains with AdamW and a one-cycle schedule. The default run trains on 5,000 real "
           "MNIST digits; runs go on in the background, and a reload re-attaches to yours.")

STATE.load()  # from the link on a session's first run, then from the widgets
runs.reattach()  # after a reload while the viewer's run goes: its settings, not the defaults
STATE.show_link_messages()
job = runs.current()
busy = job is not None and job.alive
sidebar.prepare(STATE.current())
sidebar.draw(locked=busy)
state = STATE.current()
st.info(f"**{get_recipe(state.recipe).label}.** {get_recipe(state.recipe).why}", icon=":material/menu_book:")

# --- start / continue ----------------------------------------------------------------------------
last = runs.last_run_folder(job)
c1, c2 = st.columns(2)
if c1.button("Start training", type="primary", icon=":material/play_arrow:", disabled=busy, key="alexnet_start",
             width="stretch") and runs.start(state):
    st.rerun()
if c2.button("Continue last run", icon=":material/replay:", disabled=busy or last is None, key="alexnet_continue",
             width="stretch", help="Resume the last run from its checkpoint, with the same curves, up to the "
                                   "epochs set in the sidebar.") and runs.start(state, resume_from=last):
    st.rerun()

# --- the viewer's run --------------------------------------------------------------------------------
if job is None:
    st.info("No run yet. Press **Start training**: with the defaults the MNIST sample reached 97 % test "
            "accuracy in 4 epochs (3,600 training images each) when we measured it.", icon=":material/info:")
jobs.panel(runs.AREA, key="alexnet", progress=runs.progress, body=live.body, what="The run")
st.slider("Smoothing of the step loss", 0.0, 0.99, step=0.01, key=STATE.key("smoothing"))

# --- past runs -------------------------------------------------------------------------------------
runs.comparison(runs.past_runs(), LiveRun.from_events(job.events) if job is not None else None)

STATE.sync_url()  # the link fields that differ from the defaults
