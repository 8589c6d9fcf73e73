"""Light pictures of the MLP trainer: the live views drawn as small SVG / PNG data URLs.

Why not plotly while training: a plotly figure travels as JSON and is laid out again by
plotly.js in the browser on every update. On this project's 2-core machine that kept the
browser's main thread busy for most of each 0.3 s tick (1.2-1.6 updates/s, and Playwright could
not even find a stable frame to click Pause in). These pictures are plain strings built with
numpy: the output over the plane is a 60 x 60 PNG that the browser scales smoothly, under a
cached layer of points; the curves are two SVG polylines per panel; the network is SVG lines.
Shown with ``st.image`` they are a single ``<img>`` each (nothing to lay out), and the message
carries them by value, so nothing piles up in Streamlit's media store during a long session.
When paused, the page shows the richer plotly figures (`charts`) instead; the network drawing is
SVG in both modes, with each weight's value in a hover tooltip (``<title>``) when paused.

All text that can come from a user (feature names of an uploaded table) is XML-escaped here.
"""

from __future__ import annotations

import base64
import io
import math
from html import escape

import numpy as np
from PIL import Image

# The Playground's palette: orange for class 0 / negative, blue for class 1 / positive.
ORANGE, BLUE, GREY = "#f59322", "#0877bd", "#e8eaeb"
CLASS_COLOURS = [ORANGE, BLUE, "#2ca02c", "#9467bd", "#d62728"]
INK = "#1f2430"
PLANE_PX = 300  # the plane's picture is PLANE_PX x PLANE_PX user units
EXTENT = 6.0


def hex_rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)


def svg_data_url(svg: str, stamp: str = "") -> str:
    """``svg`` as a data URL; a ``stamp`` (the epoch) goes into its ``<desc>`` so that every live frame's
    message differs from the last (docs/mlp_trainer.md, "Connection loss", says why that matters)."""
    if stamp:
        head = svg.index(">") + 1
        svg = f"{svg[:head]}<desc>{escape(stamp)}</desc>{svg[head:]}"
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def png_data_url(rgb: np.ndarray) -> str:
    """``rgb`` (H, W, 3) uint8 as a PNG data URL (fast zlib level: these pictures are tiny)."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def raster_svg(rgb: np.ndarray, scale: int = 1) -> str:
    """A raster picture as SVG (so it can carry a stamp), enlarged ``scale`` times by the browser with
    sharp pixels (the PNG stays small)."""
    h, w = rgb.shape[:2]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w * scale}" '
            f'height="{h * scale}"><image href="{png_data_url(rgb)}" width="{w}" height="{h}" '
            'style="image-rendering:pixelated"/></svg>')


def diverging_rgb(values: np.ndarray, lo: float, hi: float, opacity: float = 1.0) -> np.ndarray:
    """Orange (``lo``) -> grey -> blue (``hi``), blended over white; NaN becomes white."""
    t = np.clip((np.asarray(values, dtype=np.float64) - lo) / (hi - lo), 0, 1)[..., None]
    orange, grey, blue = hex_rgb(ORANGE), hex_rgb(GREY), hex_rgb(BLUE)
    colour = np.where(t < 0.5, orange + (grey - orange) * (t / 0.5), grey + (blue - grey) * ((t - 0.5) / 0.5))
    colour = 255 + (colour - 255) * opacity
    colour[~np.isfinite(np.asarray(values, dtype=np.float64))] = 255
    return colour.round().astype(np.uint8)


def surface_rgb(surface: np.ndarray, task: str) -> np.ndarray:
    """The network's output over the plane as colours (first row = top of the plane)."""
    surface = np.asarray(surface, dtype=np.float64)[::-1]
    if task == "multiclass":
        palette = np.array([hex_rgb(c) for c in CLASS_COLOURS])
        ids = np.nan_to_num(surface, nan=0).astype(int) % len(CLASS_COLOURS)
        return (255 + (palette[ids] - 255) * 0.45).round().astype(np.uint8)
    lo, hi = (0.0, 1.0) if task == "binary" else (-1.0, 1.0)
    return diverging_rgb(surface, lo, hi, opacity=0.75)


def _plane_xy(points: np.ndarray) -> np.ndarray:
    scale = PLANE_PX / (2 * EXTENT)
    return np.column_stack([(points[:, 0] + EXTENT) * scale, (EXTENT - points[:, 1]) * scale])


def _dots(xy: np.ndarray) -> str:
    """Zero-length path segments: with round caps, each is a dot (a dozen bytes per point)."""
    return "".join(f"M{x:.1f} {y:.1f}h0" for x, y in xy)


def points_layer(points_train, y_train, points_test, y_test, task: str, show_test: bool) -> str:
    """SVG markup of the data points over the plane (built once per dataset and reused every frame).

    Training points are filled dots with a dark rim; test points are rings (white centre).
    Regression points take the diverging colour of their value (in steps of 0.1). Each colour's
    dots are one path, defined once and drawn two or three times with ``<use>``.
    """
    groups, shapes = [], []
    for points, labels, test in ((points_train, y_train, False), (points_test, y_test, True)):
        if points is None or len(points) == 0 or (test and not show_test):
            continue
        labels = np.asarray(labels, dtype=np.float64).reshape(-1)
        xy = _plane_xy(np.asarray(points, dtype=np.float64))
        if task == "regression":  # 21 colour steps keep the number of paths small
            colours = diverging_rgb(np.round(labels * 10) / 10, -1, 1)
            keys = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in colours]
        else:
            keys = [CLASS_COLOURS[int(c) % len(CLASS_COLOURS)] for c in labels]
        for colour in dict.fromkeys(keys):
            mask = np.array([k == colour for k in keys])
            ref = f"d{len(shapes)}"
            shapes.append(f'<path id="{ref}" d="{_dots(xy[mask])}"/>')  # drawn 2-3 times, written once
            groups.append(f'<use href="#{ref}" stroke="{INK}" stroke-width="6"/>'
                          f'<use href="#{ref}" stroke="{colour}" stroke-width="4.4"/>'
                          + (f'<use href="#{ref}" stroke="#fff" stroke-width="1.8"/>' if test else ""))
    return f'<defs>{"".join(shapes)}</defs><g fill="none" stroke-linecap="round">{"".join(groups)}</g>'


def plane_svg(surface: np.ndarray, task: str, points_markup: str) -> str:
    """The output over the input plane (a smoothly scaled small PNG) under the points."""
    background = png_data_url(surface_rgb(surface, task))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {PLANE_PX} {PLANE_PX}" '
            f'width="{PLANE_PX}" height="{PLANE_PX}">'
            f'<image href="{background}" width="{PLANE_PX}" height="{PLANE_PX}" preserveAspectRatio="none"/>'
            f'{points_markup}<rect width="{PLANE_PX}" height="{PLANE_PX}" fill="none" stroke="#c8ccd4"/></svg>')


# --- curves --------------------------------------------------------------------------------

def thin(values: list[float], limit: int) -> list[int]:
    """At most ``limit`` evenly spread indices into ``values`` (the first and last kept)."""
    n = len(values)
    if n <= limit:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, limit).round().astype(int).tolist()))


def _nice(v: float) -> str:
    if not math.isfinite(v):
        return "–"
    return f"{v:.3g}" if abs(v) < 1e4 else f"{v:.2e}"


def _panel(x0: float, width: float, height: float, title: str, epochs: list[float], series, fixed=None) -> str:
    """One chart panel: a frame with the y range at its left, and each ``(values, colour)`` series as
    a polyline (non-finite values are left out)."""
    top, bottom, labels = 18.0, height - 16.0, 34.0
    finite = [v for values, _ in series for v in values if math.isfinite(v)]
    lo, hi = fixed if fixed else ((min(min(finite), 0.0), max(finite)) if finite else (0.0, 1.0))
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    left, inner = x0 + labels, width - labels
    span_x = max(epochs[-1] - epochs[0], 1) if epochs else 1
    out = [f'<text x="{left - 3}" y="{top + 9}" font-size="10" fill="#666" text-anchor="end">{_nice(hi)}</text>',
           f'<text x="{left - 3}" y="{bottom}" font-size="10" fill="#666" text-anchor="end">{_nice(lo)}</text>',
           f'<text x="{left}" y="12" font-size="12" fill="{INK}">{escape(title)}</text>',
           f'<rect x="{left}" y="{top}" width="{inner}" height="{bottom - top}" fill="none" stroke="#d0d4dc"/>',
           f'<text x="{left + inner}" y="{height - 3}" font-size="10" fill="#666" text-anchor="end">'
           f'epoch {int(epochs[-1]) if epochs else 0:,}</text>']
    for values, colour in series:
        pts = [f"{left + (e - epochs[0]) / span_x * inner:.1f},"
               f"{bottom - (min(max(v, lo), hi) - lo) / (hi - lo) * (bottom - top):.1f}"
               for e, v in zip(epochs, values) if math.isfinite(v)]
        if pts:
            out.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{colour}" stroke-width="1.6"/>')
    return "".join(out)


def curves_svg(history: dict, metric_name: str, regression: bool, width: int = 460, height: int = 170,
               max_points: int = 240) -> str:
    """Loss and accuracy (or R²) for train (dark) and test (orange), side by side."""
    keep = thin(history["epoch"], max_points)
    pick = {k: [float(history[k][i]) for i in keep] for k in history}
    gap, panel = 16, (width - 16) / 2
    metric_range = (0.0, 1.0)  # accuracy; R² from its lowest value (at most down to -1) to 1
    if regression:
        lowest = min((v for v in pick["test_acc"] + pick["train_acc"] if math.isfinite(v)), default=0.0)
        metric_range = (max(min(lowest, 0.0), -1.0), 1.0)
    body = (_panel(0, panel, height, "Loss", pick["epoch"], [(pick["train_loss"], INK), (pick["test_loss"], ORANGE)])
            + _panel(panel + gap, panel, height, metric_name, pick["epoch"],
                     [(pick["train_acc"], INK), (pick["test_acc"], ORANGE)], fixed=metric_range))
    legend = (f'<text x="{width}" y="12" font-size="11" text-anchor="end"><tspan fill="{INK}">— train</tspan>'
              f'<tspan fill="{ORANGE}" dx="8">— test</tspan></text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-1 0 {width + 2} {height}" width="{width + 2}" '
            f'height="{height}" font-family="sans-serif">{body}{legend}</svg>')


# --- the network -----------------------------------------------------------------------------

def network_svg(weights: list[np.ndarray], biases: list[np.ndarray], input_names: list[str],
                max_edges: int = 2500, hover: bool = True, width: int = 460, fluid: bool = False) -> str:
    """Neurons as dots, weights as lines (width ~ |w|, blue +, orange −).

    With ``hover`` every line and neuron carries a ``<title>``: the browser shows the weight
    (``x1 → L1 #3: w = +0.532``) or the neuron's bias as a tooltip. The ``max_edges`` largest
    weights are drawn; a diverged run's non-finite weights are skipped. ``fluid`` drawings take
    their container's width (inline in the page) instead of a fixed size (as an image).
    """
    sizes = [weights[0].shape[0]] + [w.shape[1] for w in weights]
    height = min(60 + 16 * max(sizes), 700)
    left, right = 90.0, width - 20.0
    xs = [left + (right - left) * i / max(len(sizes) - 1, 1) for i in range(len(sizes))]

    def y(layer: int, i: int) -> float:
        n = sizes[layer]
        step = min((height - 30) / max(n, 1), 28)
        return height / 2 + (i - (n - 1) / 2) * step

    def name(layer: int, i: int) -> str:
        if layer == 0:
            return input_names[i] if i < len(input_names) else f"x{i + 1}"
        return "output" + (f" {i}" if sizes[layer] > 1 else "") if layer == len(sizes) - 1 else f"L{layer} #{i + 1}"

    edges = [(abs(float(w[i, j])), float(w[i, j]), layer, i, j)
             for layer, w in enumerate(weights) for i in range(w.shape[0]) for j in range(w.shape[1])
             if math.isfinite(float(w[i, j]))]
    edges.sort(key=lambda e: -e[0])
    edges = edges[:max_edges]
    top = edges[0][0] if edges and edges[0][0] > 0 else 1.0
    lines = []
    for mag, w, layer, i, j in reversed(edges):  # largest last: drawn on top
        colour = BLUE if w >= 0 else ORANGE
        title = f"<title>{escape(name(layer, i))} → {escape(name(layer + 1, j))}: w = {w:+.4g}</title>" if hover else ""
        lines.append(f'<line x1="{xs[layer]:.1f}" y1="{y(layer, i):.1f}" x2="{xs[layer + 1]:.1f}" '
                     f'y2="{y(layer + 1, j):.1f}" stroke="{colour}" stroke-width="{0.6 + 4 * mag / top:.2f}" '
                     f'stroke-opacity="{0.35 + 0.55 * mag / top:.2f}">{title}</line>')
    nodes = []
    for layer, n in enumerate(sizes):
        for i in range(n):
            if hover:
                bias = "" if layer == 0 else f": bias = {float(biases[layer - 1][i]):+.4g}"
                title = f"<title>{escape(name(layer, i))}{bias}</title>"
            else:
                title = ""
            nodes.append(f'<circle cx="{xs[layer]:.1f}" cy="{y(layer, i):.1f}" r="5" fill="{INK}">{title}</circle>')
            if layer == 0:
                label = escape(name(0, i)[:14])
                nodes.append(f'<text x="{xs[0] - 9:.1f}" y="{y(0, i) + 4:.1f}" font-size="11" '
                             f'text-anchor="end" fill="{INK}">{label}</text>')
    size = 'width="100%"' if fluid else f'width="{width}" height="{height}"'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" {size} '
            f'font-family="sans-serif">{"".join(lines)}{"".join(nodes)}</svg>')


# --- mosaics ---------------------------------------------------------------------------------

def neurons_rgb(grids: list[list[np.ndarray]], cell: int = 24, gap: int = 2) -> np.ndarray:
    """One small picture per hidden neuron (rows = layers), each on its own symmetric colour scale
    (``cell`` pixels a side: the grids' own resolution; `raster_svg` enlarges the whole)."""
    rows, cols = len(grids), max(len(layer) for layer in grids)
    image = np.full((rows * (cell + gap) - gap, cols * (cell + gap) - gap, 3), 255, dtype=np.uint8)
    for r, layer in enumerate(grids):
        for c, grid in enumerate(layer):
            finite = np.abs(grid[np.isfinite(grid)])
            span = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
            tile = diverging_rgb(grid[::-1], -span, span)
            reps = max(cell // grid.shape[0], 1)
            tile = np.repeat(np.repeat(tile, reps, 0), reps, 1)[:cell, :cell]
            image[r * (cell + gap):r * (cell + gap) + tile.shape[0], c * (cell + gap):c * (cell + gap) + tile.shape[1]] = tile
    return image


def weights_rgb(w: np.ndarray, side: int = 28) -> np.ndarray:
    """A single neuron's weights as a ``side x side`` picture (blue +, orange −)."""
    finite = np.abs(w[np.isfinite(w)])
    span = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    return diverging_rgb(np.asarray(w).reshape(side, side), -span, span)
