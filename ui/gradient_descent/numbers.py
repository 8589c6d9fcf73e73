"""Numbers for people: what tables and cards show instead of raw floats (7.879 × 10¹⁵, not 7879000000000000)."""

from __future__ import annotations

import math

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_number(value: float | None, digits: int = 4) -> str:
    """``digits`` significant digits; powers of ten written out beyond 1e5 and below 1e-3; "—" for
    a missing or non-finite value."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e4:
        return f"{value:.{digits}g}"
    if 1e4 <= magnitude < 1e5:
        return f"{value:,.0f}"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def format_vector(values, digits: int = 4) -> str:
    """(x, y) with each coordinate through `format_number`."""
    return "(" + ", ".join(format_number(float(v), digits) for v in values) + ")"
