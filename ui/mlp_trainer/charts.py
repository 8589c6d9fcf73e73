"""Plotly figures of the MLP trainer (pictures only: the numbers come from `core`).

These are the paused views (hover values, zoom) and the drawing canvas; the live views while
training, and the network drawing, are the light SVG / PNG pictures of `pictures`.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.mlp_trainer.pictures import BLUE, CLASS_COLOURS, GREY, INK, ORANGE

DIVERGING = [[0, ORANGE], [0.5, GREY], [1, BLUE]]
MARGIN = dict(l=10, r=10, t=30, b=10)


def loss_figure(history: dict, metric_name: str) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", metric_name))
    ep = history["epoch"]
    for col, (train, test) in enumerate((("train_loss", "test_loss"), ("train_acc", "test_acc")), start=1):
        fig.add_scatter(x=ep, y=history[train], name="train", line=dict(color=INK), row=1, col=col,
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
    line = dict(color=INK, width=1.5 if hollow else 0.6)
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
                        showscale=False, hovertemplate="x1 %{x:.2f}, x2 %{y:.2f}: class %{z:.0f}<extra></extra>")
    else:
        lo, hi = (0, 1) if task == "binary" else (-1, 1)
        fig.add_heatmap(x=axis, y=axis, z=surface, colorscale=DIVERGING, zmin=lo, zmax=hi, opacity=0.75,
                        colorbar=dict(thickness=10, len=0.8), zsmooth="best",  # smooth, as the live picture
                        hovertemplate="x1 %{x:.2f}, x2 %{y:.2f}: output %{z:.3f}<extra></extra>")
    _point_traces(fig, table.points_train, table.y_train.numpy(), task, n_classes, "train", hollow=False)
    if show_test:
        _point_traces(fig, table.points_test, table.y_test.numpy(), task, n_classes, "test", hollow=True)
    fig.update_layout(height=height, margin=MARGIN, showlegend=False, title="Output over the input plane")
    fig.update_xaxes(range=[axis[0], axis[-1]], title_text="x1", constrain="domain")
    fig.update_yaxes(range=[axis[0], axis[-1]], title_text="x2", scaleanchor="x", constrain="domain")
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
                            marker=dict(size=10, color=CLASS_COLOURS[c], line=dict(color=INK, width=1)),
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
    fig.add_scatter(x=x, y=total, name="combination", line=dict(color=INK, width=3))
    fig.update_layout(height=380, margin=MARGIN, legend=dict(orientation="h", y=-0.15))
    return fig
