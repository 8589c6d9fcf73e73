"""Incremental, interruption-safe indexing of bookmarks into a vector store.

A store directory holds the vector store and ``manifest.json``: the embedding model and
dimension, and every indexed bookmark with its content hash. The manifest is written last and
atomically, so an interrupted sync leaves the previous state searchable (search only trusts
ids the manifest lists). Each embedded batch is also appended to ``journal.jsonl``; the next
sync skips what the journal shows is already in the store, then completes the work.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from core.bookmarks.model import Bookmark, content_hash, document_text
from core.bookmarks.stores import ChromaStore, check_model
from core.paths import data_dir

MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
MANIFEST_VERSION = 1


def default_store_dir(name: str = "default") -> Path:
    return data_dir("bookmarks", name)


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    embedded: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    def line(self) -> str:
        text = (f"added: {self.added} updated: {self.updated} removed: {self.removed} "
                f"unchanged: {self.unchanged} skipped: {self.skipped} embedded: {self.embedded}")
        return text + (" (interrupted; run the import again to finish)" if self.interrupted else "")

    def to_dict(self) -> dict:
        return asdict(self)


def store_metadata(b: Bookmark) -> dict:
    """Flat metadata for the vector store's filters (no None values allowed there)."""
    return {"folder": b.folder, "domain": b.domain, "added": int(b.added or 0)}


class BookmarkIndex:
    """The bookmarks of one store directory: manifest records plus the vector store."""

    _cache: dict[str, tuple[float, dict]] = {}
    _cache_lock = threading.Lock()

    def __init__(self, store_dir: str | Path, embedder=None, store=None, with_description: bool = True):
        self.dir = Path(store_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._embedder = embedder
        self._store = store
        self.with_description = with_description
        self.manifest = self._load_manifest()

    # --- manifest ------------------------------------------------------------------------
    def _load_manifest(self) -> dict:
        path = self.dir / MANIFEST
        if not path.exists():
            return {"version": MANIFEST_VERSION, "records": {}}
        key, mtime = str(path.resolve()), path.stat().st_mtime_ns
        with self._cache_lock:  # 100K records parse in ~1 s: keep one copy per file version
            hit = self._cache.get(key)
            if hit and hit[0] == mtime:
                return hit[1]
        try:
            manifest = json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"the store's manifest {path} is unreadable ({exc}); re-import to rebuild") from exc
        with self._cache_lock:
            self._cache[key] = (mtime, manifest)
        return manifest

    def _write_manifest(self, manifest: dict) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=self.dir)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.dir / MANIFEST)  # atomic: readers see the old or the new, never half
        self.manifest = manifest

    @property
    def records(self) -> dict[str, dict]:
        """id -> {"hash": ..., "bookmark": {...}} for every searchable bookmark."""
        return self.manifest.get("records", {})

    def bookmark(self, bid: str) -> Bookmark:
        return Bookmark.from_dict(self.records[bid]["bookmark"])

    def bookmarks(self) -> list[Bookmark]:
        return [Bookmark.from_dict(r["bookmark"]) for r in self.records.values()]

    @property
    def version(self) -> str:
        return str(self.manifest.get("updated", 0))

    # --- lazily built parts --------------------------------------------------------------
    @property
    def embedder(self):
        if self._embedder is None:
            from core.bookmarks.embeddings import default_embedder

            self._embedder = default_embedder()
        return self._embedder

    @property
    def store(self):
        if self._store is None:
            check_model(self.manifest, self.embedder.name, self.embedder.dim)
            self._store = ChromaStore(self.dir / "chroma", self.embedder.name, self.embedder.dim)
        return self._store

    def stats(self) -> dict:
        recs = self.records.values()
        folders = {r["bookmark"].get("folder", "") for r in recs}
        domains = {Bookmark.from_dict(r["bookmark"]).domain for r in recs}
        return {"bookmarks": len(self.records), "folders": len(folders), "domains": len(domains),
                "embedding_model": self.manifest.get("embedding_model"), "dim": self.manifest.get("dim"),
                "store": self.manifest.get("store", "chroma"), "with_description": self.manifest.get("with_description", True),
                "updated": self.manifest.get("updated"), "path": str(self.dir)}

    # --- sync ----------------------------------------------------------------------------
    def sync(self, bookmarks: list[Bookmark], skipped: int = 0, remove_missing: bool = True,
             batch_size: int = 256, progress: Callable[[dict], None] | None = None,
             should_continue: Callable[[], bool] | None = None, reindex: bool = False) -> SyncReport:
        """Make the store hold ``bookmarks``: embed only new or changed ones, delete removed ones."""
        t0 = time.perf_counter()
        emb = self.embedder
        if reindex:
            self._drop_store()
        check_model(self.manifest, emb.name, emb.dim)
        old = self.records
        journal = self._read_journal()
        report = SyncReport(skipped=skipped)
        new_records: dict[str, dict] = {}
        todo: list[tuple[str, Bookmark, str]] = []
        for b in bookmarks:
            h = content_hash(b, self.with_description)
            bid = b.id
            if bid in new_records:  # the same page twice (importers dedupe; API callers may not)
                report.skipped += 1
                continue
            new_records[bid] = {"hash": h, "bookmark": b.to_dict()}
            prev = old.get(bid)
            if prev is None:
                report.added += 1
            elif prev["hash"] != h:
                report.updated += 1
            else:
                report.unchanged += 1
                continue
            if journal.get(bid) != h:  # not already embedded by an interrupted sync
                todo.append((bid, b, document_text(b, self.with_description)))
        removed = [bid for bid in old if bid not in new_records] if remove_missing else []
        if not remove_missing:
            new_records = {**old, **new_records}
        report.removed = len(removed)
        store = self.store
        for start in range(0, len(todo), batch_size):
            if should_continue is not None and not should_continue():
                report.interrupted = True
                break
            chunk = todo[start:start + batch_size]
            vecs = emb.embed([t for _, _, t in chunk])
            store.upsert([i for i, _, _ in chunk], vecs, [store_metadata(b) for _, b, _ in chunk])
            self._append_journal({i: new_records[i]["hash"] for i, _, _ in chunk})
            report.embedded += len(chunk)
            if progress is not None:
                progress({"embedded": report.embedded, "to_embed": len(todo), "total": len(bookmarks)})
        nothing_changed = not (report.added or report.updated or removed) and self.manifest.get("embedding_model")
        if not report.interrupted and nothing_changed:
            pass  # the manifest already describes this exact state: skip rewriting it
        elif not report.interrupted:
            if removed:
                store.delete(removed)
            self._write_manifest({"version": MANIFEST_VERSION, "embedding_model": emb.name, "dim": emb.dim,
                                  "store": store.kind, "with_description": self.with_description,
                                  "updated": time.time(), "records": new_records})
            (self.dir / JOURNAL).unlink(missing_ok=True)
        report.seconds = time.perf_counter() - t0
        return report

    def _drop_store(self) -> None:
        """Forget every vector (any model) so the next steps rebuild the store from scratch."""
        if self._store is not None and getattr(self._store, "kind", "") != "chroma":
            self._store.reset()
        else:
            from core.bookmarks.stores import chroma_client

            try:
                chroma_client(self.dir / "chroma").delete_collection("bookmarks")
            except Exception:  # no collection yet
                pass
            self._store = None
        self._write_manifest({"version": MANIFEST_VERSION, "records": {}})
        (self.dir / JOURNAL).unlink(missing_ok=True)

    def _read_journal(self) -> dict[str, str]:
        path = self.dir / JOURNAL
        out: dict[str, str] = {}
        if path.exists():
            for line in path.read_text("utf-8", errors="replace").splitlines():
                try:  # a torn last line from a crash is simply ignored
                    out.update(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return out

    def _append_journal(self, entries: dict[str, str]) -> None:
        with open(self.dir / JOURNAL, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entries) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
