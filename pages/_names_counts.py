"""Counts tab: the 27x27 heatmap, one row's next-character distribution, live NLL, name scorer."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.names.compare import PUBLISHED_COUNTS_ALL
from core.names.corpus import Corpus
from core.names.data import MAX_WORD_LENGTH, WordListError
from ui.bigram_names.state import BigramNamesState
from pages._names_charts import counts_heatmap, next_char_bars


def counts_tab(corpus: Corpus, settings: BigramNamesState) -> None:
    vocab = corpus.vocab
    c1, c2, c3 = st.columns(3)
    c1.metric("Words", f"{len(corpus.words):,}")
    c2.metric("Bigrams", f"{int(corpus.all_counts.sum()):,}")
    c3.metric("Vocabulary", f"{vocab.size} (with '.')")

    settings.smoothing = st.slider(
        "Add-k smoothing", 0.0, 10.0, float(settings.smoothing), 0.1, key="names_smoothing",
        help="Pretend every bigram was seen k more times. k = 0 gives unseen bigrams probability 0 "
             "(infinite loss on a name that contains one).")
    losses = corpus.counts_losses(settings.smoothing)
    m = st.columns(4)
    m[0].metric("Train NLL", _fmt(losses["train"]), help="Model counted on the 80% training words.")
    m[1].metric("Dev NLL", _fmt(losses["dev"]))
    m[2].metric("Test NLL", _fmt(losses["test"]))
    m[3].metric("All words (makemore's figure)", _fmt(losses["all"]),
                delta=None if settings.smoothing != 1.0 else f"{losses['all'] - PUBLISHED_COUNTS_ALL:+.3f} vs 2.454",
                delta_color="off", help="Counted and scored on every word, as makemore reports 2.454.")

    model = corpus.counts_model(settings.smoothing, on="all")
    itos = vocab.itos
    row_labels = [("'.' (start of a name)" if c == "." else f"'{c}'") for c in itos]
    row = itos.index(settings.row) if settings.row in itos else 0
    chosen = st.session_state.get("names_row")  # the selectbox below, so the heatmap highlights it now
    if isinstance(chosen, int) and 0 <= chosen < len(itos):
        row = chosen
    st.plotly_chart(counts_heatmap(corpus.all_counts.tolist(), itos, highlight_row=row),
                    width="stretch", key="names_heatmap")
    st.caption("Each cell: the bigram and how often it occurs in all words ('.' marks the start and the end "
               "of a name). Pick a row below to see it as a probability distribution.")
    left, right = st.columns(2)
    with left:
        row = st.selectbox("Next-character distribution after", range(len(itos)), index=row,
                           format_func=lambda i: row_labels[i], key="names_row")
        settings.row = itos[row]
        st.plotly_chart(next_char_bars(model.probs[row].tolist(), itos, f"P(next | '{itos[row]}'), k = "
                                       f"{settings.smoothing:g}"), width="stretch", key="names_row_chart")
    with right:
        _scorer(corpus, settings)


def _scorer(corpus: Corpus, settings: BigramNamesState) -> None:
    st.markdown("**Score a name**")
    text = st.text_input("Name", "emma", max_chars=MAX_WORD_LENGTH, key="names_score_text")
    word = text.strip().lower()
    if not word:
        st.caption("Type a name to see the probability of each of its bigrams.")
        return
    unknown = sorted(set(word) - set(corpus.vocab.chars))
    if unknown:
        st.warning(f"Not in this word list's vocabulary: {', '.join(repr(c) for c in unknown)}.")
        return
    model = corpus.counts_model(settings.smoothing)  # trained on the training split
    try:
        letters, total = model.score(word)
    except WordListError as exc:
        st.warning(str(exc))
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
