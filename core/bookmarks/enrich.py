"""Optional enrichment: fetch each bookmarked page's title and meta/Open Graph description.

Most browser bookmarks carry only a title, often too thin for semantic search. Fetching is
polite and safe: http(s) only, a concurrency limit, timeouts, a size cap, no cookies (a plain
opener without a cookie jar), results cached on disk with their fetch time, and failures
recorded per bookmark, never fatal. Off unless the user asks for it.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

from core.bookmarks.importers import MAX_DESCRIPTION_CHARS, clean_text
from core.bookmarks.model import Bookmark, url_scheme

USER_AGENT = "dl-studio-bookmarks/1.0 (+offline bookmark search; one request per bookmark)"


@dataclass
class FetchResult:
    url: str
    title: str = ""
    description: str = ""
    status: int | None = None
    error: str = ""
    fetched_at: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error


class _MetaParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.meta, self._in_title = "", {}, False

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or "").lower()
            if key in ("description", "og:description", "og:title", "twitter:description") and key not in self.meta:
                self.meta[key] = a.get("content", "")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title and len(self.title) < 1000:
            self.title += data


class _NoRedirectToOtherSchemes(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if url_scheme(newurl) not in ("http", "https"):
            raise urllib.error.URLError("redirect to a non-http(s) URL refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener():
    # No HTTPCookieProcessor: cookies are neither sent nor stored.
    return urllib.request.build_opener(_NoRedirectToOtherSchemes())


def fetch_page(url: str, timeout: float = 5.0, max_bytes: int = 512 * 1024) -> FetchResult:
    """Fetch one page's title and description; errors are returned, not raised."""
    now = time.time()
    if url_scheme(url) not in ("http", "https"):
        return FetchResult(url, error="only http(s) URLs are fetched", fetched_at=now)
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"})
    try:
        with _opener().open(req, timeout=timeout) as resp:
            status = resp.status
            ctype = resp.headers.get("Content-Type", "")
            if "html" not in ctype.lower():
                return FetchResult(url, status=status, error=f"not HTML ({ctype or 'no content type'})", fetched_at=now)
            body = resp.read(max_bytes + 1)
            truncated = len(body) > max_bytes
            charset = resp.headers.get_content_charset() or "utf-8"
    except urllib.error.HTTPError as exc:
        return FetchResult(url, status=exc.code, error=f"HTTP {exc.code}", fetched_at=now)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return FetchResult(url, error=f"{type(exc).__name__}: {reason}"[:200], fetched_at=now)
    parser = _MetaParser()
    try:
        parser.feed(body[:max_bytes].decode(charset, errors="replace"))
    except Exception as exc:  # malformed HTML must not end the run
        return FetchResult(url, status=status, error=f"unparseable HTML ({type(exc).__name__})", fetched_at=now)
    desc = parser.meta.get("og:description") or parser.meta.get("description") or parser.meta.get("twitter:description", "")
    title = parser.meta.get("og:title") or parser.title
    res = FetchResult(url, clean_text(title, 500), clean_text(desc, MAX_DESCRIPTION_CHARS), status, "", now)
    if truncated and not (res.title or res.description):
        res.error = f"page larger than {max_bytes} bytes and no metadata in the first part"
    return res


class PageCache:
    """Fetched metadata by URL with its fetch time, saved atomically as JSON."""

    def __init__(self, path: str | Path, max_age_s: float = 30 * 86400):
        self.path, self.max_age_s = Path(path), max_age_s
        try:
            self.data: dict[str, dict] = json.loads(self.path.read_text("utf-8")) if self.path.exists() else {}
        except (OSError, json.JSONDecodeError):
            self.data = {}

    def get(self, url: str) -> FetchResult | None:
        d = self.data.get(url)
        if d and time.time() - d.get("fetched_at", 0) <= self.max_age_s:
            return FetchResult(**d)
        return None

    def put(self, res: FetchResult) -> None:
        self.data[res.url] = res.__dict__.copy()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".cache-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self.data, fh)
        os.replace(tmp, self.path)


def enrich(bookmarks: list[Bookmark], cache: PageCache, concurrency: int = 4, timeout: float = 5.0,
           max_bytes: int = 512 * 1024, progress: Callable[[int, int], None] | None = None,
           fetch: Callable[..., FetchResult] = fetch_page) -> dict[str, FetchResult]:
    """Fill empty descriptions from the pages (cached); returns the result per URL."""
    results: dict[str, FetchResult] = {}
    todo = []
    for b in bookmarks:
        hit = cache.get(b.url)
        if hit is not None:
            results[b.url] = hit
        else:
            todo.append(b.url)
    todo = list(dict.fromkeys(todo))
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, 16))) as pool:
        for i, res in enumerate(pool.map(lambda u: fetch(u, timeout=timeout, max_bytes=max_bytes), todo), 1):
            results[res.url] = res
            cache.put(res)
            if progress:
                progress(i, len(todo))
    cache.save()
    for b in bookmarks:
        res = results.get(b.url)
        if res is not None and res.ok and not b.description:
            b.description = res.description or (res.title if res.title and res.title != b.title else "")
    return results
