"""A corpus of hostile bookmark files, generated on the fly (never committed).

Every kind named in issue #12 and more: broken structure, every field of every type, old
encodings, pathological markup that makes naive parsers quadratic, wrong formats, special
files. `write_corpus(folder)` writes them all and returns their paths (some are FIFOs, symlink
loops or folders); `CHECKS` holds what must come out of a few of them.

    .venv/bin/python -m tests.bm_hostile /tmp/hostile    # write the corpus for a manual run
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import sqlite3
import sys
import zipfile
from pathlib import Path

import numpy as np

class MiniLMStandIn:
    """Cheap deterministic 384-d vectors under MiniLM's name, for CLI runs where the model is not
    the point (a store built with it opens as a MiniLM store). ``delay`` slows each batch."""

    name, dim, loaded = "all-MiniLM-L6-v2", 384, True

    def __init__(self, delay: float = 0.0):
        self.delay = delay

    def embed(self, texts):
        import hashlib
        import time

        time.sleep(self.delay)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            digest = b"".join(hashlib.sha256(f"{k}:{t}".encode()).digest() for k in range(12))
            out[i] = np.frombuffer(digest, dtype=np.uint8).astype(np.float32) - 127.5
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_query(self, text):
        return self.embed([text])[0]

    def load(self):
        pass

    @classmethod
    def patch_minilm(cls, delay: float = 0.0, setattr=setattr) -> None:
        """Make every `MiniLMEmbedder` (the CLI's) use these vectors (``setattr``: monkeypatch's)."""
        from core.bookmarks import embeddings

        stand_in = cls(delay)
        setattr(embeddings.MiniLMEmbedder, "embed", lambda self, texts: stand_in.embed(texts))
        setattr(embeddings.MiniLMEmbedder, "embed_query", lambda self, text: cls().embed_query(text))
        setattr(embeddings.MiniLMEmbedder, "loaded", True)


HEAD = '<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">\n<TITLE>Bookmarks</TITLE>\n<H1>Bookmarks</H1>\n'


def links(n: int, prefix: str = "hostile", start: int = 0) -> str:
    return "".join(f'<DT><A HREF="https://{prefix}{i}.example.org/page" ADD_DATE="1700000000">{prefix} link {i}</A>\n'
                   for i in range(start, start + n))


def netscape(body: str, head: str = HEAD) -> str:
    return f"{head}<DL><p>\n{body}</DL><p>\n"


def chrome(children, roots_extra: dict | None = None) -> str:
    roots = {"bookmark_bar": {"type": "folder", "name": "Bookmarks bar", "children": children},
             "other": {"type": "folder", "name": "Other bookmarks", "children": []},
             "synced": {"type": "folder", "name": "Mobile bookmarks", "children": []}}
    roots.update(roots_extra or {})
    return json.dumps({"checksum": "", "roots": roots, "version": 1})


def curl(i, **extra):
    return {"type": "url", "name": f"chrome link {i}", "url": f"https://chrome{i}.example.org/", "date_added": "13350000000000000", **extra}


def firefox(children) -> str:
    return json.dumps({"type": "text/x-moz-place-container", "root": "placesRoot", "title": "", "children": [
        {"type": "text/x-moz-place-container", "title": "Bookmarks Menu", "root": "bookmarksMenuFolder", "children": children}]})


def fplace(i, **extra):
    return {"type": "text/x-moz-place", "title": f"firefox link {i}", "uri": f"https://firefox{i}.example.org/",
            "dateAdded": 1690000000000000, **extra}


def jsonl(*objs) -> str:
    return "\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs) + "\n"


def _places(path: Path, weird: bool) -> None:
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url, title, description);
        CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, type, fk, parent, title, dateAdded);
        INSERT INTO moz_bookmarks VALUES (1,2,NULL,0,'',0),(2,2,NULL,1,'menu',0),(4,2,NULL,1,'tags',0),
            (10,2,NULL,2,'Folder',0),(11,1,100,10,'Good',1700000000000000),(12,1,101,12,'Self parent',0);
        INSERT INTO moz_places VALUES (100,'https://places.example.org/good','Good','desc'),
            (101,'https://places.example.org/loop',NULL,NULL);
    """)
    if weird:  # every column of the wrong type, and a parent cycle
        con.executescript("""
            INSERT INTO moz_bookmarks VALUES (13,1,102,14,x'ff00fe','not a date'),(14,2,NULL,15,12345,NULL),
                (15,2,NULL,14,NULL,NULL),(16,1,103,10,NULL,-5),(17,1,999,10,'dangling fk',0);
            INSERT INTO moz_places VALUES (102,'https://places.example.org/blob',NULL,x'00'),(103,42,NULL,NULL);
        """)
    con.commit()
    con.close()


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bookmarks.html", netscape(links(3)))
    return buf.getvalue()


def files() -> dict[str, bytes | str]:
    """name -> content (str is written as UTF-8)."""
    long_url = "https://long.example.org/" + "a" * 10_000
    out: dict[str, bytes | str] = {
        # --- Netscape HTML --------------------------------------------------------------------
        "empty-dl.html": netscape(""),
        "javascript-only.html": netscape('<DT><A HREF="javascript:alert(1)">a</A>\n<DT><A HREF="JavaScript:void(0)">b</A>\n'),
        "latin1.html": netscape('<DT><A HREF="https://cafe.example.org/">Caf\xe9 cr\xe8me</A>\n', head="<TITLE>x</TITLE>\n").encode("latin-1"),
        "cp1252-quotes.html": netscape('<DT><A HREF="https://q.example.org/">\u201cQuoted\u201d \u20ac5</A>\n', head="").encode("cp1252"),
        "utf16-bom.html": codecs.BOM_UTF16_LE + netscape('<DT><A HREF="https://utf16.example.org/">\u6771\u4eac</A>\n').encode("utf-16-le"),
        "utf16-no-bom.html": netscape('<DT><A HREF="https://utf16nobom.example.org/">Na\xefve</A>\n').encode("utf-16-le"),
        "utf32-bom.html": codecs.BOM_UTF32_LE + netscape(links(2, "utf32")).encode("utf-32-le"),
        "shift-jis-declared.html": netscape('<DT><A HREF="https://sjis.example.org/">\u65e5\u672c\u8a9e</A>\n',
                                            head='<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=Shift_JIS">\n').encode("shift_jis"),
        "utf8-one-bad-byte.html": netscape('<DT><A HREF="https://bad.example.org/">\u00fcber caf\u00e9 \u6771</A>\n'
                                           '<DT><A HREF="https://bad2.example.org/">x</A>\n').encode() + b"\xe9\n",
        "half-truncated.html": netscape(links(400, "half"))[: len(netscape(links(400, "half"))) // 2],
        "bad-ipv6-among-many.html": netscape(links(300, "ok") + '<DT><A HREF="http://[::1">broken</A>\n' + links(300, "ok", 300)),
        "unclosed-tags.html": HEAD + "<DL><p><DT><H3>Folder<DL><DT><A HREF=\"https://unclosed.example.org/\">unclosed <DT><A HREF=https://noquote.example.org/a>no quote",
        "huge-icon-attribute.html": netscape(f'<DT><A HREF="https://icon.example.org/" ICON="data:image/png;base64,{"A" * 1_000_000}">icon</A>\n'),
        "url-too-long.html": netscape(f'<DT><A HREF="{long_url}">long</A>\n' + links(2, "short")),
        "title-too-long.html": netscape(f'<DT><A HREF="https://title.example.org/">{"T" * 10_000}</A>\n'),
        "deeply-nested.html": HEAD + "<DT><H3>f</H3><DL><p>\n" * 5000 + links(2, "deep") + "</DL><p>\n" * 5000,
        "lt-flood.html": HEAD + "<DL>" + "<" * 200_000 + links(1, "afterlt") + "</DL>",
        "endtag-flood.html": HEAD + "<DL>" + "</" * 100_000 + links(1, "afterend") + "</DL>",
        "declaration-flood.html": HEAD + "<DL>" + "<!" * 100_000 + "<?" * 100_000 + links(1, "afterdecl") + "</DL>",
        "unclosed-comment.html": HEAD + "<DL>" + links(1, "beforecomment") + "<!-- " + "x" * 100_000 + links(2, "incomment"),
        "comment-flood.html": HEAD + "<DL>" + "<!-- >" * 50_000 + links(1, "aftercomments") + "</DL>",
        "unclosed-script.html": HEAD + "<DL><script>var a = 1;" + links(2, "afterscript") + "</DL>",
        "unclosed-quote-attr.html": HEAD + "<DL>" + '<DT><A HREF="https://q.example.org/x>no end quote</A>\n' * 3 + links(3, "afterquote") + "</DL>",
        "control-and-bidi.html": netscape('<DT><A HREF="https://ctl.example.org/\x01">Ti\x00tle \u202egnp.exe \x1b[31m red\u200b</A>\n'),
        "entities.html": netscape('<DT><A HREF="https://ent.example.org/?a=1&amp;b=2">&#x41;&amp;&#99999999; &bogus; &lt;b&gt;</A>\n'),
        "weird-dates.html": netscape("".join(f'<DT><A HREF="https://date{i}.example.org/" ADD_DATE="{d}">d{i}</A>\n'
                                             for i, d in enumerate(["-5", "abc", "1e30", "9" * 30, "", "1.5e9", "0x10", "NaN", "inf"]))),
        "tags-attribute.html": netscape('<DT><A HREF="https://tags.example.org/" TAGS="a,b,,c , a">t</A>\n<DT><A HREF="https://notags.example.org/" TAGS="">n</A>\n'),
        "random-web-page.html": "<!doctype html><html><body><p>Hello <a href='https://page.example.org/x'>x</a> <a name=top>anchor</a></p></body></html>",
        "no-links.html": "<html><body><p>nothing here</p></body></html>",
        "unsafe-schemes.html": netscape("".join(f'<DT><A HREF="{u}">{u[:10]}</A>\n' for u in [
            "ftp://f.example.org/", "file:///etc/passwd", "data:text/html,<script>alert(1)</script>", "chrome://settings",
            "about:blank", "place:sort=8", "mailto:a@b.c", "//protocol-relative.example.org/", "/relative/path", "vbscript:msgbox"])),
        "uppercase-scheme-whitespace.html": netscape('<DT><A HREF="  HTTPS://UPPER.example.org/Path \n">upper</A>\n'),
        "dd-without-anchor.html": netscape("<DD>orphan description\n<DT><DD>another\n" + links(1, "afterdd")),
        "duplicate-variants.html": netscape("".join(f'<DT><A HREF="{u}">v</A>\n' for u in [
            "http://variant.example.org/a", "https://variant.example.org/a/", "https://WWW.Variant.example.org/a#top",
            "https://variant.example.org:443/a?utm_source=x&fbclid=y", "https://variant.example.org/b"])),
        "bad-hosts-ports.html": netscape("".join(f'<DT><A HREF="{u}">h</A>\n' for u in [
            "http://a.example.org:99999/", "http://exa mple.org/", "http://", "https:///path", "http://user:pw@auth.example.org/",
            "http://[::1]:8080/ok", "https://xn--mnchen-3ya.de/", "https://münchen.de/", "http://256.256.256.256/", "https://a..b/"])),
        # --- Chrome JSON ----------------------------------------------------------------------------
        "chrome-empty-roots.json": chrome([]),
        "chrome-roots-list.json": json.dumps({"roots": [], "version": 1}),
        "chrome-children-string.json": chrome("not a list"),
        "chrome-children-dict.json": chrome({"type": "url", "name": "only child", "url": "https://onlychild.example.org/"}),
        "chrome-children-int.json": chrome(7),
        "chrome-children-null.json": chrome(None),
        "chrome-field-types.json": chrome([curl(1, url=12345), curl(2, name={"x": 1}, date_added=[1]), curl(3, name=None, date_added={"a": 1}),
                                           curl(4, type=None), curl(5, url=["https://list.example.org/"]), curl(6)]),
        "chrome-nodes-not-dicts.json": chrome([1, "x", None, [], True, curl(7)]),
        "chrome-truncated.json": chrome([curl(i) for i in range(50)])[:900],
        "chrome-deep.json": '{"roots": {"bookmark_bar": ' + '{"type": "folder", "children": [' * 5000 + "]}" * 5000 + "}}",
        "chrome-huge-name.json": chrome([curl(8, name="N" * 1_000_000)]),
        "chrome-lone-surrogate.json": chrome([curl(9, name="bad \ud800 surrogate"), curl(10, url="https://sur\udc00.example.org/")]),
        "chrome-root-not-dict.json": chrome([curl(11)], {"other": "nope", "synced": 5}),
        # --- Firefox JSON ---------------------------------------------------------------------------
        "firefox-annos-int.json": firefox([fplace(1, annos=5), fplace(2, annos=[1, {"name": "bookmarkProperties/description", "value": 3}])]),
        "firefox-tags-list.json": firefox([fplace(3, tags=["x", "y"]), fplace(4, tags="a,b"), fplace(5, tags=7)]),
        "firefox-children-dict.json": json.dumps({"type": "text/x-moz-place-container", "root": "placesRoot", "children": fplace(6)}),
        "firefox-children-int.json": json.dumps({"type": "text/x-moz-place-container", "root": "placesRoot", "children": 3}),
        "firefox-field-types.json": firefox([fplace(7, dateAdded="soon"), fplace(8, uri=["x"]), fplace(9, title=None), fplace(10, dateAdded={"a": 1})]),
        "firefox-tags-folder.json": json.dumps({"type": "text/x-moz-place-container", "root": "placesRoot", "children": [
            {"type": "text/x-moz-place-container", "root": "tagsFolder", "title": "Tags", "children": [fplace(11)]},
            {"type": "text/x-moz-place-container", "root": "toolbarFolder", "title": "Toolbar", "children": [fplace(11), {"type": "text/x-moz-place-separator"}]}]}),
        # --- JSON lines and JSON lists -----------------------------------------------------------------
        "jsonl-tags-int.jsonl": jsonl({"url": "https://tagsint.example.org/", "title": "t", "tags": 5}),
        "jsonl-tags-string.jsonl": jsonl({"url": "https://tagsstr.example.org/", "title": "t", "tags": "python"}),
        "jsonl-added-dict.jsonl": jsonl({"url": "https://addeddict.example.org/", "title": "t", "added": {"when": 1}},
                                        {"url": "https://addediso.example.org/", "title": "t", "added": "2024-03-01T10:00:00Z"}),
        "jsonl-garbage-lines.jsonl": jsonl({"url": "https://jl1.example.org/"}, "[1,2]", "42", "null", '"s"', "{broken",
                                           {"url": "https://jl2.example.org/", "title": ["a", "b"], "folder": ["x", "y"], "description": 5}),
        "jsonl-first-line-broken.jsonl": '{"url": "https://cut\n' + jsonl(*[{"url": f"https://jlb{i}.example.org/"} for i in range(5)]),
        "jsonl-url-types.jsonl": jsonl({"url": None}, {"url": 5}, {"url": {"href": "x"}}, {"url": ["https://l.example.org/"]}, {"href": "https://href.example.org/"}),
        "jsonl-deep-line.jsonl": jsonl({"url": "https://jd.example.org/"}) + "[" * 100_000 + "\n",
        "pinboard.json": json.dumps([{"href": "https://pin.example.org/", "description": "Pin title", "extended": "long text",
                                      "tags": "a b", "time": "2020-01-01T00:00:00Z"}, 5, None]),
        "json-list-of-ints.json": "[1, 2, 3]",
        "raindrop-items.json": json.dumps({"items": [{"link": "https://rain.example.org/", "title": "Rain", "tags": ["r"], "created": 1700000000000}]}),
        "json-scalar.json": "42",
        # --- CSV -------------------------------------------------------------------------------------
        "header-only.csv": "id,title,url\n",
        "unbalanced-quote.csv": "id,title,url\n" + "".join(f'{i},"Title {i}",https://csv{i}.example.org/\n' for i in range(20))
                                + '21,"Broken quote,https://broken.example.org/\n' + "".join(f'{i},ok {i},https://csvb{i}.example.org/\n' for i in range(20)),
        "field-200k.csv": "id,title,url,description\n" + f'1,t,https://bigfield.example.org/,"{"d" * 200_000}"\n2,t,https://after.example.org/,x\n',
        "url-field-200k.csv": "id,title,url\n" + f'1,t,"https://bigurl.example.org/{"u" * 200_000}"\n2,t,https://afterurl.example.org/\n',
        "semicolon.csv": "title;url;tags\nSemi;https://semi.example.org/;a,b\n",
        "tab.tsv": "title\turl\nTab\thttps://tab.example.org/\n",
        "nul-bytes.csv": "id,title,url\n1,nul\x00title,https://nul.example.org/\n",
        "bom-crlf.csv": "\ufeffURL,Title\r\nhttps://bom.example.org/,Bom\r\n",
        "ragged.csv": "id,title,url,folder\n1,a\n2,b,https://ragged.example.org/,f,extra,extra\n,,,\n",
        "duplicate-headers.csv": "url,url,title\nhttps://dup1.example.org/,https://dup2.example.org/,t\n",
        "quoted-newlines.csv": 'url,title,description\nhttps://ml.example.org/,t,"line one\nline two"\nhttps://ml2.example.org/,t2,x\n',
        "latin1.csv": "url,title\nhttps://latin.example.org/,Caf\xe9\n".encode("latin-1"),
        "no-url-column.csv": "id,title,page\n1,a,b\n",
        "excel-sep-hint.csv": "sep=;\ntitle;url\nExcel;https://excel.example.org/\n",
        "onetab.txt": "https://onetab.example.org/ | One Tab title\nhttps://onetab2.example.org/ | Two\n",
        "json-trailing-junk.json": chrome([curl(30)]) + "\x00\x00garbage after a whole document",
        "json-huge-integer.json": '{"roots": {"bookmark_bar": {"children": [], "n": 1' + "1" * 5000 + '}}}',
        "quote-apostrophe-href.html": netscape("<DT><A HREF=https://apos.example.org/it's>apostrophe</A>\n" + links(1, "afterapos")),
        "newline-in-href.html": netscape('<DT><A HREF="\n https://nl.example.org/page\n">newline</A>\n'),
        "pocket-export.html": '<!DOCTYPE html><html><body><ul><li><a href="https://pocket.example.org/a" time_added="1600000000" tags="read,later">Pocket A</a></li></ul></body></html>',
        "xbel.xml": '<?xml version="1.0"?><xbel><folder><title>F</title><bookmark href="https://xbel.example.org/"><title>X</title></bookmark></folder></xbel>',
        "mac-line-endings.csv": "url,title\rhttps://mac.example.org/,Mac\rhttps://mac2.example.org/,Mac2\r",
        # --- URL lists and text ------------------------------------------------------------------------
        "urls-with-garbage.txt": "# mine\nhttps://list.example.org/ Listed\nnot a url\nhttp://[::1\nftp://x\n\n\t\nhttps://list2.example.org/\n",
        "only-comments.txt": "# nothing\n# at all\n",
        "markdown.md": "- [A](https://md.example.org/)\n- https://md2.example.org/ plain\n",
        "one-long-line.txt": "https://oneline.example.org/ " + "word " * 1_000_000,
        "same-link-100k.txt": "https://same.example.org/\n" * 100_000,
        # --- not bookmarks at all ------------------------------------------------------------------------
        "empty.html": b"",
        "whitespace.txt": " \n\t\r\n" * 100,
        "bom-only.html": codecs.BOM_UTF8,
        "random.bin": bytes((i * 7919 + 13) % 256 for i in range(20_000)),
        "bookmarks.html.gz": gzip.compress(netscape(links(3)).encode()),
        "bookmarks.zip": _zip_bytes(),
        "image.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10,
        "backup.jsonlz4": b"mozLz40\x00" + bytes(100),
        "sqlite-garbage.sqlite": b"SQLite format 3\x00" + bytes(range(256)) * 20,
        "utf16-json.json": codecs.BOM_UTF16_LE + chrome([curl(20)]).encode("utf-16-le"),
    }
    return out


def write_corpus(folder: str | os.PathLike) -> list[Path]:
    """Write every hostile file into ``folder``; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in files().items():
        p = folder / name
        p.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
        paths.append(p)
    for name, weird in (("places-weird.sqlite", True), ("places-ok.sqlite", False)):
        _places(folder / name, weird)
        paths.append(folder / name)
    other = folder / "other-tables.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    paths.append(other)
    sparse = folder / "over-the-limit.html"  # 201 MB on paper, nothing on disk
    with open(sparse, "wb") as fh:
        fh.truncate(201 * 1024 * 1024)
    paths.append(sparse)
    (folder / "a-folder.html").mkdir()
    paths.append(folder / "a-folder.html")
    loop = folder / "loop.html"
    loop.symlink_to(folder / "loop.html")
    paths.append(loop)
    (folder / "dangling.html").symlink_to(folder / "nowhere.html")
    paths.append(folder / "dangling.html")
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "fifo.html")
        paths.append(folder / "fifo.html")
    odd = Path(os.fsdecode(os.fsencode(folder) + os.sep.encode() + b"bad\xffname.html"))
    odd.write_text(netscape(links(1, "oddname")), "utf-8")
    paths.append(odd)
    return paths


def _title(r, url):
    return next(b.title for b in r.bookmarks if b.url == url)


# name -> check(ImportResult): what must come out (the rest only must not raise, hang or remove)
CHECKS = {
    "latin1.html": lambda r: _title(r, "https://cafe.example.org/") == "Café crème",
    "cp1252-quotes.html": lambda r: _title(r, "https://q.example.org/") == "\u201cQuoted\u201d \u20ac5",
    "utf16-bom.html": lambda r: _title(r, "https://utf16.example.org/") == "\u6771\u4eac",
    "utf16-no-bom.html": lambda r: _title(r, "https://utf16nobom.example.org/") == "Na\xefve",
    "shift-jis-declared.html": lambda r: _title(r, "https://sjis.example.org/") == "\u65e5\u672c\u8a9e",
    "utf8-one-bad-byte.html": lambda r: _title(r, "https://bad.example.org/") == "\u00fcber caf\u00e9 \u6771",
    "latin1.csv": lambda r: _title(r, "https://latin.example.org/") == "Café",
    "bad-ipv6-among-many.html": lambda r: len(r.bookmarks) == 600 and any(
        "invalid URL" in why and "line " in why for _, _, why in r.skipped_examples),
    "half-truncated.html": lambda r: 150 < len(r.bookmarks) < 250,
    "url-too-long.html": lambda r: len(r.bookmarks) == 2 and "URL longer than 8,192 characters" in r.skipped,
    "title-too-long.html": lambda r: len(r.bookmarks[0].title) == 500 and "title shortened to 500 characters" in r.notes,
    "deeply-nested.html": lambda r: len(r.bookmarks) == 2,
    "lt-flood.html": lambda r: [b.url for b in r.bookmarks] == ["https://afterlt0.example.org/page"],
    "endtag-flood.html": lambda r: len(r.bookmarks) == 1,
    "declaration-flood.html": lambda r: len(r.bookmarks) == 1,
    "unclosed-comment.html": lambda r: len(r.bookmarks) >= 1,
    "comment-flood.html": lambda r: len(r.bookmarks) == 1,
    "unclosed-script.html": lambda r: len(r.bookmarks) == 2,
    "unclosed-quote-attr.html": lambda r: {f"https://afterquote{i}.example.org/page" for i in range(3)} <= {b.url for b in r.bookmarks},
    "control-and-bidi.html": lambda r: "\u202e" not in r.bookmarks[0].title and "\x00" not in r.bookmarks[0].title,
    "weird-dates.html": lambda r: {b.added for b in r.bookmarks} == {None, 1_500_000_000},
    "tags-attribute.html": lambda r: _tags(r, "https://tags.example.org/") == ["a", "b", "c"],
    "javascript-only.html": lambda r: not r.bookmarks and r.skipped["javascript: URL not allowed"] == 2,
    "empty-dl.html": lambda r: not r.bookmarks,
    "duplicate-variants.html": lambda r: len(r.bookmarks) == 2 and r.skipped["duplicate URL"] == 3,
    "bad-hosts-ports.html": lambda r: {b.url for b in r.bookmarks} == {
        "http://user:pw@auth.example.org/", "http://[::1]:8080/ok", "https://xn--mnchen-3ya.de/", "http://256.256.256.256/",
        "https://a..b/"},
    "chrome-empty-roots.json": lambda r: not r.bookmarks,
    "chrome-children-dict.json": lambda r: [b.url for b in r.bookmarks] == ["https://onlychild.example.org/"],
    "chrome-field-types.json": lambda r: {b.url for b in r.bookmarks} == {
        "https://chrome2.example.org/", "https://chrome3.example.org/", "https://chrome4.example.org/",
        "https://chrome6.example.org/", "https://list.example.org/"},
    "chrome-lone-surrogate.json": lambda r: _title(r, "https://chrome9.example.org/") == "bad surrogate",
    "firefox-annos-int.json": lambda r: _desc(r, "https://firefox2.example.org/") == "3",
    "firefox-tags-list.json": lambda r: (_tags(r, "https://firefox3.example.org/"), _tags(r, "https://firefox4.example.org/"),
                                         _tags(r, "https://firefox5.example.org/")) == (["x", "y"], ["a", "b"], ["7"]),
    "firefox-children-dict.json": lambda r: len(r.bookmarks) == 1,
    "firefox-tags-folder.json": lambda r: len(r.bookmarks) == 1 and r.bookmarks[0].folder == "Toolbar",
    "jsonl-tags-int.jsonl": lambda r: r.bookmarks[0].tags == ["5"],
    "jsonl-tags-string.jsonl": lambda r: r.bookmarks[0].tags == ["python"],
    "jsonl-added-dict.jsonl": lambda r: [b.added for b in r.bookmarks] == [None, 1709287200],
    "jsonl-garbage-lines.jsonl": lambda r: len(r.bookmarks) == 2 and r.bookmarks[1].folder == "x / y",
    "jsonl-first-line-broken.jsonl": lambda r: len(r.bookmarks) == 5,
    "pinboard.json": lambda r: (r.bookmarks[0].title, r.bookmarks[0].description) == ("Pin title", "long text"),
    "raindrop-items.json": lambda r: r.bookmarks[0].added == 1700000000,
    "header-only.csv": lambda r: not r.bookmarks,
    "unbalanced-quote.csv": lambda r: len(r.bookmarks) >= 40,
    "field-200k.csv": lambda r: len(r.bookmarks) == 2 and len(r.bookmarks[0].description) == 2000,
    "url-field-200k.csv": lambda r: [b.url for b in r.bookmarks] == ["https://afterurl.example.org/"],
    "semicolon.csv": lambda r: r.bookmarks[0].tags == ["a", "b"],
    "tab.tsv": lambda r: r.bookmarks[0].title == "Tab",
    "nul-bytes.csv": lambda r: r.bookmarks[0].title == "nultitle",
    "bom-crlf.csv": lambda r: r.bookmarks[0].title == "Bom",
    "quoted-newlines.csv": lambda r: len(r.bookmarks) == 2 and r.bookmarks[0].description == "line one line two",
    "same-link-100k.txt": lambda r: len(r.bookmarks) == 1,
    "excel-sep-hint.csv": lambda r: [b.title for b in r.bookmarks] == ["Excel"],
    "onetab.txt": lambda r: [b.title for b in r.bookmarks] == ["One Tab title", "Two"],
    "json-trailing-junk.json": lambda r: len(r.bookmarks) == 1 and r.notes,
    "quote-apostrophe-href.html": lambda r: len(r.bookmarks) == 1 and r.skipped["unreadable link markup"] == 1,
    "newline-in-href.html": lambda r: [b.url for b in r.bookmarks] == ["https://nl.example.org/page"],
    "pocket-export.html": lambda r: (r.bookmarks[0].tags, r.bookmarks[0].added) == (["later", "read"], 1600000000),
    "mac-line-endings.csv": lambda r: len(r.bookmarks) == 2,
    "xbel.xml": lambda r: [(b.title, b.folder) for b in r.bookmarks] == [("X", "F")],
    "places-weird.sqlite": lambda r: {"https://places.example.org/good", "https://places.example.org/blob"} <= {b.url for b in r.bookmarks},
}
REFUSED = {  # name -> words of the one-line refusal
    "chrome-roots-list.json": "no 'roots'", "chrome-truncated.json": "truncated", "chrome-deep.json": "nested too deeply",
    "json-list-of-ints.json": "not a bookmarks file", "no-url-column.csv": "no 'url' column",
    "only-comments.txt": "no http", "json-scalar.json": "no http", "json-huge-integer.json": "not valid JSON",
 "no-links.html": "no bookmark list", "empty.html": "empty",
    "whitespace.txt": "blank", "bom-only.html": "blank", "random.bin": "binary", "bookmarks.html.gz": "gzip",
    "bookmarks.zip": "ZIP", "image.png": "binary", "backup.jsonlz4": "compressed Firefox", "sqlite-garbage.sqlite": "Firefox",
    "other-tables.sqlite": "not a readable Firefox", "over-the-limit.html": "limit is 200 MB", "a-folder.html": "folder",
    "loop.html": "cannot read", "dangling.html": "cannot read", "fifo.html": "not a regular file",
}


def _tags(r, url):
    return next(b.tags for b in r.bookmarks if b.url == url)


def _desc(r, url):
    return next(b.description for b in r.bookmarks if b.url == url)


if __name__ == "__main__":
    written = write_corpus(sys.argv[1] if len(sys.argv) > 1 else "hostile-bookmarks")
    print(f"{len(written)} files in {written[0].parent}")
