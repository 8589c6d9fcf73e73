"""Gradient descent playground: one weight, 2-D surfaces, six optimizers, batch sizes, an LR finder.

A thin view: widgets write one GradientDescentState (mirrored in the URL), computations live in
core.gradient_descent and are cached per setting, the helpers pages/_gd_*.py draw each tab.
"""

import streamlit as st

from ui.navigation import enter_page

enter_page()

from pages import _gd_finder, _gd_one_d, _gd_race, _gd_regression
from pages import _gd_state as gs
from ui.device import session_device

st.title("Gradient descent playground")
st.caption("Follow the slope downhill: w ← w − lr · dL/dw. See how the learning rate decides between crawling, "
           "converging, oscillating and diverging, then race six optimizers on classic surfaces or your own.")

state = gs.load()
for message in st.session_state.pop("gd_url_messages", []):
    st.warning(message, icon=":material/link_off:")
device = str(session_device())

one_d, race, batches, finder = st.tabs([":material/show_chart: One weight", ":material/landscape: Race on a surface",
                                        ":material/scatter_plot: Batch size", ":material/tune: LR finder"])
with one_d:
    _gd_one_d.render(state, device)
with race:
    _gd_race.render(state, device)
with batches:
    _gd_regression.render(state, device)
with finder:
    _gd_finder.render(state, device)

with st.sidebar:
    st.markdown("**Share this view**")
    st.caption("The address bar holds every setting of this page; copy it to reproduce the view.")
    st.button("Reset the playground", on_click=gs.reset_all, icon=":material/restart_alt:", key="gd_reset_all")

gs.sync_url(gs.current())
