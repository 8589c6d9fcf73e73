"""Sample tab: names from any model with temperature / top-k / seed, and one name step by step."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.names.corpus import Corpus
from core.names.sampling import sample_names, trace_sample
from core.text import escape_markdown
from ui.bigram_names import runs
from ui.bigram_names.charts import next_char_bars
from ui.bigram_names.state import STATE

LABELS = {"bigram": "Neural bigram", "mlp": "MLP", "wavenet": "WaveNet"}


def available_models(corpus: Corpus, corpus_key: str) -> dict[str, tuple[str, object]]:
    """``{kind: (label, model)}``: the counts model always, and the viewer's trained models that
    belong to this word list."""
    smoothing = float(STATE.get("smoothing"))
    models = {"counts": (f"Counts bigram (k = {smoothing:g})", corpus.counts_model(smoothing))}
    for kind, label in LABELS.items():
        found = runs.trained(kind, corpus_key)
        if found is not None:
            models[kind] = (f"{label} (trained in this browser)", found.model)
    return models


def sample_tab(corpus: Corpus, corpus_key: str) -> None:
    models = available_models(corpus, corpus_key)
    if STATE.get("sample_model") not in models:
        STATE.set(sample_model="counts")
    if STATE.get("top_k") > corpus.vocab.size:
        STATE.set(top_k=corpus.vocab.size)
    c = st.columns([2, 1, 1, 1, 1])
    c[0].selectbox("Model", list(models), format_func=lambda kind: models[kind][0], key=STATE.key("sample_model"),
                   help="Train a neural bigram, an MLP or a WaveNet in the Train tab to sample from it too.")
    c[1].slider("Temperature", 0.05, 3.0, step=0.05, key=STATE.key("temperature"),
                help="Below 1: safer, more common names.")
    c[2].number_input("Top-k (0 = off)", 0, corpus.vocab.size, key=STATE.key("top_k"))
    c[3].number_input("Seed", 0, 2**31 - 1, key=STATE.key("seed"))
    c[4].number_input("Names", 1, 500, key=STATE.key("n"))
    state = STATE.current()
    model = models[state.sample_model][1]
    top_k = state.top_k or None
    samples = sample_names(model, n=state.n, seed=state.seed, temperature=state.temperature,
                           top_k=top_k, training_words=corpus.train_set)
    new = sum(not s.in_training_set for s in samples)
    st.markdown(f"**{new} of {len(samples)}** sampled names are new (not among the training words).")
    table = pd.DataFrame({"name": [s.name or "(empty)" for s in samples],
                          "": ["in training set" if s.in_training_set else "new" for s in samples]})
    st.dataframe(table, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(table)),
                 key="names_samples")

    st.subheader("One name, step by step")
    name, steps = trace_sample(model, seed=state.seed, temperature=state.temperature, top_k=top_k)
    st.markdown(f"With seed {state.seed} the model writes **{escape_markdown(name) or '(empty)'}**: at each "
                f"step it looks at the last {model.block_size} character(s), turns them into a row of "
                "probabilities and draws one.")
    if len(steps) > 1:
        STATE.set(trace_step=min(max(1, STATE.get("trace_step")), len(steps)))
        st.slider("Step", 1, len(steps), key=STATE.key("trace_step"))
    i = min(STATE.get("trace_step"), len(steps)) - 1
    step = steps[i]
    itos = corpus.vocab.itos
    st.plotly_chart(next_char_bars(step.probs, itos, f"Step {i + 1}: context '{step.context}' → drew "
                                   f"'{step.chosen}' (p = {step.chosen_prob:.3f})", chosen=itos.index(step.chosen)),
                    width="stretch", key="names_step_chart")
    st.dataframe(pd.DataFrame([{"step": j + 1, "context": s.context, "drew": s.chosen, "p": round(s.chosen_prob, 4)}
                               for j, s in enumerate(steps)]), hide_index=True, width="stretch",
                 key="names_steps_table")
