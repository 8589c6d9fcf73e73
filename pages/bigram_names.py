"""Bigram names: count character pairs in real names, sample new ones, train neural models and
look inside them (makemore parts 1-5).

A table of contents: the views live in `ui.bigram_names`, the models in `core.names`.
"""

from __future__ import annotations

import streamlit as st

from ui.bigram_names import runs
from ui.bigram_names.compare import compare_tab
from ui.bigram_names.counts import counts_tab
from ui.bigram_names.data import choose_corpus
from ui.bigram_names.diagnostics import diagnostics_tab
from ui.bigram_names.sample import sample_tab
from ui.bigram_names.state import STATE
from ui.bigram_names.train import train_tab
from ui.navigation import enter_page

enter_page()

st.title("Bigram names")
st.markdown("A character-level language model step by step, as in Karpathy's *makemore*: count which letter "
            "follows which, learn the same table with a one-layer network, give an MLP a longer context and "
            "learned character embeddings, look inside it while it trains, then beat it with a WaveNet.")

STATE.load()  # from the link on a session's first run, then from the widgets
with st.sidebar:  # the session's first viewer() call may add its cookie script: not above the tabs
    runs.reattach()  # after a reload while a job runs: that job's settings, not the defaults
STATE.show_link_messages()
words = choose_corpus()
corpus = words.corpus
st.caption(f"Word list: {words.description} · split 80/10/10 (seed 42 shuffle): "
           f"{len(corpus.split.train):,} / {len(corpus.split.dev):,} / {len(corpus.split.test):,} words")

counts, sample, train, diagnostics, compare = st.tabs(["Counts", "Sample", "Train", "Diagnostics", "Compare"])
with counts:
    counts_tab(corpus)
with sample:
    sample_tab(corpus, words.key)
with train:
    train_tab(words)
with diagnostics:
    diagnostics_tab(words)
with compare:
    compare_tab(corpus, words.key)

STATE.sync_url()  # the link fields that differ from the defaults
