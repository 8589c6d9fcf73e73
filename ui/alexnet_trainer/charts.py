"""The AlexNet trainer's live charts (figures only; the numbers come from `live_run`).

Per-step curves (loss, total gradient norm, learning rate) use fractional epochs on their x axis
so that they line up with the per-epoch curves; the best epoch (lowest validation loss, whose
weights the run ends with) is marked on the epoch curves.
"""

from __future__ import annotations

import math

import pandas  # noqa: F401  -- imported here, once: Plotly imports it lazily through sys.modules, and two
#                 sessions drawing their first figure at the same moment then see a half-imported pandas
import plotly.graph_objects as go

from ui.alexnet_trainer.live_run import LiveRun, smooth

BLUE, ORANGE, RED, GREEN = "#1f77b4", "#ff7f0e", "#d62728", "#2ca02c"


def layout(fig: go.Figure, title: str, x: str, y: str, height: int = 260) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10),
                      xaxis_title=x, yaxis_title=y, legend=dict(orientation="h", y=-0.3))
    return fig


def _mark_best(fig: go.Figure, run: LiveRun) -> None:
    if run.best_epoch:
        fig.add_vline(x=run.best_epoch, line_dash="dot", line_color=GREEN,
                      annotation_text=f"best: epoch {run.best_epoch}", annotation_position="top left")


def step_loss_figure(run: LiveRun, weight: float) -> go.Figure:
    fig = go.Figure()
    x = run.step_epochs()
    fig.add_scatter(x=x, y=run.step_loss, mode="lines", name="raw", opacity=0.35, line=dict(color=BLUE))
    if run.step_loss:
        fig.add_scatter(x=x, y=smooth(run.step_loss, weight), mode="lines", name=f"smoothed ({weight:.2f})",
                        line=dict(color=BLUE, width=2.5))
    return layout(fig, "Training loss per step", "epoch", "cross-entropy")


def grad_norm_figure(run: LiveRun) -> go.Figure:
    fig = go.Figure()
    points = [(x, g) for x, g in zip(run.step_epochs(), run.grad_norm) if g is not None and math.isfinite(g) and g > 0]
    fig.add_scatter(x=[p[0] for p in points], y=[p[1] for p in points], mode="lines", name="total norm",
                    line=dict(color=ORANGE))
    fig.update_yaxes(type="log")
    return layout(fig, "Total gradient norm (mean per logged window)", "epoch", "‖g‖₂")


def epoch_loss_figure(run: LiveRun) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=run.epochs, y=run.train_loss, mode="lines+markers", name="train", line=dict(color=BLUE))
    fig.add_scatter(x=run.epochs, y=run.val_loss, mode="lines+markers", name="validation", line=dict(color=ORANGE))
    _mark_best(fig, run)
    return layout(fig, "Loss per epoch (plain cross-entropy)", "epoch", "cross-entropy")


def accuracy_figure(run: LiveRun) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=run.epochs, y=run.val_acc, mode="lines+markers", name="validation", line=dict(color=ORANGE))
    _mark_best(fig, run)
    fig.update_yaxes(range=[0, 1])
    return layout(fig, "Validation accuracy", "epoch", "accuracy")


def lr_figure(run: LiveRun) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=run.step_epochs(), y=run.step_lr, mode="lines", name="learning rate", line=dict(color=BLUE))
    for epoch in run.lr_drops:
        fig.add_vline(x=epoch, line_dash="dash", line_color=RED, annotation_text="ReduceLROnPlateau ×0.5",
                      annotation_position="top left")
    fig.update_yaxes(type="log")
    title = ("Learning rate: one-cycle warm-up, then cosine decay" if run.start.get("schedule") == "onecycle"
             else "Learning rate (ReduceLROnPlateau drops marked)")
    return layout(fig, title, "epoch", "lr")


def overlay_figure(runs: list[dict], current: LiveRun | None, metric: str, title: str, y: str) -> go.Figure:
    """``metric`` (``val_loss`` or ``val_acc``) per epoch of past runs, with the current run solid."""
    fig = go.Figure()
    if current is not None and current.epochs:
        values = current.val_loss if metric == "val_loss" else current.val_acc
        fig.add_scatter(x=current.epochs, y=values, mode="lines+markers", name="this run", line=dict(width=3))
    for past in runs:
        h = past.get("history", {})
        fig.add_scatter(x=h.get("epoch", []), y=h.get(metric, []), mode="lines", name=past["name"],
                        line=dict(dash="dot"))
    if metric == "val_acc":
        fig.update_yaxes(range=[0, 1])
    return layout(fig, title, "epoch", y, height=320)
