"""Sidebar controls of the MLP trainer: widgets <-> `MLPTrainerState` <-> URL (no math here)."""

from __future__ import annotations

import dataclasses

import streamlit as st

from core.mlp import ACTIVATIONS, OPTIMIZERS, REGULARIZERS
from core.mlp.data import FEATURE_NAMES
from ui.mlp_trainer.state import DATASETS, LOSS_CHOICES, TABLE_DATASETS, MAX_LAYERS, MAX_NEURONS, MLPTrainerState
from core.urlstate import from_query_params, to_query_params

LR_OPTIONS = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
RATE_OPTIONS = [0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]
DATASET_LABELS = {
    "circle": "Circle", "xor": "Exclusive or", "gauss": "Gaussian clusters", "spiral": "Spiral",
    "plane": "Plane (regression)", "multi_gauss": "Multi-Gaussian (regression)", "draw": "Draw your own",
    "titanic": "Titanic passengers", "breast_cancer": "Breast cancer table", "digits_1_vs_7": "MNIST 1 vs 7 (single neuron)",
    "csv": "Upload a CSV",
}
LOSS_LABELS = {"auto": "Auto (BCE / CE / MSE)", "mae": "MAE (the articles')", "mse": "MSE",
               "bce": "Binary cross-entropy", "ce": "Cross-entropy (softmax)"}
OPT_LABELS = {"gd": "Gradient descent", "momentum": "Momentum (0.9)", "adam": "Adam"}
_PREFIX = "mlp_"


def _nearest(options: list[float], value: float) -> float:
    return min(options, key=lambda o: abs(o - value) / max(abs(value), 1e-12))


def _seed_widgets(state: MLPTrainerState) -> None:
    """Write a state into the widgets' session keys (first visit, or a preset)."""
    ss = st.session_state
    for f in dataclasses.fields(state):
        if f.name not in ("hiddens", "lr", "reg_rate"):
            ss[_PREFIX + f.name] = getattr(state, f.name)
    ss[_PREFIX + "lr"] = _nearest(LR_OPTIONS, state.lr)
    ss[_PREFIX + "reg_rate"] = _nearest(RATE_OPTIONS, state.reg_rate)
    ss[_PREFIX + "layers"] = len(state.hiddens)
    for i in range(MAX_LAYERS):
        ss[f"{_PREFIX}n{i}"] = state.hiddens[i] if i < len(state.hiddens) else 4


def _regenerate() -> None:
    st.session_state[_PREFIX + "data_seed"] = (int(st.session_state.get(_PREFIX + "data_seed", 0)) + 1) % 2**31


def initial_state() -> list[str]:
    """On a session's first run, load the state from the URL; returns messages about bad values."""
    if st.session_state.get(_PREFIX + "ready"):
        return []
    state, messages = from_query_params(MLPTrainerState, st.query_params.to_dict())
    _seed_widgets(state)
    st.session_state[_PREFIX + "ready"] = True
    return messages


def sidebar() -> MLPTrainerState:
    """Draw the controls and return the state they describe."""
    sb, k = st.sidebar, _PREFIX
    names = [f.name for f in dataclasses.fields(MLPTrainerState)] + ["layers"] + [f"n{i}" for i in range(MAX_LAYERS)]
    for key in (k + n for n in names):
        if key in st.session_state:  # keep values of widgets hidden this run (Streamlit drops their state)
            st.session_state[key] = st.session_state[key]
    sb.header("Data")
    dataset = sb.selectbox("Dataset", DATASETS, format_func=DATASET_LABELS.get, key=k + "dataset")
    two_d = dataset not in TABLE_DATASETS
    if dataset == "spiral":
        sb.slider("Spiral arms (classes)", 2, 5, key=k + "classes")
    if two_d and dataset != "draw":
        sb.slider("Noise", 0.0, 0.5, step=0.05, key=k + "noise")
        sb.slider("Points", 20, 5000, step=10, key=k + "points")
        sb.number_input("Data seed", 0, 2**31 - 1, key=k + "data_seed",
                        help="A new seed draws a new sample of the same problem.")
        sb.button("Regenerate", icon=":material/casino:", on_click=_regenerate, key="mlpb_regenerate")
    sb.slider("Training share (%)", 10, 90, step=5, key=k + "train_pct")
    if two_d and not sb.multiselect("Input features", FEATURE_NAMES, key=k + "features"):
        sb.warning("Pick at least one input feature; x1 and x2 are used meanwhile.", icon=":material/warning:")
    sb.header("Network")
    layers = sb.number_input("Hidden layers", 0, MAX_LAYERS, key=k + "layers",
                             help="0 hidden layers is a single neuron (logistic regression).")
    cols = sb.columns(4)
    for i in range(int(layers)):
        cols[i % 4].number_input(f"L{i + 1}", 1, MAX_NEURONS, key=f"{k}n{i}", help="Neurons in this layer")
    sb.selectbox("Activation", ACTIVATIONS, key=k + "activation")
    sb.selectbox("Loss", LOSS_CHOICES, format_func=LOSS_LABELS.get, key=k + "loss")
    sb.header("Training")
    sb.selectbox("Optimizer", OPTIMIZERS, format_func=OPT_LABELS.get, key=k + "optimizer")
    sb.select_slider("Learning rate", LR_OPTIONS, key=k + "lr", format_func=lambda v: f"{v:g}")
    sb.number_input("Batch size (0 = full batch, 1 = stochastic)", 0, 5000, key=k + "batch")
    sb.selectbox("Regularization", REGULARIZERS, key=k + "regularization")
    if st.session_state[k + "regularization"] != "none":
        sb.select_slider("Regularization rate", RATE_OPTIONS, key=k + "reg_rate", format_func=lambda v: f"{v:g}")
    sb.number_input("Seed (initial weights, batch order)", 0, 2**31 - 1, key=k + "seed")
    sb.number_input("Stop at epoch (0 = run until paused)", 0, 10**7, step=100, key=k + "stop_at")
    ss = st.session_state
    values = {f.name: ss.get(k + f.name) for f in dataclasses.fields(MLPTrainerState)
              if f.name != "hiddens" and (k + f.name) in ss}
    values["hiddens"] = [int(ss[f"{k}n{i}"]) for i in range(int(layers))]
    return MLPTrainerState(**values)


def sync_url(state: MLPTrainerState) -> None:
    """Mirror the state in the address bar so a copied link reproduces this setup."""
    params = to_query_params(state)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
