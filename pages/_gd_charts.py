"""Plotly figures for the gradient-descent page (numpy in, figures out; no math beyond masking)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

COLORS = {"gd": "#1f77b4", "momentum": "#ff7f0e", "nesterov": "#2ca02c", "adagrad": "#d62728",
          "rmsprop": "#9467bd", "adam": "#8c564b"}
BATCH_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c")
LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.22))


def finite_rows(*arrays):
    """Keep only positions where every array is finite (diverged steps are NaN)."""
    mask = np.ones(len(arrays[0]), dtype=bool)
    for a in arrays:
        a = np.asarray(a, dtype=float)
        mask &= np.isfinite(a).all(axis=tuple(range(1, a.ndim))) if a.ndim > 1 else np.isfinite(a)
    return [np.asarray(a)[mask] for a in arrays]


def display_levels(z: np.ndarray, floor: float) -> np.ndarray:
    """log10(1 + f − floor): contour colours that show both steep walls and flat valleys."""
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.log10(1.0 + np.clip(z - floor, 0.0, 1e300))
    return np.where(np.isfinite(out), out, np.nan)


def one_weight_figure(ws, ls, path_w, path_l, tangent_w, tangent_l, slope, w_range, title):
    fig = go.Figure()
    fig.add_scatter(x=ws, y=ls, mode="lines", name="loss L(w)", line=dict(color="#444"))
    pw, pl = finite_rows(path_w, path_l)
    fig.add_scatter(x=pw, y=pl, mode="lines+markers", name="steps w ← w − lr·dL/dw",
                    line=dict(color="#d62728", width=1), marker=dict(size=7))
    if len(pw):
        fig.add_scatter(x=pw[:1], y=pl[:1], mode="markers", name="start", marker=dict(size=13, color="#2ca02c"))
    fig.add_scatter(x=tangent_w, y=tangent_l, mode="lines", name=f"tangent, slope dL/dw = {slope:.3g}",
                    line=dict(color="#1f77b4", dash="dash"))
    lo, hi = float(np.nanmin(ls)), float(np.nanmax(ls))
    fig.update_layout(title=title, xaxis_title="weight w", yaxis_title="loss L(w)", height=420, **LAYOUT)
    fig.update_xaxes(range=list(w_range))
    fig.update_yaxes(range=[lo - 0.05 * (hi - lo), hi])
    return fig


def contour_figure(xs, ys, z, floor, paths, names, kinds, minima, start, upto, click_grid=None):
    fig = go.Figure()
    fig.add_contour(x=xs, y=ys, z=display_levels(z, floor), colorscale="Viridis", ncontours=30,
                    showscale=False, hoverinfo="skip", line=dict(width=0.5))
    if click_grid is not None:  # invisible points so that a click can pick a start
        gx, gy = click_grid
        fig.add_scatter(x=gx, y=gy, mode="markers", name="click to start here", showlegend=False,
                        marker=dict(size=9, opacity=0.0), hovertemplate="start at (%{x:.2f}, %{y:.2f})<extra></extra>",
                        unselected=dict(marker=dict(opacity=0.0)), selected=dict(marker=dict(opacity=0.0)))
    for path, name, kind in zip(paths, names, kinds):
        px, py = finite_rows(path[: upto + 1, 0], path[: upto + 1, 1])
        fig.add_scatter(x=px, y=py, mode="lines+markers", name=name, line=dict(color=COLORS[kind], width=2),
                        marker=dict(size=3), unselected=dict(marker=dict(opacity=1.0)))
    if minima:
        mx, my = zip(*minima)
        fig.add_scatter(x=mx, y=my, mode="markers", name="minimum", marker=dict(symbol="star", size=14, color="white",
                        line=dict(color="black", width=1)))
    fig.add_scatter(x=[start[0]], y=[start[1]], mode="markers", name="start",
                    marker=dict(symbol="x", size=12, color="red"))
    fig.update_layout(height=520, xaxis_title="x", yaxis_title="y", clickmode="event+select", **LAYOUT)
    fig.update_xaxes(range=[xs[0], xs[-1]])
    fig.update_yaxes(range=[ys[0], ys[-1]])
    return fig


def surface_figure(xs, ys, z, floor, paths, losses, names, kinds, upto):
    zz = display_levels(z, floor)
    fig = go.Figure()
    fig.add_surface(x=xs, y=ys, z=zz, colorscale="Viridis", showscale=False, opacity=0.85)
    for path, loss, name, kind in zip(paths, losses, names, kinds):
        px, py, pl = finite_rows(path[: upto + 1, 0], path[: upto + 1, 1], loss[: upto + 1])
        inside = (px >= xs[0]) & (px <= xs[-1]) & (py >= ys[0]) & (py <= ys[-1])
        fig.add_scatter3d(x=px[inside], y=py[inside], z=display_levels(pl[inside], floor), mode="lines",
                          name=name, line=dict(color=COLORS[kind], width=5))
    fig.update_layout(height=560, scene=dict(xaxis_title="x", yaxis_title="y", zaxis_title="log10(1 + f − min)"),
                      **LAYOUT)
    return fig


def loss_figure(losses, names, kinds, min_value, upto):
    fig = go.Figure()
    log_scale = min_value is not None
    for loss, name, kind in zip(losses, names, kinds):
        steps = np.arange(len(loss))[: upto + 1]
        y = loss[: upto + 1] - (min_value if log_scale else 0.0)
        if log_scale:
            y = np.maximum(y, 1e-16)  # an exact hit of the minimum would vanish on a log axis
        s, v = finite_rows(steps, y)
        fig.add_scatter(x=s, y=v, mode="lines", name=name, line=dict(color=COLORS[kind]))
    fig.add_vline(x=upto, line=dict(color="#999", dash="dot"))
    fig.update_layout(height=360, xaxis_title="step", yaxis_title="f − f(minimum)" if log_scale else "f(x, y)",
                      **LAYOUT)
    if log_scale:
        fig.update_yaxes(type="log", exponentformat="power")
    return fig


def batch_loss_figure(runs):
    fig = go.Figure()
    for run, color in zip(runs, BATCH_COLORS):
        u, v = finite_rows(np.arange(1, len(run.batch_loss) + 1), run.batch_loss)
        fig.add_scatter(x=u, y=v, mode="lines", name=f"batch {run.batch_size}: loss on its batch",
                        line=dict(color=color, width=1), opacity=0.5)
        e = np.arange(len(run.epoch_loss)) * run.updates_per_epoch
        e, ev = finite_rows(e, run.epoch_loss)
        fig.add_scatter(x=e, y=ev, mode="lines+markers", name=f"batch {run.batch_size}: loss on all data per epoch",
                        line=dict(color=color, width=3))
    fig.update_layout(height=380, xaxis_title="update", yaxis_title="mean squared error", **LAYOUT)
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


def parameter_path_figure(ws, bs, z, runs, optimum):
    fig = go.Figure()
    fig.add_contour(x=ws, y=bs, z=np.log10(z), colorscale="Greys", showscale=False, ncontours=25,
                    hoverinfo="skip", contours=dict(coloring="lines"))
    for run, color in zip(runs, BATCH_COLORS):
        pw, pb = finite_rows(run.path[:, 0], run.path[:, 1])
        fig.add_scatter(x=pw, y=pb, mode="lines", name=f"batch {run.batch_size}", line=dict(color=color, width=1.5))
    fig.add_scatter(x=[optimum[0]], y=[optimum[1]], mode="markers", name="normal equations",
                    marker=dict(symbol="star", size=16, color="gold", line=dict(color="black", width=1)))
    fig.update_layout(height=380, xaxis_title="slope w", yaxis_title="intercept b", **LAYOUT)
    fig.update_xaxes(range=[ws[0], ws[-1]])
    fig.update_yaxes(range=[bs[0], bs[-1]])
    return fig


def data_figure(x, y, optimum, fitted):
    fig = go.Figure()
    fig.add_scatter(x=x, y=y, mode="markers", name="data", marker=dict(size=5, color="#888"))
    line_x = np.array([float(np.min(x)), float(np.max(x))])
    fig.add_scatter(x=line_x, y=optimum[0] * line_x + optimum[1], mode="lines", name="normal equations",
                    line=dict(color="gold", width=4))
    for (label, theta), color in zip(fitted, BATCH_COLORS):
        if np.all(np.isfinite(theta)):
            fig.add_scatter(x=line_x, y=theta[0] * line_x + theta[1], mode="lines", name=label,
                            line=dict(color=color, dash="dash"))
    fig.update_layout(height=380, xaxis_title="x", yaxis_title="y", **LAYOUT)
    return fig


def lr_finder_figure(sweep, min_value, title):
    fig = go.Figure()
    gap = min_value is not None
    y = sweep.final_loss - (min_value if gap else 0.0)
    if gap:
        y = np.maximum(y, 1e-16)
    lr, v = finite_rows(sweep.lrs, y)
    fig.add_scatter(x=lr, y=v, mode="lines+markers", name="loss after the sweep's steps")
    dead = sweep.lrs[sweep.diverged]
    if dead.size:
        fig.add_scatter(x=dead, y=[np.nanmax(v) if v.size else 1.0] * dead.size, mode="markers", name="diverged",
                        marker=dict(symbol="x", size=10, color="red"))
    if sweep.region is not None:
        fig.add_vrect(x0=sweep.region[0], x1=sweep.region[1], fillcolor="green", opacity=0.15, line_width=0,
                      annotation_text="good region", annotation_position="top left")
        fig.add_vline(x=sweep.best_lr, line=dict(color="green", dash="dash"))
    fig.update_layout(title=title, height=420, xaxis_title="learning rate",
                      yaxis_title="f − f(minimum)" if gap else "f(x, y)", **LAYOUT)
    fig.update_xaxes(type="log", exponentformat="power")
    if gap:
        fig.update_yaxes(type="log", exponentformat="power")
    return fig
