"""Diagnostics tab (makemore part 3): look inside the MLP or the WaveNet.

Two views:
- **At initialisation**: the model the current settings describe, freshly built, one forward and
  backward pass on a fixed batch of 256 training examples, no update. It reacts at once to the
  switches (initialisation, BatchNorm, depth, activation), which this tab repeats next to it.
- **During training**: the snapshots the viewer's last run recorded (`TrainConfig.diagnostics_every`,
  "Record diagnostics" in the Train tab), live while it runs: update-to-data ratios and saturation
  over the steps, and the histograms and layer table of any recorded step.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st
import torch

from core.names.diagnostics import GUIDE_RATIO, ideal_initial_loss, inspect
from core.names.mlp import CharMLPConfig
from core.names.runs import build_model
from core.names.wavenet import WaveNetConfig
from ui.bigram_names import runs
from ui.bigram_names.charts import histogram_lines, ratio_bars, ratio_lines, saturation_lines
from ui.bigram_names.data import WordList, examples
from ui.bigram_names.state import STATE, seed_mirror
from ui.bigram_names.train import INITS, mlp_config, wavenet_config

MODELS = {"mlp": "MLP", "wavenet": "WaveNet"}
BATCH = 256


@st.cache_data(max_entries=32, show_spinner=False)
def initial_snapshot(corpus_key: str, _words: WordList, kind: str, config: dict, lr: float) -> dict:
    """`core.names.diagnostics.inspect` of a fresh model on a fixed batch (seed 0)."""
    model = build_model(_words.corpus, (CharMLPConfig if kind == "mlp" else WaveNetConfig)(**config))
    X, Y = examples(corpus_key, _words.corpus, model.block_size).train
    ix = torch.randint(0, len(Y), (min(BATCH, len(Y)),), generator=torch.Generator().manual_seed(0))
    return inspect(model, X[ix], Y[ix], lr)


def diagnostics_tab(words: WordList) -> None:
    st.markdown("What the lecture looks at to see whether a deep network can train: the activations and "
                "their gradients layer by layer, the share of **saturated tanh units** (|t| > 0.97, where "
                "almost no gradient passes), the **update-to-data ratio** of each weight matrix (about "
                "10⁻³ is healthy) and the **first loss** against −log(1/27).")
    st.segmented_control("Model", list(MODELS), format_func=MODELS.get, key=STATE.key("diag_model"),
                         required=True)
    kind = STATE.get("diag_model") or "mlp"
    if kind == "mlp":
        _switches()
    state = STATE.current()
    config = dataclasses.asdict(mlp_config(state) if kind == "mlp" else wavenet_config(state))
    st.subheader("At initialisation")
    if len(words.corpus.split.train) < 2:
        st.info("This word list has too few words for a training split; use a longer list.",
                icon=":material/info:")
        return
    lr = state.lr if kind == "mlp" else state.wn_lr
    snap = initial_snapshot(words.key, words, kind, config, lr)
    _initial_loss(snap["loss"], words.corpus.vocab.size)
    _layers(snap, f"{MODELS[kind]} as set now, one batch of {BATCH} before any update", "init")
    st.plotly_chart(ratio_bars(snap["ratios"], GUIDE_RATIO, lr), width="stretch", key="names_diag_ratio_init")
    st.caption("How big the first SGD step would be next to the weights it changes. A weight matrix far "
               "above the guide changes too fast; far below, it barely learns.")
    st.subheader("During training")
    _training(kind, words.key, words.corpus.vocab.size)


def _switches() -> None:
    """The MLP's switches again (the same state fields as in the Train tab)."""
    c = st.columns(4)
    c[0].selectbox("Initialisation", list(INITS), format_func=INITS.get, **seed_mirror("init", "diag"))
    c[1].toggle("BatchNorm", **seed_mirror("batchnorm", "diag"))
    c[2].number_input("Hidden layers", 1, 6, **seed_mirror("n_layers", "diag"))
    c[3].selectbox("Activation", ["tanh", "relu"], **seed_mirror("activation", "diag"))


def _initial_loss(loss: float, vocab_size: int, label: str = "First loss") -> None:
    ideal = ideal_initial_loss(vocab_size)
    c = st.columns([1, 2])
    c[0].metric(label, f"{loss:.3f}", f"{loss - ideal:+.3f} vs −log(1/{vocab_size}) = {ideal:.3f}",
                delta_color="inverse")
    if label == "First loss":
        c[1].caption("A model that knows nothing should give every character the same probability, so its "
                     f"first loss should be close to ln {vocab_size}. Much higher means the initial logits are "
                     "large and confidently wrong: the first steps are spent shrinking them instead of learning.")
    else:
        c[1].caption("The first minibatch's loss of the run, before its first update.")


def _layer_table(layers: list[dict]) -> pd.DataFrame:
    rows = []
    for layer in layers:
        tanh = layer["kind"] == "tanh"
        rows.append({"layer": layer["layer"], "units": layer["units"], "mean": layer["mean"], "std": layer["std"],
                     "saturated %" if tanh else "zero %": 100 * (layer["saturated"] if tanh else layer["zero"]),
                     "dead units": layer["dead"], "grad std": layer.get("grad_std")})
    return pd.DataFrame(rows)


def _layers(snap: dict, caption: str, where: str) -> None:
    layers = snap["layers"]
    cols = st.columns(max(1, min(len(layers), 6)))
    for col, layer in zip(cols, layers):
        if layer["kind"] == "tanh":
            col.metric(f"{layer['layer']}: saturated", f"{layer['saturated']:.1%}",
                       help="Share of outputs with |t| > 0.97 on this batch.")
        else:
            col.metric(f"{layer['layer']}: dead units", f"{layer['dead']} of {layer['units']}",
                       help="Units whose output is 0 for every example of this batch.")
    st.dataframe(_layer_table(layers), hide_index=True, width="stretch", key=f"names_diag_table_{where}",
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in ("mean", "std")}
                 | {"grad std": st.column_config.NumberColumn(format="%.2e")})
    st.caption(f"{caption}. Dead units: for tanh, saturated on every example; for ReLU, zero on every example "
               "(no gradient reaches their weights from this batch).")
    left, right = st.columns(2)
    left.plotly_chart(histogram_lines(layers, False, "Activation distribution"), width="stretch",
                      key=f"names_diag_act_{where}")
    right.plotly_chart(histogram_lines(layers, True, "Gradient distribution"), width="stretch",
                       key=f"names_diag_grad_{where}")


def _snapshots(job) -> list[dict]:
    return [e["diagnostics"] for e in job.events if "diagnostics" in e]


def _training(kind: str, corpus_key: str, vocab_size: int) -> None:
    job = runs.job(kind)
    if job is None or not _snapshots(job):
        st.info(f"Train the {MODELS[kind]} in the Train tab with **Record diagnostics** on to follow these "
                "figures over training.", icon=":material/monitoring:")
        return

    @st.fragment(run_every=1.0 if job.alive else None)
    def live() -> None:
        snapshots = _snapshots(job)
        settings = job.settings
        note = "running" if job.alive else job.status
        st.caption(f"The viewer's latest {MODELS[kind]} run ({note}), {len(snapshots)} recorded steps"
                   + ("" if job.result is None or job.result.corpus_key == corpus_key
                      else " · trained on another word list")
                   + (f" · init {settings.get('init')}, BatchNorm {'on' if settings.get('batchnorm') else 'off'}, "
                      f"{settings.get('n_layers')} hidden layer(s) of {settings.get('activation')}"
                      if kind == "mlp" else ""))
        if snapshots[0]["step"] == 0:
            _initial_loss(snapshots[0]["loss"], vocab_size, "First loss of this run")
        st.plotly_chart(ratio_lines(snapshots, GUIDE_RATIO), width="stretch", key="names_diag_ratios")
        st.plotly_chart(saturation_lines(snapshots), width="stretch", key="names_diag_saturation")
        steps = [s["step"] for s in snapshots]
        if job.alive or len(steps) == 1:
            snap = snapshots[-1]
        else:
            if STATE.get("diag_step") not in steps:
                STATE.set(diag_step=steps[-1])
            st.select_slider("Recorded step", steps, key=STATE.key("diag_step"))
            snap = snapshots[steps.index(STATE.get("diag_step"))]
        _layers(snap, f"Step {snap['step']:,} (learning rate {snap['lr']:g}, minibatch loss {snap['loss']:.3f})",
                "run")

    live()
