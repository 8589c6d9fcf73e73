"""Runs of the AlexNet trainer: starting one as the viewer's job, re-attaching after a reload,
and comparing past runs.

A run is a heavy job in area ``alexnet`` owned by the viewer (`ui.jobs`): it waits in the server's
queue when the caps are reached, only its owner sees its controls, and its settings travel with
it, so that `reattach` can show them in the sidebar after a reload. Each run writes a folder under
``<data dir>/alexnet/runs`` whose ``run.json`` records its owner; the comparison table lists the
viewer's own runs (on a local, single-user server also the ones started from the command line).
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from pathlib import Path

import streamlit as st

from core.access import LOCAL
from core.alexnet.run import list_runs, run_training, runs_dir
from core.device import pick_device
from core.jobs import BackgroundJob
from core.text import escape_markdown
from ui import jobs
from ui.alexnet_trainer.live_run import LiveRun
from ui.alexnet_trainer.state import STATE, AlexNetTrainerState, from_settings, settings_of, to_config
from ui.device import session_device
from ui.session import server_paths_allowed, serving_mode, viewer

AREA = "alexnet"
_REATTACHED = "alexnet_reattached"


def current() -> BackgroundJob | None:
    return jobs.current(AREA)


def reattach() -> None:
    """On the session's first run: the settings of the viewer's unfinished run back into the state.

    Only an unfinished run (queued, running, paused) takes over the sidebar, which it locks. After a
    finished run the sidebar keeps the link's (or the default) settings, ready for the next run; the
    finished run's settings stay visible in its description line and its row of the comparison table.
    """
    if st.session_state.get(_REATTACHED):
        return
    st.session_state[_REATTACHED] = True
    job = current()
    if job is not None and job.alive and job.settings:
        STATE.replace(from_settings(job.settings, STATE.current()))


def _device(state: AlexNetTrainerState):
    try:
        return pick_device(state.device or None)
    except ValueError as exc:
        st.warning(escape_markdown(exc), icon=":material/warning:")
        return session_device()


def last_run_folder(job: BackgroundJob | None) -> Path | None:
    """The run folder of the viewer's latest finished run, when it can be continued."""
    if job is None or not job.finished:
        return None
    start = next((e for e in job.events if e.get("kind") == "start"), None)
    folder = Path(start["out_dir"]) if start else None
    return folder if folder is not None and (folder / "checkpoint.pt").is_file() else None


def trained_epochs(job: BackgroundJob | None) -> int:
    return len(LiveRun.from_events(job.events).epochs) if job is not None else 0


def refusal(state: AlexNetTrainerState, resume: bool = False) -> str | None:
    """Why a run with ``state`` cannot start (a one-line message), or None."""
    folder = state.folder.strip()
    if state.dataset == "folder" and not server_paths_allowed():  # the sidebar does not offer it there either
        return "Image folders on this machine cannot be used on a shared server."
    if state.dataset == "folder" and not folder:
        return "Enter the path of an image folder first."
    if state.dataset == "folder" and not Path(folder).expanduser().is_dir():
        return f"Image folder not found: {escape_markdown(folder)}"
    try:
        to_config(state).validate()
    except ValueError as exc:
        return escape_markdown(exc)
    done = trained_epochs(current())
    if resume and state.epochs <= done:
        return f"The last run already trained {done} epochs: set Epochs higher to continue it."
    return None


def start(state: AlexNetTrainerState, resume_from: Path | None = None) -> bool:
    """Queue a run with ``state``'s settings, or continue the run in ``resume_from`` with its own settings
    up to ``state.epochs``; False (with a message shown) when refused."""
    message = refusal(state, resume=resume_from is not None)
    if message:
        st.error(message, icon=":material/error:")
        return False
    config, device, owner = to_config(state), _device(state), viewer().id
    out = resume_from or runs_dir() / f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"

    def target(job: BackgroundJob) -> dict:
        return run_training(config, out, resume=resume_from is not None, device=device, listener=job.emit,
                            should_continue=job.checkpoint, epochs=config.epochs if resume_from else None,
                            owner=owner)

    settings = settings_of(state)
    if resume_from is not None:  # a resumed run keeps its own settings (run_training reads them from the checkpoint)
        settings = {**(current().settings or settings), "epochs": state.epochs}
    return jobs.submit(AREA, target, name="alexnet-training", settings=settings) is not None


def progress(job: BackgroundJob) -> tuple[float | None, str]:
    """`ui.jobs.panel`'s progress bar: the planned epochs done, images/s and the time left."""
    run = LiveRun.from_events(job.events)
    if not run.start:
        return None, "loading the images…"
    eta = run.eta_seconds()
    left = f" · about {duration(eta)} left" if eta is not None else ""
    ips = f" · {run.images_per_s:,.0f} images/s" if run.images_per_s else ""
    status = "evaluating the test set" if run.evaluating else f"epoch {len(run.epochs)}/{run.total_epochs}"
    return run.progress, f"{status}{ips}{left}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    seconds = int(seconds)
    return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


# --- past runs --------------------------------------------------------------------------------------
def past_runs() -> list[dict]:
    """Runs with at least one epoch: every run on a local (one-person) server, CLI runs included;
    only the viewer's own runs on a shared server."""
    runs = list_runs(owner=None if serving_mode() == LOCAL else viewer().id)
    return [r for r in runs if r.get("history", {}).get("epoch")]


def comparison_rows(runs: list[dict]) -> list[dict]:
    """One row per run: where it started, its hyperparameters, its best and final figures."""
    rows = []
    for r in runs:
        c, h = r.get("config", {}), r.get("history", {})
        best = r.get("best_epoch")
        val_acc, val_loss = h.get("val_acc", []), h.get("val_loss", [])
        i = best - 1 if isinstance(best, int) and 0 < best <= len(val_acc) else None
        test = r.get("test") or {}
        seconds = sum(h.get("epoch_seconds", []))
        rows.append({
            "run": r["name"], "started": datetime.fromtimestamp(r.get("started", 0)).strftime("%Y-%m-%d %H:%M"),
            "status": r.get("status", "?"), "recipe": c.get("recipe", "article"), "dataset": r.get("dataset", ""),
            "optimizer": c.get("optimizer"), "lr": c.get("lr"), "schedule": c.get("schedule", "plateau"),
            "batch": c.get("batch_size"), "BN": bool(c.get("batchnorm")), "aug": bool(c.get("augment")),
            "width": c.get("hidden"), "epochs": len(h.get("epoch", [])),
            "best epoch": best, "best val acc": val_acc[i] if i is not None else None,
            "best val loss": val_loss[i] if i is not None else None,
            "final val acc": val_acc[-1] if val_acc else None, "test acc": test.get("test_acc"),
            "minutes": round(seconds / 60, 1),
        })
    return rows


def comparison(runs: list[dict], current_run: LiveRun | None) -> None:
    """The loss overlay of chosen past runs, next to the sortable table of all of them."""
    from ui.alexnet_trainer.charts import overlay_figure

    st.subheader("Compare runs")
    if not runs:
        st.caption("Finished runs appear here with their settings and best figures.")
        return
    names = [r["name"] for r in runs]
    if any(n not in names for n in STATE.get("overlay") or []):
        STATE.set(overlay=[n for n in STATE.get("overlay") if n in names])
    st.multiselect("Overlay past runs", names, key=STATE.key("overlay"),
                   help="Their validation curves are drawn beside this run's.")
    chosen = [r for r in runs if r["name"] in (STATE.get("overlay") or [])]
    left, right = st.columns([2, 3])
    left.plotly_chart(overlay_figure(chosen, current_run, "val_loss", "Validation loss", "cross-entropy"),
                      width="stretch", key="alexnet_overlay_loss")
    pct = st.column_config.NumberColumn(format="%.3f")
    right.dataframe(comparison_rows(runs), hide_index=True, width="stretch", key="alexnet_runs_table",
                    column_config={"best val acc": pct, "final val acc": pct, "test acc": pct,
                                   "best val loss": st.column_config.NumberColumn(format="%.4f"),
                                   "lr": st.column_config.NumberColumn(format="%.0e")})
    right.caption("Click a column header to sort.")
