"""Plotly figures for the gradient-descent page (numpy in, figures out; no math beyond masking).

Figures are written as plain trace and layout dicts and wrapped without plotly's per-property
validation: measured on this machine, validating a race contour figure cost about 100 ms of
server time (0.3–0.8 s under load) per redraw, and every playback frame is a redraw. The race
background is a heatmap with a few contour lines rather than a filled contour, and paths are
lines without per-step markers: in headless Chromium that cut the contour figure's drawing time
from about 2.5 s to 0.4 s (see docs/gradient_descent.md).
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.colors import sequential

from ui.gradient_descent.svg_plot import Series, decimate, line_plot

COLORS = {"gd": "#1f77b4", "momentum": "#ff7f0e", "nesterov": "#2ca02c", "adagrad": "#d62728",
          "rmsprop": "#9467bd", "adam": "#8c564b"}
BATCH_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c")
MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}
LEGEND = {"orientation": "h", "y": -0.22}
# The race contour, redrawn for every new race and replay frame, has fixed margins with its legend
# above the plot: Plotly's automatic margins (``autoexpand``) measure and then lay the figure out a
# second time, which cost about 0.15 s per redraw in Chromium here (docs/gradient_descent.md).
CONTOUR_LEGEND = {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"}
CONTOUR_MARGIN = {"l": 40, "r": 10, "t": 60, "b": 40, "autoexpand": False}
BANDS = 24  # colour bands of a landscape picture (their edges are its contour lines)
VIRIDIS = sequential.Viridis
ARROW_COLORS = {"update": "#111111", "exact": "#7f7f7f"}
SKIP = {"hoverinfo": "skip"}
PICTURE_AXIS = {"showgrid": False, "zeroline": False}  # axes over a picture of f: nothing drawn across it


def figure(data: list[dict], height: int, xaxis: dict | None = None, yaxis: dict | None = None,
           **layout) -> go.Figure:
    """A figure from plain dicts, not validated property by property (see the module docstring)."""
    spec = {"height": height, "margin": MARGIN, "legend": LEGEND, **layout}
    if xaxis is not None:
        spec["xaxis"] = xaxis
    if yaxis is not None:
        spec["yaxis"] = yaxis
    return go.Figure({"data": data, "layout": spec}, _validate=False)


def axis(title: str, range_=None, **extra) -> dict:
    out = {"title": {"text": title}, **extra}
    if range_ is not None:
        out["range"] = [float(range_[0]), float(range_[1])]
    return out


def line(x, y, name: str, color: str, width: float = 2, **extra) -> dict:
    return {"type": "scatter", "x": x, "y": y, "mode": "lines", "name": name,
            "line": {"color": color, "width": width, **extra.pop("line", {})}, **extra}


def markers(x, y, name: str, **marker) -> dict:
    return {"type": "scatter", "x": x, "y": y, "mode": "markers", "name": name, "marker": marker}


def finite_rows(*arrays):
    """Keep only positions where every array is finite (diverged steps are NaN)."""
    mask = np.ones(len(arrays[0]), dtype=bool)
    for a in arrays:
        a = np.asarray(a, dtype=float)
        mask &= np.isfinite(a).all(axis=tuple(range(1, a.ndim))) if a.ndim > 1 else np.isfinite(a)
    return [np.asarray(a)[mask] for a in arrays]


def display_levels(z: np.ndarray, floor: float) -> np.ndarray:
    """log10(1 + f − floor): colours that show both steep walls and flat valleys."""
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.log10(1.0 + np.clip(z - floor, 0.0, 1e300))
    return np.where(np.isfinite(out), out, np.nan)


def _viridis(t: np.ndarray) -> np.ndarray:
    """RGB (0..255) of Plotly's Viridis at positions ``t`` in [0, 1]."""
    stops = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in VIRIDIS], dtype=float)
    at = np.linspace(0.0, 1.0, len(stops))
    return np.stack([np.interp(t, at, stops[:, k]) for k in range(3)], -1)


def landscape_png(z: np.ndarray, floor: float, bands: int = BANDS) -> str:
    """f as a banded Viridis picture (a PNG data URI): log levels cut into ``bands`` colours, so
    band edges read as contour lines; not-a-number cells are transparent."""
    levels = display_levels(z, floor)
    finite = np.isfinite(levels)
    lo, hi = (float(levels[finite].min()), float(levels[finite].max())) if finite.any() else (0.0, 1.0)
    t = np.clip((levels - lo) / (hi - lo) if hi > lo else np.zeros_like(levels), 0.0, 1.0)
    t = (np.minimum(np.floor(np.nan_to_num(t) * bands), bands - 1) + 0.5) / bands  # band centres
    rgba = np.concatenate([_viridis(t), np.where(finite, 255.0, 0.0)[..., None]], -1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgba[::-1], "RGBA").save(buffer, format="PNG")  # image rows run top-down, y up
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def landscape(xs, ys, png: str) -> dict:
    """The picture of f placed under the axes' data range (a layout image, not a trace: Plotly draws
    it once and keeps it while the traces above it change frame after frame)."""
    return {"source": png, "xref": "x", "yref": "y", "x": float(xs[0]), "y": float(ys[-1]),
            "sizex": float(xs[-1] - xs[0]), "sizey": float(ys[-1] - ys[0]), "sizing": "stretch",
            "layer": "below"}


def one_weight_svg(ws, ls, path_w, path_l, tangent_w, tangent_l, slope, w_range, title) -> str:
    """The one-weight picture as inline SVG (see `ui.gradient_descent.svg_plot` for why not Plotly):
    the loss curve, the descent steps (hover: step, w, L), the start and the tangent."""
    pw, pl = finite_rows(path_w, path_l)
    lo, hi = float(np.nanmin(ls)), float(np.nanmax(ls))
    tips = [f"step {k}: w = {w:.4g}, L = {v:.4g}" for k, (w, v) in enumerate(zip(pw, pl))]
    series = [Series(ws, ls, "loss L(w)", "#444444"),
              Series(pw, pl, "steps w ← w − lr·dL/dw", "#d62728", 1.2, marker=4.5, tips=tips,
                     data={"steps": ",".join(f"{w:.6g}" for w in pw)}),
              Series(pw[:1], pl[:1], "start", "#2ca02c", 0, marker=7, tips=tips[:1]),
              Series(tangent_w, tangent_l, f"tangent, slope dL/dw = {slope:.3g}", "#1f77b4", 2, dash="7 5")]
    return line_plot(series, w_range, (lo - 0.05 * (hi - lo), hi), "weight w", "loss L(w)", title,
                     label="loss against the weight, with the descent steps")


def shown_path(path: np.ndarray, upto: int, diverged_at: int, x_range, y_range) -> tuple[np.ndarray, bool]:
    """The part of a 2-D path to draw up to step ``upto``, and whether it ends with a divergence mark.

    A run that diverges is cut at its last point inside the plotted square before it diverged:
    from there on its points run off to 1e8 or oscillate outside with growing amplitude, and a
    line to them draws as streaks across the chart. Runs that converge are drawn whole (a path
    that leaves the square and comes back is real)."""
    last = len(path) - 1
    if diverged_at >= 0:
        before = path[:diverged_at]
        inside = (np.isfinite(before).all(1) & (before[:, 0] >= x_range[0]) & (before[:, 0] <= x_range[1])
                  & (before[:, 1] >= y_range[0]) & (before[:, 1] <= y_range[1]))
        last = int(np.nonzero(inside)[0][-1]) if inside.any() else -1
    end = min(int(upto), last)
    drawn = path[: end + 1]
    return drawn[np.isfinite(drawn).all(1)], diverged_at >= 0 and upto > last


def _divergence_mark(result, k: int, pts: np.ndarray, z: float | None = None) -> dict:
    """An x at the last drawn point of run ``k``'s diverged path (``z``: its height in 3-D)."""
    cfg = result.configs[k]
    trace = markers(pts[-1:, 0], pts[-1:, 1], f"{cfg.title} diverged", symbol="x", size=12 if z is None else 6,
                    color=COLORS[cfg.kind], line={"width": 2})
    trace["showlegend"] = False
    trace["hovertemplate"] = (f"{cfg.title} diverged at step {int(result.diverged_at[k])}; its path is drawn up "
                              f"to step {len(pts) - 1}, its last point inside the plot<extra></extra>")
    if z is not None:
        trace.update(type="scatter3d", z=[z])
    return trace


def contour_figure(xs, ys, png, result, minima, start, upto, click_grid=None, ghosts=None):
    """f (the picture ``png`` over ``xs`` × ``ys``) with every run's path up to step ``upto``;
    ``ghosts`` (a RunResult with exact gradients, in the stochastic mode) are drawn as thin dotted
    lines under the noisy paths."""
    data = []
    snap = {}
    if click_grid is not None:  # invisible points so that a click can pick a start (the nearest one: snap)
        snap = {"hoverdistance": -1}
        gx, gy = click_grid
        data.append({**markers(gx, gy, "click to start here", size=14, opacity=0.0), "showlegend": False,
                     "hovertemplate": "start at (%{x:.2f}, %{y:.2f})<extra></extra>",
                     "unselected": {"marker": {"opacity": 0.0}}, "selected": {"marker": {"opacity": 0.0}}})
    box = ((xs[0], xs[-1]), (ys[0], ys[-1]))
    if ghosts is not None:  # one legend entry for all of them (clicking it hides or shows them together)
        for k, cfg in enumerate(ghosts.configs):
            pts, _ = shown_path(ghosts.paths[k], upto, int(ghosts.diverged_at[k]), *box)
            name = "dotted: exact gradient" if k == 0 else f"{cfg.title}, exact gradient"
            data.append(line(pts[:, 0], pts[:, 1], name, COLORS[cfg.kind], 1, line={"dash": "dot"},
                             legendgroup="exact", showlegend=k == 0, opacity=0.8, **SKIP))
    marks = []
    for k, cfg in enumerate(result.configs):
        pts, ended = shown_path(result.paths[k], upto, int(result.diverged_at[k]), *box)
        data.append(line(pts[:, 0], pts[:, 1], cfg.title, COLORS[cfg.kind]))
        if ended and len(pts):
            marks.append(_divergence_mark(result, k, pts))
    if minima:
        mx, my = zip(*minima)
        data.append(markers(mx, my, "minimum", symbol="star", size=14, color="white",
                            line={"color": "black", "width": 1}))
    data.append(markers([start[0]], [start[1]], "start", symbol="x", size=12, color="red"))
    data += marks  # on top: a run that diverges at once ends at the start point
    return figure(data, 500, axis("x", box[0], **PICTURE_AXIS), axis("y", box[1], **PICTURE_AXIS),
                  clickmode="event+select", images=[landscape(xs, ys, png)], legend=CONTOUR_LEGEND,
                  margin=CONTOUR_MARGIN, **snap)


def surface_figure(xs, ys, z, floor, result):
    """The 3-D surface with each whole path lifted onto it (diverged paths cut as in `shown_path`).

    Paths float 1% of the height range above their true values: the drawn surface interpolates
    between grid points, so a path along a narrow valley floor would otherwise run under it."""
    levels = display_levels(z, floor)
    lift = 0.01 * float(np.nanmax(levels) - np.nanmin(levels)) if np.isfinite(levels).any() else 0.0
    data = [{"type": "surface", "x": xs, "y": ys, "z": levels.astype(np.float32),
             "colorscale": "Viridis", "showscale": False, "opacity": 0.85}]
    box = ((xs[0], xs[-1]), (ys[0], ys[-1]))
    for k, cfg in enumerate(result.configs):
        pts, ended = shown_path(result.paths[k], result.steps, int(result.diverged_at[k]), *box)
        loss = result.losses[k][: len(pts)]
        keep = (np.isfinite(loss) & (pts[:, 0] >= box[0][0]) & (pts[:, 0] <= box[0][1])
                & (pts[:, 1] >= box[1][0]) & (pts[:, 1] <= box[1][1]))
        data.append({"type": "scatter3d", "x": pts[keep, 0], "y": pts[keep, 1],
                     "z": display_levels(loss[keep], floor) + lift, "mode": "lines", "name": cfg.title,
                     "line": {"color": COLORS[cfg.kind], "width": 5}})
        if ended and keep.any() and keep[-1]:
            data.append(_divergence_mark(result, k, pts, z=float(display_levels(loss[-1:], floor)[0]) + lift))
    scene = {"xaxis": {"title": {"text": "x"}}, "yaxis": {"title": {"text": "y"}},
             "zaxis": {"title": {"text": "log10(1 + f − min)"}}}
    return figure(data, 540, scene=scene)


def _vline(x: float) -> dict:
    return {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1}


def loss_svg(result, min_value, upto) -> str:
    """Loss against step up to ``upto`` as inline SVG (see `svg_plot` for why not Plotly): f − f(min) on
    a log axis when the minimum is known, else f; a diverged run ends in a marked point; a dotted
    line at the replay's step. Runs longer than 900 steps are drawn from each stretch's lowest and
    highest point (`svg_plot.decimate`), which draws the same at this width."""
    log_scale = min_value is not None
    series, lows, highs, marks = [], [], [], []
    for k, cfg in enumerate(result.configs):
        loss = result.losses[k]
        steps = np.arange(len(loss))[: upto + 1]
        y = loss[: upto + 1] - (min_value if log_scale else 0.0)
        if log_scale:
            y = np.maximum(y, 1e-16)  # an exact hit of the minimum would vanish on a log axis
        s, v = finite_rows(steps, y)
        if len(v):
            lows.append(float(v.min()))
            highs.append(float(v.max()))
        series.append(Series(*decimate(s, v), cfg.title, COLORS[cfg.kind], 1.5))
        if result.diverged_at[k] >= 0 and upto >= result.diverged_at[k] and len(s):
            tip = f"{cfg.title} diverged at step {int(result.diverged_at[k])}"
            marks.append(Series(s[-1:], v[-1:], "", COLORS[cfg.kind], 0, marker=5, tips=[tip]))
    lo, hi = (min(lows), max(highs)) if lows else ((1e-3, 1.0) if log_scale else (0.0, 1.0))
    if log_scale:
        lo, hi = 10 ** np.floor(np.log10(lo)), 10 ** np.ceil(np.log10(hi) + 1e-9)
    else:
        pad = 0.05 * (hi - lo) if hi > lo else 1.0
        lo, hi = lo - pad, hi + pad
    series.append(Series([upto, upto], [lo, hi], "", "#999999", 1, dash="2 3"))
    return line_plot(series + marks, (0, max(result.steps, 1)), (lo, hi), "step",
                     "f − f(minimum)" if log_scale else "f(x, y)", label="loss of every run against the step",
                     log_y=log_scale, height=340, testid="gd-loss-plot")


def inspector_figure(xs, ys, png, inspection, arrow_names, exact_step=None):
    """A close-up around one optimizer's point at one step, with its vectors as arrows to scale.

    ``arrow_names`` maps the inspection's arrow keys to (label, colour). Arrows that add up to the
    step are drawn tip to tail, so the picture is the vector sum; the step itself is the thick black
    arrow. ``exact_step`` (the stochastic mode) adds the step the exact gradient would have given."""
    origin = inspection.point
    tail = origin.copy()
    arrows = []
    for key, vector in inspection.arrows.items():
        label, color = arrow_names[key]
        begin = tail if inspection.adds_up else origin
        arrows.append((begin, begin + vector, label, color, 2))
        if inspection.adds_up:
            tail = begin + vector
    if exact_step is not None:
        arrows.append((origin, origin + exact_step, "exact-gradient step −lr·∇f", ARROW_COLORS["exact"], 2))
    arrows.append((origin, origin + inspection.update, "the step taken", ARROW_COLORS["update"], 4))
    data, heads = [], []
    for a, b, label, color, width in arrows:  # a line (with its legend entry) and an arrowhead
        data.append(line([a[0], b[0]], [a[1], b[1]], label, color, width, **SKIP))
        heads.append({"x": b[0], "y": b[1], "ax": a[0], "ay": a[1], "xref": "x", "yref": "y", "axref": "x",
                      "ayref": "y", "text": "", "showarrow": True, "arrowhead": 3, "arrowsize": 1,
                      "arrowwidth": width, "arrowcolor": color})
    data.append(markers([origin[0]], [origin[1]], f"point at step {inspection.step}", size=10, color="white",
                        line={"color": "black", "width": 2}))
    return figure(data, 480, axis("x", (xs[0], xs[-1]), **PICTURE_AXIS),
                  axis("y", (ys[0], ys[-1]), scaleanchor="x", scaleratio=1, **PICTURE_AXIS),
                  annotations=heads, images=[landscape(xs, ys, png)])


def batch_loss_figure(runs):
    data = []
    for run, color in zip(runs, BATCH_COLORS):
        u, v = finite_rows(np.arange(1, len(run.batch_loss) + 1), run.batch_loss)
        data.append(line(u, v, f"batch {run.batch_size}: loss on its batch", color, 1, opacity=0.5))
        e, ev = finite_rows(np.arange(len(run.epoch_loss)) * run.updates_per_epoch, run.epoch_loss)
        data.append({**line(e, ev, f"batch {run.batch_size}: loss on all data per epoch", color, 3),
                     "mode": "lines+markers"})
    return figure(data, 380, axis("update", type="log"),
                  axis("mean squared error", type="log", exponentformat="power"))


def parameter_path_figure(ws, bs, z, runs, optimum):
    data = [{"type": "contour", "x": ws, "y": bs, "z": np.log10(z).astype(np.float32), "colorscale": "Greys",
             "showscale": False, "ncontours": 25, "contours": {"coloring": "lines"}, "name": "log10 MSE", **SKIP}]
    for run, color in zip(runs, BATCH_COLORS):
        pw, pb = finite_rows(run.path[:, 0], run.path[:, 1])
        data.append(line(pw, pb, f"batch {run.batch_size}", color, 1.5))
    data.append(markers([optimum[0]], [optimum[1]], "normal equations", symbol="star", size=16, color="gold",
                        line={"color": "black", "width": 1}))
    return figure(data, 380, axis("slope w", (ws[0], ws[-1])), axis("intercept b", (bs[0], bs[-1])))


def data_figure(x, y, optimum, fitted):
    line_x = np.array([float(np.min(x)), float(np.max(x))])
    data = [markers(x, y, "data", size=5, color="#888"),
            line(line_x, optimum[0] * line_x + optimum[1], "normal equations", "gold", 4)]
    for (label, theta), color in zip(fitted, BATCH_COLORS):
        if np.all(np.isfinite(theta)):
            data.append(line(line_x, theta[0] * line_x + theta[1], label, color, line={"dash": "dash"}))
    return figure(data, 380, axis("x"), axis("y"))


def lr_finder_figure(sweep, min_value, title):
    gap = min_value is not None
    y = sweep.final_loss - (min_value if gap else 0.0)
    if gap:
        y = np.maximum(y, 1e-16)
    lr, v = finite_rows(sweep.lrs, y)
    data = [{**line(lr, v, "loss after the sweep's steps", "#1f77b4"), "mode": "lines+markers"}]
    dead = sweep.lrs[sweep.diverged]
    if dead.size:
        data.append(markers(dead, [np.nanmax(v) if v.size else 1.0] * dead.size, "diverged", symbol="x", size=10,
                            color="red"))
    shapes, notes = [], []
    if sweep.region is not None:
        lo, hi = sweep.region
        shapes = [{"type": "rect", "xref": "x", "yref": "paper", "x0": lo, "x1": hi, "y0": 0, "y1": 1,
                   "fillcolor": "green", "opacity": 0.15, "line": {"width": 0}},
                  dict(_vline(sweep.best_lr), line={"color": "green", "dash": "dash"})]
        # Annotations on a log axis take log10 coordinates (shapes take data values).
        notes = [{"x": float(np.log10(lo)), "y": 1, "xref": "x", "yref": "paper", "text": "good region",
                  "showarrow": False, "xanchor": "left", "yanchor": "top"}]
    yaxis = axis("f − f(minimum)" if gap else "f(x, y)", **({"type": "log", "exponentformat": "power"} if gap else {}))
    return figure(data, 420, axis("learning rate", type="log", exponentformat="power"), yaxis,
                  title={"text": title}, shapes=shapes, annotations=notes)
