"""The background-job panel, written once for every page that runs long work.

A page submits work with `submit(area, target, settings=...)`: the job belongs to the viewer
(`ui.session.viewer`), waits in the server's queue when the heavy-job caps are reached
(`core.jobs.JobRegistry`), and is found again with `current(area)` after a reload, so the page
re-attaches to its own run and can restore its sidebar from ``job.settings``.

`panel(area, ...)` draws, in a fragment that refreshes while the job is alive:
- its place in the queue while it waits (and a Cancel button);
- a progress bar from the page's ``progress(job)``, and the page's own ``body(job)`` (live charts);
- Pause / Resume and Stop for the owner; nobody else ever sees another's job here;
- the failure message, escaped;
- when the job finishes: the page's ``on_finish(job)`` once, then one full rerun so the rest of
  the page (buttons, results) catches up. This is the only "finished -> rerun" flag in the app.
"""

from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from core.jobs import FAILED, PAUSED, QUEUED, RUNNING, STOPPING, BackgroundJob, NotOwner, registry
from core.text import escape_markdown
from ui.session import viewer

Progress = Callable[[BackgroundJob], "tuple[float | None, str]"]


def current(area: str) -> BackgroundJob | None:
    """The viewer's latest job in ``area`` (running or finished), or None."""
    return registry.get(area, viewer().id)


def running(area: str) -> bool:
    job = current(area)
    return job is not None and job.alive


def submit(area: str, target: Callable[[BackgroundJob], Any], *, name: str | None = None, heavy: bool = True,
           settings: dict | None = None, background: bool = False) -> BackgroundJob | None:
    """Queue ``target`` as the viewer's job in ``area`` (``background``: see `core.jobs`); None (with a
    message shown) when refused."""
    try:
        return registry.submit(area, viewer().id, target, name=name, heavy=heavy, settings=settings,
                               background=background)
    except RuntimeError as exc:
        st.warning(escape_markdown(exc, 300), icon=":material/hourglass:")
        return None


def _act(job: BackgroundJob, action: str) -> None:
    try:
        getattr(job, action)(by=viewer().id)
    except NotOwner as exc:  # the buttons are only drawn for the owner; a stale click lands here
        st.session_state["_studio_job_refused"] = str(exc)


def controls(job: BackgroundJob | None, key: str, *, pause: bool = True) -> None:
    """Pause / Resume and Stop (or Cancel while queued) for the job's owner."""
    mine = job is not None and job.may_control(viewer().id)
    alive = mine and job.alive
    cols = st.columns(2 if pause else 1)
    if pause:
        if job is not None and job.status == PAUSED:
            cols[0].button("Resume", icon=":material/play_circle:", key=f"{key}_resume", width="stretch",
                           disabled=not mine, on_click=_act, args=(job, "resume"))
        else:
            cols[0].button("Pause", icon=":material/pause:", key=f"{key}_pause", width="stretch",
                           disabled=not (mine and job.status == RUNNING), on_click=_act, args=(job, "pause"))
    label = "Cancel" if job is not None and job.status == QUEUED else "Stop"
    cols[-1].button(label, icon=":material/stop:", key=f"{key}_stop", width="stretch",
                    disabled=not alive or job.status == STOPPING, on_click=_act, args=(job, "stop"))


def queue_note(job: BackgroundJob) -> str:
    position = registry.queue_position(job)
    busy = len(registry.running())
    return (f"Waiting for a free slot: {busy} of {registry.max_running} heavy jobs are running on this server "
            f"(at most {registry.max_per_owner} per person). Yours is number {position or '?'} in the queue "
            "and starts by itself.")


def panel(area: str, *, key: str, progress: Progress | None = None,
          body: Callable[[BackgroundJob], None] | None = None,
          on_finish: Callable[[BackgroundJob], None] | None = None,
          refresh: float = 1.0, show_controls: bool = True, pause: bool = True, what: str = "The job") -> None:
    """Draw the viewer's job in ``area`` (nothing when there is none); see the module docstring."""
    job = current(area)
    if job is None:
        return

    @st.fragment(run_every=refresh if job.alive else None)
    def _panel() -> None:
        seen = f"{key}_finished_seen"
        refused = st.session_state.pop("_studio_job_refused", None)
        if refused:
            st.warning(escape_markdown(refused), icon=":material/block:")
        if job.finished and st.session_state.get(seen) != job.id:
            st.session_state[seen] = job.id
            if on_finish is not None:
                on_finish(job)
            st.rerun(scope="app")  # buttons and results outside this fragment catch up, the timer stops
        if show_controls:
            controls(job, key, pause=pause)
        if job.status == QUEUED:
            st.info(queue_note(job), icon=":material/hourglass_top:")
        elif progress is not None and not job.finished:
            fraction, text = progress(job)
            status = {PAUSED: "paused", STOPPING: "stopping…"}.get(job.status)
            text = f"{status}: {text}" if status else text
            if fraction is None:
                st.progress(0.0, text=text)
            else:
                st.progress(min(max(float(fraction), 0.0), 1.0), text=text)
        if job.status == FAILED:
            st.error(f"{what} failed: {escape_markdown(job.error, 500)}", icon=":material/error:")
        if body is not None:
            body(job)

    _panel()
