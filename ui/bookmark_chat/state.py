"""The bookmark chat page's state: one dataclass bound to widget keys (``bm_<field>``) and the URL.

What a link carries, and what it never does (the ``SearchLink`` rules, kept from the first
version of the page): the link fields below only change how the *reader's own* bookmarks are
searched, and none is secret. Everything marked ``metadata={"url": False}`` stays in the session:

- API keys: secrets (they are not even fields: the key box is a session-only widget).
- The base URL: a link must not be able to send the reader's key to a server the sender picks.
- The chat model: a link must not choose what the reader's key pays for.
- The Pinecone index name: free text naming a resource in the reader's account, created on
  first use; a link picks the backend only, with the index the reader typed (or the default).
- Filters (folders, sites, dates): they reveal the sender's collection and mean nothing in another.
- The conversation: private.
- Import options (mirror sync, fetching pages): a link must never arm a removal.

A link asking for OpenAI embeddings or Pinecone on a server without that key is ignored with a
message (`load`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from core.bookmarks.profiles import BACKENDS, EMBEDDINGS, Keys, Profile
from core.bookmarks.retrieval import DEFAULT_MODE, DEFAULT_THRESHOLD, MODES
from ui.state import PageState

PRIVATE = {"url": False}
_LINK_CHECKED = "bm__link_checked"
_LINK_NOTES = "bm__link_notes"


@dataclass
class BookmarkChatState:
    """Everything the page remembers for a session (see the module docstring for the link rules)."""

    # --- in the link ---------------------------------------------------------------------------
    mode: str = field(default=DEFAULT_MODE, metadata={"choices": MODES})
    k: int = field(default=5, metadata={"min": 1, "max": 20})
    threshold: float = field(default=DEFAULT_THRESHOLD, metadata={"min": 0.0, "max": 1.0})
    with_descriptions: bool = True
    self_query: bool = False
    embeddings: str = field(default="minilm", metadata={"choices": EMBEDDINGS})
    backend: str = field(default="chroma", metadata={"choices": BACKENDS})
    # --- private to the session --------------------------------------------------------------
    mirror: bool = field(default=False, metadata=PRIVATE)  # remove bookmarks missing from the file
    enrich: bool = field(default=False, metadata=PRIVATE)  # fetch page titles/descriptions (online)
    pinecone_index: str = field(default="bookmarks", metadata=PRIVATE)
    model: str = field(default="gpt-4o-mini", metadata=PRIVATE)
    base_url: str = field(default="", metadata=PRIVATE)
    folders: list[str] = field(default_factory=list, metadata=PRIVATE)
    domains: list[str] = field(default_factory=list, metadata=PRIVATE)
    use_dates: bool = field(default=False, metadata=PRIVATE)
    dates: tuple = field(default=(), metadata=PRIVATE)
    history: list[dict] = field(default_factory=list, metadata=PRIVATE)  # {"role", "content", "sources", "hits", "note"}

    def profile(self) -> Profile:
        return Profile(embeddings=self.embeddings, backend=self.backend, pinecone_index=self.pinecone_index,
                       base_url=self.base_url.strip(), with_descriptions=self.with_descriptions)


STATE = PageState(BookmarkChatState, prefix="bm_")


def load(configured: Keys) -> BookmarkChatState:
    """This run's state. On the session's first run, a link's OpenAI or Pinecone choice without
    a configured key falls back to the offline default, with a message."""
    state = STATE.load()
    ss = st.session_state
    if not ss.get(_LINK_CHECKED):
        ss[_LINK_CHECKED] = True
        notes = []
        if state.embeddings == "openai" and not configured.openai:
            notes.append("Ignored embeddings='openai' from the link (no OpenAI key is configured); using 'minilm'. "
                         "Enter a key in the sidebar to choose OpenAI embeddings.")
            STATE.set(embeddings="minilm")
        if state.backend == "pinecone" and not configured.pinecone:
            notes.append("Ignored backend='pinecone' from the link (no Pinecone key is configured); using 'chroma'.")
            STATE.set(backend="chroma")
        ss[_LINK_NOTES] = notes
        state = STATE.current()
    return state


def show_link_messages() -> None:
    """What the link got wrong, once per session (escaped by `PageState`)."""
    notes = st.session_state.pop(_LINK_NOTES, None) or []
    STATE.show_link_messages()
    for note in notes:
        st.warning(note, icon=":material/link_off:")
