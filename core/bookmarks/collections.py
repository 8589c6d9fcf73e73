"""Named bookmark collections, and which one a viewer gets in each serving mode (`core.access`).

A collection is a folder of stores (one per embedding model and backend, see
`core.bookmarks.profiles`). The page only ever opens the collection `collection_for` returns
for the person looking at it; nothing in a link or a form can name another one.

- ``local`` (bound to loopback, the default): the studio is one person's, and every browser
  session opens the collection named ``default``. It persists across restarts. Its stores sit
  directly under ``<data>/bookmarks/`` (``default``, ``openai-…``, ``pinecone-…``), where they
  always were, so a collection imported before collections existed keeps working unchanged.
- ``signed-in`` (Streamlit's OIDC sign-in is configured): a signed-in user opens
  ``user-<digest>``, theirs alone, persistent, under ``<data>/bookmarks/collections/``. A
  visitor who has not signed in yet gets a temporary collection, as on a network.
- ``network`` (any other bind, no sign-in): each browser (its cookie token, see `ui.session`,
  so a reload keeps it) opens ``browser-<digest>``: private and temporary. It is deleted once
  nobody has used it for `ttl_hours()` hours (24 by default, ``$STUDIO_TEMP_COLLECTION_HOURS``);
  `sweep_expired` runs when the bookmark page opens, at most every ten minutes per server.

Names are digests of the owner's id, so that folder names and Pinecone namespaces never carry
an e-mail address or a browser token, and no owner id can be spelled to reach another folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from core.access import LOCAL, NETWORK, SIGNED_IN
from core.paths import data_dir

DEFAULT = "default"
TTL_ENV = "STUDIO_TEMP_COLLECTION_HOURS"
DEFAULT_TTL_HOURS = 24.0
STAMP = ".last-used"
_SWEEP_EVERY_S = 600.0


@dataclass(frozen=True)
class Collection:
    """One named collection: whose it is, how the page describes it, where its stores live.

    ``path`` is set only for a store folder named explicitly (the CLI's ``--store DIR``): that
    folder *is* the store, whatever the embedding model.
    """

    name: str
    owner: str = ""  # the viewer id of a private collection; "" for the local studio's default
    label: str = "your bookmark collection"
    temporary: bool = False
    path: Path | None = None

    @property
    def root(self) -> Path:
        """The folder that holds this collection's stores (not created here)."""
        if self.path is not None:
            return self.path.parent
        if self.name == DEFAULT:
            return data_dir("bookmarks", create=False)
        return data_dir("bookmarks", "collections", self.name, create=False)

    def describe(self) -> str:
        """One sentence for the page: whose collection this is and how long it lasts."""
        if self.temporary:
            hours = ttl_hours()
            return (f"This is {self.label}, private to this browser: nobody else on this server can see it, "
                    f"and it is deleted after {hours:g} hours without use.")
        if self.owner:
            return f"This is {self.label}: only you can see or change it."
        return f"This is {self.label} on this computer; it is kept across restarts."


def _digest(owner: str) -> str:
    return hashlib.sha256(owner.encode("utf-8")).hexdigest()[:24]


def local_default() -> Collection:
    return Collection(DEFAULT, label="the studio's bookmark collection")


def at_path(store_dir: str | Path) -> Collection:
    """A store folder named by path (the CLI's ``--store``): a collection named after the folder."""
    path = Path(store_dir).expanduser()
    return Collection(path.name or DEFAULT, label=f"the store {path}", path=path)


def collection_for(viewer_id: str, mode: str, *, signed_in: bool = False, label: str = "") -> Collection:
    """The collection this viewer opens in this serving mode (see the module docstring).

    ``viewer_id`` is `ui.session.viewer().id` (``user:…`` or ``browser:…``); ``label`` is what
    the page may show of a signed-in user (their e-mail address).
    """
    if mode == LOCAL:
        return local_default()
    if mode == SIGNED_IN and signed_in and viewer_id:
        who = (label or viewer_id).removeprefix("user:")
        return Collection(f"user-{_digest(viewer_id)}", owner=viewer_id, label=f"{who}'s bookmark collection")
    if mode not in (NETWORK, SIGNED_IN):
        raise ValueError(f"unknown serving mode {mode!r}")
    if not viewer_id:
        raise ValueError("a private collection needs a viewer id")
    return Collection(f"browser-{_digest(viewer_id)}", owner=viewer_id, label="a temporary bookmark collection",
                      temporary=True)


# --- temporary collections ---------------------------------------------------------------------
def ttl_hours() -> float:
    try:
        return max(float(os.environ.get(TTL_ENV, "") or DEFAULT_TTL_HOURS), 0.0)
    except ValueError:
        return DEFAULT_TTL_HOURS


def touch(collection: Collection, now: float | None = None) -> None:
    """Record that a temporary collection is in use (its age counts from the last touch)."""
    if not collection.temporary:
        return
    root = collection.root
    root.mkdir(parents=True, exist_ok=True)
    stamp = root / STAMP
    now = time.time() if now is None else now
    stamp.touch()
    os.utime(stamp, (now, now))


def last_used(root: Path) -> float:
    stamp = root / STAMP
    try:
        return stamp.stat().st_mtime
    except OSError:
        try:
            return root.stat().st_mtime
        except OSError:
            return 0.0


_sweep_lock = threading.Lock()
_last_sweep = [0.0]  # housekeeping clock of this process, not page state


def sweep_expired(now: float | None = None, ttl: float | None = None, force: bool = False) -> list[str]:
    """Delete temporary collections unused for ``ttl`` hours; returns their names.

    Runs at most every ten minutes per process unless ``force``. Persistent collections
    (``default``, ``user-…``) are never touched. A collection being imported into is skipped.
    """
    now = time.time() if now is None else now
    ttl = ttl_hours() if ttl is None else ttl
    with _sweep_lock:
        if not force and now - _last_sweep[0] < _SWEEP_EVERY_S:
            return []
        _last_sweep[0] = now
    base = data_dir("bookmarks", "collections", create=False)
    if not base.is_dir():
        return []
    removed = []
    for root in sorted(base.glob("browser-*")):
        if not root.is_dir() or now - last_used(root) < ttl * 3600:
            continue
        lock = _lock_for(root)
        if not lock.acquire(blocking=False):
            continue
        try:
            _forget_clients(root)
            shutil.rmtree(root, ignore_errors=True)
            removed.append(root.name)
        finally:
            lock.release()
    return removed


def _forget_clients(root: Path) -> None:
    """Drop this process's open Chroma clients under ``root`` before its files go away."""
    from core.bookmarks import stores

    prefix = str(root.resolve())
    for key in [k for k in list(stores._clients) if k == prefix or k.startswith(prefix + os.sep)]:
        client = stores._clients.pop(key, None)
        try:
            client.close()  # chromadb >= 1.1: releases the shared system of that folder
        except Exception:  # an older client without close(): dropping the reference is all we can do
            pass


# --- one writer per collection -----------------------------------------------------------------
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    key = str(Path(path).resolve())
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


@contextmanager
def writing(collection: Collection, should_continue=None, wait=None):
    """Hold the collection's write lock for an import or an undo (one at a time per collection).

    On the local studio every browser session writes the same collection; two imports at once
    would race on its manifest. While another write holds the lock, ``wait()`` is called every
    half second and ``should_continue()`` may give up (then this yields False).
    """
    lock = _lock_for(collection.root)
    while not lock.acquire(timeout=0.5):
        if wait is not None:
            wait()
        if should_continue is not None and not should_continue():
            yield False
            return
    try:
        yield True
    finally:
        lock.release()
