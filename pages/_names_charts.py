"""Plotly figures for the bigram-names page (inputs are plain lists/arrays from core.names)."""

from __future__ import annotations

import plotly.graph_objects as go


def _label(ch: str) -> str:
    return "·" if ch == "." else ch


def counts_heatmap(counts, itos, highlight_row: int | None = None) -> go.Figure:
    """The classic figure: one cell per bigram with the two characters and the count."""
    labels = [_label(c) for c in itos]
    V = len(itos)
    text = [[f"{itos[i]}{itos[j]}" for j in range(V)] for i in range(V)]
    fig = go.Figure(go.Heatmap(
        z=counts, x=labels, y=labels, text=text, colorscale="Blues", showscale=False,
        texttemplate="%{text}<br>%{z}" if V <= 40 else None, textfont={"size": 8},
        hovertemplate="after '%{y}' comes '%{x}': %{z} times<extra></extra>",
    ))
    if highlight_row is not None:
        fig.add_shape(type="rect", x0=-0.5, x1=V - 0.5, y0=highlight_row - 0.5, y1=highlight_row + 0.5,
                      line={"color": "#d62728", "width": 2})
    fig.update_layout(height=760, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      xaxis={"side": "top", "title": "next character", "tickmode": "linear"},
                      yaxis={"autorange": "reversed", "title": "current character", "tickmode": "linear"})
    return fig


def next_char_bars(probs, itos, title: str, chosen: int | None = None) -> go.Figure:
    colors = ["#d62728" if i == chosen else "#1f77b4" for i in range(len(itos))]
    fig = go.Figure(go.Bar(x=[_label(c) for c in itos], y=probs, marker_color=colors,
                           hovertemplate="'%{x}': %{y:.3f}<extra></extra>"))
    fig.update_layout(title=title, height=280, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      yaxis={"title": "probability"}, xaxis={"tickmode": "linear"})
    return fig


def prob_difference(diff, itos, title: str) -> go.Figure:
    labels = [_label(c) for c in itos]
    bound = max(1e-6, max(abs(v) for row in diff for v in row))
    fig = go.Figure(go.Heatmap(z=diff, x=labels, y=labels, colorscale="RdBu", zmin=-bound, zmax=bound,
                               hovertemplate="P('%{x}' | '%{y}'): %{z:+.4f}<extra></extra>"))
    fig.update_layout(title=title, height=420, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      yaxis={"autorange": "reversed", "tickmode": "linear"}, xaxis={"tickmode": "linear"})
    return fig


def loss_curves(history: list[dict], title: str, reference: float | None = None) -> go.Figure:
    fig = go.Figure()
    for key, name in (("batch_loss", "minibatch (mean)"), ("train_loss", "train"), ("dev_loss", "dev")):
        pts = [(e["step"], e[key]) for e in history if key in e]
        if pts:
            fig.add_trace(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], name=name,
                                     mode="lines" if key == "batch_loss" else "lines+markers",
                                     opacity=0.45 if key == "batch_loss" else 1.0))
    if reference is not None:
        fig.add_hline(y=reference, line_dash="dot", annotation_text=f"counts bigram dev {reference:.3f}")
    fig.update_layout(title=title, height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      xaxis={"title": "step"}, yaxis={"title": "NLL"}, legend={"orientation": "h"})
    return fig


def embedding_scatter(points, itos, how: str) -> go.Figure:
    fig = go.Figure(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points], mode="markers+text",
                               text=[_label(c) for c in itos], textposition="middle center",
                               marker={"size": 22, "color": "rgba(31,119,180,0.25)"},
                               hovertemplate="'%{text}'<extra></extra>"))
    fig.update_layout(title=f"Character embeddings ({how})", height=420,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig
