import threading
import time

import pytest

from core.jobs import DONE, FAILED, STOPPED, BackgroundJob, JobRegistry


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


def test_registry_refuses_a_second_run_under_the_same_key():
    reg = JobRegistry()
    gate = threading.Event()
    reg.start("k", lambda job: gate.wait(5))
    with pytest.raises(RuntimeError):
        reg.start("k", lambda job: None)
    gate.set()
    reg.get("k").join(5)
    assert reg.get("k").status == DONE
    reg.start("k", lambda job: 1).join(5)


def test_event_log_is_bounded():
    job = BackgroundJob(lambda j: [j.emit({"i": i}) for i in range(50)], max_events=10).start()
    job.join(5)
    events, pos = job.events_since(0)
    assert len(events) == 10 and events[-1]["i"] == 49 and pos == 50
