"""Incremental, crash-safe indexing of bookmarks into a vector store, with a plan and an undo.

What a sync does (issue #12, "bookmarks you can trust"):
- **It adds and updates; it removes only on a mirror sync** (``mirror=True``: "make the
  collection match this file"). Even then it refuses, changing nothing, when the file yields no
  valid bookmarks or would remove more than half of the collection, unless ``force=True``.
  `BookmarkIndex.plan` says what a sync would do (adds, updates, removes, and why it would be
  refused) without embedding anything, so the page can ask before it removes.
- **The last change can be undone.** `undo` restores the collection as it was before the last
  sync that changed it; undoing again redoes it.
- **A crash at any moment leaves the previous collection searchable in every mode**, and
  running the same import again finishes the job.

How (a generation scheme):
- A store directory holds ``manifest.json`` (the committed generation: the embedding model,
  and for each bookmark id its content hash, record and *vector id*), ``manifest.prev.json``
  (the generation before it, for undo), ``journal.jsonl`` (vectors written by a sync that has
  not committed yet) and ``garbage.jsonl`` (vectors that may be deleted).
- A vector id is ``<bookmark id>-<content hash prefix>``: an updated bookmark gets a new vector
  beside the committed one, never over it. Search trusts only vector ids that the manifest
  lists and over-fetches past the others, so stray vectors are never returned.
- The commit is one atomic file replace of ``manifest.json``; the previous manifest becomes
  ``manifest.prev.json`` by a hard link first, so neither file is ever missing or half-written.
- Vectors of the committed and the previous generation are kept; everything else that a
  commit leaves behind is listed in ``garbage.jsonl`` before the commit and deleted after it.
  Deletion only ever removes vector ids that neither manifest lists, so a crash during it is
  harmless and the next commit finishes it.
- An interrupted sync leaves its embedded vectors listed in the journal (``planned`` before
  they are written, ``stored`` after); the next sync reuses the stored ones instead of
  embedding them again, and hands the rest to garbage collection.
- One sync at a time per store directory (a lock file): a second one is refused with a message.
- Re-indexing a local Chroma store builds a new collection beside the old one and switches at
  the commit, so it is crash-safe too; a hosted (Pinecone) namespace is reset first, the one
  step that is not (the CLI says so).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable

from core.bookmarks.model import ID_SCHEME, Bookmark, bookmark_id, content_hash, document_text
from core.bookmarks.stores import ChromaStore, check_model
from core.paths import data_dir

MANIFEST = "manifest.json"
PREVIOUS = "manifest.prev.json"
JOURNAL = "journal.jsonl"
GARBAGE = "garbage.jsonl"
LOCK = ".sync.lock"
MANIFEST_VERSION = 2
DEFAULT_COLLECTION = "bookmarks"
CHECKPOINT_SECONDS = 5.0  # a first import commits what it has embedded this often (see sync)
MAX_REMOVED_SHARE = 0.5  # a mirror sync removing more than this share of the collection is refused


def default_store_dir(name: str = "default") -> Path:
    return data_dir("bookmarks", name)


def vector_id(bid: str, h: str) -> str:
    """The id of a bookmark's vector for one content version (see the module docstring)."""
    return f"{bid}-{h[:12]}"


class SyncRefused(ValueError):
    """A sync (or undo) that was not done, and changed nothing; the message says why, with numbers."""


@dataclass
class _Counts:
    """How many bookmarks a sync adds, updates, removes, keeps unchanged and skips."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    total_after: int = 0  # bookmarks in the collection afterwards

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SyncPlan(_Counts):
    """What a sync would do; computed from the manifest and the file alone (no embedding)."""

    refusal: str | None = None  # why sync(...) with the same arguments would be refused

    def line(self) -> str:
        return f"adds {self.added:,}, updates {self.updated:,}, removes {self.removed:,}"

    @property
    def changes(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass
class SyncReport(_Counts):
    """What a sync (or an undo) did."""

    embedded: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    searchable: int = 0  # a first import stopped half-way: how many bookmarks its checkpoints made searchable

    def line(self) -> str:
        text = (f"added: {self.added} updated: {self.updated} removed: {self.removed} "
                f"unchanged: {self.unchanged} skipped: {self.skipped} embedded: {self.embedded}")
        if not self.interrupted:
            return text
        if self.searchable:
            return text + (f" (interrupted: {self.searchable} of them are searchable already; "
                           "run the import again to finish)")
        return text + " (interrupted; run the import again to finish)"


def store_metadata(b: Bookmark) -> dict:
    """Flat metadata for the vector store's filters (no None values allowed there)."""
    return {"folder": b.folder, "domain": b.domain, "added": int(b.added or 0)}


def _vids(manifest: dict | None) -> set[str]:
    return {r.get("vid", bid) for bid, r in (manifest or {}).get("records", {}).items()}


def _rekeyed(manifest: dict) -> dict:
    """A manifest written under an older `ID_SCHEME`, keyed by today's ids. Vector ids are
    kept (a record without one is from the first format: its vector id is its old key); two
    records that are now the same link keep the first."""
    if manifest.get("id_scheme") == ID_SCHEME:
        return manifest
    records: dict[str, dict] = {}
    for old_id, rec in manifest.get("records", {}).items():
        new_id = bookmark_id(rec["bookmark"]["url"])
        records.setdefault(new_id, {**rec, "vid": rec.get("vid", old_id)})
    return {**manifest, "records": records, "id_scheme": ID_SCHEME}


@dataclass
class _Todo:
    bid: str
    vid: str
    bookmark: Bookmark
    text: str


class BookmarkIndex:
    """The bookmarks of one store directory: manifest records plus the vector store."""

    _cache: dict[str, tuple[tuple, dict]] = {}
    _cache_lock = threading.Lock()

    def __init__(self, store_dir: str | Path, embedder=None, store=None, with_description: bool = True):
        self.dir = Path(store_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._embedder = embedder
        self._store = store
        self.with_description = with_description
        self._foreign: tuple[dict | None, dict] = (None, {})
        self.manifest = self._load_manifest()

    # --- manifests -----------------------------------------------------------------------
    def _read_manifest(self, name: str) -> dict | None:
        """A manifest file (re-keyed if old), cached per file version; None when absent."""
        path = self.dir / name
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        key, version = str(path.resolve()), (st.st_mtime_ns, st.st_ino, st.st_size)
        with self._cache_lock:  # 100K records parse in ~1 s: keep one copy per file version
            hit = self._cache.get(key)
            if hit and hit[0] == version:
                return hit[1]
        try:
            manifest = _rekeyed(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"the store's manifest {path} is unreadable ({exc}); re-import to rebuild") from exc
        with self._cache_lock:
            self._cache[key] = (version, manifest)
        return manifest

    def _load_manifest(self) -> dict:
        manifest = self._read_manifest(MANIFEST)
        return manifest if manifest is not None else {"version": MANIFEST_VERSION, "id_scheme": ID_SCHEME, "records": {}}

    def _previous(self) -> dict | None:
        try:
            return self._read_manifest(PREVIOUS)
        except ValueError:  # a damaged undo snapshot only costs the undo
            return None

    def _write_atomically(self, name: str, manifest: dict) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=self.dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(manifest, fh, ensure_ascii=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.dir / name)  # atomic: readers see the old or the new, never half
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.dir)
        path = self.dir / name
        st = path.stat()
        with self._cache_lock:  # what was just written need not be parsed again
            self._cache[str(path.resolve())] = ((st.st_mtime_ns, st.st_ino, st.st_size), manifest)

    def _keep_current_as_previous(self) -> None:
        """``manifest.prev.json`` becomes the committed manifest, with no moment where either
        file is missing: a hard link renamed over the old snapshot (a copy where links fail)."""
        current, tmp = self.dir / MANIFEST, self.dir / f".prev-{uuid.uuid4().hex}"
        if not current.exists():
            (self.dir / PREVIOUS).unlink(missing_ok=True)
            return
        try:
            os.link(current, tmp)
        except OSError:
            import shutil

            shutil.copyfile(current, tmp)
        os.replace(tmp, self.dir / PREVIOUS)
        st, previous = (self.dir / PREVIOUS).stat(), str((self.dir / PREVIOUS).resolve())
        with self._cache_lock:  # the same content as the committed manifest: no need to parse it again
            hit = self._cache.get(str(current.resolve()))
            if hit and hit[0][1:] == (st.st_ino, st.st_size):
                self._cache[previous] = ((st.st_mtime_ns, st.st_ino, st.st_size), hit[1])

    @property
    def records(self) -> dict[str, dict]:
        """id -> {"hash", "vid", "bookmark": {...}} for every searchable bookmark."""
        return self.manifest.get("records", {})

    def bookmark(self, bid: str) -> Bookmark:
        return Bookmark.from_dict(self.records[bid]["bookmark"])

    def bookmarks(self) -> list[Bookmark]:
        return [Bookmark.from_dict(r["bookmark"]) for r in self.records.values()]

    def bookmark_of_vector(self, vid: str) -> str | None:
        """The bookmark id whose committed vector this is; None for any other vector (an older
        or newer generation, or one left by an interrupted sync)."""
        bid = vid.split("-", 1)[0]
        rec = self.records.get(bid)
        if rec is not None and rec.get("vid", bid) == vid:
            return bid
        return self._foreign_vids().get(vid)

    def _foreign_vids(self) -> dict[str, str]:
        """vid -> id for records whose vector id does not start with their id (stores written
        before `ID_SCHEME` changed what counts as the same link)."""
        if self._foreign[0] is not self.manifest:
            self._foreign = (self.manifest, {r["vid"]: bid for bid, r in self.records.items()
                                             if "vid" in r and r["vid"].split("-", 1)[0] != bid})
        return self._foreign[1]

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
            self._store = ChromaStore(self.dir / "chroma", self.embedder.name, self.embedder.dim,
                                      collection=self.manifest.get("collection", DEFAULT_COLLECTION))
        return self._store

    def stats(self) -> dict:
        recs = self.records.values()
        folders = {r["bookmark"].get("folder", "") for r in recs}
        domains = {Bookmark.from_dict(r["bookmark"]).domain for r in recs}
        return {"bookmarks": len(self.records), "folders": len(folders), "domains": len(domains),
                "embedding_model": self.manifest.get("embedding_model"), "dim": self.manifest.get("dim"),
                "store": self.manifest.get("store", "chroma"), "with_description": self.manifest.get("with_description", True),
                "updated": self.manifest.get("updated"), "can_undo": self.can_undo(), "path": str(self.dir)}

    # --- plan ------------------------------------------------------------------------------
    def plan(self, bookmarks: list[Bookmark], *, mirror: bool = False, force: bool = False,
             skipped: int = 0) -> SyncPlan:
        """What `sync` with the same arguments would do, and why it would refuse (if it would)."""
        self.manifest = self._load_manifest()
        return self._diff(bookmarks, mirror, force, skipped)[0]

    def _diff(self, bookmarks, mirror: bool, force: bool, skipped: int):
        """(plan, records after the sync, bookmarks whose vectors are needed)."""
        old = self.records
        new: dict[str, dict] = {}
        plan = SyncPlan(skipped=skipped)
        needed: list[_Todo] = []
        for b in bookmarks:
            bid, h = b.id, content_hash(b, self.with_description)
            if bid in new:  # the same page twice (importers dedupe; API callers may not)
                plan.skipped += 1
                continue
            prev = old.get(bid)
            if prev is not None and prev["hash"] == h:
                plan.unchanged += 1
                new[bid] = prev if prev["bookmark"] == b.to_dict() else {**prev, "bookmark": b.to_dict()}
                continue
            vid = vector_id(bid, h)
            new[bid] = {"hash": h, "vid": vid, "bookmark": b.to_dict()}
            if prev is None:
                plan.added += 1
            else:
                plan.updated += 1
            needed.append(_Todo(bid, vid, b, ""))
        removed = [bid for bid in old if bid not in new] if mirror else []
        plan.removed = len(removed)
        after = new if mirror else {**old, **new}
        plan.total_after = len(after)
        if mirror and not force and old:
            if not new:
                plan.refusal = (f"the file holds no valid bookmarks, so a mirror sync would remove all "
                                f"{len(old):,} bookmarks of the collection; nothing was changed")
            elif len(removed) > MAX_REMOVED_SHARE * len(old):
                plan.refusal = (f"a mirror sync would remove {len(removed):,} of the {len(old):,} bookmarks "
                                f"(more than half) and add {plan.added:,}; nothing was changed")
        return plan, after, needed

    # --- sync ----------------------------------------------------------------------------
    def sync(self, bookmarks: list[Bookmark], *, mirror: bool = False, force: bool = False, skipped: int = 0,
             progress: Callable[[dict], None] | None = None, should_continue: Callable[[], bool] | None = None,
             reindex: bool = False, batch_size: int = 256) -> SyncReport:
        """Add and update ``bookmarks`` (and on a ``mirror`` sync remove the others); embed only
        new or changed ones. Raises `SyncRefused`, changing nothing, when `plan` has a refusal
        or another sync holds this store."""
        t0 = time.perf_counter()
        with self._locked():
            self.manifest = self._load_manifest()
            plan, after, needed = self._diff(bookmarks, mirror, force, skipped)
            if plan.refusal:
                raise SyncRefused(plan.refusal)
            report = SyncReport(added=plan.added, updated=plan.updated, removed=plan.removed,
                                unchanged=plan.unchanged, skipped=plan.skipped, total_after=plan.total_after)
            if reindex:
                self._reindex(after, report, len(bookmarks), batch_size, progress, should_continue)
            elif plan.changes:
                emb = self.embedder
                check_model(self.manifest, emb.name, emb.dim)
                first = not (self.dir / MANIFEST).exists()
                saved = self._first_import_checkpoints(after, report) if first else None
                if self._embed(needed, report, len(bookmarks), batch_size, progress, should_continue, saved=saved):
                    # a first import has no earlier collection to keep for undo (and its checkpoints
                    # must not become one)
                    self._commit(self._manifest_for(after, self.manifest.get("collection")), keep_previous=not first)
            elif (self.dir / GARBAGE).exists():  # a crash interrupted the last clean-up: finish it
                try:
                    self._collect_garbage()
                except Exception:  # noqa: BLE001 - only space is at stake; the next commit retries
                    pass
            report.seconds = time.perf_counter() - t0
            return report

    def _first_import_checkpoints(self, after: dict, report: SyncReport) -> Callable[[set[str]], None]:
        """For the first import into a store: commit what is embedded so far every
        `CHECKPOINT_SECONDS` (and after the first batch), so a first import killed or stopped half-way leaves
        those bookmarks searchable instead of an empty store, and a re-run adds the rest. Each
        checkpoint is an ordinary atomic commit of a smaller collection; there is no earlier
        collection to protect, so no undo snapshot is involved."""
        done: set[str] = set()
        last = 0.0  # when the last checkpoint was committed (0: none yet)

        def saved(vids: set[str]) -> None:
            nonlocal last
            done.update(vids)
            now = time.perf_counter()
            if last and now - last < CHECKPOINT_SECONDS:
                return
            partial = {bid: r for bid, r in after.items() if r["vid"] in done}
            if not partial:
                return
            last = now
            self._commit(self._manifest_for(partial, self.manifest.get("collection")), keep_previous=False)
            report.searchable = len(partial)
        return saved

    def _manifest_for(self, records: dict, collection: str | None) -> dict:
        emb = self.embedder
        manifest = {"version": MANIFEST_VERSION, "id_scheme": ID_SCHEME, "embedding_model": emb.name,
                    "dim": emb.dim, "store": self.store.kind, "with_description": self.with_description,
                    "updated": time.time(), "records": records}
        if collection:
            manifest["collection"] = collection
        return manifest

    def _embed(self, needed: list[_Todo], report: SyncReport, total: int, batch_size: int,
               progress, should_continue, reuse: bool = True,
               saved: Callable[[set[str]], None] | None = None) -> bool:
        """Write the vectors ``needed`` lacks; False when ``should_continue`` stopped it.
        ``reuse``: skip those that an interrupted sync into this collection or the previous
        generation already stored (same vector id = same text, same model). ``saved`` is told
        the vector ids of each batch once they are stored (first-import checkpoints)."""
        have: set[str] = set()
        if reuse:
            journal = self._read_journal()
            if journal["collection"] in (None, self.manifest.get("collection", DEFAULT_COLLECTION)):
                have = journal["stored"]
            have = have | _vids(self._previous())
        todo = [t for t in needed if t.vid not in have]
        if saved is not None:  # vectors an interrupted run already stored count as done
            saved({t.vid for t in needed if t.vid in have})
        for t in todo:
            t.text = document_text(t.bookmark, self.with_description)
        todo.sort(key=lambda t: len(t.text))  # similar lengths share a batch: less padding to encode
        if not todo:
            return True
        emb, store = self.embedder, self.store
        if not getattr(emb, "loaded", True):
            if progress is not None:
                progress({"phase": "loading-model"})
            emb.load()
        if progress is not None:
            progress({"phase": "embedding", "embedded": 0, "to_embed": len(todo), "total": total})
        for start in range(0, len(todo), batch_size):
            if should_continue is not None and not should_continue():
                report.interrupted = True
                return False
            chunk = todo[start:start + batch_size]
            vecs = emb.embed([t.text for t in chunk])
            vids = [t.vid for t in chunk]
            self._append(JOURNAL, {"planned": vids})
            store.upsert(vids, vecs, [store_metadata(t.bookmark) for t in chunk])
            self._append(JOURNAL, {"stored": vids})
            report.embedded += len(chunk)
            if saved is not None:
                saved(set(vids))
            if progress is not None:
                progress({"phase": "embedding", "embedded": report.embedded, "to_embed": len(todo), "total": total})
        return True

    # --- commit and garbage --------------------------------------------------------------
    def _commit(self, manifest: dict, keep_previous: bool = True) -> None:
        """Make ``manifest`` the collection, the committed one its undo snapshot (unless
        ``keep_previous`` is False: a re-index), and delete the vectors neither lists."""
        current = self.manifest if (self.dir / MANIFEST).exists() else None
        journal = self._read_journal()
        strays = journal["planned"] | journal["stored"]
        if keep_previous:
            keep = _vids(manifest) | _vids(current)
            garbage = (_vids(self._previous()) | _vids(current) | strays) - keep
        else:  # the old collection goes as a whole; a hosted store was reset
            garbage = strays - _vids(manifest)
        collections = {_collection(current), journal["collection"]} - {_collection(manifest), None}
        self._append(GARBAGE, {"vids": sorted(garbage), "collections": sorted(collections)})
        if keep_previous:
            self._keep_current_as_previous()
        else:
            (self.dir / PREVIOUS).unlink(missing_ok=True)
        self._write_atomically(MANIFEST, manifest)  # the commit
        self.manifest = manifest
        (self.dir / JOURNAL).unlink(missing_ok=True)
        try:
            self._collect_garbage()
        except Exception:  # noqa: BLE001 - the commit stands; the list stays for the next commit
            pass

    def _collect_garbage(self) -> None:
        """Delete the listed vectors and collections that neither manifest refers to now."""
        path = self.dir / GARBAGE
        if not path.exists():
            return
        vids, collections = set(), set()
        for entry in self._read_lines(path):
            vids.update(entry.get("vids", []))
            collections.update(entry.get("collections", []))
        previous = self._previous()
        vids -= _vids(self.manifest) | _vids(previous)
        collections -= {_collection(self.manifest), _collection(previous)}
        if vids and self.manifest.get("embedding_model"):
            self.store.delete(sorted(vids))
        if collections:
            from core.bookmarks.stores import chroma_client, note_write

            client = chroma_client(self.dir / "chroma")
            for name in collections:
                try:
                    client.delete_collection(name)
                except Exception:  # noqa: BLE001 - already gone
                    pass
            note_write(self.dir / "chroma")
        path.unlink(missing_ok=True)

    # --- re-index ----------------------------------------------------------------------------
    def _reindex(self, records: dict, report: SyncReport, total: int, batch_size: int, progress,
                 should_continue) -> None:
        """Embed every bookmark again (a new model, or a damaged store). A local store gets a
        fresh collection: the old one stays searchable until the commit switches over, then is
        dropped; an interrupted re-index is resumed into the same fresh collection."""
        journal = self._read_journal()
        emb = self.embedder
        collection = None
        if self._store is None or getattr(self._store, "kind", "") == "chroma":
            collection = journal["collection"] or f"{DEFAULT_COLLECTION}-{uuid.uuid4().hex[:8]}"
            if not journal["collection"]:
                self._append(JOURNAL, {"collection": collection})
            self._store = ChromaStore(self.dir / "chroma", emb.name, emb.dim, collection=collection)
            have = journal["stored"] if journal["collection"] else set()
        else:
            self._store.reset()
            have = set()
        fresh = {bid: {**rec, "vid": vector_id(bid, rec["hash"])} for bid, rec in records.items()}
        todo = [_Todo(bid, rec["vid"], Bookmark.from_dict(rec["bookmark"]), "") for bid, rec in fresh.items()
                if rec["vid"] not in have]
        if self._embed(todo, report, total, batch_size, progress, should_continue, reuse=False):
            self._commit(self._manifest_for(fresh, collection), keep_previous=False)

    # --- undo ------------------------------------------------------------------------------
    def can_undo(self) -> bool:
        """Whether `undo` has an earlier collection to go back to (cheap: reads no manifest)."""
        current, previous = self.dir / MANIFEST, self.dir / PREVIOUS
        try:
            return current.exists() and previous.exists() and not os.path.samefile(current, previous)
        except OSError:
            return False

    def undo(self) -> SyncReport:
        """Go back to the collection as it was before the last sync that changed it (its vectors
        are still stored). The undone state becomes the new undo snapshot: undo again to redo."""
        t0 = time.perf_counter()
        with self._locked():
            self.manifest = self._load_manifest()
            if not self.can_undo():
                raise SyncRefused("there is no earlier import to undo in this collection")
            previous = self._previous()
            if previous is None:
                raise SyncRefused("the snapshot of the earlier collection is unreadable; nothing was changed")
            if (previous.get("embedding_model"), previous.get("collection")) != (
                    self.manifest.get("embedding_model"), self.manifest.get("collection")):
                raise SyncRefused("the earlier collection was built with another embedding model; "
                                  "re-import the file instead")
            old, new = self.records, previous.get("records", {})
            report = SyncReport(added=sum(b not in old for b in new), removed=sum(b not in new for b in old),
                                updated=sum(b in old and old[b]["hash"] != r["hash"] for b, r in new.items()),
                                unchanged=sum(b in old and old[b]["hash"] == r["hash"] for b, r in new.items()),
                                total_after=len(new))
            self._commit({**previous, "updated": time.time()})
            report.seconds = time.perf_counter() - t0
            return report

    # --- files -----------------------------------------------------------------------------
    @contextmanager
    def _locked(self):
        """One sync or undo at a time per store directory, across threads and processes (the
        lock is released by the OS if the process dies)."""
        try:
            import fcntl
        except ImportError:  # Windows: no advisory lock; the page's job queue still serialises imports
            yield
            return
        fh = open(self.dir / LOCK, "a+")
        try:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SyncRefused("another import into this collection is running; try again when it "
                                  "has finished") from None
            yield
        finally:
            fh.close()

    def _read_journal(self) -> dict:
        """{"planned": vids, "stored": vids, "collection": name or None} of an unfinished sync."""
        out: dict = {"planned": set(), "stored": set(), "collection": None}
        for entry in self._read_lines(self.dir / JOURNAL):
            out["planned"].update(entry.get("planned", []))
            out["stored"].update(entry.get("stored", []))
            out["collection"] = entry.get("collection", out["collection"])
        return out

    @staticmethod
    def _read_lines(path: Path) -> Iterable[dict]:
        if not path.exists():
            return []
        out = []
        for line in path.read_text("utf-8", errors="replace").splitlines():
            try:  # a torn last line from a crash is simply ignored
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                out.append(entry)
        return out

    def _append(self, name: str, entry: dict) -> None:
        with open(self.dir / name, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def _collection(manifest: dict | None) -> str | None:
    if not manifest or not manifest.get("embedding_model") or manifest.get("store", "chroma") != "chroma":
        return None
    return manifest.get("collection", DEFAULT_COLLECTION)


def _fsync_dir(path: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
