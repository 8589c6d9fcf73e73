"""Gradient descent playground: one weight, 2-D surfaces, six optimizers, batch sizes, an LR finder.

A table of contents: the views live in `ui.gradient_descent`, the math in `core.gradient_descent`.
Only the open tab is computed and drawn (`stateful_tabs`), so a setting change redraws one view.
"""

import streamlit as st

from ui.navigation import enter_page

enter_page()

from ui.device import session_device
from ui.gradient_descent import batch_size, lr_finder, one_weight, race
from ui.gradient_descent.state import STATE, VIEW_TABS, reset_all, stateful_tabs

VIEWS = {"one_weight": one_weight, "race": race, "batch_size": batch_size, "lr_finder": lr_finder}

st.title("Gradient descent playground")
st.caption("Follow the slope downhill: w ← w − lr · dL/dw. See how the learning rate decides between crawling, "
           "converging, oscillating and diverging, then race six optimizers on classic surfaces or your own.")

state = STATE.load()
STATE.show_link_messages()
device = str(session_device())

with stateful_tabs("view", VIEW_TABS)[state.view]:
    VIEWS[state.view].render(state, device)

with st.sidebar:
    st.markdown("**Share this view**")
    st.caption("The address bar holds every setting of this page that differs from the defaults, the open tab "
               "included; copy it to reproduce the view.")
    st.button("Reset the playground", on_click=reset_all, icon=":material/restart_alt:", key="gd_reset_all")

STATE.sync_url()
