"""Counts tab: the 27x27 heatmap, one row's next-character distribution, live NLL, name scorer.

The row is chosen by clicking a heatmap cell (its row) or with the selectbox, which stays as
the keyboard-accessible way; both edit the same state field ``row``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.names.compare import PUBLISHED_COUNTS_ALL
from core.names.corpus import Corpus
from core.names.data import MAX_WORD_LENGTH, WordListError
from core.text import escape_markdown
from ui.bigram_names.charts import clicked_row, counts_heatmap, next_char_bars
from ui.bigram_names.state import STATE

HEATMAP_KEY = "names_heatmap"


def _row_label(ch: str) -> str:
    return "'.' (start of a name)" if ch == "." else f"'{ch}'"


def _heatmap_clicked(itos: tuple[str, ...]) -> None:
    row = clicked_row(st.session_state.get(HEATMAP_KEY), len(itos))
    if row is not None:
        STATE.set(row=itos[row])


def counts_tab(corpus: Corpus) -> None:
    vocab = corpus.vocab
    c1, c2, c3 = st.columns(3)
    c1.metric("Words", f"{len(corpus.words):,}")
    c2.metric("Bigrams", f"{int(corpus.all_counts.sum()):,}")
    c3.metric("Vocabulary", f"{vocab.size} (with '.')")

    st.slider("Add-k smoothing", 0.0, 10.0, step=0.1, key=STATE.key("smoothing"),
              help="Pretend every bigram was seen k more times. k = 0 gives unseen bigrams probability 0 "
                   "(infinite loss on a name that contains one).")
    smoothing = float(STATE.get("smoothing"))
    losses = corpus.counts_losses(smoothing)
    m = st.columns(4)
    m[0].metric("Train NLL", _fmt(losses["train"]), help="Model counted on the 80% training words.")
    m[1].metric("Dev NLL", _fmt(losses["dev"]))
    m[2].metric("Test NLL", _fmt(losses["test"]))
    m[3].metric("All words (makemore's figure)", _fmt(losses["all"]),
                delta=None if smoothing != 1.0 else f"{losses['all'] - PUBLISHED_COUNTS_ALL:+.3f} vs 2.454",
                delta_color="off", help="Counted and scored on every word, as makemore reports 2.454.")

    itos = vocab.itos
    if STATE.get("row") not in itos:  # a link's row, or another word list's character
        STATE.set(row=".")
    row = itos.index(STATE.get("row"))
    st.plotly_chart(counts_heatmap(corpus.all_counts.tolist(), itos, highlight_row=row), width="stretch",
                    key=HEATMAP_KEY, on_select=lambda: _heatmap_clicked(itos), selection_mode="points")
    st.caption("Each cell: the bigram and how often it occurs in all words ('.' marks the start and the end "
               "of a name). Click a cell, or pick a row below, to see that row as a probability distribution.")
    model = corpus.counts_model(smoothing, on="all")
    left, right = st.columns(2)
    with left:
        st.selectbox("Next-character distribution after", itos, format_func=_row_label, key=STATE.key("row"))
        row = itos.index(STATE.get("row"))
        st.plotly_chart(next_char_bars(model.probs[row].tolist(), itos, f"P(next | '{itos[row]}'), k = "
                                       f"{smoothing:g}"), width="stretch", key="names_row_chart")
    with right:
        _scorer(corpus, smoothing)


def _scorer(corpus: Corpus, smoothing: float) -> None:
    st.markdown("**Score a name**")
    st.text_input("Name", max_chars=MAX_WORD_LENGTH, key=STATE.key("score"))
    word = str(STATE.get("score") or "").strip().lower()
    if not word:
        st.caption("Type a name to see the probability of each of its bigrams.")
        return
    unknown = sorted(set(word) - set(corpus.vocab.chars))
    if unknown:
        listed = escape_markdown(", ".join(repr(c) for c in unknown), 200)
        st.warning(f"Not in this word list's vocabulary: {listed}.")
        return
    model = corpus.counts_model(smoothing)  # trained on the training split
    try:
        letters, total = model.score(word)
    except WordListError as exc:
        st.warning(escape_markdown(exc))
        return
    table = pd.DataFrame([{"bigram": s.bigram, "probability": s.prob, "log prob": s.log_prob} for s in letters])
    st.dataframe(table, hide_index=True, width="stretch", height=min(400, 38 + 35 * len(table)),
                 column_config={"probability": st.column_config.NumberColumn(format="%.4f"),
                                "log prob": st.column_config.NumberColumn(format="%.3f")})
    avg = -total / len(letters)
    st.markdown(f"Log-likelihood **{total:.3f}**, average NLL **{avg:.3f}** per bigram"
                + (" (a bigram never seen: raise k)" if total == float("-inf") else "")
                + (" · in the training words" if word in corpus.train_set else " · not in the training words"))


def _fmt(x: float) -> str:
    return "∞" if x == float("inf") else f"{x:.4f}"
