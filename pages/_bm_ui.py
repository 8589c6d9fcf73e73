"""UI helpers for the bookmark chat page: state, settings, rendering (no retrieval logic here)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from core.bookmarks.chat import LLMSettings, sources_markdown
from core.bookmarks.retrieval import DEFAULT_MODE, DEFAULT_THRESHOLD, MODES
from core.bookmarks.safety import escape_markdown, safe_url

MODE_LABELS = {"similarity": "Similarity top-k", "threshold": "Similarity with score threshold",
               "mmr": "MMR (diverse results)", "hybrid": "Hybrid BM25 + vector (RRF)"}


@dataclass
class BookmarkPageState:
    """Everything the page remembers for a session, in one serializable place."""

    mode: str = DEFAULT_MODE
    k: int = 5
    threshold: float = DEFAULT_THRESHOLD
    with_descriptions: bool = True
    remove_missing: bool = True
    self_query: bool = False
    backend: str = "chroma"
    pinecone_index: str = "bookmarks"
    model: str = "gpt-4o-mini"
    base_url: str = ""
    folders: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    date_range: tuple = ()
    history: list[dict] = field(default_factory=list)  # {"role", "content", "sources", "hits"}


def page_state() -> BookmarkPageState:
    if "bm_state" not in st.session_state:
        st.session_state["bm_state"] = BookmarkPageState()
    return st.session_state["bm_state"]


def _secret_key(name: str) -> str:
    """A key from the environment or Streamlit secrets (never shown)."""
    if os.environ.get(name):
        return os.environ[name]
    try:
        return str(st.secrets.get(name, "") or "")
    except Exception:  # no secrets.toml at all
        return ""


def sidebar_settings(state: BookmarkPageState) -> LLMSettings:
    """Search and language-model settings; a typed key stays in this session's memory only."""
    with st.sidebar:
        st.subheader("Search")
        state.mode = st.selectbox("Retrieval mode", MODES, index=MODES.index(state.mode),
                                  format_func=lambda m: MODE_LABELS[m] + (" (default)" if m == DEFAULT_MODE else ""),
                                  key="bm_mode")
        state.k = st.slider("Results per question", 1, 20, state.k, key="bm_k")
        if state.mode == "threshold":
            state.threshold = st.slider("Minimum cosine similarity", 0.0, 1.0, state.threshold, 0.01, key="bm_thr")
        if _secret_key("PINECONE_API_KEY"):
            st.subheader("Vector store")
            state.backend = st.radio("Store", ["chroma", "pinecone"], ["chroma", "pinecone"].index(state.backend),
                                     format_func={"chroma": "Chroma (local)", "pinecone": "Pinecone (hosted)"}.get,
                                     key="bm_backend", horizontal=True)
            if state.backend == "pinecone":
                state.pinecone_index = st.text_input("Pinecone index", state.pinecone_index, key="bm_pc_index")
        st.subheader("Language model (optional)")
        env_key = _secret_key("OPENAI_API_KEY")
        if env_key:
            st.caption("Using the OpenAI key from the environment or secrets.")
        typed = st.text_input("OpenAI-compatible API key", type="password", key="bm_api_key",
                              help="Held in this browser session only: never written to disk or logs.",
                              placeholder="not needed for offline search")
        state.model = st.text_input("Model", state.model, key="bm_model")
        state.base_url = st.text_input("Base URL (Ollama, vLLM, ...)", state.base_url, key="bm_base_url",
                                       placeholder="https://api.openai.com/v1")
        state.self_query = st.checkbox("Self-query: let the model pick filters", state.self_query, key="bm_sq")
        key = typed or env_key
        st.caption("Answers: " + ("language model with citations" if key else "offline search results (no key)"))
    return LLMSettings(api_key=key, model=state.model.strip() or "gpt-4o-mini", base_url=state.base_url.strip())


@st.cache_resource(show_spinner="Connecting to Pinecone...")
def pinecone_store(index_name: str, namespace: str):
    """One Pinecone connection per index/namespace (the key comes from env/secrets, not args)."""
    from core.bookmarks.embeddings import MINILM_DIM, MINILM_NAME
    from core.bookmarks.stores import open_pinecone

    return open_pinecone(_secret_key("PINECONE_API_KEY"), index_name, MINILM_NAME, MINILM_DIM, namespace)


def store_for(state: BookmarkPageState):
    """None for the default local Chroma store, else the Pinecone store (built lazily)."""
    if state.backend != "pinecone" or not _secret_key("PINECONE_API_KEY"):
        return None
    return pinecone_store(state.pinecone_index.strip() or "bookmarks", "default")


def filters_from_state(state: BookmarkPageState) -> dict:
    from datetime import datetime, time as dtime, timezone

    f: dict = {}
    if state.folders:
        f["folders"] = list(state.folders)
    if state.domains:
        f["domains"] = list(state.domains)
    if len(state.date_range) == 2:
        start, end = state.date_range
        f["added_from"] = int(datetime.combine(start, dtime.min, timezone.utc).timestamp())
        f["added_to"] = int(datetime.combine(end, dtime.max, timezone.utc).timestamp())
    return f


def hits_frame(hits) -> pd.DataFrame:
    """Retrieved bookmarks as a table (cells are plain text, never rendered as HTML)."""
    return pd.DataFrame([{"#": h.rank, "title": h.bookmark.title, "folder": h.bookmark.folder,
                          "domain": h.bookmark.domain, "score": round(float(h.score), 4),
                          "why": h.reason, "url": h.bookmark.url if safe_url(h.bookmark.url) else "(blocked)"}
                         for h in hits])


def render_sources(sources_md: str, hits_table: pd.DataFrame | None, note: str = "") -> None:
    if sources_md:
        st.markdown("**Sources**\n\n" + sources_md)
    if note:
        st.caption(escape_markdown(note))
    if hits_table is not None and len(hits_table):
        with st.expander("Retrieved bookmarks and scores", icon=":material/list:"):
            st.dataframe(hits_table, hide_index=True, width="stretch",
                         column_config={"url": st.column_config.LinkColumn("url")})


def render_history(state: BookmarkPageState) -> None:
    for turn in state.history:
        with st.chat_message(turn["role"]):
            if turn["role"] == "user":
                st.text(turn["content"])  # the user's words, never rendered as markdown
                continue
            st.markdown(turn["content"])  # built from escaped text / sanitised model output
            if turn["role"] == "assistant":
                render_sources(turn.get("sources", ""), turn.get("hits"), turn.get("note", ""))


def answer_sources(turn, text: str) -> str:
    """Citations for an LLM answer: the [n] it used, else every retrieved bookmark."""
    from core.bookmarks.chat import cited_numbers

    if not turn.hits or not turn.used_llm:
        return ""
    return sources_markdown(turn.hits, cited_numbers(text, len(turn.hits)) or None)
