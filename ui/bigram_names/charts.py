"""Plotly figures for the bigram-names page (inputs are plain lists and dicts from `core.names`)."""

from __future__ import annotations

import plotly.graph_objects as go


def _label(ch: str) -> str:
    return "·" if ch == "." else ch


def counts_heatmap(counts, itos, highlight_row: int | None = None) -> go.Figure:
    """The classic figure: one cell per bigram with the two characters and the count.

    Plotly heatmaps emit no selection events, so an invisible square marker sits on every cell:
    a click selects that marker, and its ``point_index`` (row * |V| + column) tells the page
    which row was clicked (`clicked_row`)."""
    labels = [_label(c) for c in itos]
    V = len(itos)
    text = [[f"{itos[i]}{itos[j]}" for j in range(V)] for i in range(V)]
    hover = "after '%{y}' comes '%{x}': %{customdata} times<extra></extra>"
    fig = go.Figure(go.Heatmap(
        z=counts, x=labels, y=labels, text=text, colorscale="Blues", showscale=False,
        texttemplate="%{text}<br>%{z}" if V <= 40 else None, textfont={"size": 8}, hoverinfo="skip",
    ))
    fig.add_trace(go.Scatter(
        x=[labels[j] for i in range(V) for j in range(V)], y=[labels[i] for i in range(V) for j in range(V)],
        customdata=[counts[i][j] for i in range(V) for j in range(V)], mode="markers", hovertemplate=hover,
        marker={"symbol": "square", "size": max(6, 700 // V), "opacity": 0}, showlegend=False,
        selected={"marker": {"opacity": 0}}, unselected={"marker": {"opacity": 0}},
    ))
    if highlight_row is not None:
        fig.add_shape(type="rect", x0=-0.5, x1=V - 0.5, y0=highlight_row - 0.5, y1=highlight_row + 0.5,
                      line={"color": "#d62728", "width": 2})
    fig.update_layout(height=760, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      xaxis={"side": "top", "title": "next character", "tickmode": "linear", "range": [-0.5, V - 0.5]},
                      yaxis={"title": "current character", "tickmode": "linear", "range": [V - 0.5, -0.5]})
    return fig


def clicked_row(event, size: int) -> int | None:
    """The heatmap row of a plotly selection event (from `counts_heatmap`'s cell markers)."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points or []:
        index = point.get("point_index", point.get("point_number"))
        if point.get("curve_number", 1) == 1 and isinstance(index, int) and 0 <= index < size * size:
            return index // size
    return None


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


# --- diagnostics ---------------------------------------------------------------------------------
_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def _layer_legend(layer: dict, grad: bool) -> str:
    if grad:
        return f"{layer['layer']} (mean {layer['grad_mean']:+.1e}, std {layer['grad_std']:.1e})"
    tail = (f", saturated {layer['saturated']:.1%}" if layer["kind"] == "tanh" else f", zero {layer['zero']:.1%}")
    return f"{layer['layer']} (mean {layer['mean']:+.2f}, std {layer['std']:.2f}{tail})"


def histogram_lines(layers: list[dict], grad: bool, title: str) -> go.Figure:
    """The lecture's plot: each activation layer's histogram (of outputs, or of their gradients)
    as one line."""
    key = "grad_hist" if grad else "hist"
    fig = go.Figure()
    for layer in layers:
        if key in layer:
            fig.add_trace(go.Scatter(x=layer[key]["x"], y=layer[key]["density"], mode="lines",
                                     name=_layer_legend(layer, grad)))
    fig.update_layout(title=title, height=340, margin=_MARGIN, showlegend=True,
                      legend={"orientation": "h", "yanchor": "top", "y": -0.12}, yaxis={"title": "density"})
    return fig


def ratio_lines(snapshots: list[dict], guide: float) -> go.Figure:
    """log10(update / data) of each weight matrix over training, with the ~1e-3 guide line."""
    fig = go.Figure()
    names = list(snapshots[0]["ratios"]) if snapshots else []
    steps = [s["step"] for s in snapshots]
    for name in names:
        fig.add_trace(go.Scatter(x=steps, y=[s["ratios"].get(name) for s in snapshots], mode="lines", name=name))
    fig.add_hline(y=guide, line_dash="dash", line_color="black", annotation_text="1e-3 guide")
    fig.update_layout(title="Update-to-data ratio, log10(std(lr·grad) / std(W))", height=340, margin=_MARGIN,
                      xaxis={"title": "step"}, yaxis={"title": "log10 ratio"}, legend={"orientation": "h", "y": -0.25})
    return fig


def ratio_bars(ratios: dict[str, float], guide: float, lr: float) -> go.Figure:
    """log10(update / data) of each weight matrix for one step, with the ~1e-3 guide line."""
    fig = go.Figure(go.Bar(x=list(ratios.values()), y=list(ratios), orientation="h",
                           hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
    fig.add_vline(x=guide, line_dash="dash", line_color="black", annotation_text="1e-3 guide")
    fig.update_layout(title=f"Update-to-data ratio of the first step at lr {lr:g}, log10", height=80 + 40 * len(ratios),
                      margin=_MARGIN, xaxis={"title": "log10(std(lr·grad) / std(W))"},
                      yaxis={"autorange": "reversed"})
    return fig


def saturation_lines(snapshots: list[dict]) -> go.Figure:
    """Share of saturated tanh outputs (or zero ReLU outputs) per layer over training."""
    fig = go.Figure()
    steps = [s["step"] for s in snapshots]
    for i, layer in enumerate(snapshots[0]["layers"] if snapshots else []):
        field = "saturated" if layer["kind"] == "tanh" else "zero"
        fig.add_trace(go.Scatter(x=steps, y=[100 * s["layers"][i][field] for s in snapshots], mode="lines",
                                 name=f"{layer['layer']} ({'|t| > 0.97' if field == 'saturated' else 'output 0'})"))
    fig.update_layout(title="Saturated tanh outputs (or zero ReLU outputs), % of the minibatch", height=300,
                      margin=_MARGIN, xaxis={"title": "step"}, yaxis={"title": "%", "rangemode": "tozero"},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def lr_sweep_figure(lrs, losses, smoothed, best: float | None, region) -> go.Figure:
    """makemore part 2's plot: minibatch loss against the (exponentially growing) learning rate."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=lrs, y=losses, mode="markers", name="minibatch loss", opacity=0.3,
                             marker={"size": 3}))
    fig.add_trace(go.Scatter(x=lrs, y=smoothed, mode="lines", name="smoothed"))
    if region is not None:
        fig.add_vrect(x0=region[0], x1=region[1], fillcolor="#2ca02c", opacity=0.12, line_width=0)
    if best is not None:
        fig.add_vline(x=best, line_dash="dash", line_color="#2ca02c", annotation_text=f"chosen {best:.3g}")
    fig.update_layout(title="Loss while the learning rate grows", height=320, margin=_MARGIN,
                      xaxis={"title": "learning rate", "type": "log"}, yaxis={"title": "loss"},
                      legend={"orientation": "h"})
    return fig
