"""MLP trainer: the six-function network of the source articles, TensorFlow Playground style.

Table of contents of the page; the pieces live in ``ui/mlp_trainer/`` (state, sidebar, data
panels, training panel, secondary tabs, pictures) and the numbers in ``core/mlp/``. Settings
are one `MLPTrainerState` mirrored in the URL; the session keeps the current run and the built
dataset (``ui/mlp_trainer/state.py`` lists every session key). How live training works and why:
docs/mlp_trainer.md.
"""

from __future__ import annotations

import streamlit as st

from core.mlp.data import DataError
from core.text import escape_markdown
from ui.device import session_device
from ui.mlp_trainer import data_panels, sidebar, tabs, training
from ui.mlp_trainer.state import STATE, TABLE_KEY, build_table
from ui.navigation import enter_page

enter_page()

st.title("MLP trainer")
st.caption("Six plain functions (init_coeffs, calc_preds, calc_loss, update_coeffs, execute_epoch, train_model) "
           "grown to any depth, trained live on Playground problems, real tables, digits or your own data.")

state = sidebar.sidebar()
STATE.show_link_messages()
STATE.sync_url(state)

# The dataset: drawn points or an upload come from their panels; the table is rebuilt only when
# what it depends on changes (st.session_state["mlp_table"] holds (key, table)).
drawn = data_panels.draw_panel(state) if state.dataset == "draw" else None
csv_table = data_panels.csv_panel(state) if state.dataset == "csv" else None
data_key = (state.data_key(), state.drawn.version, id(csv_table) if csv_table is not None else None)
table, error = None, None
cached = st.session_state.get(TABLE_KEY)
if cached is not None and cached[0] == data_key:
    table = cached[1]
else:
    try:
        table = build_table(state, drawn, csv_table)
        st.session_state[TABLE_KEY] = (data_key, table)
    except DataError as exc:
        error = str(exc)

train_tab, approx_tab, check_tab, export_tab = st.tabs(
    ["Train", "Universal approximation", "Gradient check", "Export"])

run = None
with train_tab:
    if error:
        st.info(escape_markdown(error, None), icon=":material/info:")
    else:
        live = training.current_run(state, table, data_key, session_device())
        run = live.run
        if live.error:
            st.error(escape_markdown(live.error, None), icon=":material/error:")
        else:
            if live.note:
                st.caption(live.note)
            training.controls(state)
            training.live_panel(state, table)
            data_panels.table_notes(table)

with approx_tab:
    tabs.universal_approximation()
with check_tab:
    tabs.gradient_check_panel(table)
with export_tab:
    tabs.export_panel(run, table, state)
