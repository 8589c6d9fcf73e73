"""How answers, sources and retrieved bookmarks are drawn. Nothing here loads a resource the user
did not click: model text goes through `core.bookmarks.chat.sanitize_model_text` (no images, no
HTML, http(s) links only), bookmark text through `core.text.escape_markdown`, and the table of
retrieved bookmarks holds plain text cells with http(s) links only."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.bookmarks.chat import cited_numbers, sources_markdown
from core.bookmarks.safety import safe_url
from core.text import escape_markdown


def hits_frame(hits) -> pd.DataFrame:
    """Retrieved bookmarks as a table (cells are plain text, never rendered as HTML)."""
    return pd.DataFrame([{"#": h.rank, "title": h.bookmark.title, "folder": h.bookmark.folder,
                          "domain": h.bookmark.domain, "score": round(float(h.score), 4),
                          "why": h.reason, "url": h.bookmark.url if safe_url(h.bookmark.url) else "(blocked)"}
                         for h in hits])


def answer_sources(turn, text: str) -> str:
    """Citations for a model's answer: the [n] it used, else every retrieved bookmark."""
    if not turn.hits or not turn.used_llm:
        return ""
    return sources_markdown(turn.hits, cited_numbers(text, len(turn.hits)) or None)


def sources(sources_md: str, hits_table: pd.DataFrame | None, note: str = "") -> None:
    if sources_md:
        st.markdown("**Sources**\n\n" + sources_md)
    if note:
        st.caption(escape_markdown(note))
    if hits_table is not None and len(hits_table):
        with st.expander("Retrieved bookmarks and scores", icon=":material/list:"):
            st.dataframe(hits_table, hide_index=True, width="stretch",
                         column_config={"url": st.column_config.LinkColumn("url")})


def history(turns: list[dict]) -> None:
    """The conversation so far: the user's words as plain text, answers as stored safe Markdown."""
    for turn in turns:
        with st.chat_message(turn["role"]):
            if turn["role"] == "user":
                st.text(turn["content"])  # the user's words, never rendered as markdown
                continue
            st.markdown(turn["content"])  # sanitised when it was answered
            sources(turn.get("sources", ""), turn.get("hits"), turn.get("note", ""))


def stream_answer(turn) -> str:
    """Draw the answer as it streams; returns the final safe Markdown.

    The whole text so far is sanitised at every update (never chunk by chunk), so a link or an
    image split across streamed chunks cannot slip through.
    """
    box = st.empty()
    text, shown = "", ""
    for piece in turn.stream:
        text += str(piece)
        if any(ch.isspace() for ch in str(piece)):
            shown = turn.markdown(text)
            box.markdown(shown)
    shown = turn.markdown(text)
    box.markdown(shown)
    return shown
