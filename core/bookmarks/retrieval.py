"""Retrieval modes over a `BookmarkIndex`: similarity, threshold, MMR and hybrid BM25+vector.

Scores shown to users are cosine similarities (vector modes) or fused reciprocal-rank scores
(hybrid). Each hit carries a one-line reason (the query words it matched, or "similar
meaning") so offline answers can explain themselves.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import numpy as np

from core.bookmarks.model import Bookmark, meaningful_folder, url_words
from core.bookmarks.stores import filters_to_where

MODES = ("similarity", "threshold", "mmr", "hybrid")
# Chosen by measurement (bench/bookmarks.py: 297 labelled questions over 4,717 real links; the
# table is in docs/bookmarks.md). With descriptions, hybrid beat plain similarity (recall@5
# 0.980 vs 0.936). On titles alone BM25 has only a few words to match and every keyword weight
# made results worse (0.411 at 0.2, 0.380 at 0.7, vs 0.444 for vectors alone), so the keyword
# weight follows the share of bookmarks that carry a description.
DEFAULT_MODE = "hybrid"
DEFAULT_THRESHOLD = 0.35
TITLES_ONLY_WEIGHTS = (1.0, 0.0)  # (vector, keyword) when bookmarks carry no descriptions
DESCRIBED_WEIGHTS = (0.5, 0.5)  # when every bookmark has a description


def auto_weights(index) -> tuple[float, float]:
    """Fusion weights from the share of bookmarks with a description (measured endpoints)."""
    recs = index.records
    if not recs or not index.with_description:
        return TITLES_ONLY_WEIGHTS
    key = (str(index.dir), index.version)
    if key not in _coverage_cache:
        _coverage_cache.clear()
        _coverage_cache[key] = sum(bool(r["bookmark"].get("description")) for r in recs.values()) / len(recs)
    share = _coverage_cache[key]
    kw = TITLES_ONLY_WEIGHTS[1] + share * (DESCRIBED_WEIGHTS[1] - TITLES_ONLY_WEIGHTS[1])
    return (1.0 - kw, kw)


_coverage_cache: dict = {}
RRF_K = 60
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from has have how i in into is it its me my of on or "
    "that the their them there these this to was what when where which who why will with you your "
    "find link links bookmark bookmarks page site website show give any some want need looking "
    "about something thing tool tools".split())


@dataclass
class Hit:
    bookmark: Bookmark
    score: float
    rank: int = 0
    reason: str = ""
    sources: dict = field(default_factory=dict)  # per-ranker rank, e.g. {"vector": 1, "bm25": 4}

    @property
    def id(self) -> str:
        return self.bookmark.id


def _stem(word: str) -> str:
    """A light plural/-ing stemmer so "cats" meets "cat" (good enough for titles)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    return [_stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


def keyword_text(b: Bookmark, with_description: bool = True) -> str:
    """What BM25 indexes: title, URL words, folder, tags and description."""
    parts = [b.title, url_words(b.url), meaningful_folder(b.folder), " ".join(b.tags)]
    if with_description:
        parts.append(b.description)
    return " ".join(parts)


class KeywordIndex:
    """BM25 (bm25s) over the index's records; rebuilt only when the manifest changes."""

    def __init__(self, ids: list[str], texts: list[str]):
        import bm25s

        self.ids = ids
        self.retriever = bm25s.BM25()
        tokens = [tokenize(t) or ["_empty_"] for t in texts]
        self.retriever.index(_to_tokenized(tokens), show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        q = [t for t in tokenize(query) if t in self._vocab]
        if not q or not self.ids:
            return []
        k = min(k, len(self.ids))
        docs, scores = self.retriever.retrieve([q], k=k, show_progress=False)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    @property
    def _vocab(self) -> dict:
        return self.retriever.vocab_dict


def _to_tokenized(token_lists: list[list[str]]):
    import bm25s

    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in toks] for toks in token_lists]
    return bm25s.tokenization.Tokenized(ids=ids, vocab=vocab)


_kw_cache: dict[tuple, KeywordIndex] = {}
_kw_lock = threading.Lock()


def keyword_index(index) -> KeywordIndex:
    key = (str(index.dir), index.version, index.with_description)
    with _kw_lock:
        if key not in _kw_cache:
            recs = index.records
            ids = list(recs)
            texts = [keyword_text(Bookmark.from_dict(recs[i]["bookmark"]), index.with_description) for i in ids]
            _kw_cache.clear()  # one collection at a time is plenty; bound memory
            _kw_cache[key] = KeywordIndex(ids, texts)
        return _kw_cache[key]


def matches_filters(b: Bookmark, filters: dict | None) -> bool:
    if not filters:
        return True
    if filters.get("folders") and b.folder not in filters["folders"]:
        return False
    if filters.get("domains") and b.domain not in filters["domains"]:
        return False
    added = int(b.added or 0)
    if filters.get("added_from") is not None and added < int(filters["added_from"]):
        return False
    if filters.get("added_to") is not None and added > int(filters["added_to"]):
        return False
    return True


def explain(query: str, b: Bookmark) -> str:
    """A one-line reason: the query words found in the bookmark, else semantic similarity."""
    words = set(tokenize(keyword_text(b)))
    hits = [w for w in dict.fromkeys(tokenize(query)) if w in words]
    return ("matched words: " + ", ".join(hits[:6])) if hits else "similar meaning (no shared words)"


def mmr_select(query_vec: np.ndarray, cand_vecs: np.ndarray, k: int, lambda_mult: float = 0.5) -> list[int]:
    """Maximal marginal relevance: trade relevance to the query against novelty."""
    if len(cand_vecs) == 0:
        return []
    rel = cand_vecs @ query_vec
    chosen = [int(np.argmax(rel))]
    sim = cand_vecs @ cand_vecs.T
    while len(chosen) < min(k, len(cand_vecs)):
        rest = [i for i in range(len(cand_vecs)) if i not in chosen]
        scores = [lambda_mult * rel[i] - (1 - lambda_mult) * max(sim[i, j] for j in chosen) for i in rest]
        chosen.append(rest[int(np.argmax(scores))])
    return chosen


def weighted_rrf(rankings: dict[str, list[str]], weights: dict[str, float], k: int = RRF_K) -> list[tuple[str, float, dict]]:
    """Weighted reciprocal-rank fusion: sum over rankers of weight / (k + rank)."""
    scores: dict[str, float] = {}
    ranks: dict[str, dict] = {}
    for name, ids in rankings.items():
        w = weights.get(name, 1.0)
        for r, bid in enumerate(ids, 1):
            scores[bid] = scores.get(bid, 0.0) + w / (k + r)
            ranks.setdefault(bid, {})[name] = r
    fused = sorted(scores.items(), key=lambda kv: -kv[1])
    return [(bid, s, ranks[bid]) for bid, s in fused]


def search(index, query: str, k: int = 5, mode: str = DEFAULT_MODE, filters: dict | None = None,
           threshold: float = DEFAULT_THRESHOLD, lambda_mult: float = 0.5,
           weights: tuple[float, float] | None = None, fetch_k: int = 50) -> list[Hit]:
    """Rank the index's bookmarks for ``query``; an empty list means nothing matches."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    query = (query or "").strip()
    records = index.records
    if not query or not records:
        return []
    where = filters_to_where(filters)
    qvec = index.embedder.embed_query(query)
    want = max(k, fetch_k) if mode in ("mmr", "hybrid") else k
    # over-fetch: ids from an interrupted sync that the manifest does not list are dropped
    raw = index.store.query(qvec, want + 10, where=where, with_vectors=(mode == "mmr"))
    vec_hits = [h for h in raw if h.id in records][:want]
    if mode in ("similarity", "threshold"):
        hits = [Hit(index.bookmark(h.id), h.score, sources={"vector": r}) for r, h in enumerate(vec_hits[:k], 1)]
        if mode == "threshold":
            hits = [h for h in hits if h.score >= threshold]
    elif mode == "mmr":
        vecs = np.stack([h.vector for h in vec_hits]) if vec_hits else np.zeros((0, len(qvec)))
        order = mmr_select(qvec, vecs, k, lambda_mult)
        hits = [Hit(index.bookmark(vec_hits[i].id), vec_hits[i].score, sources={"vector": i + 1}) for i in order]
    else:
        weights = weights or auto_weights(index)
        kw = keyword_index(index).search(query, fetch_k * 4 if filters else fetch_k) if weights[1] > 0 else []
        kw_ids = [bid for bid, _ in kw if matches_filters(index.bookmark(bid), filters)][:fetch_k]
        fused = weighted_rrf({"vector": [h.id for h in vec_hits], "bm25": kw_ids},
                             {"vector": weights[0], "bm25": weights[1]})
        hits = [Hit(index.bookmark(bid), s, sources=src) for bid, s, src in fused[:k]]
    for r, h in enumerate(hits, 1):
        h.rank = r
        h.reason = explain(query, h.bookmark)
    return hits
