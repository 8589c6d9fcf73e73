"""UI helpers for the bookmark chat page: state, link, settings, rendering (no retrieval logic here)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from core.bookmarks.chat import LLMSettings, sources_markdown
from core.bookmarks.retrieval import DEFAULT_MODE, DEFAULT_THRESHOLD, MODES
from core.bookmarks.safety import escape_markdown, safe_url
from core.paths import data_dir
from core.urlstate import from_query_params, to_query_params

MODE_LABELS = {"similarity": "Similarity top-k", "threshold": "Similarity with score threshold",
               "mmr": "MMR (diverse results)", "hybrid": "Hybrid"}
OPENAI_EMBEDDING_MODEL = "text-embedding-3-small"
EMBEDDING_NAMES = {"minilm": "all-MiniLM-L6-v2", "openai": f"OpenAI {OPENAI_EMBEDDING_MODEL}"}
EMBEDDING_LABELS = {"minilm": "all-MiniLM-L6-v2 (offline, default)", "openai": f"OpenAI {OPENAI_EMBEDDING_MODEL} (online)"}
BACKENDS = ("chroma", "pinecone")


@dataclass
class SearchLink:
    """The settings the page's link carries (through `core.urlstate`): a reload or a shared link
    restores them. None is secret, and each only changes how the reader's own bookmarks are searched.

    Deliberately left out of the link:
    - API keys: secrets.
    - The base URL: a link must not be able to send the reader's key to a server the sender picks.
    - The chat model: a link must not choose what the reader's key pays for.
    - The Pinecone index name: free text naming a resource in the reader's account, created on
      first use; a link picks the backend only, with the index the reader typed (or the default).
    - Filters (folders, sites, dates): they reveal the sender's collection and mean nothing in another.
    - The conversation: private.
    """

    mode: str = field(default=DEFAULT_MODE, metadata={"choices": MODES})
    k: int = field(default=5, metadata={"min": 1, "max": 20})
    threshold: float = field(default=DEFAULT_THRESHOLD, metadata={"min": 0.0, "max": 1.0})
    with_descriptions: bool = True
    self_query: bool = False
    embeddings: str = field(default="minilm", metadata={"choices": tuple(EMBEDDING_NAMES)})
    backend: str = field(default="chroma", metadata={"choices": BACKENDS})


@dataclass
class BookmarkPageState(SearchLink):
    """Everything the page remembers for a session: the link's settings plus the private rest."""

    remove_missing: bool = True
    pinecone_index: str = "bookmarks"
    model: str = "gpt-4o-mini"
    base_url: str = ""
    folders: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    date_range: tuple = ()
    history: list[dict] = field(default_factory=list)  # {"role", "content", "sources", "hits"}


def page_state() -> BookmarkPageState:
    """This session's state; its first run takes the `SearchLink` settings from the address bar.

    Messages about values the link got wrong wait in ``st.session_state["bm_url_messages"]``.
    """
    if "bm_state" not in st.session_state:
        link, messages = from_query_params(SearchLink, st.query_params.to_dict())
        if link.embeddings == "openai" and not _secret_key("OPENAI_API_KEY"):
            messages.append("Ignored embeddings='openai' from the link (no OpenAI key is configured); "
                            "using 'minilm'. Enter a key in the sidebar to choose OpenAI embeddings.")
            link.embeddings = "minilm"
        if link.backend == "pinecone" and not _secret_key("PINECONE_API_KEY"):
            messages.append("Ignored backend='pinecone' from the link (no Pinecone key is configured); using 'chroma'.")
            link.backend = "chroma"
        st.session_state["bm_state"] = BookmarkPageState(**asdict(link))
        st.session_state["bm_url_messages"] = messages
    return st.session_state["bm_state"]


def sync_url(state: BookmarkPageState) -> None:
    """Mirror the link's settings in the address bar; only those that differ from the defaults."""
    link = SearchLink(**{f.name: getattr(state, f.name) for f in fields(SearchLink)})
    defaults, current = to_query_params(SearchLink()), to_query_params(link)
    params = {name: value for name, value in current.items() if value != defaults[name]}
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


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
    ss = st.session_state
    env_key = _secret_key("OPENAI_API_KEY")
    # the key field is drawn further down; its value from the last interaction is already here
    openai_key = ss.get("bm_api_key") or env_key
    with st.sidebar:
        st.subheader("Search")
        state.mode = st.selectbox("Retrieval mode", MODES, index=MODES.index(state.mode),
                                  format_func=lambda m: MODE_LABELS[m] + (" (default)" if m == DEFAULT_MODE else ""),
                                  key="bm_mode",
                                  help="Hybrid (the default) adds three scores: meaning (cosine similarity), "
                                       "keywords (BM25, weighted by how many bookmarks have descriptions) and "
                                       "similar names (character 4-grams). It measured best; see the README.")
        state.k = st.slider("Results per question", 1, 20, state.k, key="bm_k")
        if state.mode == "threshold":
            state.threshold = st.slider("Minimum cosine similarity", 0.0, 1.0, state.threshold, 0.01, key="bm_thr")
        if not openai_key or "bm_emb" not in ss:  # no key: OpenAI cannot be (or stay) selected
            ss["bm_emb"] = state.embeddings if openai_key else "minilm"
        state.embeddings = st.radio("Embedding model", list(EMBEDDING_LABELS), format_func=EMBEDDING_LABELS.get,
                                    key="bm_emb", disabled=not openai_key,
                                    help="Each model has its own store: switching back and forth re-embeds nothing. "
                                         "OpenAI embeddings use the key and base URL of the language model below.")
        if not openai_key:
            st.caption("OpenAI embeddings need an OpenAI key (environment, secrets or the key field below).")
        if _secret_key("PINECONE_API_KEY"):
            st.subheader("Vector store")
            state.backend = st.radio("Store", BACKENDS, BACKENDS.index(state.backend),
                                     format_func={"chroma": "Chroma (local)", "pinecone": "Pinecone (hosted)"}.get,
                                     key="bm_backend", horizontal=True)
            if state.backend == "pinecone":
                state.pinecone_index = st.text_input("Pinecone index", state.pinecone_index, key="bm_pc_index")
        st.subheader("Language model (optional)")
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


def make_embedder(state: BookmarkPageState, llm: LLMSettings):
    """The chosen embedder; OpenAI's uses the chat settings' key and base URL (none: the
    ``OPENAI_BASE_URL`` environment variable or api.openai.com, as for the chat and the CLI)."""
    from core.bookmarks.embeddings import MiniLMEmbedder, OpenAIEmbedder

    if state.embeddings == "openai" and llm.api_key:
        return OpenAIEmbedder(llm.api_key, OPENAI_EMBEDDING_MODEL, base_url=llm.base_url or None)
    return MiniLMEmbedder()


def store_name(state: BookmarkPageState, embeddings: str | None = None) -> str:
    """The store directory's name: one per backend and embedding model, so that a store never
    mixes models and switching back is free. MiniLM keeps the names used before OpenAI was
    offered (``default`` is also the CLI's store)."""
    base = "default" if state.backend == "chroma" else f"pinecone-{state.pinecone_index}"
    if (embeddings or state.embeddings) == "minilm":
        return base
    suffix = f"openai-{OPENAI_EMBEDDING_MODEL}"
    return suffix if state.backend == "chroma" else f"{base}-{suffix}"


def other_model_bookmarks(state: BookmarkPageState) -> tuple[str, list]:
    """The other embedding choice and the bookmarks its store holds (same backend), to re-embed."""
    from core.bookmarks.sync import MANIFEST, BookmarkIndex

    other = "openai" if state.embeddings == "minilm" else "minilm"
    folder = data_dir("bookmarks", store_name(state, other), create=False)
    return other, BookmarkIndex(folder).bookmarks() if (folder / MANIFEST).exists() else []


def _host(exc: BaseException) -> str:
    """Where a failed request went: host and port only (a URL may carry credentials)."""
    url = urlsplit(str(getattr(getattr(exc, "request", None), "url", "") or ""))
    return url.netloc.rpartition("@")[2] or "the server"


def describe_error(exc: BaseException, secret: str = "") -> str:
    """One readable line for a failed import or search; the key ``secret`` is redacted."""
    import openai
    import requests

    from core.bookmarks.stores import EmbeddingMismatch

    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, EmbeddingMismatch):
        text = str(exc)
    elif isinstance(exc, openai.APIConnectionError):
        text = (f"could not reach {_host(exc)} ({detail} {exc.__cause__ or ''}); "
                "check the network and the base URL")
    elif isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        text = f"{_host(exc)} refused the API key ({detail})"
    elif isinstance(exc, openai.APIStatusError):
        text = f"{_host(exc)} answered HTTP {exc.status_code} ({detail})"
    elif isinstance(exc, (requests.RequestException, ConnectionError, TimeoutError)):
        # requests' own text is a long urllib3 retry trace: the host says enough
        text = f"a network request to {_host(exc)} failed ({type(exc).__name__}); check the network connection"
    else:
        text = detail
    return text.replace(secret, "***") if secret else text


@st.cache_resource(show_spinner="Connecting to Pinecone...")
def pinecone_store(index_name: str, namespace: str, model: str, dim: int):
    """One Pinecone connection per index/namespace/model (the key comes from env/secrets, not args)."""
    from core.bookmarks.stores import open_pinecone

    return open_pinecone(_secret_key("PINECONE_API_KEY"), index_name, model, dim, namespace)


def store_for(state: BookmarkPageState, embedder):
    """None for the default local Chroma store, else the Pinecone store (built lazily)."""
    if state.backend != "pinecone" or not _secret_key("PINECONE_API_KEY"):
        return None
    return pinecone_store(state.pinecone_index.strip() or "bookmarks", "default", embedder.name, embedder.dim)


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
