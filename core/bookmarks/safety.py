"""Untrusted bookmark text: escaped for Markdown display, quoted as data inside prompts."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

from core.bookmarks.model import SAFE_SCHEMES
from core.text import escape_markdown

__all__ = ["escape_markdown", "markdown_link", "quote_for_prompt", "safe_url"]


def safe_url(url: str) -> str | None:
    """The URL if it is http(s) with a host, percent-encoded so it cannot break out of a
    Markdown link; None for javascript:, data:, file: and anything else."""
    url = str(url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.hostname:
        return None
    return quote(url, safe="/:?#[]@!$&'*+,;=%-._~")\
        .replace("(", "%28").replace(")", "%29").replace("[", "%5B").replace("]", "%5D").replace("'", "%27")


def markdown_link(title: str, url: str) -> str:
    """``[escaped title](url)`` for http(s) URLs; escaped plain text otherwise."""
    target = safe_url(url)
    label = escape_markdown(title) or escape_markdown(url)
    return f"[{label}]({target})" if target else f"{label} (link not clickable: unsafe scheme)"


def quote_for_prompt(value: str, limit: int = 600) -> str:
    """A JSON string literal with ``<``/``>`` escaped, so bookmark text cannot close the
    data block it sits in or pose as markup inside the prompt."""
    text = " ".join(str(value or "").split())[:limit]
    return json.dumps(text, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
