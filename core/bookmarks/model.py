"""A bookmark record, URL normalisation, stable ids and content hashes."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

SAFE_SCHEMES = ("http", "https")
# Query parameters that only track the click; dropping them makes duplicates meet.
TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ref_src|_hsenc|_hsmi)$", re.I)
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class Bookmark:
    """One bookmark with the metadata kept for filtering and display."""

    url: str
    title: str = ""
    folder: str = ""  # folder path joined with " / "
    tags: list[str] = field(default_factory=list)
    added: int | None = None  # seconds since the epoch
    description: str = ""
    source: str = ""  # which file or profile it came from

    @property
    def id(self) -> str:
        return bookmark_id(self.url)

    @property
    def domain(self) -> str:
        return domain_of(self.url)

    def to_dict(self) -> dict:
        # by hand: dataclasses.asdict deep-copies and costs ~20 us a bookmark (2 s at 100K)
        return {"url": self.url, "title": self.title, "folder": self.folder, "tags": list(self.tags),
                "added": self.added, "description": self.description, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict) -> "Bookmark":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def normalize_url(url: str) -> str:
    """Canonical form used for dedupe and ids: lower-case scheme/host, no default port,
    no fragment, no tracking parameters, sorted query, no trailing slash on paths."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    try:
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host
    except UnicodeError:
        pass
    netloc = host
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{host}:{port}"
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~%")
    if path.endswith("/"):
        path = path.rstrip("/")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not TRACKING_PARAMS.match(k)))
    return urlunsplit((scheme, netloc, path, query, ""))


def bookmark_id(url: str) -> str:
    """Stable id: the same page gives the same id across imports and formats."""
    return hashlib.sha1(normalize_url(url).encode("utf-8")).hexdigest()[:20]


def domain_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def url_scheme(url: str) -> str:
    return urlsplit(url.strip()).scheme.lower()


def url_words(url: str) -> str:
    """The readable words of a URL (host parts and path segments), for embedding and BM25."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host_words = [w for w in host.split(".") if w not in ("www", "com", "org", "net", "io", "html")]
    path_words = re.split(r"[/\-_.~+%?=&#]+", unquote(parts.path))
    words = [w for w in host_words + path_words if w and not w.isdigit() and w.lower() not in ("html", "htm", "php", "index")]
    return " ".join(words)


# Browser root folders carry no meaning; leaving them out keeps every text about its bookmark.
ROOT_FOLDERS = {"bookmarks bar", "bookmarks toolbar", "other bookmarks", "bookmarks menu",
                "mobile bookmarks", "bookmarks", "favorites bar", "favourites bar", "menu", "toolbar",
                "unfiled", "other"}


def meaningful_folder(folder: str) -> str:
    parts = [p.strip() for p in folder.split(" / ") if p.strip()]
    while parts and parts[0].lower() in ROOT_FOLDERS:
        parts.pop(0)
    return " / ".join(parts)


def document_text(b: Bookmark, with_description: bool = True) -> str:
    """The text embedded for a bookmark: title, folder, URL words and (if any) description."""
    parts = [b.title.strip() or url_words(b.url)]
    # Only the deepest folder: it is the most specific label of the bookmark, while broad
    # ancestors ("Dev", "Imported") dilute short titles. Measured on the labelled set: recall@5
    # 0.407 -> 0.451 titles only, 0.926 -> 0.936 with descriptions. BM25 still sees the full path.
    folder = meaningful_folder(b.folder).split(" / ")[-1]
    if folder:
        parts.append(f"({folder})")
    if b.tags:
        parts.append("tags: " + ", ".join(b.tags))
    if with_description and b.description:
        parts.append("- " + b.description.strip())
    parts.append("| " + url_words(b.url))
    return " ".join(parts)


DOCUMENT_FORMAT = 2  # bump when document_text changes, so every bookmark is re-embedded once


def content_hash(b: Bookmark, with_description: bool = True) -> str:
    """Hash of everything that changes the stored record or its embedded text (not the source
    file): unchanged hash = nothing to embed. Cheap: the text itself is built only to embed."""
    payload = json.dumps([DOCUMENT_FORMAT, with_description, b.url, b.title, b.folder, sorted(b.tags),
                          b.added, b.description], ensure_ascii=False)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()
