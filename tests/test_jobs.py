import os
import sys
import threading
import time

import pytest

from core.jobs import DONE, FAILED, PAUSED, QUEUED, RUNNING, STOPPED, BackgroundJob, JobRegistry, NotOwner


def _counting(job):
    i = 0
    while job.checkpoint():
        i += 1
        job.emit({"step": i})
        time.sleep(0.002)
        if i >= 10_000:
            break
    return i


def test_job_reports_events_and_stops_on_request():
    job = BackgroundJob(_counting).start()
    time.sleep(0.05)
    events, pos = job.events_since(0)
    assert events and events[0]["step"] == 1
    job.stop()
    assert job.join(5)
    assert job.status == STOPPED and job.result < 10_000
    more, _ = job.events_since(pos)
    assert all(e["step"] > events[-1]["step"] for e in more)


def test_pause_holds_the_worker():
    job = BackgroundJob(_counting).start()
    time.sleep(0.03)
    job.pause()
    time.sleep(0.05)
    n = len(job.events)
    time.sleep(0.05)
    assert len(job.events) <= n + 1  # at most the step in flight
    job.resume()
    time.sleep(0.03)
    assert len(job.events) > n
    job.stop()
    job.join(5)


def test_failure_is_captured_not_raised():
    def boom(job):
        raise ValueError("loss is nan")

    job = BackgroundJob(boom).start()
    job.join(5)
    assert job.status == FAILED and "loss is nan" in job.error


def test_registry_refuses_a_second_run_of_the_same_owner_in_an_area():
    reg = JobRegistry(max_running=2, max_per_owner=2)
    gate = threading.Event()
    reg.submit("k", "alice", lambda job: gate.wait(5))
    with pytest.raises(RuntimeError):
        reg.submit("k", "alice", lambda job: None)
    other = reg.submit("k", "bob", lambda job: 2)  # another owner, same area: fine
    assert other.join(5) and other.result == 2
    gate.set()
    reg.get("k", "alice").join(5)
    assert reg.get("k", "alice").status == DONE
    assert reg.submit("k", "alice", lambda job: 1).join(5)


def _blocking(gate):
    def target(job):
        while not gate.is_set() and job.checkpoint():
            time.sleep(0.005)
        return "ok"
    return target


def _wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_only_the_owner_can_pause_resume_or_stop():
    reg = JobRegistry(max_running=2, max_per_owner=1)
    gate = threading.Event()
    job = reg.submit("alexnet", "browser:alice", _blocking(gate))
    for action in ("pause", "resume", "stop"):
        with pytest.raises(NotOwner):
            getattr(job, action)(by="browser:mallory")
    assert job.status == RUNNING
    job.pause(by="browser:alice")
    assert job.status == PAUSED
    job.resume(by="browser:alice")
    job.stop(by="browser:alice")
    assert job.join(5) and job.status == STOPPED
    assert reg.get("alexnet", "browser:mallory") is None  # nobody else finds it under their name


def test_heavy_jobs_beyond_the_server_cap_wait_in_a_fifo_queue():
    reg = JobRegistry(max_running=2, max_per_owner=1)
    gates = [threading.Event() for _ in range(4)]
    jobs = [reg.submit(f"area{i}", f"owner{i}", _blocking(g)) for i, g in enumerate(gates)]
    assert [j.status for j in jobs] == [RUNNING, RUNNING, QUEUED, QUEUED]
    assert [reg.queue_position(j) for j in jobs] == [None, None, 1, 2]
    gates[0].set()
    assert jobs[0].join(5)
    deadline = time.monotonic() + 5
    while jobs[2].status == QUEUED and time.monotonic() < deadline:
        time.sleep(0.01)
    assert jobs[2].status == RUNNING and jobs[3].status == QUEUED and reg.queue_position(jobs[3]) == 1
    for g in gates:
        g.set()
    assert all(j.join(5) for j in jobs)


def test_per_owner_cap_lets_others_go_first_and_a_queued_job_can_be_cancelled():
    reg = JobRegistry(max_running=3, max_per_owner=1)
    gate = threading.Event()
    first = reg.submit("alexnet", "alice", _blocking(gate))
    second = reg.submit("bookmarks", "alice", _blocking(gate))  # alice is at her cap: waits
    bob = reg.submit("alexnet", "bob", _blocking(gate))  # bob is not: starts at once, ahead of her
    assert (first.status, second.status, bob.status) == (RUNNING, QUEUED, RUNNING)
    with pytest.raises(NotOwner):
        second.stop(by="bob")
    second.stop(by="alice")
    assert second.status == STOPPED and second.finished and reg.queue_position(second) is None
    gate.set()
    assert first.join(5) and bob.join(5)
    assert second.started_at is None  # never ran


def test_heavy_jobs_get_a_fair_share_of_threads_and_light_jobs_start_at_once():
    import torch

    from core.threads import fair_share

    reg = JobRegistry(max_running=2, max_per_owner=1)
    heavy = reg.submit("train", "alice", lambda job: torch.get_num_threads())
    assert heavy.join(5) and heavy.result == fair_share(2) == heavy.threads
    gate = threading.Event()
    blockers = [reg.submit(f"b{i}", f"o{i}", _blocking(gate)) for i in range(2)]
    light = reg.submit("notes", "alice", lambda job: "light", heavy=False)
    assert light.join(5) and light.result == "light"  # not held back by the full heavy slots
    gate.set()
    assert all(b.join(5) for b in blockers)


def test_settings_travel_with_the_job():
    reg = JobRegistry()
    job = reg.submit("alexnet", "alice", lambda job: None, settings={"epochs": 3})
    job.join(5)
    assert reg.get("alexnet", "alice").settings == {"epochs": 3}


def test_event_log_is_bounded():
    job = BackgroundJob(lambda j: [j.emit({"i": i}) for i in range(50)], max_events=10).start()
    job.join(5)
    events, pos = job.events_since(0)
    assert len(events) == 10 and events[-1]["i"] == 49 and pos == 50


def test_a_background_job_takes_the_cores_left_when_it_starts(monkeypatch):
    monkeypatch.setattr("core.threads.cpu_count", lambda: 4)
    reg = JobRegistry(max_running=2, max_per_owner=1)
    gate = threading.Event()
    alone = reg.submit("import", "alice", _blocking(gate), background=True)
    _wait_for(lambda: alone.status == RUNNING)
    assert alone.threads == 4  # alone on the server: the whole machine
    training = reg.submit("train", "bob", _blocking(gate))
    assert training.threads == 2  # an ordinary heavy job keeps its fixed share
    gate.set()
    assert alone.join(5) and training.join(5)
    gate = threading.Event()
    first = reg.submit("train", "bob", _blocking(gate))
    _wait_for(lambda: first.status == RUNNING)
    second = reg.submit("import", "alice", _blocking(gate), background=True)
    _wait_for(lambda: second.status == RUNNING)
    assert second.threads == 2  # one heavy job already running: half
    gate.set()
    assert first.join(5) and second.join(5)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_a_background_job_runs_at_a_lower_priority(monkeypatch):
    monkeypatch.setenv("STUDIO_IMPORT_NICE", "3")
    seen = {}

    def target(job):
        seen[job.name] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    reg = JobRegistry(max_running=2, max_per_owner=2)
    assert reg.submit("import", "alice", target, name="bg", background=True).join(5)
    assert reg.submit("train", "alice", target, name="fg").join(5)
    assert seen == {"bg": min(base + 3, 19), "fg": base}
