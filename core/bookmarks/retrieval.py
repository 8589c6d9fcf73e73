"""Retrieval modes over a `BookmarkIndex`: similarity, threshold, MMR and hybrid keyword+vector.

Scores shown to users are cosine similarities (vector modes) or the fused score (hybrid). Each
hit carries a one-line reason (the query words it matched, a similar name, or "similar
meaning") so offline answers can explain themselves.

Hybrid search fuses three rankings: the vector one, BM25 over words (title, URL words, folder,
tags, description) and a character 4-gram match over the same text, which catches names that
words miss ("pokemon api" -> "Pokéapi", "pastebin" -> "Pastebin"). Fusion adds scores:
``cosine + w_bm25 * bm25 / max_bm25 + w_name * char_cosine``. Measured on the labelled set
(bench/bookmarks.py, table in the README), score fusion beat reciprocal-rank fusion, which gives
a weak keyword hit as much credit as a strong one; RRF stays available as ``fusion="rrf"``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import numpy as np

from core.bookmarks.model import Bookmark, meaningful_folder, url_words
from core.bookmarks.stores import VectorHit, filters_to_where

MODES = ("similarity", "threshold", "mmr", "hybrid")
FUSIONS = ("score", "rrf")
# Chosen by measurement (bench/bookmarks.py: 297 labelled questions over 4,717 real links).
# With descriptions BM25 is a strong ranker and fusing it helps (recall@5 0.936 -> 0.987); on
# titles alone it has only a few words to match and every BM25 weight made results worse, so
# the BM25 weight follows the share of bookmarks that carry a description. The name match
# helped in both settings (titles only 0.451 -> 0.478).
DEFAULT_MODE = "hybrid"
DEFAULT_FUSION = "score"
DEFAULT_THRESHOLD = 0.35
VECTOR_WEIGHT = 1.0
NAME_WEIGHT = 0.5
DESCRIBED_BM25_WEIGHT = 0.3  # when every bookmark has a description; 0 when none has


def auto_weights(index) -> tuple[float, float, float]:
    """(vector, bm25, name) fusion weights; BM25's grows with the share of described bookmarks."""
    recs = index.records
    if not recs or not index.with_description:
        return (VECTOR_WEIGHT, 0.0, NAME_WEIGHT)
    key = (str(index.dir), index.version)
    if key not in _coverage_cache:
        _coverage_cache.clear()
        _coverage_cache[key] = sum(bool(r["bookmark"].get("description")) for r in recs.values()) / len(recs)
    return (VECTOR_WEIGHT, DESCRIBED_BM25_WEIGHT * _coverage_cache[key], NAME_WEIGHT)


_coverage_cache: dict = {}
RRF_K = 60
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from has have how i in into is it its me my of on or "
    "that the their them there these this to was what when where which who why will with you your "
    "find link links bookmark bookmarks page site website show give any some want need looking "
    "about something thing tool tools".split())

# Conversational framing ("where did I save that link about ...?") says nothing about the
# bookmark, yet it pulls every question's embedding the same way: wrapping the labelled
# questions in such phrases cost 4 points of recall@5 before they were stripped.
_SAVED = r"(?:save|saved|put|keep|kept|store|stored|bookmark|bookmarked|have|had|found|seen)"
_THING = r"(?:bookmarks?|links?|sites?|websites?|pages?|urls?|resources?|articles?|tools?|repos?|things?|one|stuff)"
# Stripped from the front again and again until none applies; each piece is conservative
# ("search engine", "list comprehension" and "need for speed" keep their words).
_LEADS = [re.compile("^" + p + r"\s*", re.I) for p in (
    r"(?:hi|hey|ok|okay|so|um|please|help\s+me)\b[\s,]*",
    r"(?:can|could|would|will)\s+you\b(?:\s+please)?",
    r"(?:i\s*'?m\s+|i\s+am\s+|i\s+was\s+)?(?:looking|searching)\s+for\b",
    r"(?:trying\s+to\s+find|search\s+for)\b",
    r"i\s+(?:want|need|would\s+like)\b(?:\s+to\s+(?:find|see|read))?",
    r"where\s+(?:is|are|was|were|did|do|have|had)\b(?:\s+i)?(?:\s+" + _SAVED + r"\b)?",
    r"(?:which|what)\s+(?:" + _THING + r"\s+)?(?:is|are|was|were|did|do|have)\b(?:\s+i)?(?:\s+" + _SAVED + r"\b)?",
    r"(?:(?:do|did)\s+i\s+(?:have|save|bookmark)|is\s+there|are\s+there|have\s+i\s+" + _SAVED + r")\b",
    r"(?:find|show|give|recommend|suggest)(?:\s+me)?\b",
    r"(?:a|an|the|that|this|my|some|any|one\s+of\s+my)\s+(?=\w)",
    _THING + r"\s+(?=(?:about|for|on|regarding|explaining|covering|that|which|i)\b)",
    r"(?:(?:that|which)\s+(?:is|was|are|were)|i\s+" + _SAVED + r")\b",
    r"(?:about|for|on|regarding|explaining|covering)\s+(?=\w)",
)]
_TRAIL = re.compile(
    r"\s*(?:(?:that|which)\s+)?(?:i\s+(?:once\s+|have\s+|had\s+)?" + _SAVED + r"(?:\s+(?:earlier|before|once|"
    r"last\s+\w+|a\s+while\s+ago|somewhere|here|it))?|in\s+my\s+bookmarks|please|thanks|thank\s+you)\s*$",
    re.I)


def core_query(query: str) -> str:
    """The question without its conversational framing: what is searched for.

    Falls back to the question itself when stripping would leave (almost) nothing.
    """
    text = " ".join((query or "").split()).strip(" ?!.")
    stripped = text
    for _ in range(8):  # bounded: each pass removes at least one prefix or stops
        before = stripped
        for lead in _LEADS:
            stripped = lead.sub("", stripped, count=1)
        if stripped == before:
            break
    stripped = _TRAIL.sub("", stripped).strip(" ?!.,")
    return stripped if len(stripped) >= 3 and _TOKEN.search(stripped) else text


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


class NameIndex:
    """Character 4-gram TF-IDF (within words) for names that whole words miss."""

    def __init__(self, ids: list[str], texts: list[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.ids = ids
        # 4-grams only: as good as 3-5-grams on the labelled set at a third of the memory
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 4), sublinear_tf=True,
                                          dtype=np.float32)
        self.matrix = self.vectorizer.fit_transform(texts).T.tocsr() if ids else None

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        if self.matrix is None:
            return []
        scores = (self.vectorizer.transform([query]) @ self.matrix).toarray()[0]
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        return [(self.ids[i], float(scores[i])) for i in top[np.argsort(-scores[top])] if scores[i] > 0]


@dataclass
class LexicalIndex:
    words: KeywordIndex
    names: NameIndex


_lex_cache: dict[tuple, LexicalIndex] = {}
_lex_lock = threading.Lock()


def lexical_index(index) -> LexicalIndex:
    """BM25 and name indexes of the collection, rebuilt only when its manifest changes."""
    key = (str(index.dir), index.version, index.with_description)
    with _lex_lock:
        if key not in _lex_cache:
            recs = index.records
            ids = list(recs)
            texts = [keyword_text(Bookmark.from_dict(recs[i]["bookmark"]), index.with_description) for i in ids]
            _lex_cache.clear()  # one collection at a time is plenty; bound memory
            _lex_cache[key] = LexicalIndex(KeywordIndex(ids, texts), NameIndex(ids, texts))
        return _lex_cache[key]


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


def explain(query: str, b: Bookmark, similar_name: bool = False) -> str:
    """A one-line reason: the query words found in the bookmark, else a similar name or meaning."""
    words = set(tokenize(keyword_text(b)))
    hits = [w for w in dict.fromkeys(tokenize(query)) if w in words]
    if hits:
        return "matched words: " + ", ".join(hits[:6])
    return "similar name" if similar_name else "similar meaning (no shared words)"


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


def fuse_scores(vector: list[tuple[str, float]], bm25: list[tuple[str, float]], names: list[tuple[str, float]],
                weights: tuple[float, float, float]) -> list[tuple[str, float, dict]]:
    """Weighted score fusion: cosine + bm25 / max bm25 + char cosine, each times its weight.

    A candidate the vector search did not return gets the lowest returned cosine, an upper
    bound of its own that keeps it comparable without a second store round trip.
    """
    floor = vector[-1][1] if vector else 0.0
    top_bm25 = max((s for _, s in bm25), default=0.0) or 1.0
    parts: dict[str, list[float]] = {}
    ranks: dict[str, dict] = {}
    for slot, (name, ranking) in enumerate((("vector", vector), ("bm25", bm25), ("name", names))):
        for r, (bid, score) in enumerate(ranking, 1):
            parts.setdefault(bid, [floor, 0.0, 0.0])[slot] = score / top_bm25 if name == "bm25" else score
            ranks.setdefault(bid, {})[name] = r
    fused = {bid: sum(w * x for w, x in zip(weights, p)) for bid, p in parts.items()}
    return [(bid, s, ranks[bid]) for bid, s in sorted(fused.items(), key=lambda kv: -kv[1])]


def committed_vector_hits(index, qvec: np.ndarray, want: int, where: dict | None = None,
                          with_vectors: bool = False) -> list[VectorHit]:
    """The ``want`` nearest vectors that the committed manifest lists, with bookmark ids.

    The store may also hold other vectors: the previous generation (kept for undo) and those an
    interrupted sync wrote. They are skipped, never returned; the query widens (x4 each round,
    up to the whole store) until ``want`` committed ones are found or the store has no more.
    """
    n = 2 * want + 10
    total = None
    while True:
        raw = index.store.query(qvec, n, where=where, with_vectors=with_vectors)
        hits, seen = [], set()
        for h in raw:
            bid = index.bookmark_of_vector(h.id)
            if bid is not None and bid not in seen:
                seen.add(bid)
                hits.append(VectorHit(bid, h.score, h.vector))
        if len(hits) >= want or len(raw) < n:
            return hits[:want]
        total = index.store.count() if total is None else total
        if n >= total:
            return hits[:want]
        n = min(total, n * 4)


def search(index, query: str, k: int = 5, mode: str = DEFAULT_MODE, filters: dict | None = None,
           threshold: float = DEFAULT_THRESHOLD, lambda_mult: float = 0.5,
           weights: tuple[float, float, float] | None = None, fusion: str = DEFAULT_FUSION,
           fetch_k: int = 50) -> list[Hit]:
    """Rank the index's bookmarks for ``query``; an empty list means nothing matches.

    ``weights`` are (vector, bm25, name) for hybrid mode (default: `auto_weights`).
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if fusion not in FUSIONS:
        raise ValueError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSIONS)}")
    query = core_query(query)
    records = index.records
    if not query or not records:
        return []
    where = filters_to_where(filters)
    qvec = index.embedder.embed_query(query)
    want = max(k, fetch_k) if mode in ("mmr", "hybrid") else k
    vec_hits = committed_vector_hits(index, qvec, want, where, with_vectors=(mode == "mmr"))
    if mode in ("similarity", "threshold"):
        hits = [Hit(index.bookmark(h.id), h.score, sources={"vector": r}) for r, h in enumerate(vec_hits[:k], 1)]
        if mode == "threshold":
            hits = [h for h in hits if h.score >= threshold]
    elif mode == "mmr":
        vecs = np.stack([h.vector for h in vec_hits]) if vec_hits else np.zeros((0, len(qvec)))
        order = mmr_select(qvec, vecs, k, lambda_mult)
        hits = [Hit(index.bookmark(vec_hits[i].id), vec_hits[i].score, sources={"vector": i + 1}) for i in order]
    else:
        weights = tuple(weights or auto_weights(index))
        lex = lexical_index(index)
        pool = fetch_k * 4 if filters else fetch_k  # room for the filter to drop some

        def ranked(ranker, weight):
            if weight <= 0:
                return []
            return [(bid, s) for bid, s in ranker.search(query, pool)
                    if matches_filters(index.bookmark(bid), filters)][:fetch_k]

        vector = [(h.id, h.score) for h in vec_hits]
        bm25, names = ranked(lex.words, weights[1]), ranked(lex.names, weights[2])
        if fusion == "score":
            fused = fuse_scores(vector, bm25, names, weights)
        else:
            fused = weighted_rrf({"vector": [b for b, _ in vector], "bm25": [b for b, _ in bm25],
                                  "name": [b for b, _ in names]},
                                 {"vector": weights[0], "bm25": weights[1], "name": weights[2]})
        hits = [Hit(index.bookmark(bid), s, sources=src) for bid, s, src in fused[:k]]
    for r, h in enumerate(hits, 1):
        h.rank = r
        h.reason = explain(query, h.bookmark, similar_name=h.sources.get("name", fetch_k + 1) <= 3)
    return hits
