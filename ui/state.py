"""One way for every page to hold its state: a dataclass bound to widget keys and to the URL.

A page declares its settings as one dataclass (field metadata give the bounds and choices that
`core.urlstate` enforces on links; ``metadata={"url": False}`` keeps a field out of links) and
binds it once::

    STATE = PageState(GradientDescentState, prefix="gd_")

    state = STATE.load()                                # first: from the link; then: from the widgets
    st.slider("Steps", 10, 2000, key=STATE.key("steps"))  # widgets use the field's key, never value=
    ...
    STATE.sync_url()                                    # last: the address bar mirrors the state

The widget keys *are* the storage: field ``steps`` lives in ``st.session_state["gd_steps"]``, a
widget drawn with ``key=STATE.key("steps")`` edits it, and `current()` reads every field back
into a fresh dataclass. Fields without a widget (a conversation, a derived list) live under their
key too. Callbacks change fields with `set()`; `replace()` writes a whole state (a preset, a
reset, or the settings of a run the page re-attached to).

Rules that keep this reliable:
- on a session's first run the link is read, bad values are clamped or ignored with a message
  (`show_link_messages()` shows them once, escaped), and ``normalize`` may snap values to the
  widgets' grids;
- on later runs every field's key is re-assigned, because Streamlit forgets the value of a
  widget that was not drawn in a run (another tab, a hidden expander);
- `set()` and `replace()` must run in a callback or before the widget is drawn in this run
  (Streamlit refuses a change to a drawn widget's value);
- only link fields that differ from the defaults go into the address bar, and it is written only
  when it changes, so opening a page adds no history entry.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Generic, TypeVar

import streamlit as st

from core.text import escape_markdown
from core.urlstate import from_query_params, to_query_params

S = TypeVar("S")


class PageState(Generic[S]):
    """Binds the dataclass ``cls`` to the session keys ``prefix + field`` and to the URL."""

    def __init__(self, cls: type[S], prefix: str, *, normalize: Callable[[S], S] | None = None,
                 on_write: Callable[[S], None] | None = None):
        """``normalize(state)`` fixes a state read from a link (e.g. snaps to slider grids);
        ``on_write(state)`` seeds widgets derived from fields (called whenever a whole state
        is written: the first run, `replace()`, `reset()`)."""
        self.cls = cls
        self.prefix = prefix
        self.normalize = normalize
        self.on_write = on_write
        self.names = [f.name for f in dataclasses.fields(cls)]
        self._loaded = f"{prefix}_state_loaded"
        self._messages = f"{prefix}_link_messages"

    def key(self, name: str) -> str:
        """The session key (and widget key) of field ``name``."""
        if name not in self.names:
            raise KeyError(f"{self.cls.__name__} has no field {name!r}")
        return self.prefix + name

    # --- reading -----------------------------------------------------------------------------
    def load(self) -> S:
        """The page's state for this run: from the link on the session's first run, else from the keys."""
        ss = st.session_state
        if not ss.get(self._loaded):
            state, messages = from_query_params(self.cls, st.query_params.to_dict())
            if self.normalize is not None:
                state = self.normalize(state)
            self._write(state)
            ss[self._loaded] = True
            ss[self._messages] = messages
        else:
            for name in self.names:  # keep values of widgets not drawn last run
                key = self.prefix + name
                if key in ss:
                    ss[key] = ss[key]
                else:  # a key lost some other way: back to the default
                    ss[key] = getattr(self.cls(), name)
        return self.current()

    def current(self) -> S:
        """A fresh dataclass from the session keys (lists are copied: a state is a value)."""
        ss = st.session_state
        values = {}
        for name in self.names:
            value = ss.get(self.prefix + name)
            values[name] = list(value) if isinstance(value, list) else value
        return self.cls(**values)

    def get(self, name: str) -> Any:
        return st.session_state.get(self.key(name))

    # --- writing -----------------------------------------------------------------------------
    def set(self, **changes: Any) -> None:
        """Change some fields (from a callback, or before their widgets are drawn)."""
        for name, value in changes.items():
            st.session_state[self.key(name)] = value

    def replace(self, state: S) -> None:
        """Write a whole state (preset, reset, re-attach)."""
        self._write(state)

    def reset(self) -> None:
        """Back to the defaults."""
        self._write(self.cls())

    def _write(self, state: S) -> None:
        for name in self.names:
            st.session_state[self.prefix + name] = getattr(state, name)
        if self.on_write is not None:
            self.on_write(state)

    # --- the link ------------------------------------------------------------------------------
    def link_messages(self) -> list[str]:
        """What the link got wrong (once per session; later calls return [])."""
        return st.session_state.pop(self._messages, None) or []

    def show_link_messages(self) -> None:
        for message in self.link_messages():
            st.warning(escape_markdown(message, 500), icon=":material/link_off:")

    def url_params(self, state: S | None = None) -> dict[str, str]:
        return to_query_params(state if state is not None else self.current(), changed_only=True)

    def sync_url(self, state: S | None = None) -> None:
        """Mirror the state's link fields in the address bar (only those that differ from the defaults)."""
        params = self.url_params(state)
        if st.query_params.to_dict() != params:
            st.query_params.from_dict(params)
