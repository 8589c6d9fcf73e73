"""Bookmark "profiles": which embedder, which vector store, which Pinecone namespace, and how an
error reads. The page and the command line both go through here, so they always agree.

A `Profile` is the choice of embedding model and backend. Within a collection
(`core.bookmarks.collections`) each profile has its own store folder (`store_name`), so a store
never mixes models and switching back re-embeds nothing:

==========================  ======================================================
profile                     store folder inside the collection
==========================  ======================================================
MiniLM, Chroma (default)    ``default``
OpenAI, Chroma              ``openai-text-embedding-3-small``
MiniLM, Pinecone index I    ``pinecone-I`` (the manifest; the vectors are in Pinecone)
OpenAI, Pinecone index I    ``pinecone-I-openai-text-embedding-3-small``
==========================  ======================================================

These are the names the page used before collections existed, so the local studio's stores
under ``<data>/bookmarks/`` are read as they are. One rule for the Pinecone namespace: **the
collection's name** (``default`` for the local studio, ``user-…``/``browser-…`` otherwise; a store
folder named with the CLI's ``--store DIR`` is a collection named after the folder, as the CLI
did before). The page used ``default`` and the CLI ``default`` for its default store, so existing
Pinecone data stays readable. (The CLI used to keep a Pinecone manifest in the local Chroma
store's folder, mixing the two; it now uses ``pinecone-I`` like the page, and a first import
re-registers vectors already in the namespace without duplicating them.)

Keys come from the environment or from secrets that the page passes in (this module never
imports streamlit); nothing here logs or stores them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time as dtime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from core.bookmarks.collections import Collection

EMBEDDINGS = ("minilm", "openai")
BACKENDS = ("chroma", "pinecone")
OPENAI_EMBEDDING_MODEL = "text-embedding-3-small"
EMBEDDING_NAMES = {"minilm": "all-MiniLM-L6-v2", "openai": f"OpenAI {OPENAI_EMBEDDING_MODEL}"}
DEFAULT_PINECONE_INDEX = "bookmarks"


@dataclass(frozen=True)
class Keys:
    """API keys for one session or process; never shown (``repr`` hides them)."""

    openai: str = field(default="", repr=False)
    pinecone: str = field(default="", repr=False)

    def secrets(self) -> tuple[str, ...]:
        return tuple(k for k in (self.openai, self.pinecone) if k)


def secret(name: str, secrets: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> str:
    """A key from the environment, else from ``secrets`` (the page passes ``st.secrets``)."""
    env = os.environ if env is None else env
    if env.get(name):
        return str(env[name])
    try:
        return str((secrets or {}).get(name, "") or "")
    except Exception:  # Streamlit without a secrets.toml raises on access
        return ""


def configured_keys(secrets: Mapping[str, Any] | None = None) -> Keys:
    """The keys the server was configured with (environment or secrets), not typed ones."""
    return Keys(openai=secret("OPENAI_API_KEY", secrets), pinecone=secret("PINECONE_API_KEY", secrets))


@dataclass(frozen=True)
class Profile:
    """Which embedding model and which vector store; ``base_url`` serves OpenAI-compatible embeddings."""

    embeddings: str = "minilm"
    backend: str = "chroma"
    pinecone_index: str = DEFAULT_PINECONE_INDEX
    base_url: str = ""
    with_descriptions: bool = True

    def __post_init__(self):
        if self.embeddings not in EMBEDDINGS:
            raise ValueError(f"unknown embedding model {self.embeddings!r}; choose one of {', '.join(EMBEDDINGS)}")
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown vector store {self.backend!r}; choose one of {', '.join(BACKENDS)}")

    @property
    def index_name(self) -> str:
        return self.pinecone_index.strip() or DEFAULT_PINECONE_INDEX

    def other_model(self) -> "Profile":
        """The same backend with the other embedding model."""
        return replace(self, embeddings="openai" if self.embeddings == "minilm" else "minilm")


def store_name(profile: Profile) -> str:
    """The store folder's name inside a collection (table in the module docstring)."""
    base = "default" if profile.backend == "chroma" else f"pinecone-{profile.index_name}"
    if profile.embeddings == "minilm":
        return base
    suffix = f"openai-{OPENAI_EMBEDDING_MODEL}"
    return suffix if profile.backend == "chroma" else f"{base}-{suffix}"


def store_dir(collection: Collection, profile: Profile) -> Path:
    """Where this collection keeps the store of this profile (not created here)."""
    if collection.path is not None:
        return collection.path
    return collection.root / store_name(profile)


def namespace(collection: Collection) -> str:
    """The Pinecone namespace of a collection: its name."""
    return collection.name


def make_embedder(profile: Profile, keys: Keys):
    """MiniLM (offline), or OpenAI's embeddings with the OpenAI key and ``profile.base_url``
    (none: ``$OPENAI_BASE_URL`` or api.openai.com, as for the chat). Without a key: MiniLM."""
    from core.bookmarks.embeddings import MiniLMEmbedder, OpenAIEmbedder

    if profile.embeddings == "openai":
        if not keys.openai:
            raise ValueError("OpenAI embeddings need an OpenAI key (OPENAI_API_KEY, or the key field on the page)")
        base_url = profile.base_url.strip() or os.environ.get("OPENAI_BASE_URL") or None
        return OpenAIEmbedder(keys.openai, OPENAI_EMBEDDING_MODEL, base_url=base_url)
    return MiniLMEmbedder()


def open_store(collection: Collection, profile: Profile, embedder, keys: Keys,
               connect: Callable[..., Any] | None = None):
    """None for Chroma (the index opens its own), else the Pinecone store of the collection's
    namespace. ``connect`` replaces `core.bookmarks.stores.open_pinecone` (the page caches it)."""
    if profile.backend != "pinecone":
        return None
    if not keys.pinecone:
        raise ValueError("the Pinecone store needs PINECONE_API_KEY (environment or secrets)")
    if connect is None:
        from core.bookmarks.stores import open_pinecone as connect
    return connect(keys.pinecone, profile.index_name, embedder.name, embedder.dim, namespace=namespace(collection),
                   embedder=embedder)


def open_index(collection: Collection, profile: Profile, keys: Keys, *, embedder=None, connect=None):
    """The collection's `BookmarkIndex` for this profile, with its embedder and store."""
    from core.bookmarks.sync import BookmarkIndex

    embedder = embedder or make_embedder(profile, keys)
    store = open_store(collection, profile, embedder, keys, connect)
    return BookmarkIndex(store_dir(collection, profile), embedder=embedder, store=store,
                         with_description=profile.with_descriptions)


def has_store(collection: Collection, profile: Profile) -> bool:
    """Whether this profile's store of the collection holds a manifest (reads nothing else)."""
    from core.bookmarks.sync import MANIFEST

    return (store_dir(collection, profile) / MANIFEST).is_file()


def stored_bookmarks(collection: Collection, profile: Profile) -> list:
    """The bookmarks a profile's store lists (the manifest only: no model, no network)."""
    from core.bookmarks.sync import BookmarkIndex

    if not has_store(collection, profile):
        return []
    return BookmarkIndex(store_dir(collection, profile)).bookmarks()


# --- filters -------------------------------------------------------------------------------------
def search_filters(folders=(), domains=(), date_range=()) -> dict:
    """The retrieval filters for the chosen folders, sites and an inclusive (start, end) date range."""
    out: dict = {}
    if folders:
        out["folders"] = list(folders)
    if domains:
        out["domains"] = list(domains)
    if date_range and len(date_range) == 2 and all(isinstance(d, date) for d in date_range):
        start, end = sorted(date_range)
        out["added_from"] = int(datetime.combine(start, dtime.min, timezone.utc).timestamp())
        out["added_to"] = int(datetime.combine(end, dtime.max, timezone.utc).timestamp())
    return out


# --- errors --------------------------------------------------------------------------------------
def _host(exc: BaseException) -> str:
    """Where a failed request went: host and port only (a URL may carry credentials)."""
    try:
        url = urlsplit(str(getattr(getattr(exc, "request", None), "url", "") or ""))
        return url.netloc.rpartition("@")[2] or "the server"
    except ValueError:
        return "the server"


def describe_error(exc: BaseException, *secrets: str) -> str:
    """One readable line for a failed import or search; every key in ``secrets`` is redacted."""
    import openai
    import requests

    from core.bookmarks.stores import EmbeddingMismatch

    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, EmbeddingMismatch):
        text = str(exc)
    elif isinstance(exc, openai.APIConnectionError):
        text = (f"could not reach {_host(exc)} ({detail} {exc.__cause__ or ''}); "
                "check the network and the base URL")
    elif isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        text = f"{_host(exc)} refused the API key ({detail})"
    elif isinstance(exc, openai.APIStatusError):
        text = f"{_host(exc)} answered HTTP {exc.status_code} ({detail})"
    elif isinstance(exc, (requests.RequestException, ConnectionError, TimeoutError)):
        # requests' own text is a long urllib3 retry trace: the host says enough
        text = f"a network request to {_host(exc)} failed ({type(exc).__name__}); check the network connection"
    elif isinstance(exc, ValueError) and type(exc).__name__ in ("ValueError", "SyncRefused", "BookmarkImportError"):
        text = str(exc)  # our own clear one-line messages
    else:
        text = detail
    for key in secrets:
        if key:
            text = text.replace(key, "***")
    return " ".join(text.split())
