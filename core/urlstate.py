"""Page state <-> URL query parameters, so that a link reproduces a view.

A page keeps its settings in one dataclass. `to_query_params` turns it into flat strings;
`from_query_params` reads them back with type coercion, choices and bounds taken from each
field's metadata (``field(default=..., metadata={"min": 0, "max": 1, "choices": [...]})``).
Anything malformed or out of range falls back to the default (or is clamped) and is reported
in a list of messages instead of raising: a hand-edited link must never break a page.

A field with ``metadata={"url": False}`` is page state that never travels in a link (a
conversation, a typed key, filters that describe one person's data): both directions skip it.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any, Mapping, TypeVar

T = TypeVar("T")
_SEP = ","


def _encode(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return _SEP.join(_encode(v) for v in value)
    return str(value)


def _coerce(kind: Any, raw: str) -> Any:
    origin = typing.get_origin(kind)
    if origin in (list, tuple):
        args = typing.get_args(kind)
        inner = args[0] if args else str
        items = [s for s in raw.split(_SEP) if s != ""]
        values = [_coerce(inner, s) for s in items]
        return tuple(values) if origin is tuple else values
    if kind is bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"not a boolean: {raw!r}")
    if kind is int:
        return int(raw)
    if kind is float:
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {raw!r}")
        return value
    return str(raw)


def in_url(field: dataclasses.Field) -> bool:
    """Whether a field travels in links (fields marked ``metadata={"url": False}`` do not)."""
    return field.metadata.get("url", True) is not False


def to_query_params(state: Any, changed_only: bool = False) -> dict[str, str]:
    """Flat ``{name: text}`` for the link fields of the dataclass instance ``state``.

    ``changed_only`` keeps only those that differ from the class defaults (shorter links).
    """
    params = {f.name: _encode(getattr(state, f.name)) for f in dataclasses.fields(state) if in_url(f)}
    if changed_only:
        defaults = to_query_params(type(state)())
        params = {k: v for k, v in params.items() if v != defaults.get(k)}
    return params


def _check(field: dataclasses.Field, value: Any, messages: list[str]) -> Any:
    meta = field.metadata
    values = value if isinstance(value, (list, tuple)) else [value]
    choices = meta.get("choices")
    if choices is not None and any(v not in choices for v in values):
        raise ValueError(f"{field.name} must be among {list(choices)}")
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None or hi is not None:
        clamped = [min(max(v, lo if lo is not None else v), hi if hi is not None else v) for v in values]
        if clamped != list(values):
            messages.append(f"{field.name} was out of range and was clamped to [{lo}, {hi}].")
            value = type(value)(clamped) if isinstance(value, (list, tuple)) else clamped[0]
    return value


def from_query_params(cls: type[T], params: Mapping[str, Any]) -> tuple[T, list[str]]:
    """Build ``cls`` from query parameters; returns the instance and messages about bad values."""
    hints = typing.get_type_hints(cls)
    defaults = cls()  # type: ignore[call-arg]
    kwargs: dict[str, Any] = {}
    messages: list[str] = []
    for f in dataclasses.fields(cls):
        if f.name not in params or not in_url(f):
            continue
        raw = params[f.name]
        if isinstance(raw, (list, tuple)):  # st.query_params.to_dict() gives the last value
            raw = raw[-1] if raw else ""
        try:
            kwargs[f.name] = _check(f, _coerce(hints[f.name], str(raw)), messages)
        except (ValueError, TypeError) as exc:
            messages.append(f"Ignored {f.name}={str(raw)[:40]!r} from the link ({exc}); using "
                            f"{_encode(getattr(defaults, f.name))!r}.")
    return cls(**kwargs), messages
