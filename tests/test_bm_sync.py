"""Incremental sync: add, change, mirror removal and its refusals, plan, undo, interrupted and
crashed syncs, stray vectors, legacy stores, model mismatch, store round-trip, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.bookmarks.exporters import to_chrome_json, to_netscape_html
from core.bookmarks.model import Bookmark
from core.bookmarks.retrieval import MODES, search
from core.bookmarks.stores import ChromaStore, EmbeddingMismatch
from core.bookmarks.sync import GARBAGE, JOURNAL, MANIFEST, BookmarkIndex, SyncRefused
from tests.bm_fixtures import HashEmbedder, labelled_bookmarks


def make_index(path, emb=None):
    return BookmarkIndex(path, embedder=emb or HashEmbedder())


def ids_found(idx, query="anything", k=20):
    """{mode: set of bookmark ids} returned by every retrieval mode."""
    return {mode: {h.id for h in search(idx, query, k=k, mode=mode, threshold=-1.0)} for mode in MODES}


def extra(n, prefix="new"):
    return [Bookmark(url=f"https://{prefix}{i}.example.org/page", title=f"{prefix} page {i}", folder="More")
            for i in range(n)]


def test_import_adds_and_updates_and_removes_only_on_a_mirror_sync(tmp_path):
    emb = HashEmbedder()
    idx = make_index(tmp_path / "s", emb)
    marks = labelled_bookmarks()
    r = idx.sync(marks, skipped=3)
    assert (r.added, r.updated, r.removed, r.unchanged, r.skipped, r.embedded) == (20, 0, 0, 0, 3, 20)
    assert idx.store.count() == 20 and r.total_after == 20
    texts_before = emb.texts
    r = idx.sync(marks)
    assert (r.added, r.unchanged, r.embedded) == (0, 20, 0) and emb.texts == texts_before
    assert r.line() == "added: 0 updated: 0 removed: 0 unchanged: 20 skipped: 0 embedded: 0"
    changed = [Bookmark.from_dict(b.to_dict()) for b in marks[:-2]]  # two missing from the file
    changed[0].title = "Sourdough, renamed"
    changed.append(Bookmark(url="https://new.example.org/", title="Brand new"))
    r = idx.sync(changed)  # default: the missing two stay
    assert (r.added, r.updated, r.removed, r.unchanged, r.embedded) == (1, 1, 0, 17, 2)
    assert len(idx.records) == 21 and marks[-1].id in idx.records
    r = idx.sync(changed, mirror=True)  # 2 of 21 removed: allowed
    assert (r.added, r.updated, r.removed, r.unchanged, r.embedded) == (0, 0, 2, 19, 0)
    fresh = BookmarkIndex(tmp_path / "s", embedder=HashEmbedder())  # reopened from disk
    assert fresh.bookmark(changed[0].id).title == "Sourdough, renamed"
    assert marks[-1].id not in fresh.records and len(fresh.records) == 19
    for mode, found in ids_found(fresh).items():
        assert found <= set(fresh.records) and len(found) == 19, mode


def test_duplicate_pages_given_to_sync_are_counted_not_crashing(tmp_path):
    marks = labelled_bookmarks()
    r = make_index(tmp_path / "s").sync(marks + [Bookmark(url=marks[0].url + "#again", title="dupe")])
    assert (r.added, r.skipped) == (20, 1)


def test_mirror_sync_is_refused_when_it_would_remove_most_or_the_file_is_empty(tmp_path):
    emb = HashEmbedder()
    idx = make_index(tmp_path / "s", emb)
    marks = labelled_bookmarks()
    idx.sync(marks)
    before = (tmp_path / "s" / MANIFEST).read_bytes()
    calls = emb.calls
    six = marks[:6] + extra(1)
    plan = idx.plan(six, mirror=True)
    assert (plan.added, plan.updated, plan.removed, plan.unchanged, plan.total_after) == (1, 0, 14, 6, 7)
    assert plan.line() == "adds 1, updates 0, removes 14"
    assert "remove 14 of the 20 bookmarks (more than half)" in plan.refusal
    with pytest.raises(SyncRefused, match="remove 14 of the 20") as exc:
        idx.sync(six, mirror=True)
    assert "\n" not in str(exc.value)
    with pytest.raises(SyncRefused, match="no valid bookmarks.*all 20"):
        idx.sync([], mirror=True)
    assert emb.calls == calls and (tmp_path / "s" / MANIFEST).read_bytes() == before  # nothing changed
    assert idx.plan(six).refusal is None and idx.plan(six).removed == 0  # without mirror: adds only
    big = labelled_bookmarks() + extra(2000)
    assert idx.plan(big, mirror=True).line() == "adds 2,000, updates 0, removes 0"
    r = idx.sync(six, mirror=True, force=True)
    assert (r.added, r.removed, r.total_after) == (1, 14, 7) and len(idx.records) == 7


def test_plan_embeds_nothing_and_sync_reports_loading_then_embedding(tmp_path):
    class LazyEmbedder(HashEmbedder):
        loaded = False

        def load(self):
            type(self).loaded = True

    emb = LazyEmbedder()
    idx = make_index(tmp_path / "s", emb)
    plan = idx.plan(labelled_bookmarks())
    assert (plan.added, emb.calls, LazyEmbedder.loaded) == (20, 0, False)
    events = []
    idx.sync(labelled_bookmarks(), progress=events.append, batch_size=8)
    assert events[0] == {"phase": "loading-model"}
    assert [e["embedded"] for e in events[1:]] == [0, 8, 16, 20]
    assert events[-1] == {"phase": "embedding", "embedded": 20, "to_embed": 20, "total": 20}
    events.clear()
    idx.sync(labelled_bookmarks() + extra(3), progress=events.append)
    assert [e["phase"] for e in events] == ["embedding", "embedding"]  # loaded already: no loading phase


def test_undo_restores_the_collection_before_the_last_change_and_redo(tmp_path):
    idx = make_index(tmp_path / "s")
    marks = labelled_bookmarks()
    assert not idx.can_undo()
    with pytest.raises(SyncRefused, match="no earlier import"):
        idx.undo()
    idx.sync(marks[:12])
    changed = [Bookmark.from_dict(b.to_dict()) for b in marks[:12]]
    changed[0].title = "Renamed once"
    idx.sync(changed + marks[12:], mirror=False)
    with pytest.raises(SyncRefused):  # would remove 12 of 20
        idx.sync(changed[:8], mirror=True)
    assert len(idx.records) == 20
    idx.sync(changed[:8], mirror=True, force=True)
    assert len(idx.records) == 8 and idx.can_undo()
    idx.sync(changed[:8])  # no change: the undo snapshot stays the one before the removal
    r = idx.undo()
    assert (r.added, r.removed, r.total_after) == (12, 0, 20)
    reopened = make_index(tmp_path / "s")
    assert len(reopened.records) == 20 and reopened.bookmark(marks[0].id).title == "Renamed once"
    for mode, found in ids_found(reopened).items():
        assert found == set(reopened.records), mode  # the restored ones have their vectors
    r = reopened.undo()  # redo
    assert (r.removed, r.total_after) == (12, 8) and len(make_index(tmp_path / "s").records) == 8


def test_vectors_of_older_generations_are_collected(tmp_path):
    idx = make_index(tmp_path / "s")
    marks = labelled_bookmarks()
    idx.sync(marks)
    for round_ in range(3):
        changed = [Bookmark.from_dict({**b.to_dict(), "title": f"{b.title} v{round_}"}) for b in marks]
        idx.sync(changed)
        # the committed and the previous generation, nothing older
        assert idx.store.count() == 40
    assert not (tmp_path / "s" / GARBAGE).exists() and not (tmp_path / "s" / JOURNAL).exists()


def test_interrupted_sync_keeps_the_previous_state_and_the_next_completes_it(tmp_path):
    emb = HashEmbedder()
    idx = make_index(tmp_path / "s", emb)
    marks = labelled_bookmarks()
    idx.sync(marks[:5])
    manifest_before = (tmp_path / "s" / MANIFEST).read_bytes()
    updated = [Bookmark.from_dict({**b.to_dict(), "title": b.title + " (new)"}) for b in marks[:5]]
    batches = iter([True, True, False])  # stop after two batches of 4
    r = idx.sync(updated + marks[5:], batch_size=4, should_continue=lambda: next(batches))
    assert r.interrupted and r.embedded == 8 and "interrupted" in r.line()
    assert (tmp_path / "s" / MANIFEST).read_bytes() == manifest_before  # previous state untouched
    assert (tmp_path / "s" / JOURNAL).exists()
    reopened = make_index(tmp_path / "s")
    assert len(reopened.records) == 5 and reopened.store.count() == 13  # 8 stray vectors
    for mode, found in ids_found(reopened).items():  # searchable as before, only the old vectors
        assert found == set(reopened.records), mode
    assert all("(new)" not in h.bookmark.title for h in search(reopened, "anything", k=5, mode="similarity"))
    emb2 = HashEmbedder()
    r = BookmarkIndex(tmp_path / "s", embedder=emb2).sync(updated + marks[5:], batch_size=4)
    assert not r.interrupted and (r.added, r.updated) == (15, 5) and r.embedded == 12  # the 8 are not redone
    assert not (tmp_path / "s" / JOURNAL).exists()
    done = make_index(tmp_path / "s")
    assert len(done.records) == 20 and done.bookmark(marks[0].id).title.endswith("(new)")


def test_stray_vectors_never_crowd_out_committed_ones(tmp_path):
    """The failure in the issue: 0 results after an interrupted import. Here 300 stray vectors
    (all far closer to the query than any committed one) sit in the store."""
    emb = HashEmbedder()
    idx = make_index(tmp_path / "s", emb)
    idx.sync(labelled_bookmarks())
    query = "stray page"
    strays = [Bookmark(url=f"https://stray{i}.example/", title=query, folder="Stray") for i in range(300)]
    stop = iter([True, False])
    idx.sync(strays, batch_size=300, should_continue=lambda: next(stop))
    assert idx.store.count() == 320
    for mode in MODES:
        hits = search(idx, query, k=5, mode=mode, threshold=-1.0)
        assert len(hits) == 5 and {h.id for h in hits} <= set(idx.records), mode


@pytest.mark.parametrize("step", ["previous", "commit", "garbage"])
def test_a_crash_at_each_commit_step_leaves_a_searchable_collection(tmp_path, monkeypatch, step):
    idx = make_index(tmp_path / "s")
    marks = labelled_bookmarks()
    idx.sync(marks[:10])
    updated = [Bookmark.from_dict({**b.to_dict(), "title": b.title + " v2"}) for b in marks[:10]] + marks[10:]

    class Crash(BaseException):
        pass

    def boom(*a, **k):
        raise Crash

    target = {"previous": "_keep_current_as_previous", "commit": "_write_atomically", "garbage": "_collect_garbage"}[step]
    with monkeypatch.context() as m:
        m.setattr(BookmarkIndex, target, boom)
        try:
            make_index(tmp_path / "s").sync(updated)
        except Crash:
            pass
    after = make_index(tmp_path / "s")
    assert len(after.records) == (20 if step == "garbage" else 10)
    for mode, found in ids_found(after).items():
        assert found == set(after.records), (step, mode)
    r = make_index(tmp_path / "s").sync(updated)  # the re-run finishes the job
    done = make_index(tmp_path / "s")
    assert len(done.records) == 20 and done.bookmark(marks[0].id).title.endswith("v2")
    assert r.embedded == 0  # every vector was already stored
    assert done.store.count() == 30 and not (tmp_path / "s" / GARBAGE).exists()


def test_one_sync_at_a_time_per_store(tmp_path):
    import fcntl

    idx = make_index(tmp_path / "s")
    idx.sync(labelled_bookmarks()[:3])
    with open(tmp_path / "s" / ".sync.lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        with pytest.raises(SyncRefused, match="another import"):
            idx.sync(labelled_bookmarks())
    assert idx.sync(labelled_bookmarks()).added == 17


def test_a_store_from_before_the_same_link_rule_is_rekeyed_not_duplicated(tmp_path):
    """Version 1 stores keyed http and https apart and had vector id == bookmark id."""
    store_dir = tmp_path / "old"
    emb = HashEmbedder()
    marks = [Bookmark(url="http://example.org/a", title="Plain http page"),
             Bookmark(url="https://www.example.org/b/", title="Second")] + labelled_bookmarks()[:3]
    from core.bookmarks.model import content_hash, document_text
    import hashlib

    old_id = lambda u: hashlib.sha1(u.encode()).hexdigest()[:20]  # noqa: E731 - any id that differs
    records = {old_id(b.url): {"hash": content_hash(b), "bookmark": b.to_dict()} for b in marks}
    store = ChromaStore(store_dir / "chroma", emb.name, emb.dim)
    store.upsert(list(records), emb.embed([document_text(b) for b in marks]), [{"folder": "", "domain": "", "added": 0}] * 5)
    (store_dir / MANIFEST).write_text(json.dumps({"version": 1, "embedding_model": emb.name, "dim": emb.dim,
                                                  "store": "chroma", "updated": 1.0, "records": records}))
    idx = make_index(store_dir)
    assert set(idx.records) == {b.id for b in marks}
    for mode, found in ids_found(idx).items():
        assert found == set(idx.records), mode
    r = idx.sync([Bookmark(url="https://example.org/a", title="Plain http page")] + marks[1:])
    assert (r.added, r.updated, r.unchanged) == (0, 1, 4)  # the https variant is the same bookmark
    assert len(make_index(store_dir).records) == 5


def test_a_torn_manifest_write_cannot_happen_and_a_corrupt_one_is_reported(tmp_path):
    idx = make_index(tmp_path / "s")
    idx.sync(labelled_bookmarks())
    assert not list((tmp_path / "s").glob(".manifest-*"))  # temp file replaced atomically
    (tmp_path / "s" / MANIFEST).write_text('{"records": {', "utf-8")
    with pytest.raises(ValueError, match="unreadable"):
        BookmarkIndex(tmp_path / "s", embedder=HashEmbedder())


def test_store_refuses_to_mix_embedding_models_and_reindex_switches_safely(tmp_path):
    idx = make_index(tmp_path / "s")
    idx.sync(labelled_bookmarks()[:3])

    class Other(HashEmbedder):
        name, dim = "other-model", 8

    with pytest.raises(EmbeddingMismatch, match="re-index"):
        BookmarkIndex(tmp_path / "s", embedder=Other()).sync(labelled_bookmarks())
    stop = iter([True, False])
    r = BookmarkIndex(tmp_path / "s", embedder=Other()).sync(labelled_bookmarks(), reindex=True, batch_size=5,
                                                            should_continue=lambda: next(stop))
    assert r.interrupted
    old = make_index(tmp_path / "s")  # still the old model's collection, searchable
    assert old.manifest["embedding_model"] == "hash-test" and len(ids_found(old)["similarity"]) == 3
    other = Other()
    r = BookmarkIndex(tmp_path / "s", embedder=other).sync(labelled_bookmarks(), reindex=True)
    assert r.embedded == 15 and other.texts == 15  # the 5 embedded before the interruption are reused
    idx = BookmarkIndex(tmp_path / "s", embedder=Other())
    assert idx.manifest["embedding_model"] == "other-model" and not idx.can_undo()
    assert ids_found(idx)["mmr"] == set(idx.records) and len(idx.records) == 20
    from core.bookmarks.stores import chroma_client

    names = {c if isinstance(c, str) else c.name for c in chroma_client(tmp_path / "s" / "chroma").list_collections()}
    assert names == {idx.manifest["collection"]}  # the old collection was dropped


def test_chroma_store_round_trip_filters_and_persistence(tmp_path):
    store = ChromaStore(tmp_path / "c", "m", 3)
    vecs = np.eye(3, dtype=np.float32)
    store.upsert(["a", "b", "c"], vecs, [{"folder": "X", "domain": "a.org", "added": 10},
                                          {"folder": "Y", "domain": "b.org", "added": 20},
                                          {"folder": "X", "domain": "c.org", "added": 30}])
    hits = store.query(np.array([1, 0.1, 0], np.float32), 3, with_vectors=True)
    assert hits[0].id == "a" and hits[0].score > 0.9 and hits[0].vector.shape == (3,)
    only_x = store.query(np.array([0, 1, 0], np.float32), 3, where={"folder": {"$in": ["X"]}})
    assert {h.id for h in only_x} == {"a", "c"}
    store.delete(["a"])
    again = ChromaStore(tmp_path / "c", "m", 3)  # same client, reopened collection
    assert again.count() == 2
    with pytest.raises(EmbeddingMismatch):
        ChromaStore(tmp_path / "c", "other", 5)


def test_cli_import_search_stats_and_reimport(tmp_path, capsys):
    from core.bookmarks.__main__ import main

    html = tmp_path / "bookmarks.html"
    html.write_text(to_netscape_html(labelled_bookmarks()) + '<DT><A HREF="javascript:alert(1)">x</A>\n', "utf-8")
    store = str(tmp_path / "store")
    assert main(["import", str(html), "--store", store]) == 0
    out = capsys.readouterr()
    assert "added: 20 updated: 0 removed: 0 unchanged: 0 skipped: 1 embedded: 20" in out.out
    assert "javascript" in out.err
    assert main(["import", str(html), "--store", store]) == 0
    assert "embedded: 0" in capsys.readouterr().out
    chrome = tmp_path / "Bookmarks"
    chrome.write_text(to_chrome_json(labelled_bookmarks()), "utf-8")
    assert main(["import", str(chrome), "--store", str(tmp_path / "store2"), "--no-descriptions"]) == 0
    capsys.readouterr()
    assert main(["search", "cheap plane tickets", "--store", store, "-k", "3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and set(rows[0]) == {"title", "url", "folder", "score"}
    assert rows[0]["url"] == "https://www.skyscanner.net/"
    qfile = tmp_path / "q.txt"
    qfile.write_text("learn sql\nnoodle soup recipe\n")
    assert main(["search", "--queries", str(qfile), "--store", store, "--mode", "similarity"]) == 0
    lines = [json.loads(l) for l in capsys.readouterr().out.splitlines()]
    assert [l["query"] for l in lines] == ["learn sql", "noodle soup recipe"]
    assert lines[1]["results"][0]["url"] == "https://www.justonecookbook.com/homemade-ramen"
    assert main(["stats", "--store", store]) == 0
    assert "bookmarks: 20" in capsys.readouterr().out
    assert main(["import", str(tmp_path / "missing.html"), "--store", store]) == 2
    assert "error:" in capsys.readouterr().err
    assert main(["search", "x", "--store", store, "--backend", "pinecone"]) == 2  # no key: a message
    assert "PINECONE_API_KEY" in capsys.readouterr().err


def test_cli_mirror_refusal_force_dry_run_and_undo(tmp_path, capsys, monkeypatch):
    from core.bookmarks.__main__ import main
    from tests.bm_hostile import MiniLMStandIn

    MiniLMStandIn.patch_minilm(setattr=monkeypatch.setattr)
    store = str(tmp_path / "store")
    full, six = tmp_path / "full.html", tmp_path / "six.html"
    full.write_text(to_netscape_html(labelled_bookmarks()), "utf-8")
    six.write_text(to_netscape_html(labelled_bookmarks()[:6]), "utf-8")
    assert main(["import", str(full), "--store", store]) == 0
    assert main(["import", str(six), "--store", store, "--keep-missing"]) == 0  # accepted, changes nothing
    assert "removed: 0 unchanged: 6" in capsys.readouterr().out
    assert main(["import", str(six), "--store", store, "--mirror"]) == 3
    err = capsys.readouterr().err
    assert "refused: a mirror sync would remove 14 of the 20 bookmarks" in err and "--force" in err
    assert main(["import", str(six), "--store", store, "--mirror", "--dry-run", "--force"]) == 0
    assert "would: adds 0, updates 0, removes 14; 6 unchanged; 6 bookmarks after" in capsys.readouterr().out
    assert main(["import", str(six), "--store", store, "--mirror", "--force"]) == 0
    assert "removed: 14" in capsys.readouterr().out
    assert main(["undo", "--store", store]) == 0
    assert "undone: 20 bookmarks now (14 back" in capsys.readouterr().out
    assert main(["stats", "--store", store]) == 0
    assert "bookmarks: 20" in capsys.readouterr().out
    only_js = tmp_path / "js.html"
    only_js.write_text('<DL><DT><A HREF="javascript:void(0)">x</A></DL>', "utf-8")
    assert main(["import", str(only_js), "--store", store]) == 1
    assert "no valid bookmark" in capsys.readouterr().err
    assert main(["import", str(only_js), "--store", store, "--mirror"]) == 3
    assert "no valid bookmarks, so a mirror sync would remove all 20" in capsys.readouterr().err
    assert len(make_index(store).records) == 20


WRITER = """
import sys
from core.bookmarks.model import Bookmark
from core.bookmarks.sync import BookmarkIndex
from tests.bm_fixtures import HashEmbedder
marks = [Bookmark(url=f"https://other{i}.example.net/p", title=f"written by another process {i}") for i in range(7)]
BookmarkIndex(sys.argv[1], embedder=HashEmbedder()).sync(marks)
"""


def test_a_store_changed_by_another_process_is_seen_without_a_restart(tmp_path):
    """Freshness: this process has the store open (its Chroma client caches the vector index);
    another process imports into it; the next index opened here (as a page rerun or a CLI
    search does) finds the new bookmarks in every mode, through the ``.writes`` stamp."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    idx = make_index(tmp_path / "s")
    idx.sync(labelled_bookmarks())
    assert all(len(found) == 20 for found in ids_found(idx).values())  # the client is open and has read
    env = {**os.environ, "PYTHONPATH": str(root), "ANONYMIZED_TELEMETRY": "False"}
    done = subprocess.run([sys.executable, "-c", WRITER, str(tmp_path / "s")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    again = make_index(tmp_path / "s")
    assert len(again.records) == 27
    for mode, found in ids_found(again, "written by another process", k=30).items():
        assert found == set(again.records), mode


def test_a_first_import_stopped_half_way_leaves_what_it_embedded_searchable(tmp_path, monkeypatch):
    """A first import has no earlier collection to fall back on: its checkpoints commit what is
    embedded (here after every batch), so stopping it leaves those bookmarks searchable in every
    mode, no undo snapshot appears, and the next run embeds only the rest."""
    monkeypatch.setattr("core.bookmarks.sync.CHECKPOINT_SECONDS", 0.0)
    marks = labelled_bookmarks()
    idx = BookmarkIndex(tmp_path / "s", embedder=HashEmbedder())
    batches = iter([True, True, False])  # stop after two batches of 4
    r = idx.sync(marks, batch_size=4, should_continue=lambda: next(batches))
    assert r.interrupted and r.embedded == 8 and r.searchable == 8
    assert "8 of them are searchable already" in r.line()
    reopened = make_index(tmp_path / "s")
    assert len(reopened.records) == 8 and not reopened.can_undo()
    for mode, found in ids_found(reopened).items():
        assert found == set(reopened.records), mode
    emb = HashEmbedder()
    r = BookmarkIndex(tmp_path / "s", embedder=emb).sync(marks, batch_size=4)
    assert not r.interrupted and (r.added, r.unchanged, r.embedded) == (12, 8, 12)
    done = make_index(tmp_path / "s")
    assert len(done.records) == 20 and done.store.count() == 20
    assert done.can_undo()  # back to the 8 of the stopped first run


def test_a_first_import_that_completes_commits_once_more_and_keeps_no_undo(tmp_path):
    r = make_index(tmp_path / "s").sync(labelled_bookmarks(), batch_size=4)
    done = make_index(tmp_path / "s")
    assert not r.interrupted and len(done.records) == 20 and not done.can_undo()
    assert done.store.count() == 20 and not (tmp_path / "s" / JOURNAL).exists()
