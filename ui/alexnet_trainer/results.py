"""The test-set panel of a finished run: accuracy, confusion matrix, per-class accuracy, the
misclassified images and the best weights to download.

The figures come from the best epoch's weights (restored at the end of every run). Every class
is labelled on both confusion-matrix axes (class names such as "0".."9" would otherwise be read
as numbers by Plotly, which then labels every other one), and the "N shown" count is the number
of images drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.text import escape_markdown
from ui.alexnet_trainer.charts import layout

GRID_COLUMNS = 8


def confusion_figure(matrix: np.ndarray, classes: list[str]) -> go.Figure:
    ticks = list(range(len(classes)))
    heat = go.Figure(go.Heatmap(z=matrix, x=ticks, y=ticks, colorscale="Blues", text=matrix, texttemplate="%{text}",
                                customdata=[[(t, p) for p in classes] for t in classes],
                                hovertemplate="true %{customdata[0]}, predicted %{customdata[1]}: %{z}<extra></extra>"))
    axis = dict(tickmode="array", tickvals=ticks, ticktext=[str(c) for c in classes], showgrid=False)
    heat.update_xaxes(**axis, tickangle=-45 if max(len(str(c)) for c in classes) > 3 else 0)
    heat.update_yaxes(**axis, autorange="reversed")
    return layout(heat, "Confusion matrix", "predicted", "true", 420)


def per_class_figure(test: dict) -> go.Figure:
    classes = [str(c) for c in test["classes"]]
    acc = [a if a is not None else 0.0 for a in test["per_class_acc"]]
    bars = go.Figure(go.Bar(x=list(range(len(classes))), y=acc, text=[f"{a:.0%}" for a in acc],
                            textposition="outside", customdata=classes,
                            hovertemplate="%{customdata}: %{y:.1%}<extra></extra>"))
    bars.update_xaxes(tickmode="array", tickvals=list(range(len(classes))), ticktext=classes)
    bars.update_yaxes(range=[0, 1.1])
    return layout(bars, "Per-class accuracy", "class", "accuracy", 420)


def misclassified_grid(test: dict) -> None:
    wrong = test.get("misclassified") or []
    matrix = np.array(test["confusion"])
    total_wrong = int(matrix.sum() - np.trace(matrix))
    st.markdown(f"**Misclassified test images** ({len(wrong)} shown of {total_wrong:,})")
    if not wrong:
        st.caption("None: every test image was classified correctly.")
        return
    for start in range(0, len(wrong), GRID_COLUMNS):
        cols = st.columns(GRID_COLUMNS)
        for col, item in zip(cols, wrong[start:start + GRID_COLUMNS]):
            col.image(item["image"], width=72,
                      caption=f"true {item['true']} → {item['pred']} ({item['confidence']:.0%})")


def results_panel(test: dict, key: str) -> None:
    """Everything about the test set of a finished run."""
    best, trained = test.get("best_epoch"), test.get("epochs_trained")
    st.subheader("Test set")
    if best is not None:
        st.caption(f"Weights of the best epoch ({best} of {trained}, lowest validation loss), restored at the end "
                   "of the run.")
    c1, c2 = st.columns(2)
    c1.metric("Test accuracy", f"{test['test_acc']:.2%}")
    c2.metric("Test loss", f"{test['test_loss']:.4f}")
    left, right = st.columns(2)
    left.plotly_chart(confusion_figure(np.array(test["confusion"]), test["classes"]), width="stretch",
                      key=f"{key}-confusion")
    right.plotly_chart(per_class_figure(test), width="stretch", key=f"{key}-perclass")
    misclassified_grid(test)
    ckpt = Path(test.get("best_checkpoint") or test.get("checkpoint", ""))
    if ckpt.is_file():
        st.download_button("Download the best weights", data=ckpt.read_bytes, file_name="alexnet_best.pt",
                           mime="application/octet-stream", icon=":material/download:", key=f"{key}-download",
                           on_click="ignore")
        st.caption(f"{escape_markdown(str(ckpt), 300)} · {ckpt.stat().st_size / 2**20:.0f} MiB · "
                   "`python -m core.alexnet evaluate --checkpoint …` rebuilds and evaluates it; "
                   "`checkpoint.pt` beside it holds the last epoch and continues the run.")
