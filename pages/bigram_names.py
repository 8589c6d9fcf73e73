"""Bigram names: count character pairs in real names, sample new ones, train neural models."""

from __future__ import annotations

import streamlit as st

from ui.bigram_names.state import BigramNamesState
from core.urlstate import from_query_params, to_query_params
from pages._names_counts import counts_tab
from pages._names_data import choose_corpus
from pages._names_sample import sample_tab
from pages._names_train import compare_tab, train_tab

STATE_KEY = "names_settings"


def load_settings() -> BigramNamesState:
    """The page state: read from the URL on the first run of a session, then kept."""
    if STATE_KEY not in st.session_state:
        settings, messages = from_query_params(BigramNamesState, st.query_params.to_dict())
        st.session_state[STATE_KEY] = settings
        for message in messages:
            st.toast(message, icon=":material/info:")
    return st.session_state[STATE_KEY]


st.title("Bigram names")
st.markdown("A character-level language model in three steps, as in Karpathy's *makemore*: count which "
            "letter follows which, learn the same table with a one-layer network, then give an MLP a "
            "longer context and learned character embeddings.")

settings = load_settings()
corpus, corpus_key, description = choose_corpus(settings)
st.caption(f"Word list: {description} · split 80/10/10 (seed 42 shuffle): "
           f"{len(corpus.split.train):,} / {len(corpus.split.dev):,} / {len(corpus.split.test):,} words")

counts, sample, train, compare = st.tabs(["Counts", "Sample", "Train", "Compare"])
with counts:
    counts_tab(corpus, settings)
with sample:
    sample_tab(corpus, corpus_key, settings)
with train:
    train_tab(corpus, corpus_key, settings)
with compare:
    compare_tab(corpus, corpus_key, settings)

# only what differs from the defaults goes into the link
defaults, current = to_query_params(BigramNamesState()), to_query_params(settings)
st.query_params.from_dict({k: v for k, v in current.items() if v != defaults[k]})
