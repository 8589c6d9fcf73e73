"""Which collection and store this session works on: the viewer's collection (policy in
`core.bookmarks.collections`), the chosen profile's embedder and store (`core.bookmarks.profiles`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import streamlit as st

from core.access import SIGNED_IN
from core.bookmarks import collections
from core.bookmarks.collections import Collection
from core.bookmarks.profiles import Keys, Profile, configured_keys, make_embedder, open_store, store_dir
from core.bookmarks.sync import BookmarkIndex
from core.text import escape_markdown
from ui.session import serving_mode, viewer


@dataclass
class Target:
    """Where this session's imports and searches go: the viewer's collection, in the store of the
    chosen profile, with that profile's embedder (and Pinecone store, when chosen)."""

    collection: Collection
    profile: Profile
    keys: Keys
    embedder: object
    store: object = None  # None: the store folder's own Chroma

    def open(self) -> BookmarkIndex:
        """An index over the store (cheap: the manifest is cached per file version)."""
        return BookmarkIndex(store_dir(self.collection, self.profile), embedder=self.embedder, store=self.store,
                             with_description=self.profile.with_descriptions)


def server_keys() -> Keys:
    """Keys the server was configured with (environment, then ``st.secrets``)."""
    try:
        secrets = st.secrets
    except Exception:  # no secrets file
        secrets = None
    return configured_keys(secrets)


def viewer_collection() -> Collection:
    """The collection of the person looking at the page; temporary ones are kept alive by use,
    and expired ones are swept (at most every ten minutes per server)."""
    person = viewer()
    collection = collections.collection_for(person.id, serving_mode(), signed_in=person.signed_in, label=person.label)
    collections.touch(collection)
    collections.sweep_expired()
    return collection


def describe(collection: Collection) -> None:
    """Whose collection this is, in one caption (a user's e-mail address is shown escaped)."""
    text = escape_markdown(collection.describe(), 400)
    if serving_mode() == SIGNED_IN and collection.temporary:
        text += " Sign in (sidebar) to keep a collection of your own."
    st.caption(f":material/folder_shared: {text}")


@st.cache_resource(show_spinner="Connecting to Pinecone...", max_entries=16)
def _pinecone(index_name: str, namespace: str, model: str, dim: int, _key: str, _embedder):
    """One Pinecone connection per index, namespace and model (the key is not part of the cache key)."""
    from core.bookmarks.stores import open_pinecone

    return open_pinecone(_key, index_name, model, dim, namespace=namespace, embedder=_embedder)


def _connect(key, index_name, model, dim, namespace, embedder=None):
    return _pinecone(index_name, namespace, model, dim, key, embedder)


_warming = threading.Lock()


def warm_up(embedder) -> None:
    """Start loading the offline embedding model (and the vector store's library) in the
    background, once per server process, when the page opens.

    Why: on a busy 2-core machine importing sentence-transformers, torch and chromadb takes from
    ten seconds to a couple of minutes. Every question and every import needs them, so without
    this the first question freezes the page that long. An import started meanwhile waits for the
    same load (one lock) and says "Loading the embedding model".
    """
    if getattr(embedder, "loaded", True) or not _warming.acquire(blocking=False):
        return
    threading.Thread(target=_load, args=(embedder,), name="studio-bookmarks-warm-up", daemon=True).start()


def _load(embedder) -> None:
    try:
        import chromadb  # noqa: F401 - the local store's library, imported once
        embedder.load()
    except Exception:  # noqa: BLE001 - the import job or the search reports a real failure
        _warming.release()  # let a later page open try again


def target(collection: Collection, profile: Profile, keys: Keys) -> Target:
    """The embedder and store for this profile (raises with a clear message when unavailable)."""
    embedder = make_embedder(profile, keys)
    return Target(collection, profile, keys, embedder, open_store(collection, profile, embedder, keys, _connect))
