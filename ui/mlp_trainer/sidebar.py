"""Sidebar controls of the MLP trainer: every widget edits a field of `MLPTrainerState` (no math here)."""

from __future__ import annotations

import streamlit as st

from core.mlp import ACTIVATIONS, OPTIMIZERS, REGULARIZERS
from core.mlp.data import FEATURE_NAMES
from ui.mlp_trainer.state import (DATASETS, LOSS_CHOICES, LR_OPTIONS, MAX_LAYERS, MAX_NEURONS, PREFIX, RATE_OPTIONS,
                                  SEED_MAX, STATE, TABLE_DATASETS, MLPTrainerState, hiddens_from_inputs, layer_keys,
                                  next_seed)

DATASET_LABELS = {
    "circle": "Circle", "xor": "Exclusive or", "gauss": "Gaussian clusters", "spiral": "Spiral",
    "plane": "Plane (regression)", "multi_gauss": "Multi-Gaussian (regression)", "draw": "Draw your own",
    "titanic": "Titanic passengers", "breast_cancer": "Breast cancer table", "digits_1_vs_7": "MNIST 1 vs 7 (single neuron)",
    "csv": "Upload a CSV",
}
LOSS_LABELS = {"auto": "Auto (BCE / CE / MSE)", "mae": "MAE (the articles')", "mse": "MSE",
               "bce": "Binary cross-entropy", "ce": "Cross-entropy (softmax)"}
OPT_LABELS = {"gd": "Gradient descent", "momentum": "Momentum (0.9)", "adam": "Adam"}


def _regenerate(shown: int) -> None:
    """The next data seed after the one shown (idempotent: a click may be delivered twice while training)."""
    STATE.set(data_seed=next_seed(shown))


def _keep_layer_inputs() -> None:
    """The neuron inputs of layers not shown this run keep their values (Streamlit drops the state of
    widgets that are not drawn), so growing the network back restores them."""
    ss = st.session_state
    for key in layer_keys():
        if key in ss:
            ss[key] = ss[key]


def _data_controls(sb, key) -> None:
    dataset = sb.selectbox("Dataset", DATASETS, format_func=DATASET_LABELS.get, key=key("dataset"))
    two_d = dataset not in TABLE_DATASETS
    if dataset == "spiral":
        sb.slider("Spiral arms (classes)", 2, 5, key=key("classes"))
    if two_d and dataset != "draw":
        sb.slider("Noise", 0.0, 0.5, step=0.05, key=key("noise"))
        sb.slider("Points", 20, 5000, step=10, key=key("points"))
        sb.number_input("Data seed", 0, SEED_MAX, key=key("data_seed"),
                        help="A new seed draws a new sample of the same problem.")
        sb.button("Regenerate", icon=":material/casino:", on_click=_regenerate, args=(STATE.get("data_seed"),),
                  key=PREFIX + "regenerate")
    sb.slider("Training share (%)", 10, 90, step=5, key=key("train_pct"))
    if two_d and not sb.multiselect("Input features", FEATURE_NAMES, key=key("features")):
        sb.warning("Pick at least one input feature; x1 and x2 are used meanwhile.", icon=":material/warning:")


def _network_controls(sb, key) -> None:
    layers = sb.number_input("Hidden layers", 0, MAX_LAYERS, key=PREFIX + "layers", on_change=hiddens_from_inputs,
                             help="0 hidden layers is a single neuron (logistic regression).")
    cols = sb.columns(4)
    for i in range(int(layers)):
        cols[i % 4].number_input(f"L{i + 1}", 1, MAX_NEURONS, key=f"{PREFIX}n{i}", on_change=hiddens_from_inputs,
                                 help="Neurons in this layer")
    sb.selectbox("Activation", ACTIVATIONS, key=key("activation"))
    sb.selectbox("Loss", LOSS_CHOICES, format_func=LOSS_LABELS.get, key=key("loss"))


def _training_controls(sb, key) -> None:
    sb.selectbox("Optimizer", OPTIMIZERS, format_func=OPT_LABELS.get, key=key("optimizer"))
    sb.select_slider("Learning rate", LR_OPTIONS, key=key("lr"), format_func=lambda v: f"{v:g}")
    sb.number_input("Batch size (0 = full batch, 1 = stochastic)", 0, 5000, key=key("batch"))
    sb.selectbox("Regularization", REGULARIZERS, key=key("regularization"))
    if STATE.get("regularization") != "none":
        sb.select_slider("Regularization rate", RATE_OPTIONS, key=key("reg_rate"), format_func=lambda v: f"{v:g}")
    sb.number_input("Seed (initial weights, batch order)", 0, SEED_MAX, key=key("seed"),
                    help="Reset restarts from this seed's weights; Reseed moves to the next seed.")
    sb.number_input("Stop at epoch (0 = run until paused)", 0, 10**7, step=100, key=key("stop_at"))


def sidebar() -> MLPTrainerState:
    """Load the state (from the link on a first visit), draw its controls, return what they describe."""
    STATE.load()
    _keep_layer_inputs()
    sb = st.sidebar
    sb.header("Data")
    _data_controls(sb, STATE.key)
    sb.header("Network")
    _network_controls(sb, STATE.key)
    sb.header("Training")
    _training_controls(sb, STATE.key)
    return STATE.current()
