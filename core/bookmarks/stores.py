"""Vector stores behind one small interface: Chroma (local, default) and Pinecone (hosted, via langchain-pinecone).

Both take precomputed, L2-normalised vectors, so the embedding step (and its cost) stays in
`sync`, and both return cosine *similarities* (higher is better) whatever the backend reports.
A store records the embedding model and dimension it was built with and refuses to mix.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np


class EmbeddingMismatch(ValueError):
    """The store was built with another embedding model or dimension."""


@dataclass
class VectorHit:
    id: str
    score: float  # cosine similarity, higher is better
    vector: np.ndarray | None = None


class VectorStore(Protocol):
    kind: str

    def upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None: ...
    def delete(self, ids: list[str]) -> None: ...
    def query(self, vector: np.ndarray, k: int, where: dict | None = None,
              with_vectors: bool = False) -> list[VectorHit]: ...
    def count(self) -> int: ...
    def reset(self) -> None: ...


def check_model(recorded: dict, model: str, dim: int) -> None:
    """Raise `EmbeddingMismatch` when a store's recorded model/dimension differs."""
    have_model, have_dim = recorded.get("embedding_model"), recorded.get("dim")
    if have_model and (have_model != model or int(have_dim or 0) != int(dim)):
        raise EmbeddingMismatch(
            f"this store was built with {have_model} ({have_dim}-d vectors) but the current "
            f"embedding model is {model} ({dim}-d); re-index the store to switch models")


def filters_to_where(filters: dict | None) -> dict | None:
    """Our filter dict -> the Mongo-style filter Chroma and Pinecone both understand."""
    if not filters:
        return None
    clauses = []
    if filters.get("folders"):
        clauses.append({"folder": {"$in": list(filters["folders"])}})
    if filters.get("domains"):
        clauses.append({"domain": {"$in": list(filters["domains"])}})
    if filters.get("added_from") is not None:
        clauses.append({"added": {"$gte": int(filters["added_from"])}})
    if filters.get("added_to") is not None:
        clauses.append({"added": {"$lte": int(filters["added_to"])}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


# --- Chroma ------------------------------------------------------------------------------
_clients: dict[str, object] = {}
_seen_writes: dict[str, str] = {}  # path -> the write stamp its client has loaded
_clients_lock = threading.Lock()
WRITES_STAMP = ".writes"


def _stamp(key: str) -> str:
    try:
        return (Path(key) / WRITES_STAMP).read_text("utf-8")
    except OSError:
        return ""


def chroma_client(path: str | Path):
    """One persistent Chroma client per directory per process (Chroma requires it), reopened
    when another process has written there since it was opened.

    A Chroma client keeps its vector index in memory: it counts rows another process adds but
    does not find them (measured with chromadb 1.5: a second process's vectors stayed invisible
    to queries until the client was reopened). Every write through `ChromaStore` leaves a new
    stamp in ``.writes``; a client that has not seen the current stamp is closed and reopened.
    """
    import chromadb
    from chromadb.config import Settings

    key = str(Path(path).resolve())
    with _clients_lock:
        client, stamp = _clients.get(key), _stamp(key)
        if client is not None and _seen_writes.get(key) != stamp:
            _clients.pop(key)
            try:
                client.close()
            except Exception:  # noqa: BLE001 - an older client without close(): drop it
                pass
            client = None
        if client is None:
            Path(key).mkdir(parents=True, exist_ok=True)
            client = _clients[key] = chromadb.PersistentClient(
                path=key, settings=Settings(anonymized_telemetry=False, is_persistent=True, persist_directory=key))
            _seen_writes[key] = stamp
        return client


def note_write(path: str | Path) -> None:
    """Record a write to the Chroma directory (see `chroma_client`): other processes reopen."""
    key = str(Path(path).resolve())
    token = f"{os.getpid()}-{uuid.uuid4().hex}"
    tmp = Path(key) / f".writes-{token}"
    tmp.write_text(token, "utf-8")
    os.replace(tmp, Path(key) / WRITES_STAMP)
    with _clients_lock:
        if key in _clients:
            _seen_writes[key] = token


class ChromaStore:
    """A persistent local Chroma collection using cosine distance."""

    kind = "chroma"

    def __init__(self, path: str | Path, model: str, dim: int, collection: str = "bookmarks"):
        self.path = Path(path)
        self.name, self.model, self.dim = collection, model, dim
        self._client = self._col = None
        check_model(self.col.metadata or {}, model, dim)

    @property
    def client(self):
        return chroma_client(self.path)

    @property
    def col(self):
        """The collection, through the current client (a reopened one after another process wrote)."""
        client = self.client
        if client is not self._client:
            self._col = client.get_or_create_collection(
                self.name, metadata={"hnsw:space": "cosine", "embedding_model": self.model, "dim": self.dim})
            self._client = client
        return self._col

    def upsert(self, ids, vectors, metadatas):
        if ids:
            self.col.upsert(ids=list(ids), embeddings=np.asarray(vectors, dtype=np.float32),
                            metadatas=list(metadatas))
            note_write(self.path)

    def delete(self, ids):
        ids = list(ids)
        for i in range(0, len(ids), 5000):
            self.col.delete(ids=ids[i:i + 5000])
        if ids:
            note_write(self.path)

    def query(self, vector, k, where=None, with_vectors=False):
        return self._read(lambda col: self._query(col, vector, k, where, with_vectors))

    def _read(self, op):
        """Run a read; once more if another thread reopened the client meanwhile (its old
        collection object stops working when the client closes)."""
        col = self.col
        try:
            return op(col)
        except Exception:
            if self.col is col:
                raise
            return op(self.col)

    def _query(self, col, vector, k, where, with_vectors):
        n = col.count()
        if n == 0 or k <= 0:
            return []
        include = ["distances"] + (["embeddings"] if with_vectors else [])
        res = col.query(query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=min(k, n),
                        where=where, include=include)
        ids, dists = res["ids"][0], res["distances"][0]
        vecs = res.get("embeddings")
        vecs = vecs[0] if vecs is not None else [None] * len(ids)
        return [VectorHit(i, 1.0 - float(d), None if v is None else np.asarray(v, dtype=np.float32))
                for i, d, v in zip(ids, dists, vecs)]

    def count(self):
        return self._read(lambda col: col.count())

    def reset(self):
        self.client.delete_collection(self.name)
        self._client = None
        note_write(self.path)
        self.col  # noqa: B018 - recreate it empty


# --- Pinecone ----------------------------------------------------------------------------
def _langchain_embeddings(embedder=None):
    """Our embedder as a LangChain `Embeddings` (LangChain is imported lazily, as elsewhere)."""
    from langchain_core.embeddings import Embeddings

    def need():
        if embedder is None:
            raise RuntimeError("this Pinecone store was opened without an embedder; pass embedder= to "
                               "open_pinecone to search it by text")
        return embedder

    class EmbedderAdapter(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return need().embed(list(texts)).tolist()

        def embed_query(self, text: str) -> list[float]:
            return need().embed_query(text).tolist()

    return EmbedderAdapter()


class PineconeStore:
    """A Pinecone index namespace behind the same interface, through langchain-pinecone.

    ``index`` is a pinecone SDK ``Index``. `langchain_store` is the `PineconeVectorStore` over
    that index and namespace; with an ``embedder`` it also answers ``similarity_search("text")``.
    Each vector's ``text`` metadata is its bookmark id: LangChain builds Documents from that key
    and skips matches without it.
    """

    kind = "pinecone"
    text_key = "text"

    def __init__(self, index, model: str, dim: int, namespace: str = "bookmarks", batch: int = 100,
                 embedder=None):
        from langchain_pinecone import PineconeVectorStore

        self.model, self.dim, self.namespace, self.batch = model, dim, namespace, batch
        self.langchain_store = PineconeVectorStore(index=index, embedding=_langchain_embeddings(embedder),
                                                   text_key=self.text_key, namespace=namespace)

    def upsert(self, ids, vectors, metadatas):
        rows = [{"id": i, "values": [float(x) for x in v],
                 "metadata": {**m, "embedding_model": self.model, self.text_key: i}}
                for i, v, m in zip(ids, vectors, metadatas)]
        # langchain-pinecone only upserts vectors it embeds itself (add_texts); ours are precomputed.
        for s in range(0, len(rows), self.batch):
            self.langchain_store.index.upsert(vectors=rows[s:s + self.batch], namespace=self.namespace)

    def delete(self, ids):
        self.langchain_store.delete(ids=list(ids))

    def query(self, vector, k, where=None, with_vectors=False):
        if k <= 0:
            return []
        k = min(int(k), 10_000)  # Pinecone's top_k limit
        vector = [float(x) for x in vector]
        if not with_vectors:
            found = self.langchain_store.similarity_search_by_vector_with_score(vector, k=int(k), filter=where)
            return [VectorHit(doc.id, float(score)) for doc, score in found]
        # retrieval runs its own MMR on the stored vectors; langchain-pinecone's MMR keeps them to itself.
        res = self.langchain_store.index.query(vector=vector, top_k=int(k), namespace=self.namespace,
                                               filter=where, include_values=True)
        return [VectorHit(m.id, float(m.score), np.asarray(m.values, dtype=np.float32)) for m in res.matches]

    def count(self):
        # langchain-pinecone has no count; the SDK's namespace stats do.
        ns = self.langchain_store.index.describe_index_stats().namespaces.get(self.namespace)
        return int(ns.vector_count) if ns else 0

    def reset(self):
        try:
            self.langchain_store.delete(delete_all=True)
        except Exception as exc:  # an empty namespace answers "not found"
            if "not found" not in str(exc).lower():
                raise


def open_pinecone(api_key: str, index_name: str, model: str, dim: int, namespace: str,
                  cloud: str = "aws", region: str = "us-east-1", client=None, embedder=None) -> PineconeStore:
    """Connect to (and if needed create) a cosine index of the right dimension.

    ``embedder`` (optional) lets `PineconeStore.langchain_store` search by text.
    """
    if client is None:
        from pinecone import Pinecone

        client = Pinecone(api_key=api_key)
    names = client.list_indexes().names()
    if index_name not in names:
        from pinecone import ServerlessSpec

        client.create_index(name=index_name, dimension=dim, metric="cosine",
                            spec=ServerlessSpec(cloud=cloud, region=region))
    else:
        desc = client.describe_index(index_name)
        have = desc["dimension"] if isinstance(desc, dict) else desc.dimension
        if int(have) != int(dim):
            raise EmbeddingMismatch(f"Pinecone index {index_name!r} has {have}-d vectors but {model} "
                                    f"makes {dim}-d ones; use another index name or re-index")
    return PineconeStore(client.Index(index_name), model, dim, namespace, embedder=embedder)
