"""The body of the run panel: status, live curves while the run goes, the test set when it ends.

`ui.jobs.panel` redraws it every second while the viewer's run is alive (queue place, progress
bar, Pause / Resume / Stop come from the panel itself).
"""

from __future__ import annotations

import streamlit as st

from core.jobs import FINISHED, BackgroundJob
from core.text import escape_markdown
from ui.alexnet_trainer import charts
from ui.alexnet_trainer.live_run import LiveRun
from ui.alexnet_trainer.results import results_panel
from ui.alexnet_trainer.runs import duration
from ui.alexnet_trainer.state import STATE


def status_row(run: LiveRun, job: BackgroundJob) -> None:
    status = "evaluating" if run.evaluating else {"stopping": "stopping…"}.get(job.status, job.status)
    cols = st.columns(5)
    cols[0].metric("Status", status)
    cols[1].metric("Epoch", f"{len(run.epochs)}/{run.total_epochs or '…'}")
    cols[2].metric("Images/s", f"{run.images_per_s:,.0f}" if run.images_per_s else "…")
    cols[3].metric("ETA", duration(run.eta_seconds()) if job.status in ("running", "paused") else "–")
    cols[4].metric("Best epoch", str(run.best_epoch) if run.best_epoch else "…")
    waited, patience = run.patience
    if patience and not job.finished:
        st.progress(min(waited / patience, 1.0),
                    text=f"Early stopping: {waited}/{patience} epochs without a better validation loss")


def describe(run: LiveRun) -> str:
    s = run.start
    decoded = f" · decoded once into {s['decoded_mib']:.0f} MiB" if s.get("decoded_mib") else ""
    return (f"{escape_markdown(s['dataset'], 200)} · {s['n_train']:,} train / {s['n_val']:,} validation / "
            f"{s['n_test']:,} test images · recipe {escape_markdown(s.get('recipe', '?'))} · "
            f"{s['parameters']:,} parameters · device {escape_markdown(s['device'])}{decoded}")


def body(job: BackgroundJob) -> None:
    """Live view of ``job`` (the viewer's own run)."""
    run = LiveRun.from_events(job.events)
    status_row(run, job)
    if run.start:
        st.caption(describe(run))
    left, right = st.columns(2)
    left.plotly_chart(charts.step_loss_figure(run, STATE.get("smoothing")), width="stretch", key="alexnet_step_fig")
    right.plotly_chart(charts.grad_norm_figure(run), width="stretch", key="alexnet_grad_fig")
    left, right = st.columns(2)
    left.plotly_chart(charts.epoch_loss_figure(run), width="stretch", key="alexnet_epoch_fig")
    right.plotly_chart(charts.accuracy_figure(run), width="stretch", key="alexnet_acc_fig")
    st.plotly_chart(charts.lr_figure(run), width="stretch", key="alexnet_lr_fig")
    if run.test:
        results_panel(run.test, key="alexnet_results")
    elif job.status in FINISHED and not job.error:
        st.info("The run stopped before finishing an epoch, so there is nothing to evaluate yet.")
