"""Compare tab: the five model families measured with the command line against the lectures'
figures, then every model trained in this session on the page's word list."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.names.compare import reference_rows, session_rows
from core.names.corpus import Corpus
from ui.bigram_names import runs
from ui.bigram_names.state import STATE

def _label(trained) -> tuple[str, str, str]:
    """(label, family, note) of a finished run."""
    result, model = trained.result, trained.model
    note = f"{result.steps_done:,} steps, {model.num_parameters():,} parameters"
    if trained.kind == "bigram":
        return "Neural bigram", "bigram", f"{result.steps_done:,} steps"
    cfg = model.config
    if trained.kind == "wavenet":
        return f"WaveNet, context {cfg.block_size}, emb {cfg.n_embd}, {cfg.n_hidden} hidden", "wavenet", note
    extras = [f"{cfg.n_layers} layers" if cfg.n_layers > 1 else "", cfg.activation if cfg.activation != "tanh" else "",
              "randn init" if cfg.init == "randn" else "", "BN" if cfg.batchnorm else ""]
    label = f"MLP, context {cfg.block_size}, emb {cfg.n_embd}, {cfg.n_hidden} units" + "".join(
        f", {e}" for e in extras if e)
    return label, "mlp_bn" if cfg.batchnorm else "mlp", note


def compare_tab(corpus: Corpus, corpus_key: str) -> None:
    st.markdown("**Measured here against the lectures** (makemore's own 32,033-name list, 200,000 steps for the "
                "MLPs and the WaveNet; the command of each row reproduces it):")
    st.dataframe(pd.DataFrame(reference_rows()), hide_index=True, width="stretch", key="names_reference")
    st.markdown("**This session** (the word list chosen in the sidebar):")
    smoothing = float(STATE.get("smoothing"))
    ours = {f"Counts bigram, add-{smoothing:g}": {**corpus.counts_losses(smoothing), "family": "counts",
                                                   "note": "counted on the training words"}}
    for trained in runs.finished_runs():
        if trained.corpus_key != corpus_key:
            continue
        label, family, note = _label(trained)
        r = trained.result
        if label in ours:  # the same settings trained again
            label = f"{label} (run {sum(k.startswith(label) for k in ours) + 1})"
        ours[label] = {**r.losses, "seconds": r.seconds, "family": family,
                       "note": note + (" (stopped early)" if r.stopped else "")}
    st.dataframe(pd.DataFrame(session_rows(ours)), hide_index=True, width="stretch", key="names_compare")
    st.caption("Lower is better; ln 27 ≈ 3.30 is a uniform guess. The default word list is 2017's US baby names, "
               "not makemore's 2018 list, so expect close but not identical values; page runs are usually "
               "shorter than the lectures' 200,000 steps.")
