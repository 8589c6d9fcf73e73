"""A generated corpus of hostile files (tests/bm_hostile.py), each imported with default options
over a small store, through `load_bookmarks` + `sync` and through the CLI: none raises, none
hangs, none removes anything; mirror syncs of them are refused; every mode still answers."""

from __future__ import annotations

import _thread
import json
import signal
import threading
import time
from contextlib import contextmanager

import pytest

from core.bookmarks.importers import BookmarkImportError, load_bookmarks
from core.bookmarks.model import Bookmark
from core.bookmarks.retrieval import MODES, search
from core.bookmarks.sync import BookmarkIndex, SyncRefused
from tests.bm_fixtures import HashEmbedder
from tests.bm_hostile import CHECKS, REFUSED, MiniLMStandIn, write_corpus

SECONDS_PER_FILE = 60  # generous for a loaded 2-core machine; the slowest file takes ~2 s alone


@contextmanager
def deadline(seconds: int, what: str):
    """Fail (instead of hanging the suite) when a Python-level loop runs past ``seconds``.
    SIGUSR1 from a timer thread: SIGALRM belongs to pytest-timeout."""
    def expired(signum, frame):
        raise TimeoutError(f"{what} took over {seconds} s")

    previous = signal.signal(signal.SIGUSR1, expired)
    timer = threading.Timer(seconds, _thread.interrupt_main, args=(signal.SIGUSR1,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)


def base_collection(n: int = 200) -> list[Bookmark]:
    return [Bookmark(url=f"https://base{i}.example.com/doc/{i}", title=f"base bookmark {i} about topic {i % 7}",
                     folder=f"Base / F{i % 5}", description=f"description {i}") for i in range(n)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("hostile"))


def test_the_corpus_is_large_and_varied(corpus):
    assert len(corpus) >= 90
    assert len({p.suffix for p in corpus}) >= 8


def test_every_hostile_file_imports_or_is_refused_in_one_line_and_nothing_is_lost(corpus, tmp_path):
    idx = BookmarkIndex(tmp_path / "store", embedder=HashEmbedder())
    base = base_collection()
    idx.sync(base)
    base_ids = {b.id for b in base}
    outcomes, slow = {}, []
    for path in corpus:
        t0 = time.perf_counter()
        with deadline(SECONDS_PER_FILE, f"importing {path.name}"):
            try:
                result = load_bookmarks(path)
            except BookmarkImportError as exc:
                message = str(exc)
                assert message and "\n" not in message and "Traceback" not in message, path.name
                outcomes[path.name] = ("refused", message)
            else:
                outcomes[path.name] = ("read", result)
                count_before = len(idx.records)
                assert base_ids <= set(idx.records), path.name
                assert idx.plan(result.bookmarks, mirror=True).refusal, path.name
                with pytest.raises(SyncRefused):  # a mirror sync of any of these would remove most
                    idx.sync(result.bookmarks, mirror=True)
                report = idx.sync(result.bookmarks, skipped=sum(result.skipped.values()))
                assert report.removed == 0 and len(idx.records) >= count_before, path.name
        slow.append((time.perf_counter() - t0, path.name))
    failed_checks = [name for name, check in CHECKS.items() if outcomes[name][0] != "read" or not check(outcomes[name][1])]
    assert not failed_checks, failed_checks
    wrong_refusals = {name: outcomes[name] for name, words in REFUSED.items()
                      if outcomes[name][0] != "refused" or words.lower() not in outcomes[name][1].lower()}
    assert not wrong_refusals, wrong_refusals
    unexpected = {n for n, (kind, _) in outcomes.items() if kind == "refused"} - set(REFUSED)
    assert not unexpected, {n: outcomes[n][1] for n in unexpected}
    reopened = BookmarkIndex(tmp_path / "store", embedder=HashEmbedder())
    assert base_ids <= set(reopened.records)
    for mode in MODES:  # the collection answers in every mode after all of it
        hits = search(reopened, "base bookmark about topic 3", k=5, mode=mode, threshold=-1.0)
        assert len(hits) == 5 and {h.id for h in hits} <= set(reopened.records), mode
    print("slowest files:", sorted(slow, reverse=True)[:5])


def test_every_hostile_file_through_the_cli_keeps_the_collection(corpus, tmp_path, monkeypatch, capsys):
    from core.bookmarks import embeddings
    from core.bookmarks.__main__ import main

    MiniLMStandIn.patch_minilm(setattr=monkeypatch.setattr)
    store = tmp_path / "store"
    base = base_collection()
    BookmarkIndex(store, embedder=embeddings.MiniLMEmbedder()).sync(base)
    base_ids = {b.id for b in base}
    for path in corpus:
        with deadline(SECONDS_PER_FILE, f"the CLI import of {path.name}"):
            code = main(["import", str(path), "--store", str(store)])
        out = capsys.readouterr()
        assert code in (0, 1, 2), (path.name, code, out.err)
        assert "Traceback" not in out.err + out.out, path.name
        if code == 2:
            assert out.err.startswith("error: ") and out.err.count("\n") == 1, (path.name, out.err)
        assert base_ids <= set(BookmarkIndex(store).records), path.name
    for path in [p for p in corpus if p.name in ("duplicate-variants.html", "chrome-empty-roots.json", "header-only.csv", "chrome-children-int.json",
                                                 "javascript-only.html", "half-truncated.html", "empty-dl.html")]:
        assert main(["import", str(path), "--store", str(store), "--mirror"]) == 3, path.name
        assert "refused:" in capsys.readouterr().err
    assert base_ids <= set(BookmarkIndex(store).records)
    for mode in MODES:  # every mode answers (threshold may rightly find nothing close enough)
        assert main(["search", "base bookmark about topic 3", "--store", str(store), "--mode", mode, "--json"]) == 0
        rows = json.loads(capsys.readouterr().out)
        assert rows or mode == "threshold", mode
