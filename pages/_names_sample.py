"""Sample tab: names from any model with temperature / top-k / seed, and one name step by step."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.names.corpus import Corpus
from core.names.sampling import sample_names, trace_sample
from ui.bigram_names.state import BigramNamesState
from pages._names_charts import next_char_bars


def available_models(corpus: Corpus, corpus_key: str, settings: BigramNamesState) -> dict:
    """Counts model always; the session's trained models when they belong to this word list."""
    models = {f"Counts bigram (k = {settings.smoothing:g})": corpus.counts_model(settings.smoothing)}
    trained = st.session_state.get("names_trained", {})
    labels = {"bigram": "Neural bigram (trained this session)", "mlp": "MLP (trained this session)"}
    for kind, label in labels.items():
        tm = trained.get(kind)
        if tm is not None and tm.corpus_key == corpus_key:
            models[label] = tm.model
    return models


def sample_tab(corpus: Corpus, corpus_key: str, settings: BigramNamesState) -> None:
    models = available_models(corpus, corpus_key, settings)
    c = st.columns([2, 1, 1, 1, 1])
    label = c[0].selectbox("Model", list(models), key="names_sample_model",
                           help="Train a neural bigram or an MLP in the Train tab to sample from it too.")
    settings.temperature = c[1].slider("Temperature", 0.05, 3.0, float(settings.temperature), 0.05,
                                       key="names_temperature", help="Below 1: safer, more common names.")
    settings.top_k = int(c[2].number_input("Top-k (0 = off)", 0, corpus.vocab.size, min(settings.top_k, corpus.vocab.size),
                                           key="names_top_k"))
    settings.seed = int(c[3].number_input("Seed", 0, 2**31 - 1, settings.seed, key="names_seed"))
    settings.n = int(c[4].number_input("Names", 1, 500, settings.n, key="names_n"))
    model = models[label]
    top_k = settings.top_k or None
    samples = sample_names(model, n=settings.n, seed=settings.seed, temperature=settings.temperature,
                           top_k=top_k, training_words=corpus.train_set)
    new = sum(not s.in_training_set for s in samples)
    st.markdown(f"**{new} of {len(samples)}** sampled names are new (not among the training words).")
    table = pd.DataFrame({"name": [s.name or "(empty)" for s in samples],
                          "": ["in training set" if s.in_training_set else "new" for s in samples]})
    st.dataframe(table, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(table)),
                 key="names_samples")

    st.subheader("One name, step by step")
    name, steps = trace_sample(model, seed=settings.seed, temperature=settings.temperature, top_k=top_k)
    st.markdown(f"With seed {settings.seed} the model writes **{name or '(empty)'}**: at each step it looks at "
                f"the last {model.block_size} character(s), turns them into a row of probabilities and draws one.")
    if len(steps) > 1:
        i = st.slider("Step", 1, len(steps), 1, key="names_step") - 1
    else:
        i = 0
    step = steps[i]
    itos = corpus.vocab.itos
    st.plotly_chart(next_char_bars(step.probs, itos, f"Step {i + 1}: context '{step.context}' → drew "
                                   f"'{step.chosen}' (p = {step.chosen_prob:.3f})", chosen=itos.index(step.chosen)),
                    width="stretch", key="names_step_chart")
    st.dataframe(pd.DataFrame([{"step": j + 1, "context": s.context, "drew": s.chosen, "p": round(s.chosen_prob, 4)}
                               for j, s in enumerate(steps)]), hide_index=True, width="stretch",
                 key="names_steps_table")
