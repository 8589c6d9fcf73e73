"""Read bookmarks from every browser's export format, normalised, deduplicated and vetted.

Formats: Chrome/Edge/Brave ``Bookmarks`` JSON, Netscape bookmark HTML (every browser's export),
Firefox ``places.sqlite`` (read-only, on a copy) and JSON backups, CSV (``id,title,url``),
JSON lines (``title,url,description,folder``) and a plain list of URLs. `load_bookmarks`
sniffs the format from the content, not the file name.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from core.bookmarks.model import SAFE_SCHEMES, Bookmark, normalize_url, url_scheme, url_words

MAX_IMPORT_BYTES = 200 * 1024 * 1024  # a real export of 100K bookmarks is ~30 MB
MAX_TITLE_CHARS = 500
MAX_DESCRIPTION_CHARS = 2000
CHROME_EPOCH_OFFSET_S = 11_644_473_600  # seconds between 1601-01-01 and 1970-01-01
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class BookmarkImportError(ValueError):
    """A file that cannot be read as bookmarks; the message says why, for the user."""


@dataclass
class ImportResult:
    bookmarks: list[Bookmark]
    format: str
    source: str
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    skipped_examples: list[tuple[str, str, str]] = field(default_factory=list)  # (title, url, reason)

    def skip_summary(self) -> str:
        return ", ".join(f"{n} {reason}" for reason, n in self.skipped.most_common()) or "none"


class _Collector:
    """Vets raw entries: unsafe schemes and duplicates are skipped with a reason."""

    def __init__(self, source: str):
        self.source = source
        self.by_key: dict[str, Bookmark] = {}
        self.skipped: Counter = Counter()
        self.examples: list[tuple[str, str, str]] = []

    def skip(self, title: str, url: str, reason: str) -> None:
        self.skipped[reason] += 1
        if len(self.examples) < 50:
            self.examples.append((title[:120], url[:200], reason))

    def add(self, url, title="", folder="", tags=(), added=None, description="") -> None:
        url = clean_text(str(url or ""), 8000).strip()
        title = clean_text(str(title or ""), MAX_TITLE_CHARS)
        if not url:
            return self.skip(title, url, "no URL")
        scheme = url_scheme(url)
        if scheme not in SAFE_SCHEMES:
            reason = f"{scheme}: URL not allowed" if scheme else "not a URL"
            return self.skip(title, url, reason)
        try:
            host = urlsplit(url).hostname
        except ValueError:
            host = None
        if not host:
            return self.skip(title, url, "invalid URL")
        key = normalize_url(url)
        if key in self.by_key:
            old = self.by_key[key]  # keep the first; fill what it lacks
            old.description = old.description or clean_text(description, MAX_DESCRIPTION_CHARS)
            old.tags = sorted(set(old.tags) | {t for t in tags if t})
            return self.skip(title, url, "duplicate URL")
        self.by_key[key] = Bookmark(
            url=url, title=title or url_words(url) or url, folder=clean_text(folder, 500),
            tags=sorted({clean_text(t, 100) for t in tags if t and clean_text(t, 100)}),
            added=added, description=clean_text(description or "", MAX_DESCRIPTION_CHARS), source=self.source)

    def result(self, fmt: str) -> ImportResult:
        return ImportResult(list(self.by_key.values()), fmt, self.source, self.skipped, self.examples)


def clean_text(text: str, limit: int) -> str:
    """Drop control and bidi-override characters, collapse whitespace, cap the length."""
    text = _CONTROL.sub("", str(text))
    text = " ".join(text.split())
    return text[:limit]


# --- format readers ----------------------------------------------------------------------
def _chrome_time(value) -> int | None:
    try:
        micro = int(value)
    except (TypeError, ValueError):
        return None
    return micro // 1_000_000 - CHROME_EPOCH_OFFSET_S if micro > 0 else None


def _firefox_time(value) -> int | None:
    try:
        micro = int(value)
    except (TypeError, ValueError):
        return None
    return micro // 1_000_000 if micro > 0 else None


def read_chrome_json(data: dict, col: _Collector) -> None:
    roots = data.get("roots")
    if not isinstance(roots, dict):
        raise BookmarkImportError("this JSON has no 'roots': not a Chrome Bookmarks file")
    names = {"bookmark_bar": "Bookmarks bar", "other": "Other bookmarks", "synced": "Mobile bookmarks"}
    # (node, folder path of the node's parent); iterative so deep nesting cannot overflow
    stack = [(node, [], names.get(key, key)) for key, node in reversed(list(roots.items())) if isinstance(node, dict)]
    while stack:
        node, parents, fallback = stack.pop()
        if node.get("type") == "url":
            col.add(node.get("url"), node.get("name"), " / ".join(parents),
                    added=_chrome_time(node.get("date_added")))
            continue
        here = parents + [str(node.get("name") or fallback)]
        for child in reversed(node.get("children") or []):
            if isinstance(child, dict):
                stack.append((child, here, ""))


def read_firefox_json(data: dict, col: _Collector) -> None:
    def walk(node, path):
        if not isinstance(node, dict):
            return
        if node.get("type") == "text/x-moz-place" or "uri" in node:
            tags = [t.strip() for t in str(node.get("tags") or "").split(",")]
            col.add(node.get("uri"), node.get("title"), " / ".join(p for p in path if p), tags,
                    _firefox_time(node.get("dateAdded")), _annotation_description(node))
            return
        title = node.get("title") or ""
        sub = path + [title] if node.get("root") != "placesRoot" else path
        for child in node.get("children") or []:
            walk(child, sub)

    sys_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(sys_limit, 10_000))
    try:
        walk(data, [])
    except RecursionError as exc:
        raise BookmarkImportError("folders are nested too deeply to read") from exc
    finally:
        sys.setrecursionlimit(sys_limit)


def _annotation_description(node: dict) -> str:
    for anno in node.get("annos") or []:
        if isinstance(anno, dict) and anno.get("name") == "bookmarkProperties/description":
            return str(anno.get("value") or "")
    return ""


class _NetscapeParser(HTMLParser):
    """Netscape bookmark HTML: <DT><H3>folder</H3><DL>...</DL>, <DT><A ...>title</A><DD>text."""

    def __init__(self, col: _Collector):
        super().__init__(convert_charrefs=True)
        self.col = col
        self.path: list[str] = []
        self.pending_folder: str | None = None
        self.in_h3 = self.in_a = self.in_dd = False
        self.text: list[str] = []
        self.anchor: dict | None = None
        self.last: dict | None = None  # the bookmark a following <DD> describes
        self.saw_dl = False

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        if tag == "h3":
            self._flush()
            self.in_h3, self.text = True, []
        elif tag == "a":
            self._flush()
            self.in_a, self.text = True, []
            self.anchor = {k.lower(): (v or "") for k, v in attrs}
        elif tag == "dl":
            self._flush()
            self.saw_dl = True
            if self.pending_folder is not None:
                self.path.append(self.pending_folder)
                self.pending_folder = None
            else:
                self.path.append("")
        elif tag == "dd":
            self.in_dd, self.text = True, []
        elif tag == "dt":
            self._flush()

    def handle_endtag(self, tag):
        tag = tag.lower()
        if tag == "h3" and self.in_h3:
            self.in_h3 = False
            self.pending_folder = "".join(self.text).strip()
        elif tag == "a" and self.in_a:
            self._finish_anchor()
        elif tag == "dl":
            self._flush()
            if self.path:
                self.path.pop()

    def handle_data(self, data):
        if self.in_h3 or self.in_a or self.in_dd:
            self.text.append(data)

    def _finish_anchor(self):
        self.in_a = False
        a = self.anchor or {}
        tags = [t.strip() for t in a.get("tags", "").split(",")]
        added = None
        try:
            added = int(a.get("add_date", "")) or None
        except ValueError:
            pass
        self.last = {"url": a.get("href", ""), "title": "".join(self.text).strip(),
                     "folder": " / ".join(p for p in self.path if p), "tags": tags, "added": added,
                     "description": ""}
        self.anchor = None

    def _flush(self):
        """A <DD> ends at the next tag; then the pending bookmark is complete."""
        if self.in_a:
            self._finish_anchor()
        if self.in_dd:
            self.in_dd = False
            if self.last is not None:
                self.last["description"] = "".join(self.text).strip()
        if self.last is not None and not self.in_dd:
            b, self.last = self.last, None
            self.col.add(b["url"], b["title"], b["folder"], b["tags"], b["added"], b["description"])

    def close(self):
        super().close()
        self._flush()


def read_netscape_html(text: str, col: _Collector) -> None:
    parser = _NetscapeParser(col)
    parser.feed(text)
    parser.close()
    if not parser.saw_dl and not col.by_key and not col.skipped:
        raise BookmarkImportError("this HTML file contains no bookmark list (<DL>)")


def read_places_sqlite(path: Path, col: _Collector) -> None:
    """Firefox places.sqlite, copied first (Firefox keeps it locked) and opened read-only."""
    with tempfile.TemporaryDirectory(prefix="bm-places-") as tmp:
        copy = Path(tmp) / "places.sqlite"
        shutil.copyfile(path, copy)
        for suffix in ("-wal",):  # recent writes live in the WAL next to it
            if Path(str(path) + suffix).exists():
                shutil.copyfile(str(path) + suffix, str(copy) + suffix)
        try:
            con = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise BookmarkImportError(f"cannot open the Firefox database: {exc}") from exc
        try:
            rows = con.execute("SELECT b.id, b.type, b.fk, b.parent, b.title, b.dateAdded, "
                               "p.url FROM moz_bookmarks b LEFT JOIN moz_places p ON p.id = b.fk").fetchall()
            descriptions = {}
            try:
                descriptions = dict(con.execute("SELECT id, description FROM moz_places "
                                                "WHERE description IS NOT NULL").fetchall())
            except sqlite3.Error:
                pass
        except sqlite3.DatabaseError as exc:
            raise BookmarkImportError(f"not a readable Firefox places.sqlite ({exc})") from exc
        finally:
            con.close()
    nodes = {r[0]: r for r in rows}
    tag_root = next((r[0] for r in rows if r[3] == 1 and r[4] == "tags"), 4)
    tags_by_place: dict[int, list[str]] = {}
    for r in rows:  # a tag is a folder under the tags root holding bookmarks of the place
        parent = nodes.get(r[3])
        if r[1] == 1 and parent is not None and parent[3] == tag_root:
            tags_by_place.setdefault(r[2], []).append(parent[4] or "")

    def folder_of(parent_id):
        names, seen = [], set()
        while parent_id in nodes and parent_id not in seen and nodes[parent_id][3] not in (0, None):
            seen.add(parent_id)
            names.append(nodes[parent_id][4] or "")
            parent_id = nodes[parent_id][3]
        return " / ".join(reversed([n for n in names if n]))

    for r in rows:
        _, kind, fk, parent, title, added, url = r
        parent_row = nodes.get(parent)
        if kind != 1 or url is None or (parent_row is not None and parent_row[3] == tag_root):
            continue
        col.add(url, title, folder_of(parent), tags_by_place.get(fk, []), _firefox_time(added),
                descriptions.get(fk) or "")


def read_csv(text: str, col: _Collector) -> None:
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower(): f for f in (reader.fieldnames or []) if f}
    if "url" not in fields:
        raise BookmarkImportError("this CSV has no 'url' column (expected columns id,title,url)")
    get = lambda row, name: (row.get(fields[name]) or "") if name in fields else ""  # noqa: E731
    for row in reader:
        tags = [t.strip() for t in re.split(r"[,;]", get(row, "tags"))]
        col.add(get(row, "url"), get(row, "title") or get(row, "name"), get(row, "folder"), tags,
                None, get(row, "description"))


def read_jsonl(text: str, col: _Collector) -> None:
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            col.skip("", "", "malformed line")
            continue
        if isinstance(obj, dict):
            col.add(obj.get("url"), obj.get("title"), obj.get("folder") or "", obj.get("tags") or [],
                    obj.get("added"), obj.get("description") or "")


def read_url_list(text: str, col: _Collector) -> None:
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url, _, title = line.partition(" ")
        col.add(url, title.strip())


# --- entry points ------------------------------------------------------------------------
def detect_format(head: bytes) -> str:
    """Guess the format from the first bytes of a file."""
    if head.startswith(b"SQLite format 3\x00"):
        return "firefox-sqlite"
    if head.startswith(b"mozLz40\x00"):
        return "firefox-jsonlz4"
    if b"\x00" in head[:8192]:
        return "binary"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    low = text[:4096].lower()
    if text.startswith("{"):
        try:
            first = json.loads(text.split("\n", 1)[0])
        except (json.JSONDecodeError, RecursionError):
            first = None
        if isinstance(first, dict) and "url" in first and "roots" not in first:
            return "jsonl"
        return "json"
    if text.startswith("["):
        return "json"
    if "netscape-bookmark-file" in low or "<dl" in low or "<dt" in low or low.startswith("<!doctype") or low.startswith("<html"):
        return "netscape-html"
    first = text.split("\n", 1)[0].lower()
    if "url" in [c.strip().strip('"') for c in first.split(",")] or (first.count(",") >= 1 and "://" not in first):
        return "csv"
    return "url-list"


def load_bookmarks(path: str | os.PathLike, data: bytes | None = None, source: str | None = None,
                   max_bytes: int = MAX_IMPORT_BYTES) -> ImportResult:
    """Read any supported file (or its bytes, for uploads) into vetted bookmarks.

    Raises `BookmarkImportError` with a message for the user when the file cannot be read.
    """
    path = Path(path)
    source = source or path.name
    size = len(data) if data is not None else _size(path)
    if size > max_bytes:
        raise BookmarkImportError(f"{source} is {size / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB")
    if size == 0:
        raise BookmarkImportError(f"{source} is empty")
    head = data[:65536] if data is not None else _head(path)
    fmt = detect_format(head)
    col = _Collector(source)
    if fmt == "binary":
        raise BookmarkImportError(f"{source} is a binary file, not a bookmarks export")
    if fmt == "firefox-jsonlz4":
        raise BookmarkImportError(f"{source} is a compressed Firefox backup (.jsonlz4); export it "
                                  "as JSON or HTML from Firefox's Library window instead")
    if fmt == "firefox-sqlite":
        if data is not None:
            with tempfile.TemporaryDirectory(prefix="bm-upload-") as tmp:
                tmp_path = Path(tmp) / "places.sqlite"
                tmp_path.write_bytes(data)
                read_places_sqlite(tmp_path, col)
        else:
            read_places_sqlite(path, col)
        return _finish(col, fmt, source)
    raw = data if data is not None else path.read_bytes()
    text = raw.decode("utf-8-sig", errors="replace")
    if fmt == "json":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BookmarkImportError(f"{source} is not valid JSON (line {exc.lineno}, column "
                                      f"{exc.colno}: {exc.msg}); is the file truncated?") from exc
        except RecursionError as exc:
            raise BookmarkImportError(f"{source} is nested too deeply to read") from exc
        if not isinstance(obj, dict):
            raise BookmarkImportError(f"{source} is JSON but not a bookmarks file")
        if "roots" in obj:
            fmt = "chrome-json"
            read_chrome_json(obj, col)
        elif "children" in obj or str(obj.get("type", "")).startswith("text/x-moz-place"):
            fmt = "firefox-json"
            read_firefox_json(obj, col)
        else:
            raise BookmarkImportError(f"{source} is JSON but neither a Chrome 'Bookmarks' file nor a Firefox backup")
    elif fmt == "netscape-html":
        read_netscape_html(text, col)
    elif fmt == "csv":
        read_csv(text, col)
    elif fmt == "jsonl":
        read_jsonl(text, col)
    else:
        read_url_list(text, col)
        if not col.by_key and not col.skipped:
            raise BookmarkImportError(f"{source}: no bookmarks found (not a known format)")
    return _finish(col, fmt, source)


def _finish(col: _Collector, fmt: str, source: str) -> ImportResult:
    if fmt == "url-list" and not col.by_key:
        raise BookmarkImportError(f"{source}: no http(s) links found; supported formats are browser "
                                  "HTML exports, Chrome Bookmarks JSON, Firefox places.sqlite or JSON, "
                                  "CSV (id,title,url) and plain URL lists")
    return col.result(fmt)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise BookmarkImportError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(65536)


# --- browser profiles --------------------------------------------------------------------
@dataclass(frozen=True)
class ProfileFile:
    browser: str
    profile: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.browser} - {self.profile}"


_CHROMIUM_DIRS = {
    "linux": {"Chrome": ".config/google-chrome", "Chromium": ".config/chromium",
              "Edge": ".config/microsoft-edge", "Brave": ".config/BraveSoftware/Brave-Browser",
              "Vivaldi": ".config/vivaldi"},
    "darwin": {"Chrome": "Library/Application Support/Google/Chrome",
               "Chromium": "Library/Application Support/Chromium",
               "Edge": "Library/Application Support/Microsoft Edge",
               "Brave": "Library/Application Support/BraveSoftware/Brave-Browser"},
    "win32": {"Chrome": "AppData/Local/Google/Chrome/User Data",
              "Chromium": "AppData/Local/Chromium/User Data",
              "Edge": "AppData/Local/Microsoft/Edge/User Data",
              "Brave": "AppData/Local/BraveSoftware/Brave-Browser/User Data"},
}
_FIREFOX_DIRS = {"linux": [".mozilla/firefox", "snap/firefox/common/.mozilla/firefox"],
                 "darwin": ["Library/Application Support/Firefox/Profiles"],
                 "win32": ["AppData/Roaming/Mozilla/Firefox/Profiles"]}


def detect_profiles(home: str | os.PathLike | None = None, platform: str | None = None) -> list[ProfileFile]:
    """Bookmark files of installed browsers (Chromium family and Firefox) for this user."""
    home = Path(home) if home else Path.home()
    plat = platform or sys.platform
    plat = "win32" if plat.startswith("win") else ("darwin" if plat == "darwin" else "linux")
    found: list[ProfileFile] = []
    for browser, rel in _CHROMIUM_DIRS[plat].items():
        base = home / rel
        if not base.is_dir():
            continue
        for profile in sorted(base.iterdir()):
            candidate = profile / "Bookmarks"
            if candidate.is_file():
                found.append(ProfileFile(browser, profile.name, candidate))
    for rel in _FIREFOX_DIRS[plat]:
        base = home / rel
        if base.is_dir():
            for candidate in sorted(base.glob("*/places.sqlite")):
                found.append(ProfileFile("Firefox", candidate.parent.name, candidate))
    return found
