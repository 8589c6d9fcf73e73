"""Fair share on one server: the MLP trainer's speed alone, and while an AlexNet run and a bookmark
import are going (issue #13).

Run: ``.venv/bin/python -m bench.fair_share [--window 20]``

The MLP side trains the way the MLP page does (``TrainingRun.advance`` with the page's time budget
per tick, in the calling thread) on the page's default problem. The two heavy jobs go through
`core.jobs` exactly as the pages start them:

- ``capped``: `JobRegistry.submit` (the studio now): each heavy job gets ``fair_share(max_running)``
  torch threads;
- ``uncapped`` (the faithful baseline, how jobs ran before the fair-share queue): the same jobs as
  plain `BackgroundJob`s, with torch's default thread count.

Prints ``name: value`` lines: epochs/s alone, with the jobs (both policies), the ratios to "alone",
the jobs' own progress in the window, thread settings and the load average.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch

from core.jobs import BackgroundJob, JobRegistry
from core.threads import cpu_count, fair_share

TICK_BUDGET = 0.12  # seconds of training per page tick, as on the MLP page


def mlp_rate(window: float) -> float:
    """Epochs/s of the MLP page's default run, trained tick by tick in this thread."""
    from ui.mlp_trainer.state import MLPTrainerState, build_table, new_run

    state = MLPTrainerState()
    run, _ = new_run(state, build_table(state), torch.device("cpu"))
    run.advance(20)  # warm up
    start, epochs = time.perf_counter(), 0
    while time.perf_counter() - start < window:
        epochs += run.advance(10**9, time_budget=TICK_BUDGET)
    return epochs / (time.perf_counter() - start)


def alexnet_target(out: Path):
    from core.alexnet.run import run_training
    from core.alexnet.trainer import TrainConfig

    config = TrainConfig(dataset="digits", epochs=500, batch_size=32, optimizer="adam", lr=1e-3, hidden=256,
                         log_every=5)

    def target(job):
        return run_training(config, out, device="cpu", listener=job.emit, should_continue=job.checkpoint)
    return target


def import_target(store: Path, n: int = 60_000):
    from core.bookmarks.model import Bookmark
    from core.bookmarks.sync import BookmarkIndex

    words = ("python", "tensor", "gradient", "kernel", "vector", "search", "cache", "parser", "graph", "layer")
    marks = [Bookmark(title=f"{words[i % 10]} notes {i} about {words[(i * 7) % 10]} and {words[(i * 3) % 10]}",
                      url=f"https://example{i % 97}.org/p/{i}", folder=f"f{i % 13}") for i in range(n)]

    def target(job):
        index = BookmarkIndex(store)
        return index.sync(marks, progress=lambda p: job.emit(p), should_continue=job.checkpoint)
    return target


def progress_of(job: BackgroundJob) -> str:
    events = job.events
    steps = [e for e in events if e.get("kind") == "step" or "step" in e]
    embedded = [e.get("embedded") for e in events if e.get("embedded") is not None]
    if embedded:
        return f"{embedded[-1]} bookmarks embedded"
    return f"{len(steps)} step events"


def with_jobs(window: float, capped: bool, tmp: Path) -> tuple[float, list[str]]:
    targets = [("alexnet", alexnet_target(tmp / f"alexnet-{capped}")),
               ("bookmarks-import", import_target(tmp / f"store-{capped}"))]
    if capped:
        registry = JobRegistry(max_running=2, max_per_owner=1)
        jobs = [registry.submit(area, f"bench-{area}", target) for area, target in targets]
    else:
        jobs = [BackgroundJob(target, name=area).start() for area, target in targets]
    time.sleep(min(8.0, window / 2))  # let both jobs load their data and models
    rate = mlp_rate(window)
    notes = [f"{job.name}: {job.status}, {progress_of(job)}" for job in jobs]
    for job in jobs:
        job.stop()
    for job in jobs:
        job.join(120)
    return rate, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=20.0, help="seconds of MLP training per measurement")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("STUDIO_DATA_DIR", tempfile.mkdtemp(prefix="studio-bench-"))
    tmp = Path(tempfile.mkdtemp(prefix="fair-share-"))
    print(f"cores: {cpu_count()}")
    print(f"torch_default_threads: {torch.get_num_threads()}")
    print(f"threads_per_heavy_job_capped: {fair_share(2)}")
    print(f"load_average_before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    alone = mlp_rate(args.window)
    print(f"mlp_epochs_per_s_alone: {alone:.1f}")
    for capped in (False, True):
        label = "capped" if capped else "uncapped_baseline"
        rate, notes = with_jobs(args.window, capped, tmp)
        print(f"mlp_epochs_per_s_with_alexnet_and_import_{label}: {rate:.1f}")
        print(f"ratio_to_alone_{label}: {rate / alone:.2f}")
        for note in notes:
            print(f"  {label} job {note}")
    print(f"load_average_after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
