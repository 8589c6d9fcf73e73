"""Plotly figures of the MLP trainer (pictures only: the numbers come from `core`)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# The Playground's palette: orange for class 0 / negative, blue for class 1 / positive.
ORANGE, BLUE = "#f59322", "#0877bd"
CLASS_COLOURS = [ORANGE, BLUE, "#2ca02c", "#9467bd", "#d62728"]
DIVERGING = [[0, ORANGE], [0.5, "#e8eaeb"], [1, BLUE]]
MARGIN = dict(l=10, r=10, t=30, b=10)


def _span(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def loss_figure(history: dict, metric_name: str) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", metric_name))
    ep = history["epoch"]
    for col, (train, test) in enumerate((("train_loss", "test_loss"), ("train_acc", "test_acc")), start=1):
        fig.add_scatter(x=ep, y=history[train], name="train", line=dict(color="#1f2430"), row=1, col=col,
                        showlegend=col == 1)
        fig.add_scatter(x=ep, y=history[test], name="test", line=dict(color=ORANGE), row=1, col=col,
                        showlegend=col == 1)
    fig.update_layout(height=260, margin=MARGIN, legend=dict(orientation="h", y=-0.15),
                      xaxis_title=None, hovermode="x unified")
    return fig


def _point_traces(fig, points, labels, task: str, n_classes: int, name: str, hollow: bool) -> None:
    if points is None or len(points) == 0:
        return
    labels = np.asarray(labels)
    line = dict(color="#1f2430", width=1.5 if hollow else 0.6)
    if task == "regression":
        fig.add_scatter(x=points[:, 0], y=points[:, 1], mode="markers", name=name,
                        marker=dict(color=labels, colorscale=DIVERGING, cmin=-1, cmax=1, size=7, line=line,
                                    symbol="circle-open" if hollow else "circle"))
        return
    for c in range(n_classes):
        mask = labels.astype(int) == c
        fig.add_scatter(x=points[mask, 0], y=points[mask, 1], mode="markers", name=f"{name} class {c}",
                        marker=dict(color=CLASS_COLOURS[c % 5], size=7, line=line,
                                    opacity=0.55 if hollow else 1.0, symbol="diamond" if hollow else "circle"))


def boundary_figure(axis, surface, table, task: str, n_classes: int, show_test: bool = True,
                    height: int = 520) -> go.Figure:
    """The network's output over the input plane with the train (circles) and test (diamonds) points."""
    fig = go.Figure()
    if task == "multiclass":
        scale = [[i / max(n_classes - 1, 1), CLASS_COLOURS[i]] for i in range(n_classes)]
        fig.add_heatmap(x=axis, y=axis, z=surface, colorscale=scale, zmin=0, zmax=n_classes - 1, opacity=0.45,
                        showscale=False, hoverinfo="skip")
    else:
        lo, hi = (0, 1) if task == "binary" else (-1, 1)
        fig.add_heatmap(x=axis, y=axis, z=surface, colorscale=DIVERGING, zmin=lo, zmax=hi, opacity=0.75,
                        colorbar=dict(thickness=10, len=0.8), hoverinfo="skip")
    _point_traces(fig, table.points_train, table.y_train.numpy(), task, n_classes, "train", hollow=False)
    if show_test:
        _point_traces(fig, table.points_test, table.y_test.numpy(), task, n_classes, "test", hollow=True)
    fig.update_layout(height=height, margin=MARGIN, showlegend=False, title="Output over the input plane")
    fig.update_xaxes(range=[axis[0], axis[-1]], title_text="x1", constrain="domain")
    fig.update_yaxes(range=[axis[0], axis[-1]], title_text="x2", scaleanchor="x", constrain="domain")
    return fig


def neurons_figure(grids: list[list[np.ndarray]], per_layer: int) -> go.Figure:
    """One small heatmap per hidden neuron (rows = layers)."""
    rows, cols = len(grids), max(len(layer) for layer in grids)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.01, vertical_spacing=0.02,
                        row_titles=[f"L{i + 1}" for i in range(rows)])
    for r, layer in enumerate(grids, start=1):
        for c, grid in enumerate(layer, start=1):
            span = _span(grid)
            fig.add_heatmap(z=grid, zmin=-span, zmax=span, colorscale=DIVERGING, showscale=False, row=r, col=c,
                            hoverinfo="skip")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=max(90 * rows, 120), width=max(90 * cols, 200), margin=dict(l=30, r=10, t=10, b=10))
    return fig


def network_figure(weights: list[np.ndarray], input_names: list[str], max_edges: int = 2500) -> go.Figure:
    """Neurons as dots, weights as lines: width ~ |w|, blue positive, orange negative."""
    sizes = [weights[0].shape[0]] + [w.shape[1] for w in weights]
    pos = [[(layer, (i - (n - 1) / 2)) for i in range(n)] for layer, n in enumerate(sizes)]
    edges = [(abs(float(w[i, j])), float(w[i, j]), pos[layer][i], pos[layer + 1][j])
             for layer, w in enumerate(weights) for i in range(w.shape[0]) for j in range(w.shape[1])
             if np.isfinite(w[i, j])]  # a diverged run has NaN weights: draw what is left
    edges.sort(key=lambda e: -e[0])
    edges = edges[:max_edges]
    top = edges[0][0] if edges else 1.0
    fig = go.Figure()
    for sign, colour in ((1, BLUE), (-1, ORANGE)):
        for band in range(4):  # four line widths per colour keep the trace count small
            xs, ys = [], []
            for mag, w, (x0, y0), (x1, y1) in edges:
                if (w >= 0) == (sign > 0) and min(int(4 * mag / (top or 1)), 3) == band:
                    xs += [x0, x1, None]
                    ys += [y0, y1, None]
            if xs:
                fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(color=colour, width=0.5 + 2 * band),
                                opacity=0.35 + 0.15 * band, hoverinfo="skip")
    for layer, nodes in enumerate(pos):
        labels = input_names if layer == 0 else [""] * len(nodes)
        fig.add_scatter(x=[p[0] for p in nodes], y=[p[1] for p in nodes], mode="markers+text", text=labels,
                        textposition="middle left", marker=dict(size=9, color="#1f2430"), hoverinfo="skip")
    fig.update_xaxes(visible=False, range=[-0.8, len(sizes) - 0.6])
    fig.update_yaxes(visible=False)
    fig.update_layout(height=min(120 + 14 * max(sizes), 700), margin=MARGIN, showlegend=False,
                      title="Network: width |w|, blue +, orange −")
    return fig


def weights_image_figure(w: np.ndarray) -> go.Figure:
    """A single neuron's 784 weights as a 28x28 image (blue pushes towards "7", orange towards "1")."""
    span = _span(w)
    fig = go.Figure(go.Heatmap(z=w.reshape(28, 28)[::-1], colorscale=DIVERGING, zmin=-span, zmax=span))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_layout(height=360, margin=MARGIN, title="Learned weights of the output neuron")
    return fig


def draw_figure(points: np.ndarray, labels: np.ndarray, grid: np.ndarray) -> go.Figure:
    """The drawing canvas: a faint clickable grid under the points drawn so far."""
    fig = go.Figure()
    fig.add_scatter(x=grid[:, 0], y=grid[:, 1], mode="markers", name="canvas",
                    marker=dict(size=9, color="#d0d4dc", opacity=0.15), hovertemplate="(%{x:.1f}, %{y:.1f})")
    for c in range(5):
        mask = labels.astype(int) == c
        if mask.any():
            fig.add_scatter(x=points[mask, 0], y=points[mask, 1], mode="markers", name=f"class {c}",
                            marker=dict(size=10, color=CLASS_COLOURS[c], line=dict(color="#1f2430", width=1)),
                            hoverinfo="skip")
    fig.update_layout(height=460, margin=MARGIN, showlegend=False,
                      title="Click to add a point")
    fig.update_xaxes(range=[-6.3, 6.3], constrain="domain")
    fig.update_yaxes(range=[-6.3, 6.3], scaleanchor="x", constrain="domain")
    return fig


def combination_figure(x, total, terms, labels) -> go.Figure:
    fig = go.Figure()
    for term, label in zip(terms, labels):
        fig.add_scatter(x=x, y=term, name=label, line=dict(dash="dot"))
    fig.add_scatter(x=x, y=total, name="combination", line=dict(color="#1f2430", width=3))
    fig.update_layout(height=380, margin=MARGIN, legend=dict(orientation="h", y=-0.15))
    return fig
