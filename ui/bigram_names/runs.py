"""The page's background work through `ui.jobs`: one job area per kind of run, starting a run,
re-attaching after a reload, and the trained models taken from finished jobs.

Every run is a heavy job owned by the viewer (it waits in the server's queue when the caps are
reached). A job keeps the settings it was started with; on a session's first run (a reload, or
the same browser in a new tab) `reattach` writes the settings of the viewer's unfinished jobs
back into the page state before any widget is drawn, so the sidebar and the training settings
show the run that is going on, not the defaults. A finished job's result *is* the trained
model: the page reads it from the job, so it survives a reload for as long as the server keeps
the job (the latest one per area and viewer).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import streamlit as st

from core.jobs import BackgroundJob
from core.names.runs import TrainedModel
from ui import jobs
from ui.bigram_names.state import STATE, BigramNamesState, job_settings

AREAS = {"bigram": "names-bigram", "mlp": "names-mlp", "wavenet": "names-wavenet", "lr": "names-lr"}
NAMES = {"bigram": "neural bigram", "mlp": "MLP", "wavenet": "WaveNet", "lr": "learning-rate sweep"}
FINISHED_RUNS = "names_finished_runs"  # this session's finished runs, for the Compare tab
_REATTACHED = "names_reattached"


def reattach() -> None:
    """On the session's first run: the settings of the viewer's unfinished jobs back into the state."""
    if st.session_state.get(_REATTACHED):
        return
    st.session_state[_REATTACHED] = True
    changes: dict[str, Any] = {}
    for area in AREAS.values():
        job = jobs.current(area)
        if job is not None and job.alive:
            changes.update({k: v for k, v in job.settings.items() if k in STATE.names})
    if changes:
        STATE.replace(dataclasses.replace(STATE.current(), **changes))


def job(kind: str) -> BackgroundJob | None:
    return jobs.current(AREAS[kind])


def busy(kind: str) -> bool:
    return jobs.running(AREAS[kind])


def start(kind: str, target: Callable[[BackgroundJob], Any], state: BigramNamesState) -> None:
    """Button callback: queue ``target`` as the viewer's ``kind`` job with its settings."""
    jobs.submit(AREAS[kind], target, name=f"names-{kind}", settings=job_settings(state, kind))


def trained(kind: str, corpus_key: str | None = None) -> TrainedModel | None:
    """The model of the viewer's latest finished ``kind`` job (on this word list when given)."""
    found = job(kind)
    if found is None or not found.finished or not isinstance(found.result, TrainedModel):
        return None
    if corpus_key is not None and found.result.corpus_key != corpus_key:
        return None
    return found.result


def remember(found: BackgroundJob) -> None:
    """`ui.jobs.panel`'s on_finish: keep the run's row for the Compare tab (once per job)."""
    result = found.result
    if not isinstance(result, TrainedModel):
        return
    runs = st.session_state.setdefault(FINISHED_RUNS, {})
    runs[found.id] = result


def finished_runs() -> list[TrainedModel]:
    """This session's finished runs, oldest first, plus the current jobs' models after a reload."""
    runs = dict(st.session_state.get(FINISHED_RUNS, {}))
    for kind in ("bigram", "mlp", "wavenet"):
        found = job(kind)
        model = trained(kind)
        if model is not None and found.id not in runs:
            runs[found.id] = model
    return list(runs.values())


def step_progress(steps_field: str) -> Callable[[BackgroundJob], tuple[float | None, str]]:
    """``ui.jobs.panel``'s progress: the last reported step of the job's own ``steps_field``
    setting (what it was started with, whatever the widgets say now), and the speed."""
    def progress(found: BackgroundJob) -> tuple[float | None, str]:
        total = int(found.settings.get(steps_field) or 1)
        event = next((e for e in reversed(found.events) if "steps_per_s" in e), found.last_event)
        done = int(event.get("step", 0))
        rate = event.get("steps_per_s")
        text = f"step {done:,} of {total:,}" + (f" · {rate:,.0f} steps/s" if rate else "")
        return done / max(1, total), text
    return progress
