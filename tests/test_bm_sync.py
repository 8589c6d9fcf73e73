"""Incremental sync: add, change, delete, interrupted sync, model mismatch, store round-trip, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.bookmarks.exporters import to_chrome_json, to_netscape_html
from core.bookmarks.model import Bookmark
from core.bookmarks.stores import ChromaStore, EmbeddingMismatch
from core.bookmarks.sync import JOURNAL, MANIFEST, BookmarkIndex
from tests.bm_fixtures import HashEmbedder, labelled_bookmarks


def make_index(path, emb=None):
    return BookmarkIndex(path, embedder=emb or HashEmbedder())


def test_resync_embeds_only_new_and_changed_and_deletes_removed(tmp_path):
    emb = HashEmbedder()
    idx = make_index(tmp_path / "s", emb)
    marks = labelled_bookmarks()
    r = idx.sync(marks, skipped=3)
    assert (r.added, r.updated, r.removed, r.unchanged, r.skipped, r.embedded) == (20, 0, 0, 0, 3, 20)
    assert idx.store.count() == 20
    texts_before = emb.texts
    r = idx.sync(marks)
    assert (r.added, r.unchanged, r.embedded) == (0, 20, 0) and emb.texts == texts_before
    assert r.line() == "added: 0 updated: 0 removed: 0 unchanged: 20 skipped: 0 embedded: 0"
    changed = [Bookmark.from_dict(b.to_dict()) for b in marks[:-2]]  # two removed
    changed[0].title = "Sourdough, renamed"
    changed.append(Bookmark(url="https://new.example.org/", title="Brand new"))
    r = idx.sync(changed)
    assert (r.added, r.updated, r.removed, r.unchanged, r.embedded) == (1, 1, 2, 17, 2)
    assert idx.store.count() == 19
    fresh = BookmarkIndex(tmp_path / "s", embedder=HashEmbedder())  # reopened from disk
    assert fresh.bookmark(changed[0].id).title == "Sourdough, renamed"
    assert marks[-1].id not in fresh.records


def test_duplicate_pages_given_to_sync_are_counted_not_crashing(tmp_path):
    marks = labelled_bookmarks()
    r = make_index(tmp_path / "s").sync(marks + [Bookmark(url=marks[0].url + "#again", title="dupe")])
    assert (r.added, r.skipped) == (20, 1)


def test_keep_missing_merges_instead_of_removing(tmp_path):
    idx = make_index(tmp_path / "s")
    marks = labelled_bookmarks()
    idx.sync(marks[:10])
    r = idx.sync(marks[10:], remove_missing=False)
    assert (r.added, r.removed) == (10, 0) and len(idx.records) == 20


def test_interrupted_sync_keeps_the_previous_state_and_the_next_completes_it(tmp_path):
    emb = HashEmbedder()
    idx = make_index(tmp_path / "s", emb)
    marks = labelled_bookmarks()
    idx.sync(marks[:5])
    manifest_before = (tmp_path / "s" / MANIFEST).read_bytes()
    batches = iter([True, True, False])  # stop after two batches of 4
    r = idx.sync(marks, batch_size=4, should_continue=lambda: next(batches))
    assert r.interrupted and r.embedded == 8 and "interrupted" in r.line()
    assert (tmp_path / "s" / MANIFEST).read_bytes() == manifest_before  # previous state untouched
    assert (tmp_path / "s" / JOURNAL).exists()
    reopened = BookmarkIndex(tmp_path / "s", embedder=HashEmbedder())
    assert len(reopened.records) == 5  # searchable as before: only the old ids are trusted
    from core.bookmarks.retrieval import search

    assert {h.id for h in search(reopened, "anything", k=20, mode="similarity")} <= set(reopened.records)
    emb2 = HashEmbedder()
    r = BookmarkIndex(tmp_path / "s", embedder=emb2).sync(marks, batch_size=4)
    assert not r.interrupted and r.added == 15 and r.embedded == 7  # the 8 journaled ones are not redone
    assert not (tmp_path / "s" / JOURNAL).exists()
    assert len(BookmarkIndex(tmp_path / "s", embedder=HashEmbedder()).records) == 20


def test_a_torn_manifest_write_cannot_happen_and_a_corrupt_one_is_reported(tmp_path):
    idx = make_index(tmp_path / "s")
    idx.sync(labelled_bookmarks())
    assert not list((tmp_path / "s").glob(".manifest-*"))  # temp file replaced atomically
    (tmp_path / "s" / MANIFEST).write_text('{"records": {', "utf-8")
    with pytest.raises(ValueError, match="unreadable"):
        BookmarkIndex(tmp_path / "s2").__class__(tmp_path / "s", embedder=HashEmbedder())


def test_store_refuses_to_mix_embedding_models(tmp_path):
    idx = make_index(tmp_path / "s")
    idx.sync(labelled_bookmarks()[:3])

    class Other(HashEmbedder):
        name, dim = "other-model", 8

    with pytest.raises(EmbeddingMismatch, match="re-index"):
        BookmarkIndex(tmp_path / "s", embedder=Other()).sync(labelled_bookmarks())
    r = BookmarkIndex(tmp_path / "s", embedder=Other()).sync(labelled_bookmarks(), reindex=True)
    assert r.embedded == 20 and BookmarkIndex(tmp_path / "s").manifest["embedding_model"] == "other-model"


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
