"""Read bookmarks from every browser's export format, normalised, deduplicated and vetted.

Formats: Chrome/Edge/Brave ``Bookmarks`` JSON, Netscape bookmark HTML (every browser's export), XBEL,
Firefox ``places.sqlite`` (read-only, on a copy) and JSON backups, CSV (``id,title,url`` and
the usual export columns, any of ``, ; tab |`` as separator), JSON lines or a JSON list of
objects (``title,url,description,folder,tags``) and a plain list of URLs. `load_bookmarks`
sniffs the format and the text encoding from the content, not the file name.

What the importers promise (a demanding user's expectations, issue #12):
- They never raise anything but `BookmarkImportError`, whose message is one line for the user.
  A whole file is refused only when it cannot be bookmarks at all: empty, binary, compressed,
  over the size limit, not a regular file, JSON cut short, or no bookmark list of a known format.
- One bad entry never costs the others: it is skipped, counted under a reason, and its position
  (line, entry number or folder) is kept in `ImportResult.skipped_examples`.
- Any field of any type is tolerated: a title that is a number or a dict, ``tags`` as a string
  ("a, b"), a list or a number, ``added`` as seconds, milliseconds, microseconds, an ISO date or
  junk (then unknown), ``children`` that is not a list.
- Text is decoded by what it is: a byte-order mark (UTF-8, UTF-16, UTF-32), UTF-16 without one,
  UTF-8, the charset an HTML file declares, else Windows-1252 (old exports; a superset of
  Latin-1's printable characters).
- Limits are stated where they bite: the file size (`MAX_IMPORT_BYTES`), the URL length
  (`MAX_URL_CHARS`: longer links are skipped), the title and description lengths
  (`MAX_TITLE_CHARS`, `MAX_DESCRIPTION_CHARS`: longer ones are shortened, and `notes` says so).
- Parsing time is linear in the file size, whatever the file holds (no hostile HTML can make
  the parser rescan the rest of the file for every ``<``).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import os
import re
import shutil
import sqlite3
import stat
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from core.bookmarks.model import SAFE_SCHEMES, Bookmark, normalize_url, url_scheme, url_words

MAX_IMPORT_BYTES = 200 * 1024 * 1024  # a real export of 100K bookmarks is ~30 MB
MAX_URL_CHARS = 8192
MAX_TITLE_CHARS = 500
MAX_DESCRIPTION_CHARS = 2000
MAX_FOLDER_CHARS = 500
MAX_TAG_CHARS = 100
MAX_TAGS = 50
MAX_EXAMPLES = 50
CHROME_EPOCH_OFFSET_S = 11_644_473_600  # seconds between 1601-01-01 and 1970-01-01
# control and bidi-override characters, and lone surrogates (JSON allows "\ud800"; UTF-8 cannot hold it)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_HOST = re.compile(r"^(?:[^\s/\\?#@:\[\]<>\"'`{}|^%]+|\[[0-9A-Fa-f:.]+\])$")
_LATEST_EPOCH_S = 7_258_118_400  # 2200-01-01: later "dates" are junk, not bookmarks from the future
URL_KEYS = ("url", "href", "uri", "link", "address")
TITLE_KEYS = ("title", "name")
FOLDER_KEYS = ("folder", "folders", "category", "collection", "path")
TAG_KEYS = ("tags", "tag", "labels", "keywords")
DESCRIPTION_KEYS = ("description", "note", "notes", "excerpt", "extended", "comment", "summary")
ADDED_KEYS = ("added", "date_added", "dateadded", "add_date", "time_added", "created", "created_at",
              "timestamp", "time", "date")


class BookmarkImportError(ValueError):
    """A file that cannot be read as bookmarks; the message says why, for the user."""


@dataclass
class ImportResult:
    """What a file yielded. ``bookmarks`` may be empty (every entry skipped, or an empty
    bookmark list): the file was readable, ``skipped`` says why nothing came out of it."""

    bookmarks: list[Bookmark]
    format: str
    source: str
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    # (title, url, "reason (where)") for the first MAX_EXAMPLES skipped entries
    skipped_examples: list[tuple[str, str, str]] = field(default_factory=list)
    notes: Counter = field(default_factory=Counter)  # things changed but kept, e.g. a title shortened
    encoding: str = ""

    def skip_summary(self) -> str:
        return ", ".join(f"{n:,} {reason}" for reason, n in self.skipped.most_common()) or "none"

    def notes_summary(self) -> str:
        return ", ".join(f"{n:,} {note}" for note, n in self.notes.most_common()) or "none"


class _Collector:
    """Vets raw entries: unsafe schemes, invalid links and duplicates are skipped with a reason."""

    def __init__(self, source: str):
        self.source = clean_text(source, 200)  # a file name may carry undecodable bytes
        self.by_key: dict[str, Bookmark] = {}
        self.key_of: dict[str, str] = {}  # URL as written -> canonical key: repeats skip the parsing
        self.skipped: Counter = Counter()
        self.notes: Counter = Counter()
        self.examples: list[tuple[str, str, str]] = []

    def skip(self, title, url, reason: str, where: str = "") -> None:
        self.skipped[reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append((as_text(title)[:120], as_text(url)[:200], f"{reason} ({where})" if where else reason))

    def add(self, url, title="", folder="", tags=(), added=None, description="", where: str = "") -> None:
        """Vet one entry; never raises (an entry that breaks anything is skipped with the reason)."""
        try:
            self._add(url, title, folder, tags, added, description, where)
        except Exception as exc:  # noqa: BLE001 - one odd entry must not cost the file
            self.skip(title, url, f"unreadable entry ({type(exc).__name__})", where)

    def _add(self, url, title, folder, tags, added, description, where) -> None:
        url = " ".join(_CONTROL.sub("", as_text(url)).split())
        title = self._limited(title, MAX_TITLE_CHARS, "title")
        if not url:
            return self.skip(title, url, "no URL", where)
        if len(url) > MAX_URL_CHARS:
            return self.skip(title, url, f"URL longer than {MAX_URL_CHARS:,} characters", where)
        key = self.key_of.get(url)
        if key is None:
            scheme = url_scheme(url)
            if scheme not in SAFE_SCHEMES:
                return self.skip(title, url, f"{scheme}: URL not allowed" if scheme else "not a URL", where)
            problem = url_problem(url)
            if problem:
                return self.skip(title, url, f"invalid URL ({problem})", where)
            key = self.key_of[url] = normalize_url(url)
        tags = clean_tags(tags)
        description = self._limited(description, MAX_DESCRIPTION_CHARS, "description")
        old = self.by_key.get(key)
        if old is not None:  # keep the first as saved; fill what it lacks
            old.description = old.description or description
            old.tags = sorted(set(old.tags) | set(tags))[:MAX_TAGS]
            return self.skip(title, url, "duplicate URL", where)
        self.by_key[key] = Bookmark(url=url, title=title or url_words(url) or url,
                                    folder=clean_text(folder_text(folder), MAX_FOLDER_CHARS), tags=tags,
                                    added=epoch_seconds(added), description=description, source=self.source)

    def _limited(self, value, limit: int, what: str) -> str:
        text = clean_text(as_text(value), 10 * limit)
        if len(text) > limit:
            self.notes[f"{what} shortened to {limit:,} characters"] += 1
            text = text[:limit]
        return text

    def result(self, fmt: str, encoding: str = "") -> ImportResult:
        return ImportResult(list(self.by_key.values()), fmt, self.source, self.skipped, self.examples,
                            self.notes, encoding)


# --- tolerant field readers ----------------------------------------------------------------
def as_text(value) -> str:
    """Any JSON/CSV/SQLite value as text: numbers as digits, lists joined, mappings and
    booleans (never a title or URL in a real export) as nothing."""
    if value is None or isinstance(value, (bool, dict)):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, (int, float)):
        return "" if isinstance(value, float) and not math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return " ".join(t for t in (as_text(v) for v in value[:100]) if t)
    return ""


def clean_text(text, limit: int) -> str:
    """Drop control and bidi-override characters, collapse whitespace, cap the length."""
    text = _CONTROL.sub("", as_text(text) if not isinstance(text, str) else text)
    text = " ".join(text.split())
    return text[:limit]


def folder_text(value) -> str:
    """A folder path: text as is, a list of names joined with " / "."""
    if isinstance(value, (list, tuple)):
        return " / ".join(t for t in (as_text(v).strip() for v in value[:50]) if t)
    return as_text(value)


def clean_tags(value) -> list[str]:
    """Tags as a comma- or semicolon-separated string, a list (of strings or anything), or a
    single number; at most `MAX_TAGS`, each at most `MAX_TAG_CHARS` characters."""
    if isinstance(value, str):
        raw = re.split(r"[,;]", value)
    elif isinstance(value, (list, tuple, set, frozenset)):
        raw = [t for v in list(value)[:1000] for t in (re.split(r"[,;]", v) if isinstance(v, str) else [as_text(v)])]
    else:
        raw = [as_text(value)]
    tags = {clean_text(t, MAX_TAG_CHARS) for t in raw}
    return sorted(t for t in tags if t)[:MAX_TAGS]


def epoch_seconds(value, unit: str = "auto") -> int | None:
    """Seconds since 1970 from a number or a numeric or ISO-8601 string, else None.

    ``unit`` "us" reads microseconds (Firefox); "auto" reads seconds, milliseconds,
    microseconds or nanoseconds by magnitude. Dates before 1970 or after 2200 are unknown."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text)
        except ValueError:
            try:
                when = datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
            except ValueError:
                return None
            if when is None:
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            value = when.timestamp()
            unit = "s"
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        return None
    if unit == "us":
        value /= 1e6
    elif unit == "auto":
        for scale in (1e9, 1e6, 1e3):  # ns, us, ms
            if value > _LATEST_EPOCH_S * scale / 1000:
                value /= scale
                break
    return int(value) if 0 < value < _LATEST_EPOCH_S else None


def _chrome_time(value) -> int | None:
    """Chrome's microseconds since 1601 (given as a string), as seconds since 1970."""
    try:
        micro = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return epoch_seconds(micro // 1_000_000 - CHROME_EPOCH_OFFSET_S, "s") if micro > 0 else None


def url_problem(url: str) -> str:
    """Why an http(s) URL cannot be a bookmark ("" when it can): a host is required and must
    be a host name or a bracketed IP address, and a port must be a number below 65536."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return str(exc) or "malformed"
    host = re.sub(r":\d*$", "", parts.netloc.rpartition("@")[2])
    if not parts.hostname or not _HOST.match(host):
        return "no valid host"
    return ""


def _entry_fields(obj: dict) -> dict:
    """The bookmark fields of a generic JSON object (JSON lines, a JSON list, Pinboard, Raindrop...)."""
    low = {str(k).lower(): v for k, v in obj.items()}

    def first(keys):
        return next((low[k] for k in keys if low.get(k) not in (None, "", [])), None)

    title, description = first(TITLE_KEYS), first(DESCRIPTION_KEYS)
    if title is None and "extended" in low and "description" in low:  # Pinboard: description is the title
        title, description = low["description"], low["extended"]
    return {"url": first(URL_KEYS), "title": title, "folder": first(FOLDER_KEYS) or "",
            "tags": first(TAG_KEYS) or [], "added": first(ADDED_KEYS), "description": description or ""}


# --- format readers ----------------------------------------------------------------------
def _children(node: dict, col: _Collector, where: str) -> list:
    """A folder's children, whatever ``children`` holds: a list, one node, a mapping of nodes."""
    kids = node.get("children")
    if kids is None or isinstance(kids, list):
        return kids or []
    if isinstance(kids, dict):
        return [kids] if {"type", "url", "uri", "children"} & set(kids) else list(kids.values())
    col.skip(node.get("name") or node.get("title"), "", "folder whose children are not a list", where)
    return []


def read_chrome_json(data: dict, col: _Collector) -> None:
    roots = data.get("roots")
    if not isinstance(roots, dict):
        raise BookmarkImportError("this JSON has no 'roots': not a Chrome Bookmarks file")
    names = {"bookmark_bar": "Bookmarks bar", "other": "Other bookmarks", "synced": "Mobile bookmarks"}
    # (node, folder path of the node's parent, name if it has none, position); iterative so deep
    # nesting cannot overflow, and the path is joined once per folder (capped), not per bookmark
    stack = [(node, "", names.get(key, str(key)), str(key)) for key, node in reversed(list(roots.items()))]
    while stack:
        node, folder, fallback, where = stack.pop()
        if not isinstance(node, dict):
            col.skip("", as_text(node), "not a bookmark entry", where)
            continue
        if node.get("type") == "url" or ("url" in node and "children" not in node):
            col.add(node.get("url"), node.get("name"), folder, added=_chrome_time(node.get("date_added")), where=where)
            continue
        here = _subfolder(folder, clean_text(node.get("name"), 200) or fallback)
        kids = _children(node, col, where)
        for i, child in reversed(list(enumerate(kids, 1))):
            stack.append((child, here, "", f"{here or 'top'}, entry {i}"))


def _subfolder(folder: str, name: str) -> str:
    """``folder / name``, capped so that deep nesting costs linear time."""
    return (f"{folder} / {name}" if folder and name else folder or name)[:MAX_FOLDER_CHARS]


def read_firefox_json(data: dict, col: _Collector) -> None:
    """A Firefox JSON backup: nested containers; the tags folder is skipped (tags come with
    each bookmark) and so are separators."""
    stack = [(data, "", "top")]
    while stack:
        node, folder, where = stack.pop()
        if not isinstance(node, dict):
            col.skip("", as_text(node), "not a bookmark entry", where)
            continue
        kind = as_text(node.get("type"))
        if kind == "text/x-moz-place-separator" or node.get("root") == "tagsFolder":
            continue
        if kind == "text/x-moz-place" or ("uri" in node and "children" not in node):
            col.add(node.get("uri"), node.get("title"), folder, node.get("tags") or [],
                    epoch_seconds(node.get("dateAdded"), "us"), _annotation_description(node), where)
            continue
        here = folder if node.get("root") == "placesRoot" else _subfolder(folder, clean_text(node.get("title"), 200))
        kids = _children(node, col, where)
        for i, child in reversed(list(enumerate(kids, 1))):
            stack.append((child, here, f"{here or 'top'}, entry {i}"))


def _annotation_description(node: dict) -> str:
    annos = node.get("annos")
    for anno in annos if isinstance(annos, list) else []:
        if isinstance(anno, dict) and anno.get("name") == "bookmarkProperties/description":
            return as_text(anno.get("value"))
    return as_text(node.get("description"))


def read_json_list(items: list, col: _Collector) -> None:
    """A JSON list of objects with a URL field (Pinboard, Raindrop, most tools' JSON exports)."""
    for i, obj in enumerate(items, 1):
        if isinstance(obj, dict):
            col.add(**_entry_fields(obj), where=f"entry {i}")
        else:
            col.skip("", as_text(obj), "not a bookmark entry", f"entry {i}")


class _NetscapeParser(HTMLParser):
    """Netscape bookmark HTML: <DT><H3>folder</H3><DL>...</DL>, <DT><A ...>title</A><DD>text."""

    CDATA_CONTENT_ELEMENTS = ()  # a <script> or <style> must not swallow the rest of the file

    def __init__(self, col: _Collector):
        super().__init__(convert_charrefs=True)
        self.col = col
        self.path: list[str] = []  # the joined folder path at each open <DL>
        self.pending_folder: str | None = None
        self.in_h3 = self.in_a = self.in_dd = False
        self.text: list[str] = []
        self.anchor: dict | None = None
        self.anchor_line = 0
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
            self.anchor_line = self.getpos()[0]
        elif tag == "dl":
            self._flush()
            self.saw_dl = True
            self.path.append(_subfolder(self.path[-1] if self.path else "", self.pending_folder or ""))
            self.pending_folder = None
        elif tag == "dd":
            if self.in_a:
                self._finish_anchor()
            self.in_dd, self.text = True, []
        elif tag == "dt":
            self._flush()

    def handle_endtag(self, tag):
        tag = tag.lower()
        if tag == "h3" and self.in_h3:
            self.in_h3 = False
            self.pending_folder = clean_text("".join(self.text), 200)
        elif tag == "a" and self.in_a:
            self._finish_anchor()
        elif tag == "dl":
            self._flush()
            if self.path:
                self.path.pop()

    def handle_data(self, data):
        if (self.in_h3 or self.in_a or self.in_dd) and len(self.text) < 10_000:
            self.text.append(data)

    def _finish_anchor(self):
        self.in_a = False
        a = self.anchor or {}
        self.last = {"url": a.get("href", ""), "title": "".join(self.text), "tags": a.get("tags", ""),
                     "folder": self.path[-1] if self.path else "", "description": "",
                     "added": a.get("add_date") or a.get("time_added") or a.get("last_modified"),
                     "where": f"line {self.anchor_line}"}
        self.anchor = None

    def _flush(self):
        """A <DD> ends at the next tag; then the pending bookmark is complete."""
        if self.in_a:
            self._finish_anchor()
        if self.in_dd:
            self.in_dd = False
            if self.last is not None:
                self.last["description"] = "".join(self.text)
        if self.last is not None:
            b, self.last = self.last, None
            self.col.add(b["url"], b["title"], b["folder"], b["tags"], b["added"], b["description"], b["where"])

    def close(self):
        super().close()
        self._flush()


def _defuse_markup(text: str) -> tuple[str, list[int]]:
    """Make `HTMLParser`'s work linear: it rescans to the end of the file for the end of every
    ``<`` construct that never ends (measured: 500,000 ``</`` took 10 minutes). A ``<`` that
    does not start a complete tag, a comment with no ``-->`` after it, and marked sections
    (never in bookmark files) become text. Also returns the offsets of ``<a `` tags that
    became text (a quote never closed, say), to report them as skipped."""
    out, i = [], 0
    while True:  # unterminated comments: one pass of find(), each search starting further on
        j = text.find("<!--", i)
        if j < 0:
            break
        k = text.find("-->", j + 4)
        if k < 0:
            out.append(text[i:j] + "&lt;!--")
            i = j + 4
            out.append(text[i:].replace("<!--", "&lt;!--"))
            i = len(text)
            break
        out.append(text[i:k + 3])
        i = k + 3
    out.append(text[i:])
    text = "".join(out)
    text = text.replace("<![", "&lt;![")
    lost: list[int] = []  # where a link's markup could not be read

    def keep_or_escape(m):
        if len(m.group(0)) > 1:
            return m.group(0)
        if _ANCHOR_START.match(text, m.end()):
            lost.append(m.start())
        return "&lt;"

    return _MARKUP.sub(keep_or_escape, text), lost


# A whole comment, a whole tag, or a lone "<". A quoted value may hold "<" and ">" within its
# line, or span lines if it holds no "<": a quote left open then costs its own tag, not the
# rest of the file. Possessive quantifiers: no backtracking, so each attempt scans at most to
# the next "<" or the end of its line.
_MARKUP = re.compile(r"""<!--(?:[^-]++|-(?!->))*+-->"""
                     r"""|<[A-Za-z/!?](?:[^<>"'\n]++|\n|"[^"\n]*+"|"[^"<]*+"|'[^'\n]*+'|'[^'<]*+')*+>|<""")
_ANCHOR_START = re.compile(r"[aA]\s")


class _XbelParser(HTMLParser):
    """XBEL (XML Bookmark Exchange Language): <folder><title/>...<bookmark href><title/><desc/>."""

    def __init__(self, col: _Collector):
        super().__init__(convert_charrefs=True)
        self.col, self.path, self.mark, self.field, self.text = col, [""], None, None, []

    def handle_starttag(self, tag, attrs):
        if tag == "folder":
            self.path.append(self.path[-1])
        elif tag == "bookmark":
            a = {k.lower(): (v or "") for k, v in attrs}
            self.mark = {"url": a.get("href", ""), "title": "", "description": "", "added": a.get("added"),
                         "where": f"line {self.getpos()[0]}"}
        elif tag in ("title", "desc"):
            self.field, self.text = tag, []

    def handle_endtag(self, tag):
        if tag in ("title", "desc") and self.field == tag:
            value, self.field = clean_text("".join(self.text), MAX_DESCRIPTION_CHARS), None
            if self.mark is not None:
                self.mark["title" if tag == "title" else "description"] = value
            elif tag == "title" and len(self.path) > 1:
                self.path[-1] = _subfolder(self.path[-2], value)
        elif tag == "bookmark" and self.mark is not None:
            m, self.mark = self.mark, None
            self.col.add(m["url"], m["title"], self.path[-1], (), m["added"], m["description"], m["where"])
        elif tag == "folder" and len(self.path) > 1:
            self.path.pop()

    def handle_data(self, data):
        if self.field is not None and len(self.text) < 10_000:
            self.text.append(data)


def read_xbel(text: str, col: _Collector) -> None:
    parser = _XbelParser(col)
    try:
        parser.feed(_defuse_markup(text)[0])
        parser.close()
    except Exception as exc:  # noqa: BLE001 - keep what was read
        col.notes[f"XML unreadable after line {parser.getpos()[0]} ({type(exc).__name__})"] += 1


def read_netscape_html(text: str, col: _Collector) -> None:
    parser = _NetscapeParser(col)
    defused, lost = _defuse_markup(text)
    line, at = 1, 0
    for pos in lost:  # offsets ascend: count line breaks once
        line, at = line + text.count("\n", at, pos), pos
        end = text.find("\n", pos, pos + 200)
        col.skip("", text[pos:end if end > 0 else pos + 120], "unreadable link markup", f"line {line}")
    try:
        parser.feed(defused)
        parser.close()
    except Exception as exc:  # noqa: BLE001 - keep what was read before the parser gave up
        col.notes[f"HTML unreadable after line {parser.getpos()[0]} ({type(exc).__name__})"] += 1
        parser._flush()
    if not parser.saw_dl and not col.by_key and not col.skipped:
        raise BookmarkImportError("this HTML file contains no bookmark list (<DL>) and no links")


def read_places_sqlite(path: Path, col: _Collector) -> None:
    """Firefox places.sqlite, copied first (Firefox keeps it locked) and opened read-only."""
    with tempfile.TemporaryDirectory(prefix="bm-places-") as tmp:
        copy = Path(tmp) / "places.sqlite"
        shutil.copyfile(path, copy)
        for suffix in ("-wal",):  # recent writes live in the WAL next to it
            if Path(str(path) + suffix).is_file():
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
        except sqlite3.Error as exc:
            raise BookmarkImportError(f"not a readable Firefox places.sqlite ({exc})") from exc
        finally:
            con.close()
    nodes = {r[0]: r for r in rows}
    tag_root = next((r[0] for r in rows if r[3] == 1 and r[4] == "tags"), 4)
    tags_by_place: dict[object, list[str]] = {}
    for r in rows:  # a tag is a folder under the tags root holding bookmarks of the place
        parent = nodes.get(r[3])
        if r[1] == 1 and parent is not None and parent[3] == tag_root:
            tags_by_place.setdefault(r[2], []).append(as_text(parent[4]))

    def folder_of(parent_id):
        names, seen = [], set()
        while parent_id in nodes and parent_id not in seen and nodes[parent_id][3] not in (0, None):
            seen.add(parent_id)
            names.append(clean_text(nodes[parent_id][4], 200))
            parent_id = nodes[parent_id][3]
        return " / ".join(reversed([n for n in names if n]))

    for r in rows:
        bid, kind, fk, parent, title, added, url = r
        parent_row = nodes.get(parent)
        if kind != 1 or url is None or (parent_row is not None and parent_row[3] == tag_root):
            continue
        col.add(url, title, folder_of(parent), tags_by_place.get(fk, []), epoch_seconds(added, "us"),
                descriptions.get(fk) or "", f"moz_bookmarks id {bid}")


def _csv_columns(header: list[str]) -> dict[str, int]:
    low = [as_text(h).strip().strip('"').lower() for h in header]
    cols = {}
    for name, keys in (("url", URL_KEYS), ("title", TITLE_KEYS), ("folder", FOLDER_KEYS), ("tags", TAG_KEYS),
                       ("description", DESCRIPTION_KEYS), ("added", ADDED_KEYS)):
        idx = next((low.index(k) for k in keys if k in low), None)
        if idx is not None:
            cols[name] = idx
    return cols


def _csv_rows(text: str, delimiter: str, col: _Collector, one_line_each: bool):
    """(first line number, row, extra lines the record spanned) for each record; a record the
    csv module refuses is skipped with its line. ``one_line_each``: every line is a record."""
    if one_line_each:
        for n, line in enumerate(text.splitlines(), 1):
            try:
                yield n, next(csv.reader([line], delimiter=delimiter), []), 0
            except csv.Error as exc:
                col.skip("", line[:200], f"unreadable CSV record ({exc})", f"line {n}")
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            col.skip("", "", f"unreadable CSV record ({exc})", f"line {start}")
            start = reader.line_num + 1
            continue
        yield start, row, reader.line_num - start
        start = reader.line_num + 1


def _read_csv_into(text: str, delimiter: str, col: _Collector, one_line_each: bool) -> int:
    """Import the records; returns how many records spanned several lines."""
    rows = _csv_rows(text, delimiter, col, one_line_each)
    header = next(rows, None)
    cols = _csv_columns(header[1]) if header else {}
    if "url" not in cols:
        raise BookmarkImportError("this CSV has no 'url' column (expected columns id,title,url)")
    spanning = 0
    for line, row, extra_lines in rows:
        spanning += extra_lines > 0
        if not any(cell.strip() for cell in row):
            continue
        get = lambda name: row[cols[name]] if name in cols and cols[name] < len(row) else ""  # noqa: E731
        col.add(get("url"), get("title"), get("folder"), get("tags"), get("added"), get("description"), f"line {line}")
    return spanning


def read_csv(text: str, col: _Collector, delimiter: str = ",") -> None:
    """CSV with a header naming a URL column. A field may be as long as the file; an
    unbalanced quote makes the csv module swallow the rest of the file into one field, so when
    records span lines the file is also read one line a record, and the reading that yields
    more bookmarks wins (said in ``notes``)."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_IMPORT_BYTES))
    trial = _Collector(col.source)
    spanning = _read_csv_into(text, delimiter, trial, one_line_each=False)
    if spanning:
        per_line = _Collector(col.source)
        _read_csv_into(text, delimiter, per_line, one_line_each=True)
        if len(per_line.by_key) > len(trial.by_key):
            per_line.notes["CSV read one line a record (a quote is not closed)"] += 1
            trial = per_line
    col.by_key, col.skipped, col.notes, col.examples = trial.by_key, trial.skipped, trial.notes, trial.examples


def read_jsonl(text: str, col: _Collector) -> None:
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            col.skip("", line[:200], "malformed JSON line", f"line {n}")
            continue
        if isinstance(obj, dict):
            col.add(**_entry_fields(obj), where=f"line {n}")
        else:
            col.skip("", as_text(obj), "not a bookmark entry", f"line {n}")


_LINK_IN_TEXT = re.compile(r"""https?://[^\s<>()\[\]"'`]+""", re.I)
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(\s*(https?://[^\s)]+)")


def read_url_list(text: str, col: _Collector) -> None:
    """One link a line: ``URL [title]``, or a line holding a link somewhere (a Markdown
    ``[title](url)``, a bullet, ``<url>``); lines without one are skipped as "not a URL"."""
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url, _, title = line.partition(" ")
        if not url_scheme(url) and (m := _MARKDOWN_LINK.search(line) or _LINK_IN_TEXT.search(line)):
            if m.re is _MARKDOWN_LINK:
                url, title = m.group(2), m.group(1)
            else:  # the rest of the line is the title, unless it is markup
                rest = (line[:m.start()] + " " + line[m.end():]).strip(" -*+<>|\t")
                url, title = m.group(0), "" if "<" in rest or ">" in rest else rest
        col.add(url, title.strip().lstrip("|-").strip(), where=f"line {n}")


# --- decoding and sniffing ------------------------------------------------------------------
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_DECLARED = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_MAGIC = ((b"SQLite format 3\x00", "firefox-sqlite"), (b"mozLz40\x00", "firefox-jsonlz4"),
          (b"\x1f\x8b", "gzip"), (b"PK\x03\x04", "zip"), (b"%PDF", "pdf"), (b"BZh", "bzip2"),
          (b"\xfd7zXZ\x00", "xz"), (b"7z\xbc\xaf\x27\x1c", "7z"))


def _utf16_without_bom(raw: bytes) -> str | None:
    head = raw[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """(text, encoding): a BOM, UTF-16 without one, strict UTF-8, a declared charset, then a
    mostly-UTF-8 file with a few bad bytes (replaced), else Windows-1252 (Latin-1 as the last
    resort, which cannot fail)."""
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(enc, errors="replace"), enc
    enc = _utf16_without_bom(raw)
    if enc:
        return raw.decode(enc, errors="replace"), enc
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    m = _DECLARED.search(raw[:4096])
    if m:
        declared = m.group(1).decode("ascii").lower()
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            name = ""
        if name and name not in ("utf-8", "latin-1", "iso8859-1", "ascii") and not name.startswith("utf-16"):
            return raw.decode(name, errors="replace"), name
    loose = raw.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    if sum(ord(c) > 0x7F for c in loose) - bad >= 2 * bad:  # real UTF-8 text with a few broken bytes
        return loose, "utf-8 (invalid bytes replaced)"
    try:
        return raw.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r\f")
    return controls > 8 and controls > 0.02 * len(sample)


_SEP_HINT = re.compile(r'"?sep=(.)"?\s*')  # Excel's first line naming the separator


def _csv_delimiter(first_line: str) -> str | None:
    hint = _SEP_HINT.fullmatch(first_line)
    if hint:
        return hint.group(1)
    for delim in (",", ";", "\t", "|"):
        cells = [c.strip().strip('"').lower() for c in first_line.split(delim)]
        if len(cells) > 1 and any(c in URL_KEYS for c in cells):
            return delim
    return None


def sniff_format(text: str) -> str:
    """Guess the format of decoded text (the first few KB are enough)."""
    text = text.lstrip("\ufeff \t\r\n")
    low = text[:4096].lower()
    if text.startswith("{"):
        try:
            first = json.loads(text.split("\n", 1)[0])
        except (ValueError, RecursionError):
            first = None
        if isinstance(first, dict) and any(k in first for k in URL_KEYS) and "roots" not in first:
            return "jsonl"
        return "json"
    if text.startswith("["):
        return "json"
    if "<xbel" in low:
        return "xbel"
    if ("netscape-bookmark-file" in low or "<dl" in low or "<dt" in low or low.startswith("<!doctype")
            or low.startswith("<html") or "<a href" in low):
        return "netscape-html"
    first = text.splitlines()[0] if text else ""
    if _csv_delimiter(first) or (first.count(",") >= 1 and "://" not in first):
        return "csv"
    return "url-list"


def detect_format(head: bytes) -> str:
    """Guess the format from the first bytes of a file (magic numbers, then the text)."""
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    text, _ = decode_bytes(head)
    if _looks_binary(text):
        return "binary"
    return sniff_format(text)


# --- entry points ------------------------------------------------------------------------
def _size_text(n: int) -> str:
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= size:
            return f"{n / size:,.1f} {unit}".replace(".0 ", " ")
    return f"{n:,} bytes"


def _too_big(source: str, size: int, max_bytes: int) -> BookmarkImportError:
    return BookmarkImportError(f"{source} is {_size_text(size)}; the limit is {_size_text(max_bytes)}")


def _read_file(path: Path, source: str, max_bytes: int) -> bytes:
    """The file's bytes, refusing what is not a regular file (a FIFO would block forever, a
    device never ends) and anything over the limit, even if it grows while read."""
    try:
        st = os.stat(path)
    except OSError as exc:  # missing, no permission, a symlink loop...
        raise BookmarkImportError(f"cannot read {source}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise BookmarkImportError(f"{source} is a folder, not a bookmarks file")
    if not stat.S_ISREG(st.st_mode):
        raise BookmarkImportError(f"{source} is not a regular file (a pipe, socket or device); "
                                  "save the export to a file and import that")
    if st.st_size > max_bytes:
        raise _too_big(source, st.st_size, max_bytes)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise BookmarkImportError(f"cannot read {source}: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise _too_big(source, len(raw), max_bytes)
    return raw


def load_bookmarks(path: str | os.PathLike, data: bytes | None = None, source: str | None = None,
                   max_bytes: int = MAX_IMPORT_BYTES) -> ImportResult:
    """Read any supported file (or its bytes, for uploads) into vetted bookmarks.

    Raises `BookmarkImportError` (only) with a one-line message for the user when the file
    cannot be read as bookmarks at all; bad entries are skipped and reported in the result.
    """
    path = Path(path)
    source = clean_text(source or path.name, 200) or "the file"
    if data is not None and len(data) > max_bytes:
        raise _too_big(source, len(data), max_bytes)
    raw = bytes(data) if data is not None else _read_file(path, source, max_bytes)
    if not raw:
        raise BookmarkImportError(f"{source} is empty")
    try:
        return _load(raw, path if data is None else None, source)
    except BookmarkImportError:
        raise
    except RecursionError as exc:
        raise BookmarkImportError(f"{source} is nested too deeply to read") from exc
    except MemoryError as exc:
        raise BookmarkImportError(f"{source} is too large to read in the memory available") from exc
    except Exception as exc:  # noqa: BLE001 - a bug here must still reach the user as one line
        raise BookmarkImportError(f"{source} could not be read ({type(exc).__name__}: {exc})"[:300]) from exc


_REFUSED = {
    "firefox-jsonlz4": "is a compressed Firefox backup (.jsonlz4); export it as JSON or HTML from "
                       "Firefox's Library window instead",
    "gzip": "is gzip-compressed; decompress it first", "bzip2": "is bzip2-compressed; decompress it first",
    "xz": "is xz-compressed; decompress it first", "zip": "is a ZIP archive; extract the bookmarks file first",
    "7z": "is a 7-Zip archive; extract the bookmarks file first", "pdf": "is a PDF, not a bookmarks export",
}


def _load(raw: bytes, path: Path | None, source: str) -> ImportResult:
    """``path``: the file the bytes came from (None for an upload), for a Firefox WAL beside it."""
    fmt = detect_format(raw[:65536])
    col = _Collector(source)
    if fmt in _REFUSED:
        raise BookmarkImportError(f"{source} {_REFUSED[fmt]}")
    if fmt == "firefox-sqlite":
        with tempfile.TemporaryDirectory(prefix="bm-upload-") as tmp:
            tmp_path = Path(tmp) / "places.sqlite"
            tmp_path.write_bytes(raw)
            if path is not None and Path(str(path) + "-wal").is_file():
                shutil.copyfile(str(path) + "-wal", str(tmp_path) + "-wal")
            read_places_sqlite(tmp_path, col)
        return col.result(fmt)
    text, encoding = decode_bytes(raw)
    if fmt == "binary" or _looks_binary(text):
        raise BookmarkImportError(f"{source} is a binary file, not a bookmarks export")
    text = text.replace("\x00", "")
    if not text.strip(" \t\r\n\ufeff"):
        raise BookmarkImportError(f"{source} holds only blank space")
    fmt = sniff_format(text)
    if fmt == "json":
        fmt = _read_json(text, source, col)
    elif fmt == "netscape-html":
        read_netscape_html(text, col)
    elif fmt == "xbel":
        read_xbel(text, col)
    elif fmt == "csv":
        lines = text.lstrip("\ufeff \t\r\n").splitlines(keepends=True)
        hint = _SEP_HINT.fullmatch(lines[0].rstrip("\r\n"))
        read_csv("".join(lines[1:]) if hint else text, col, _csv_delimiter(lines[0].rstrip("\r\n")) or ",")
    elif fmt == "jsonl":
        read_jsonl(text, col)
    else:
        read_url_list(text, col)
        if not col.by_key:
            raise BookmarkImportError(f"{source}: no http(s) links found; supported formats are browser "
                                      "HTML exports, Chrome Bookmarks JSON, Firefox places.sqlite or JSON, "
                                      "CSV (id,title,url), JSON lines and plain URL lists")
    return col.result(fmt, encoding)


def _read_json(text: str, source: str, col: _Collector) -> str:
    """Chrome, Firefox, a JSON list of objects, or JSON lines whose first line parsed as JSON."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # a whole document, then junk (a partial overwrite, NULs...)
            obj, end = json.JSONDecoder().raw_decode(text.lstrip())
            col.notes[f"ignored {len(text.lstrip()) - end:,} characters after the JSON document"] += 1
            return _read_json_object(obj, source, col)
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) > 1 and sum(ln.lstrip().startswith("{") for ln in lines) > 0.8 * len(lines):
            read_jsonl(text, col)  # JSON lines whose first line is broken: read line by line
            return "jsonl"
        raise BookmarkImportError(f"{source} is not valid JSON (line {exc.lineno}, column "
                                  f"{exc.colno}: {exc.msg}); is the file truncated?") from exc
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise BookmarkImportError(f"{source} is not valid JSON ({str(exc)[:120]})") from exc
    return _read_json_object(obj, source, col)


def _read_json_object(obj, source: str, col: _Collector) -> str:
    if isinstance(obj, list):
        if not any(isinstance(o, dict) and any(k in {str(x).lower() for x in o} for k in URL_KEYS) for o in obj):
            raise BookmarkImportError(f"{source} is JSON but not a bookmarks file")
        read_json_list(obj, col)
        return "json-list"
    if not isinstance(obj, dict):
        raise BookmarkImportError(f"{source} is JSON but not a bookmarks file")
    if "roots" in obj:
        read_chrome_json(obj, col)
        return "chrome-json"
    if "children" in obj or as_text(obj.get("type")).startswith("text/x-moz-place"):
        read_firefox_json(obj, col)
        return "firefox-json"
    for key in ("bookmarks", "items", "links", "data", "results"):  # {"items": [...]} (Raindrop and the like)
        if isinstance(obj.get(key), list) and any(isinstance(o, dict) for o in obj[key]):
            read_json_list(obj[key], col)
            return "json-list"
    raise BookmarkImportError(f"{source} is JSON but neither a Chrome 'Bookmarks' file nor a Firefox backup")


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
