"""MLP trainer: the six-function network of the source articles, TensorFlow Playground style.

Live training runs in a fragment: while playing, ``@st.fragment(run_every=...)`` reruns only the
training panel every ``TICK`` seconds, and each rerun advances the `core.mlp.TrainingRun` kept in
``st.session_state`` by as many epochs as fit in ``BUDGET`` seconds, then redraws the curves and
the decision boundary (a second fragment refreshes the per-neuron heatmaps every 2 s, the
costliest figure). No thread is involved: the page stays responsive between ticks, pause
simply stops the timer, and the run is resumable. Settings live in one `MLPTrainerState`
mirrored in the URL.
"""

from __future__ import annotations

import streamlit as st

from core.mlp.data import DataError
from ui.mlp_trainer.state import MLPTrainerState, build_table, new_run
from pages import _mlp_controls as controls
from pages import _mlp_data as data_ui
from pages import _mlp_tabs as tabs
from pages import _mlp_train as train_ui
from ui.device import session_device

st.title("MLP trainer")
st.caption("Six plain functions (init_coeffs, calc_preds, calc_loss, update_coeffs, execute_epoch, train_model) "
           "grown to any depth, trained live on Playground problems, real tables, digits or your own data.")

for message in controls.initial_state():
    st.warning(message, icon=":material/link_off:")
state: MLPTrainerState = controls.sidebar()
controls.sync_url(state)
ss = st.session_state

drawn = data_ui.draw_panel(state) if state.dataset == "draw" else None
csv_table = data_ui.csv_panel(state) if state.dataset == "csv" else None

table, error = None, None
data_key = (state.data_key(), data_ui.drawn_version(), id(csv_table) if csv_table is not None else None)
if ss.get("mlpo_table_key") == data_key:
    table = ss["mlpo_table"]
else:
    try:
        table = build_table(state, drawn, csv_table)
        ss["mlpo_table"], ss["mlpo_table_key"] = table, data_key
    except DataError as exc:
        error = str(exc)

train_tab, approx_tab, check_tab, export_tab = st.tabs(
    ["Train", "Universal approximation", "Gradient check", "Export"])

run = None
with train_tab:
    if error:
        st.info(error, icon=":material/info:")
    else:
        model_key = (state.model_key(), data_key)
        if ss.get("mlpo_run_key") != model_key or ss.get("mlpo_run") is None:
            try:
                ss["mlpo_run"], ss["mlpo_note"] = new_run(state, table, session_device())
                ss["mlpo_run_key"], ss["mlpo_playing"] = model_key, False
            except (ValueError, RuntimeError) as exc:
                st.error(f"Cannot build this network: {exc}")
                ss["mlpo_run"] = None
        run = ss.get("mlpo_run")
        if run is not None:
            if ss.get("mlpo_note"):
                st.caption(ss["mlpo_note"])
            train_ui.transport(state, table)
            train_ui.live_panel(state, table)
            data_ui.table_notes(table)

with approx_tab:
    tabs.universal_approximation()
with check_tab:
    tabs.gradient_check_panel(table)
with export_tab:
    tabs.export_panel(run, table, state)
