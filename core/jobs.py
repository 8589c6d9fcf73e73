"""Long work off the UI thread: background jobs that report progress, belong to someone, and wait
their turn.

A `BackgroundJob` runs ``target(job)`` in a daemon thread. The target reports by calling
``job.emit({...})`` and cooperates with the controls by calling ``job.checkpoint()`` between
units of work: it blocks while the job is paused and returns False once a stop was asked,
so the target can save what it has and return. The UI polls ``job.events_since(n)`` and
``job.status`` on each rerun (Streamlit pages do this from a fragment with ``run_every``),
so the page never waits for the work.

Ownership. A job records its ``owner`` (a signed-in user or a browser, see `ui.session`). Only
the owner may pause, resume or stop it: ``job.stop(by=someone_else)`` raises `NotOwner`. Code
that runs the job itself (a CLI, a test) may call the controls without ``by``.

Fair share. `JobRegistry` keeps jobs by ``(area, owner)`` for the whole process, so that a page
re-attaches to its owner's run after a reload, and it admits *heavy* jobs (training, embedding)
up to two caps: ``max_running`` on the server and ``max_per_owner`` per owner. A job beyond a cap
waits in a first-in, first-out queue with status ``queued`` (the page shows its place) and starts
when a slot frees up. Each heavy job runs with an equal share of the cores as its torch thread
count (`core.threads.fair_share`), so two people training at once both make progress.

Background jobs. A heavy job submitted with ``background=True`` (the bookmark import and its
undo) runs at a lower CPU priority (``STUDIO_IMPORT_NICE`` niceness levels, default 10, 0: the
same as the pages) and takes the cores the heavy jobs running when it starts leave it: the whole
machine when it runs alone. Pages share its process; the priority, not a small thread count,
keeps them ahead: at the same priority an MLP page in another session kept about a third of its
speed on a busy 2-core machine, at +10 all of it (bench/bookmark_page.py, docs/bookmark_chat.md).
On an idle machine niceness changes nothing.

Defaults, for a 2-core machine: 2 heavy jobs on the server, 1 per owner, 1 thread each.
``STUDIO_MAX_JOBS`` and ``STUDIO_MAX_JOBS_PER_USER`` change the caps.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import traceback
from typing import Any, Callable

IDLE, QUEUED, RUNNING, PAUSED, STOPPING = "idle", "queued", "running", "paused", "stopping"
DONE, STOPPED, FAILED = "done", "stopped", "failed"
FINISHED = (DONE, STOPPED, FAILED)
ACTIVE = (RUNNING, PAUSED, STOPPING)

MAX_JOBS_ENV = "STUDIO_MAX_JOBS"
MAX_JOBS_PER_USER_ENV = "STUDIO_MAX_JOBS_PER_USER"
BACKGROUND_NICE_ENV = "STUDIO_IMPORT_NICE"  # how much lower than the pages a background job runs
DEFAULT_BACKGROUND_NICE = 10
DEFAULT_MAX_JOBS = 2
DEFAULT_MAX_JOBS_PER_USER = 1


class NotOwner(PermissionError):
    """Someone other than a job's owner tried to pause, resume or stop it."""


class BackgroundJob:
    """A unit of long work in a daemon thread with pause, resume, stop and an event log.

    ``owner`` and ``area`` say whose work it is and which part of the studio started it;
    ``settings`` keeps the settings it was started with (a page restores its sidebar from
    them after a reload); ``threads`` caps torch's intra-op threads inside the job;
    ``background`` runs it at a lower CPU priority (see the module docstring).
    """

    def __init__(self, target: Callable[["BackgroundJob"], Any], name: str = "job", max_events: int = 100_000, *,
                 owner: str = "", area: str = "", heavy: bool = False, settings: dict | None = None,
                 threads: int | None = None, background: bool = False):
        self.id = secrets.token_hex(8)  # stable name for UI bookkeeping (id() may be reused)
        self.name = name
        self.owner = owner
        self.area = area
        self.heavy = heavy
        self.settings = dict(settings or {})
        self.threads = threads
        self.background = background
        self._target = target
        self._lock = threading.Lock()
        self._events: list[dict] = []
        self._dropped = 0
        self._max_events = max_events
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while paused
        self._running.set()
        self._thread: threading.Thread | None = None
        self._on_finish: list[Callable[["BackgroundJob"], None]] = []
        self.status = IDLE
        self.result: Any = None
        self.error: str | None = None
        self.error_detail: str | None = None
        self.created_at = time.time()
        self.started_at: float | None = None
        self.finished_at: float | None = None

    # --- control (called from the UI) -------------------------------------------------
    def may_control(self, actor: str | None) -> bool:
        """Whether ``actor`` may pause, resume or stop this job (None: the code that runs it)."""
        return actor is None or not self.owner or actor == self.owner

    def _check(self, actor: str | None, action: str) -> None:
        if not self.may_control(actor):
            raise NotOwner(f"only the person who started {self.name!r} can {action} it")

    def start(self) -> "BackgroundJob":
        """Start the thread; a job runs once."""
        if self._thread is not None:
            raise RuntimeError(f"job {self.name!r} was already started")
        if self._stop.is_set():  # stopped while it waited in the queue
            return self
        self.status = RUNNING
        self.started_at = time.time()
        self._thread = threading.Thread(target=self._run, name=f"studio-{self.name}", daemon=True)
        self._thread.start()
        return self

    def pause(self, by: str | None = None) -> None:
        self._check(by, "pause")
        if self.status == RUNNING:
            self._running.clear()
            self.status = PAUSED

    def resume(self, by: str | None = None) -> None:
        self._check(by, "resume")
        if self.status == PAUSED:
            self.status = RUNNING
            self._running.set()

    def stop(self, by: str | None = None) -> None:
        """Ask the target to stop at its next checkpoint (a paused job wakes up to stop; a queued
        job is cancelled before it starts)."""
        self._check(by, "stop")
        self._stop.set()
        self._running.set()
        if self.status in (IDLE, QUEUED) and self._thread is None:
            self.status = STOPPED
            self.finished_at = time.time()
            self._finished()
        elif self.status not in FINISHED:
            self.status = STOPPING

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread (or, while queued, for it to start and finish); True when finished."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._thread is None and not self.finished:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        if self._thread is not None:
            self._thread.join(None if deadline is None else max(deadline - time.monotonic(), 0))
        return self.finished

    def add_done_callback(self, callback: Callable[["BackgroundJob"], None]) -> None:
        self._on_finish.append(callback)

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
    def last_event(self) -> dict:
        with self._lock:
            return dict(self._events[-1]) if self._events else {}

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def alive(self) -> bool:
        """Queued, running, paused or stopping: not finished yet."""
        return not self.finished and (self.status == QUEUED or (self._thread is not None and self._thread.is_alive()))

    def _run(self) -> None:
        try:
            if self.background:
                from core.threads import lower_priority

                lower_priority(background_niceness())
            if self.threads:
                from core.threads import torch_threads

                with torch_threads(self.threads):
                    self.result = self._target(self)
            else:
                self.result = self._target(self)
            self.status = STOPPED if self._stop.is_set() else DONE
        except Exception as exc:  # the UI shows the message; the thread must not die silently
            self.error = f"{type(exc).__name__}: {exc}"
            self.error_detail = traceback.format_exc()
            self.status = FAILED
        finally:
            self.finished_at = time.time()
            self._finished()

    def _finished(self) -> None:
        for callback in list(self._on_finish):
            try:
                callback(self)
            except Exception:  # a failing listener must not hide the job's own outcome
                traceback.print_exc()


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, "") or default))
    except ValueError:
        return default


class JobRegistry:
    """Process-wide jobs by ``(area, owner)``, with a queue that caps concurrent heavy jobs.

    ``max_running`` and ``max_per_owner`` default to ``$STUDIO_MAX_JOBS`` (2) and
    ``$STUDIO_MAX_JOBS_PER_USER`` (1), read when the registry is made.
    """

    def __init__(self, max_running: int | None = None, max_per_owner: int | None = None):
        self.max_running = max_running or _env_int(MAX_JOBS_ENV, DEFAULT_MAX_JOBS)
        self.max_per_owner = max_per_owner or _env_int(MAX_JOBS_PER_USER_ENV, DEFAULT_MAX_JOBS_PER_USER)
        self._jobs: dict[tuple[str, str], BackgroundJob] = {}
        self._queue: list[BackgroundJob] = []
        self._lock = threading.RLock()

    # --- reading -------------------------------------------------------------------------
    def get(self, area: str, owner: str = "") -> BackgroundJob | None:
        """The latest job ``owner`` started in ``area`` (finished or not), or None."""
        with self._lock:
            return self._jobs.get((area, owner))

    def jobs(self, area: str | None = None) -> list[BackgroundJob]:
        """Every job the registry holds (the latest per area and owner), oldest first."""
        with self._lock:
            found = [j for (a, _), j in self._jobs.items() if area is None or a == area]
        return sorted(found, key=lambda j: j.created_at)

    def running(self) -> list[BackgroundJob]:
        """Heavy jobs holding a slot now (running, paused or stopping)."""
        with self._lock:
            return [j for j in self._jobs.values() if j.heavy and j.status in ACTIVE]

    def queued(self) -> list[BackgroundJob]:
        with self._lock:
            return [j for j in self._queue if j.status == QUEUED]

    def queue_position(self, job: BackgroundJob) -> int | None:
        """1 for the next job to start, None when ``job`` is not waiting."""
        waiting = self.queued()
        return waiting.index(job) + 1 if job in waiting else None

    def threads_per_job(self) -> int:
        from core.threads import fair_share

        return fair_share(self.max_running)

    # --- starting --------------------------------------------------------------------------
    def submit(self, area: str, owner: str, target: Callable[[BackgroundJob], Any], *, name: str | None = None,
               heavy: bool = True, settings: dict | None = None, background: bool = False) -> BackgroundJob:
        """Queue (heavy) or start (light) ``target`` as ``owner``'s job in ``area``; ``background``:
        a heavy job at a lower priority with the cores left when it starts (module docstring).

        Refuses with `RuntimeError` while the same owner's previous job in that area is not finished.
        """
        with self._lock:
            old = self._jobs.get((area, owner))
            if old is not None and old.alive:
                raise RuntimeError("a job of yours is already running here; stop it first")
            job = BackgroundJob(target, name=name or area, owner=owner, area=area, heavy=heavy, settings=settings,
                                threads=self.threads_per_job() if heavy else None, background=background)
            self._jobs[(area, owner)] = job
            if not heavy:
                return job.start()
            job.status = QUEUED
            job.add_done_callback(lambda _job: self._admit())
            self._queue.append(job)
            self._admit()
        return job

    def _admit(self) -> None:
        """Start queued heavy jobs, oldest first, while both caps allow."""
        with self._lock:
            self._queue = [j for j in self._queue if j.status == QUEUED]
            for job in list(self._queue):
                running = self.running()
                if len(running) >= self.max_running:
                    break
                if sum(j.owner == job.owner for j in running) >= self.max_per_owner:
                    continue  # this owner is at its cap: later jobs of others may go first
                self._queue.remove(job)
                if job.background:  # the cores the running heavy jobs leave it (all of them when alone)
                    from core.threads import fair_share

                    job.threads = fair_share(len(running) + 1)
                job.start()

    def keys(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._jobs)


def background_niceness() -> int:
    """``$STUDIO_IMPORT_NICE`` (default 10): how many niceness levels a background job drops."""
    try:
        return int(os.environ.get(BACKGROUND_NICE_ENV, "") or DEFAULT_BACKGROUND_NICE)
    except ValueError:
        return DEFAULT_BACKGROUND_NICE


registry = JobRegistry()
