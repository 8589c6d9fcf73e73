"""Long work off the UI thread: a background job that reports progress and can be stopped.

A `BackgroundJob` runs ``target(job)`` in a daemon thread. The target reports by calling
``job.emit({...})`` and cooperates with the controls by calling ``job.checkpoint()`` between
units of work: it blocks while the job is paused and returns False once a stop was asked,
so the target can save what it has and return. The UI polls ``job.events_since(n)`` and
``job.status`` on each rerun (Streamlit pages do this from a fragment with ``run_every``),
so the page never waits for the work.

`JobRegistry` keeps jobs by key for the whole process, so that a page re-attaches to a run
after the browser tab was closed or reloaded.
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any, Callable

IDLE, RUNNING, PAUSED, STOPPING = "idle", "running", "paused", "stopping"
DONE, STOPPED, FAILED = "done", "stopped", "failed"
FINISHED = (DONE, STOPPED, FAILED)


class BackgroundJob:
    """A unit of long work in a daemon thread with pause, resume, stop and an event log."""

    def __init__(self, target: Callable[["BackgroundJob"], Any], name: str = "job", max_events: int = 100_000):
        self.name = name
        self._target = target
        self._lock = threading.Lock()
        self._events: list[dict] = []
        self._dropped = 0
        self._max_events = max_events
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while paused
        self._running.set()
        self._thread: threading.Thread | None = None
        self.status = IDLE
        self.result: Any = None
        self.error: str | None = None
        self.error_detail: str | None = None
        self.started_at: float | None = None
        self.finished_at: float | None = None

    # --- control (called from the UI) -------------------------------------------------
    def start(self) -> "BackgroundJob":
        """Start the thread; a job runs once."""
        if self._thread is not None:
            raise RuntimeError(f"job {self.name!r} was already started")
        self.status = RUNNING
        self.started_at = time.time()
        self._thread = threading.Thread(target=self._run, name=f"studio-{self.name}", daemon=True)
        self._thread.start()
        return self

    def pause(self) -> None:
        if self.status == RUNNING:
            self._running.clear()
            self.status = PAUSED

    def resume(self) -> None:
        if self.status == PAUSED:
            self.status = RUNNING
            self._running.set()

    def stop(self) -> None:
        """Ask the target to stop at its next checkpoint (a paused job wakes up to stop)."""
        if self.status not in FINISHED and self.status != IDLE:
            self.status = STOPPING
        self._stop.set()
        self._running.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread; True when it has finished."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.finished

    # --- reporting (called from the worker) -------------------------------------------
    def emit(self, event: dict) -> None:
        """Record one progress event (a plain dict); the UI reads it later."""
        event = {"time": time.time(), **event}
        with self._lock:
            self._events.append(event)
            if len(self._events) > self._max_events:  # bound memory on endless runs
                cut = len(self._events) - self._max_events
                del self._events[:cut]
                self._dropped += cut

    def checkpoint(self) -> bool:
        """Block while paused; return False when the job should stop now."""
        self._running.wait()
        return not self._stop.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # --- reading (called from the UI) -------------------------------------------------
    def events_since(self, index: int = 0) -> tuple[list[dict], int]:
        """Events after absolute position ``index`` and the position to ask from next time."""
        with self._lock:
            start = max(index - self._dropped, 0)
            return list(self._events[start:]), self._dropped + len(self._events)

    @property
    def events(self) -> list[dict]:
        with self._lock:
            return list(self._events)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            self.result = self._target(self)
            self.status = STOPPED if self._stop.is_set() else DONE
        except Exception as exc:  # the UI shows the message; the thread must not die silently
            self.error = f"{type(exc).__name__}: {exc}"
            self.error_detail = traceback.format_exc()
            self.status = FAILED
        finally:
            self.finished_at = time.time()


class JobRegistry:
    """Process-wide jobs by key, so a page can re-attach to a run after a reload."""

    def __init__(self):
        self._jobs: dict[str, BackgroundJob] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> BackgroundJob | None:
        with self._lock:
            return self._jobs.get(key)

    def start(self, key: str, target: Callable[[BackgroundJob], Any], name: str | None = None) -> BackgroundJob:
        """Start a new job under ``key``; refuses while the previous one is still running."""
        with self._lock:
            old = self._jobs.get(key)
            if old is not None and old.alive:
                raise RuntimeError(f"a job is already running under {key!r}; stop it first")
            job = BackgroundJob(target, name=name or key)
            self._jobs[key] = job
        return job.start()

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._jobs)


registry = JobRegistry()
