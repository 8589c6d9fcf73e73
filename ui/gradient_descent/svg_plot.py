"""A small line plot written as inline SVG: the one-weight picture and the race's loss chart.

Why not Plotly there: Plotly's browser bundle is 4.7 MB of JavaScript that a fresh browser must
download and compile before the first chart appears; in headless Chromium on this machine that
was most of the page's first load (see docs/gradient_descent.md). An SVG of a few kilobytes
needs no script at all and redraws as fast as the text around it: as the race's loss chart it
took 0.1-0.35 s off every new race and replay frame, measured in Chromium. Hovering a marked
point shows its values (SVG ``<title>``); the race's contour, which needs zoom and clicks, keeps
Plotly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

import numpy as np

WIDTH, HEIGHT = 900, 400
PAD = {"l": 64, "r": 16, "t": 34, "b": 76}


@dataclass
class Series:
    x: np.ndarray
    y: np.ndarray
    name: str
    color: str
    width: float = 2.0
    dash: str | None = None  # an SVG stroke-dasharray, e.g. "6 4"
    marker: float = 0.0  # radius of a dot at every point (0: none)
    tips: list[str] = field(default_factory=list)  # hover text per point (with markers)
    data: dict[str, str] = field(default_factory=dict)  # data-* attributes of the series' group


def nice_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 × 10^k apart) covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw), default=10 * power)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 12) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.4g}".replace("-", "−")


SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_ticks(lo: float, hi: float, count: int = 7) -> list[tuple[float, str]]:
    """(log10 position, label) of powers of ten covering the decades [lo, hi] (every k-th decade
    when there are more than ``count``): 10⁻⁶, 10⁻³, 1, 10³ ..."""
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    if last < first:
        return [(lo, _fmt(10**lo))]
    every = max(1, math.ceil((last - first + 1) / count))
    out = []
    for e in range(first, last + 1):
        if e % every == 0:
            out.append((float(e), {0: "1", 1: "10"}.get(e, "10" + str(e).translate(SUPERSCRIPTS))))
    return out


def decimate(x: np.ndarray, y: np.ndarray, buckets: int = 450) -> tuple[np.ndarray, np.ndarray]:
    """At most 2 × ``buckets`` points that draw like all of them: each bucket of consecutive points
    keeps its lowest and highest (in order), so an oscillating curve keeps its envelope."""
    n = len(x)
    if n <= 2 * buckets:
        return x, y
    edges = np.linspace(0, n, buckets + 1).astype(int)
    keep = []
    for a, b in zip(edges[:-1], edges[1:]):
        part = y[a:b]
        ok = np.isfinite(part)
        if ok.any():
            lo, hi = np.argmin(np.where(ok, part, np.inf)), np.argmax(np.where(ok, part, -np.inf))
            keep.extend(a + i for i in sorted({int(lo), int(hi)}))
    keep = np.asarray(keep, dtype=int)
    return x[keep], y[keep]


def line_plot(series: list[Series], x_range, y_range, x_title: str, y_title: str, title: str = "",
              label: str = "chart", log_y: bool = False, height: int = HEIGHT, testid: str = "gd-svg-plot") -> str:
    """The SVG markup of a line plot (all text escaped); points outside the ranges are clipped.

    ``log_y``: a logarithmic y axis (``y_range`` in data units, both ends > 0; values ≤ 0 are not
    drawn). Series without a name stay out of the legend."""
    (x0, x1), (y0, y1) = x_range, y_range
    if log_y:
        y0, y1 = math.log10(y0), math.log10(y1)
    pw, ph = WIDTH - PAD["l"] - PAD["r"], height - PAD["t"] - PAD["b"]

    def sx(v):
        return PAD["l"] + (np.asarray(v, float) - x0) / (x1 - x0) * pw

    def sy(v):
        v = np.asarray(v, float)
        if log_y:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), np.nan)
        return PAD["t"] + (1 - (v - y0) / (y1 - y0)) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
           f'aria-label="{escape(label)}" style="font-family:sans-serif;font-size:13px" data-testid="{escape(testid)}">',
           f'<defs><clipPath id="{escape(testid)}-area"><rect x="{PAD["l"]}" y="{PAD["t"]}" width="{pw}" '
           f'height="{ph}"/></clipPath></defs>']  # one id per kind of plot: two plots never share a clip
    if title:
        out.append(f'<text x="{PAD["l"]}" y="20" font-weight="bold" font-size="15">{escape(title)}</text>')
    for t in nice_ticks(x0, x1):
        x = float(sx(t))
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{PAD["t"]}" y2="{PAD["t"] + ph}" stroke="#eee"/>'
                   f'<text x="{x:.1f}" y="{PAD["t"] + ph + 16}" text-anchor="middle" fill="#555">{_fmt(t)}</text>')
    y_ticks = log_ticks(y0, y1) if log_y else [(t, _fmt(t)) for t in nice_ticks(y0, y1)]
    for t, text in y_ticks:
        y = PAD["t"] + (1 - (t - y0) / (y1 - y0)) * ph
        out.append(f'<line x1="{PAD["l"]}" x2="{PAD["l"] + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                   f'<text x="{PAD["l"] - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{text}</text>')
    out.append(f'<text x="{PAD["l"] + pw / 2}" y="{PAD["t"] + ph + 34}" text-anchor="middle">{escape(x_title)}</text>'
               f'<text transform="translate(16 {PAD["t"] + ph / 2}) rotate(-90)" text-anchor="middle">'
               f'{escape(y_title)}</text>')
    out.append(f'<g clip-path="url(#{escape(testid)}-area)">')
    for s in series:
        data = "".join(f' data-{k}="{escape(v)}"' for k, v in s.data.items())
        out.append(f'<g data-name="{escape(s.name)}"{data}>')
        xs, ys = sx(s.x), sy(s.y)
        keep = np.isfinite(xs) & np.isfinite(ys)  # (on a log axis, values <= 0 too)
        xs, ys = xs[keep], ys[keep]
        if len(xs) > 1 and s.width > 0:
            points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys))
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            out.append(f'<polyline points="{points}" fill="none" stroke="{s.color}" stroke-width="{s.width}"{dash}/>')
        if s.marker:
            tips = [t for t, k in zip(s.tips, keep) if k] if s.tips else [""] * len(xs)
            for a, b, tip in zip(xs, ys, tips):
                hover = f"<title>{escape(tip)}</title>" if tip else ""
                out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{s.marker}" fill="{s.color}">{hover}</circle>')
        out.append("</g>")
    out.append("</g>")
    out.append(f'<rect x="{PAD["l"]}" y="{PAD["t"]}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
    x = PAD["l"]
    for s in (s for s in series if s.name):  # the legend, one row under the axis title
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        y = height - 14
        out.append(f'<line x1="{x}" x2="{x + 22}" y1="{y - 4}" y2="{y - 4}" stroke="{s.color}" stroke-width="3"{dash}/>'
                   f'<text x="{x + 28}" y="{y}">{escape(s.name)}</text>')
        x += 40 + 7.2 * len(s.name)
    out.append("</svg>")
    return "".join(out)
