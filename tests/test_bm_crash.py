"""kill -9 of a CLI import over an existing store: the previous collection stays searchable in
every mode with its old answers, and running the import again finishes the job.

The import runs in a subprocess (``python -m core.bookmarks import`` through `main`) with a
slowed stand-in embedder under MiniLM's name, killed three times: mid-embedding, in the middle
of a write to Chroma, and as the last batch is stored (the commit and the clean-up race it)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.bookmarks.exporters import to_netscape_html
from core.bookmarks.model import Bookmark
from core.bookmarks.retrieval import MODES, search
from core.bookmarks.sync import JOURNAL, BookmarkIndex
from tests.bm_hostile import MiniLMStandIn

ROOT = Path(__file__).resolve().parent.parent
RUNNER = """
import sys, time
from tests.bm_hostile import MiniLMStandIn
delay, where = float(sys.argv[3]), sys.argv[4]
MiniLMStandIn.patch_minilm(delay=delay if where == "embed" else 0.0)
if where == "write":  # each batch reaches Chroma in two halves, the pause between them
    from core.bookmarks.stores import ChromaStore
    upsert = ChromaStore.upsert
    def halves(self, ids, vectors, metadatas):
        half = len(ids) // 2
        upsert(self, ids[:half], vectors[:half], metadatas[:half])
        time.sleep(delay)
        upsert(self, ids[half:], vectors[half:], metadatas[half:])
    ChromaStore.upsert = halves
from core.bookmarks.__main__ import main
sys.exit(main(["import", sys.argv[2], "--store", sys.argv[1]]))
"""
QUESTIONS = ["base topic 1 notes", "guide to topic 4", "new page about birds", "recipes", "topic 2 reference"]


def collection(n_old: int, n_new: int, version: str) -> list[Bookmark]:
    old = [Bookmark(url=f"https://old{i}.example.com/topic/{i}", title=f"base topic {i % 9} notes {i} {version}",
                    folder=f"Old / T{i % 4}", description=f"reference guide {i}") for i in range(n_old)]
    new = [Bookmark(url=f"https://new{i}.example.org/p/{i}", title=f"new page {i} about birds and recipes",
                    folder="New") for i in range(n_new)]
    return old + new


def run_import(store: Path, file: Path, delay: float = 0.0, where: str = "embed") -> subprocess.Popen:
    """The CLI import in a subprocess, ``delay`` seconds slower per batch in embedding or
    (``where="write"``) halfway through writing each batch to Chroma."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-c", RUNNER, str(store), str(file), str(delay), where], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def journal_lines(store: Path, kind: str) -> int:
    try:
        return sum(f'"{kind}"' in line for line in (store / JOURNAL).read_text().splitlines())
    except FileNotFoundError:
        return 0


def answers(store: Path) -> dict:
    idx = BookmarkIndex(store, embedder=MiniLMStandIn())
    return {(q, mode): [h.id for h in search(idx, q, k=5, mode=mode, threshold=-1.0)] for q in QUESTIONS for mode in MODES}


def same_answers(now: dict, before: dict, records) -> bool:
    """Every question in every mode gets 5 answers from the old collection, as before (the
    vector index is approximate, and stray vectors reshape its graph: allow 1 in 20 to differ)."""
    shared = sum(len(set(now[key]) & set(ids)) for key, ids in before.items())
    return all(len(ids) == 5 and set(ids) <= set(records) for ids in now.values()) and shared >= 0.95 * 5 * len(before)


def kill_when(proc: subprocess.Popen, ready, timeout: float = 120) -> None:
    t0 = time.monotonic()
    while not ready():
        if proc.poll() is not None:
            raise AssertionError(f"the import ended before the kill: {proc.communicate()}")
        if time.monotonic() - t0 > timeout:
            proc.kill()
            raise AssertionError("the import never reached the point of the kill")
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)


@pytest.mark.slow
def test_kill_9_mid_import_keeps_the_old_collection_searchable_and_a_rerun_finishes(tmp_path):
    store, before_file, after_file = tmp_path / "store", tmp_path / "before.html", tmp_path / "after.html"
    before_file.write_text(to_netscape_html(collection(150, 0, "v1")), "utf-8")
    after = collection(150, 400, "v2")  # every old bookmark updated, 400 new: 550 to embed in 3 batches
    after_file.write_text(to_netscape_html(after), "utf-8")
    first = run_import(store, before_file)
    assert first.wait(120) == 0, first.communicate()
    baseline = answers(store)
    assert all(len(ids) == 5 for ids in baseline.values())

    kills = [  # (slowdown per batch, where, when to kill)
        (1.0, "embed", lambda: journal_lines(store, "stored") >= 1),  # mid-embedding: a batch stored, not committed
        (1.0, "write", lambda: journal_lines(store, "planned") > journal_lines(store, "stored")),  # half a batch written
        (0.3, "embed", lambda: journal_lines(store, "stored") >= 3),  # everything stored: the kill races the commit
    ]
    for delay, where, ready in kills:
        kill_when(run_import(store, after_file, delay, where), ready)
        state = BookmarkIndex(store, embedder=MiniLMStandIn())
        assert len(state.records) in (150, 550)  # the old collection or the new one, nothing between
        if len(state.records) == 150:
            assert state.store.count() > 150  # stray vectors are there...
            assert same_answers(answers(store), baseline, state.records)  # ...and never returned: every mode answers as before
        else:
            assert all(len(ids) == 5 and set(ids) <= set(state.records) for ids in answers(store).values())

    rerun = run_import(store, after_file)
    out, err = rerun.communicate(timeout=180)
    assert rerun.returncode == 0, err
    report = dict(re.findall(r"(\w+): (\d+)", out))
    assert int(report["embedded"]) < 550  # what the killed runs stored is not embedded again
    done = BookmarkIndex(store, embedder=MiniLMStandIn())
    assert len(done.records) == 550 and all(r["bookmark"]["title"].endswith("v2") or "birds" in r["bookmark"]["title"]
                                            for r in done.records.values())
    for (q, mode), ids in answers(store).items():
        assert len(ids) == 5 and set(ids) <= set(done.records), (q, mode)
    assert done.store.count() == 700  # the new generation plus the previous one, kept for undo
    assert not (store / JOURNAL).exists()
    assert json.loads((store / "manifest.json").read_text())["records"]


@pytest.mark.slow
def test_kill_9_of_a_first_import_leaves_its_checkpoints_searchable(tmp_path):
    """No earlier collection: the checkpoints of a first import are what stays searchable."""
    store, file = tmp_path / "store", tmp_path / "all.html"
    file.write_text(to_netscape_html(collection(150, 400, "v1")), "utf-8")  # 550: three batches
    kill_when(run_import(store, file, 1.0, "embed"), lambda: (store / "manifest.json").exists())
    state = BookmarkIndex(store, embedder=MiniLMStandIn())
    assert 0 < len(state.records) < 550
    for (q, mode), ids in answers(store).items():
        assert ids and set(ids) <= set(state.records), (q, mode)
    rerun = run_import(store, file)
    out, err = rerun.communicate(timeout=180)
    assert rerun.returncode == 0, err
    assert len(BookmarkIndex(store, embedder=MiniLMStandIn()).records) == 550
