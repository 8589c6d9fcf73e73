"""The collection's summary, the filters, and the conversation."""

from __future__ import annotations

import streamlit as st

from core.bookmarks.chat import LLMSettings, answer
from core.bookmarks.model import Bookmark
from core.bookmarks.profiles import describe_error, search_filters
from core.bookmarks.stores import EmbeddingMismatch
from core.bookmarks.sync import BookmarkIndex
from core.text import escape_markdown
from ui.bookmark_chat import render
from ui.bookmark_chat.state import STATE, BookmarkChatState


@st.cache_data(max_entries=8, show_spinner=False)
def _choices(store: str, version: str, _index: BookmarkIndex) -> tuple[list[str], list[str]]:
    """Folders and sites of one store version (the caller passes only its own store)."""
    records = _index.records.values()
    folders = sorted({r["bookmark"].get("folder", "") for r in records} - {""})
    domains = sorted({Bookmark.from_dict(r["bookmark"]).domain for r in records} - {""})
    return folders, domains


def summary(index: BookmarkIndex) -> None:
    s = index.stats()
    st.caption(f"{s['bookmarks']:,} bookmarks in {s['folders']:,} folders from {s['domains']:,} sites; "
               f"embeddings: {escape_markdown(s['embedding_model'])} ({s['dim']}-d), store: {escape_markdown(s['store'])}.")


def filters(index: BookmarkIndex, state: BookmarkChatState) -> dict:
    """Folder, site and date filters (private to the session: never in the link)."""
    folders, domains = _choices(str(index.dir), index.version, index)
    # a folder or site that is not in this store (another model's store, a changed collection) is dropped
    STATE.set(folders=[f for f in state.folders if f in folders], domains=[d for d in state.domains if d in domains])
    with st.expander("Filters", icon=":material/filter_alt:"):
        st.multiselect("Folders", folders, key=STATE.key("folders"))
        st.multiselect("Sites", domains, key=STATE.key("domains"))
        if st.checkbox("Only bookmarks added in a date range", key=STATE.key("use_dates")):
            picked = st.date_input("Added between", value=state.dates or (), key="bm_date_pick")
            STATE.set(dates=tuple(picked) if isinstance(picked, (list, tuple)) and len(picked) == 2 else ())
    state = STATE.current()
    return search_filters(state.folders, state.domains, state.dates if state.use_dates else ())


def conversation(index: BookmarkIndex, state: BookmarkChatState, llm: LLMSettings, chosen: dict, secrets) -> None:
    """The history, the chat box, one new answer per question."""
    render.history(state.history)
    question = st.chat_input("Ask about your bookmarks, e.g. 'that tutorial about dropout'", key="bm_chat")
    if question:
        with st.chat_message("user"):
            st.text(question)
        with st.chat_message("assistant"):
            reply = _answer(index, state, llm, question, chosen, secrets)
        STATE.set(history=[*state.history, {"role": "user", "content": question}, reply])
    if STATE.get("history"):
        st.button("Clear conversation", icon=":material/delete:", key="bm_clear", on_click=lambda: STATE.set(history=[]))


def _answer(index, state: BookmarkChatState, llm: LLMSettings, question: str, chosen: dict, secrets) -> dict:
    try:
        turn = answer(index, question, state.history, llm, k=state.k, mode=state.mode, filters=chosen,
                      use_self_query=state.self_query, threshold=state.threshold)
        text = render.stream_answer(turn)
        note = turn.error or (f"searched for: {turn.query}" if turn.query != question else "")
        sources, table = render.answer_sources(turn, text), render.hits_frame(turn.hits)
        render.sources(sources, table, note)
        return {"role": "assistant", "content": text, "sources": sources, "hits": table, "note": note}
    except EmbeddingMismatch as exc:
        text = f"The store needs re-indexing: {escape_markdown(exc, 500)}"
    except Exception as exc:  # never a traceback in the page (nor a key)
        text = f"Search failed: {escape_markdown(describe_error(exc, *secrets), 500)}"
    st.error(text)
    return {"role": "assistant", "content": text, "sources": "", "hits": None, "note": ""}
