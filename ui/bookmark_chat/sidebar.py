"""The sidebar: search settings, embedding model, vector store and the optional language model.

A key typed here is a session-only widget value (``bm_api_key``): never a state field, never in
a link, a log, a file or a job's settings, and never shown back. Another browser session has its
own session state, so it cannot see it (tests/test_bm_sessions.py checks this in two browsers).
"""

from __future__ import annotations

import streamlit as st

from core.bookmarks.chat import LLMSettings
from core.bookmarks.profiles import BACKENDS, OPENAI_EMBEDDING_MODEL, Keys
from core.bookmarks.retrieval import DEFAULT_MODE, MODES
from ui.bookmark_chat.state import STATE, BookmarkChatState

MODE_LABELS = {"similarity": "Similarity top-k", "threshold": "Similarity with score threshold",
               "mmr": "MMR (diverse results)", "hybrid": "Hybrid"}
EMBEDDING_LABELS = {"minilm": "all-MiniLM-L6-v2 (offline, default)", "openai": f"OpenAI {OPENAI_EMBEDDING_MODEL} (online)"}
BACKEND_LABELS = {"chroma": "Chroma (local)", "pinecone": "Pinecone (hosted)"}
API_KEY = "bm_api_key"


def session_keys(configured: Keys) -> Keys:
    """The keys this session uses: one typed in the sidebar wins over the configured one."""
    typed = str(st.session_state.get(API_KEY) or "").strip()
    return Keys(openai=typed or configured.openai, pinecone=configured.pinecone)


def sidebar(state: BookmarkChatState, configured: Keys) -> tuple[LLMSettings, Keys]:
    """Draw the settings; returns the chat model settings and the keys of this session."""
    keys = session_keys(configured)  # the key box is drawn further down; its last value is already here
    if not keys.openai and state.embeddings == "openai":  # no key: OpenAI embeddings cannot stay selected
        STATE.set(embeddings="minilm")
    with st.sidebar:
        st.subheader("Search")
        st.selectbox("Retrieval mode", MODES, key=STATE.key("mode"),
                     format_func=lambda m: MODE_LABELS[m] + (" (default)" if m == DEFAULT_MODE else ""),
                     help="Hybrid (the default) adds three scores: meaning (cosine similarity), keywords (BM25, "
                          "weighted by how many bookmarks have descriptions) and similar names (character "
                          "4-grams). It measured best; see docs/bookmark_chat.md.")
        st.slider("Results per question", 1, 20, key=STATE.key("k"))
        if state.mode == "threshold":
            st.slider("Minimum cosine similarity", 0.0, 1.0, step=0.01, key=STATE.key("threshold"))
        st.radio("Embedding model", list(EMBEDDING_LABELS), format_func=EMBEDDING_LABELS.get,
                 key=STATE.key("embeddings"), disabled=not keys.openai,
                 help="Each model has its own store: switching back and forth re-embeds nothing. "
                      "OpenAI embeddings use the key and base URL of the language model below.")
        if not keys.openai:
            st.caption("OpenAI embeddings need an OpenAI key (environment, secrets or the key field below).")
        if configured.pinecone:
            st.subheader("Vector store")
            st.radio("Store", BACKENDS, format_func=BACKEND_LABELS.get, key=STATE.key("backend"), horizontal=True)
            if state.backend == "pinecone":
                st.text_input("Pinecone index", key=STATE.key("pinecone_index"))
        st.subheader("Language model (optional)")
        if configured.openai:
            st.caption("Using the OpenAI key from the environment or secrets.")
        st.text_input("OpenAI-compatible API key", type="password", key=API_KEY,
                      help="Held in this browser session only: never written to disk or logs, never shown to "
                           "anyone else.", placeholder="not needed for offline search")
        st.text_input("Model", key=STATE.key("model"))
        st.text_input("Base URL (Ollama, vLLM, ...)", key=STATE.key("base_url"), placeholder="https://api.openai.com/v1")
        st.checkbox("Self-query: let the model pick filters", key=STATE.key("self_query"))
        keys = session_keys(configured)
        st.caption("Answers: " + ("language model with citations" if keys.openai else "offline search results (no key)"))
    state = STATE.current()
    return LLMSettings(api_key=keys.openai, model=state.model.strip() or "gpt-4o-mini",
                       base_url=state.base_url.strip()), keys
