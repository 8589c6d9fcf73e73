"""Untrusted text shown literally: the one escaping helper of the whole studio.

Streamlit renders Markdown (and its own ``:icon:``, ``:color[...]`` and ``$math$`` directives)
in titles, captions, alerts, toasts and widget labels. Anything that came from a user or a file
(formulas, CSV column names, word lists, bookmark titles, error messages quoting input) goes
through `escape_markdown` before it reaches one of those, so that ``x**2`` shows as ``x**2`` and
``__import__`` as ``__import__``, never as bold text, a link, an image or HTML.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all
# disables links, images, emphasis, HTML, headings, Streamlit's :color[...] / :icon: directives
# and $math$.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=^%@/,;?])")


def escape_markdown(text: object, limit: int | None = 300) -> str:
    """``text`` as Markdown that displays it literally, on one line (whitespace runs collapse to a
    space), cut to ``limit`` characters with an ellipsis (None: no limit)."""
    text = " ".join(str("" if text is None else text).split())
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return _MD_SPECIAL.sub(r"\\\1", text)
