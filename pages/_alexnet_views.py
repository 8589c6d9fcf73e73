"""Charts and result panels of the AlexNet trainer page (views only; numbers come from core)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.alexnet.live import LiveRun, smooth


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int = 260) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10),
                      xaxis_title=x, yaxis_title=y, legend=dict(orientation="h", y=-0.25))
    return fig


def step_loss_figure(run: LiveRun, weight: float) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=run.steps, y=run.step_loss, mode="lines", name="raw", opacity=0.35,
                    line=dict(color="#1f77b4"))
    if run.step_loss:
        fig.add_scatter(x=run.steps, y=smooth(run.step_loss, weight), mode="lines",
                        name=f"smoothed ({weight:.2f})", line=dict(color="#1f77b4", width=2.5))
    return _layout(fig, "Training loss per step", "step", "loss")


def epoch_loss_figure(run: LiveRun, overlays: list[dict]) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=run.epochs, y=run.train_loss, mode="lines+markers", name="train")
    fig.add_scatter(x=run.epochs, y=run.val_loss, mode="lines+markers", name="validation")
    for past in overlays:
        h = past.get("history", {})
        fig.add_scatter(x=h.get("epoch", []), y=h.get("val_loss", []), mode="lines",
                        name=f"val · {past['name']}", line=dict(dash="dot"))
    return _layout(fig, "Loss per epoch", "epoch", "cross-entropy")


def accuracy_figure(run: LiveRun, overlays: list[dict]) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=run.epochs, y=run.val_acc, mode="lines+markers", name="this run")
    for past in overlays:
        h = past.get("history", {})
        fig.add_scatter(x=h.get("epoch", []), y=h.get("val_acc", []), mode="lines",
                        name=past["name"], line=dict(dash="dot"))
    fig.update_yaxes(range=[0, 1])
    return _layout(fig, "Validation accuracy", "epoch", "accuracy")


def lr_figure(run: LiveRun) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=run.epochs, y=run.lr, mode="lines+markers", name="learning rate", line_shape="hv")
    for epoch in run.lr_drops:
        fig.add_vline(x=epoch, line_dash="dash", line_color="#d62728",
                      annotation_text="ReduceLROnPlateau", annotation_position="top left")
    fig.update_yaxes(type="log")
    return _layout(fig, "Learning rate (drops marked)", "epoch", "lr")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    seconds = int(seconds)
    return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def status_row(run: LiveRun, status: str) -> None:
    cols = st.columns(5)
    cols[0].metric("Status", status)
    done = len(run.epochs)
    cols[1].metric("Epoch", f"{done}/{run.total_epochs or '…'}")
    ips = run.images_per_s
    cols[2].metric("Images/s", f"{ips:,.0f}" if ips else "…")
    cols[3].metric("ETA", _duration(run.eta_seconds()) if status in ("running", "paused") else "–")
    cols[4].metric("Device", run.start.get("device", "…"))
    st.progress(run.progress, text=f"{run.progress:.0%} of the planned epochs")
    waited, patience = run.patience
    if patience:
        st.progress(min(waited / patience, 1.0),
                    text=f"Early stopping: {waited}/{patience} epochs without a better validation loss")


def results_panel(test: dict, key: str) -> None:
    """Test accuracy, confusion matrix, per-class accuracy, misclassified grid, download."""
    st.subheader("Test set")
    classes = test["classes"]
    c1, c2 = st.columns(2)
    c1.metric("Test accuracy", f"{test['test_acc']:.2%}")
    c2.metric("Test loss", f"{test['test_loss']:.4f}")
    left, right = st.columns(2)
    matrix = np.array(test["confusion"])
    heat = go.Figure(go.Heatmap(z=matrix, x=classes, y=classes, colorscale="Blues", text=matrix,
                                texttemplate="%{text}", hovertemplate="true %{y}, predicted %{x}: %{z}"))
    heat.update_yaxes(autorange="reversed")
    left.plotly_chart(_layout(heat, "Confusion matrix", "predicted", "true", 380), width="stretch",
                      key=f"{key}-confusion")
    acc = [a if a is not None else 0.0 for a in test["per_class_acc"]]
    bars = go.Figure(go.Bar(x=classes, y=acc, text=[f"{a:.0%}" for a in acc], textposition="outside"))
    bars.update_yaxes(range=[0, 1.1])
    right.plotly_chart(_layout(bars, "Per-class accuracy", "class", "accuracy", 380), width="stretch",
                       key=f"{key}-perclass")
    wrong = test.get("misclassified") or []
    st.markdown(f"**Misclassified examples** ({len(wrong)} shown)")
    if wrong:
        cols = st.columns(8)
        for i, item in enumerate(wrong[:24]):
            cols[i % 8].image(item["image"], width=72,
                              caption=f"true {item['true']} → {item['pred']} ({item['confidence']:.0%})")
    else:
        st.caption("None: every test image was classified correctly.")
    ckpt = Path(test.get("checkpoint", ""))
    if ckpt.is_file():
        st.download_button("Download checkpoint", data=ckpt.read_bytes if ckpt.stat().st_size else b"",
                           file_name="alexnet_checkpoint.pt", mime="application/octet-stream",
                           icon=":material/download:", key=f"{key}-download", on_click="ignore")
        st.caption(f"{ckpt} · {ckpt.stat().st_size / 2**20:.0f} MiB (model, optimizer, scheduler, "
                   "early stopping, history) · `python -m core.alexnet evaluate --checkpoint …`")
