"""Bookmark importers on fixture files written here: every format, nesting, unicode, dupes, hostile input."""

from __future__ import annotations

import json
import sqlite3

import pytest

from core.bookmarks.exporters import to_chrome_json, to_netscape_html
from core.bookmarks.importers import BookmarkImportError, detect_profiles, load_bookmarks
from core.bookmarks.model import bookmark_id, content_hash, document_text, normalize_url
from tests.bm_fixtures import HOSTILE_TITLE, chrome_json, labelled_bookmarks

NETSCAPE = """<!DOCTYPE NETSCAPE-Bookmark-file-1>
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">
<TITLE>Bookmarks</TITLE>
<H1>Bookmarks</H1>
<DL><p>
    <DT><H3 ADD_DATE="1600000000" PERSONAL_TOOLBAR_FOLDER="true">Bookmarks bar</H3>
    <DL><p>
        <DT><H3>Dev</H3>
        <DL><p>
            <DT><H3>Go</H3>
            <DL><p>
                <DT><A HREF="https://github.com/spf13/cobra" ADD_DATE="1650000000" TAGS="go,cli">Cobra</A>
                <DD>A Commander for modern Go CLI interactions
            </DL><p>
            <DT><A HREF="https://docs.python.org/3/">Python &amp; docs</A>
        </DL><p>
        <DT><A HREF="https://www.example.com/Caf%C3%A9?utm_source=x#top" ADD_DATE="1660000000">Café — 東京 ☕</A>
        <DT><A HREF="https://example.com/Café">duplicate of the café page</A>
        <DT><A HREF="javascript:alert(document.cookie)">Evil bookmarklet</A>
        <DT><A HREF="data:text/html,<script>alert(1)</script>">Data URL</A>
        <DT><A HREF="file:///etc/passwd">Local file</A>
        <DT><A HREF="https://evil.example.org/x">HOSTILE</A>
        <DT><A HREF="https://untitled.example.net/some-page-name"></A>
    </DL><p>
</DL><p>
""".replace("HOSTILE", HOSTILE_TITLE.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return p


def by_title(result):
    return {b.title: b for b in result.bookmarks}


def test_netscape_html_nested_folders_tags_dates_descriptions_and_skips(tmp_path):
    r = load_bookmarks(write(tmp_path, "bookmarks.html", NETSCAPE))
    assert r.format == "netscape-html"
    bm = by_title(r)
    cobra = bm["Cobra"]
    assert cobra.folder == "Bookmarks bar / Dev / Go"
    assert cobra.tags == ["cli", "go"] and cobra.added == 1650000000
    assert cobra.description == "A Commander for modern Go CLI interactions"
    assert bm["Python & docs"].folder == "Bookmarks bar / Dev"
    assert bm["Café — 東京 ☕"].folder == "Bookmarks bar"
    assert HOSTILE_TITLE in bm  # kept as data, verbatim
    assert bm["untitled example some page name"].url.endswith("some-page-name")  # title from URL words
    assert r.skipped == {"duplicate URL": 1, "javascript: URL not allowed": 1, "data: URL not allowed": 1,
                         "file: URL not allowed": 1}
    assert all(b.url.startswith("https://") for b in r.bookmarks)
    assert "javascript" in r.skip_summary()


def test_chrome_json_roots_nesting_dates_and_dupes(tmp_path):
    text = chrome_json({"bar": [("A", "https://a.org/"), {"Reading": [("B", "https://b.org/x"), {"Deep": [("C", "https://c.org")]}]}],
                        "other": [("A again", "https://A.org"), ("bad", "javascript:void(0)")]})
    r = load_bookmarks(write(tmp_path, "Bookmarks", text))
    assert r.format == "chrome-json"
    bm = by_title(r)
    assert set(bm) == {"A", "B", "C"}
    assert bm["C"].folder == "Bookmarks bar / Reading / Deep"
    assert bm["A"].added == 13350000000000000 // 1_000_000 - 11_644_473_600
    assert r.skipped["duplicate URL"] == 1 and r.skipped["javascript: URL not allowed"] == 1


def test_firefox_places_sqlite_is_read_from_a_copy_with_folders_and_tags(tmp_path):
    db = tmp_path / "places.sqlite"
    con = sqlite3.connect(db)
    con.executescript("""
        CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT, title TEXT, description TEXT);
        CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, type INT, fk INT, parent INT, title TEXT, dateAdded INT);
        INSERT INTO moz_bookmarks VALUES (1,2,NULL,0,'',0),(2,2,NULL,1,'menu',0),(3,2,NULL,1,'toolbar',0),
            (4,2,NULL,1,'tags',0),(10,2,NULL,3,'Recipes',0),(11,1,100,10,'Ramen',1700000000000000),
            (12,1,101,3,'Mozilla',1700000000000000),(13,2,NULL,4,'food',0),(14,1,100,13,NULL,0),
            (15,1,102,3,'smart',0);
        INSERT INTO moz_places VALUES (100,'https://ramen.example.com/broth','Ramen','Slow broth'),
            (101,'https://www.mozilla.org/','Mozilla',NULL),(102,'place:sort=8&maxResults=10','smart',NULL);
    """)
    con.commit()
    con.close()
    before = db.read_bytes()
    r = load_bookmarks(db)
    assert r.format == "firefox-sqlite"
    bm = by_title(r)
    assert set(bm) == {"Ramen", "Mozilla"}
    assert bm["Ramen"].folder == "toolbar / Recipes" and bm["Ramen"].tags == ["food"]
    assert bm["Ramen"].description == "Slow broth" and bm["Ramen"].added == 1700000000
    assert r.skipped["place: URL not allowed"] == 1
    assert db.read_bytes() == before  # never modified


def test_firefox_json_backup(tmp_path):
    backup = {"type": "text/x-moz-place-container", "root": "placesRoot", "title": "", "children": [
        {"type": "text/x-moz-place-container", "title": "Bookmarks Toolbar", "root": "toolbarFolder", "children": [
            {"type": "text/x-moz-place-container", "title": "ML", "children": [
                {"type": "text/x-moz-place", "title": "Papers with Code", "uri": "https://paperswithcode.com/",
                 "dateAdded": 1690000000000000, "tags": "ml,papers"}]}]}]}
    r = load_bookmarks(write(tmp_path, "bookmarks-2024.json", json.dumps(backup)))
    assert r.format == "firefox-json"
    b = r.bookmarks[0]
    assert (b.title, b.folder, b.tags, b.added) == ("Papers with Code", "Bookmarks Toolbar / ML", ["ml", "papers"], 1690000000)


def test_csv_sheet_layout_and_url_list(tmp_path):
    r = load_bookmarks(write(tmp_path, "sheet.csv", 'id,title,url\n1,"Hello, world",https://hello.example\n2,,https://x.example/a-b\n3,bad,ftp://x\n'))
    assert r.format == "csv"
    assert [b.title for b in r.bookmarks] == ["Hello, world", "x example a b"]
    assert r.skipped["ftp: URL not allowed"] == 1
    r = load_bookmarks(write(tmp_path, "urls.txt", "# my links\nhttps://one.example/\nhttp://two.example/page Two\nnot a url\n"))
    assert r.format == "url-list" and len(r.bookmarks) == 2 and r.bookmarks[1].title == "Two"
    assert r.skipped["not a URL"] == 1


@pytest.mark.parametrize("name,content,message", [
    ("empty.html", b"", "empty"),
    ("junk.bin", bytes(range(256)) * 40, "binary"),
    ("Bookmarks", b'{"roots": {"bookmark_bar": {"children": [', "not valid JSON"),
    ("other.json", b'{"hello": 1}', "neither a Chrome"),
    ("list.json", b"[1, 2]", "not a bookmarks file"),
    ("sheet.csv", b"id,title,page\n1,a,b\n", "no 'url' column"),
    ("notes.txt", b"just some words\nand more words\n", "no http"),
    ("backup.jsonlz4", b"mozLz40\x00\x01\x02", "compressed Firefox backup"),
])
def test_bad_input_gives_a_clear_message(tmp_path, name, content, message):
    with pytest.raises(BookmarkImportError, match=message):
        load_bookmarks(write(tmp_path, name, content))


def test_enormous_truncated_and_missing_files(tmp_path):
    big = write(tmp_path, "big.html", "<DL>" + "x" * 5000)
    with pytest.raises(BookmarkImportError, match="limit"):
        load_bookmarks(big, max_bytes=1000)
    with pytest.raises(BookmarkImportError, match="cannot read"):
        load_bookmarks(tmp_path / "nope.html")
    truncated = NETSCAPE[: NETSCAPE.index("Python")]  # cut mid-file: what was read survives
    r = load_bookmarks(write(tmp_path, "cut.html", truncated))
    assert [b.title for b in r.bookmarks] == ["Cobra", "docs python"]  # the cut anchor had its URL
    deep = '{"roots": {"bookmark_bar": ' + '{"type": "folder", "children": [' * 3000 + "]}" * 3000 + "}}"
    with pytest.raises(BookmarkImportError, match="nested too deeply|not valid JSON"):
        load_bookmarks(write(tmp_path, "deep.json", deep))


def test_upload_bytes_and_round_trip_through_exporters(tmp_path):
    marks = labelled_bookmarks()
    r1 = load_bookmarks("x.html", data=to_netscape_html(marks).encode())
    r2 = load_bookmarks("Bookmarks", data=to_chrome_json(marks).encode())
    assert {b.id for b in r1.bookmarks} == {b.id for b in marks} == {b.id for b in r2.bookmarks}
    assert {b.description for b in r1.bookmarks} == {b.description for b in marks}
    assert all(b.description == "" for b in r2.bookmarks)  # Chrome carries titles only
    assert r2.bookmarks[0].folder.startswith("Bookmarks bar / ")


def test_url_normalisation_ids_and_hashes():
    assert normalize_url("HTTPS://WWW.Example.com:443/a/b/?utm_source=x&b=2&a=1#frag") == "https://example.com/a/b?a=1&b=2"
    assert bookmark_id("https://example.com/a") == bookmark_id("https://www.example.com/a/#x")
    assert bookmark_id("https://example.com/a") != bookmark_id("https://example.com/b")
    b = labelled_bookmarks()[0]
    h = content_hash(b)
    b.title += "!"
    assert content_hash(b) != h and content_hash(b, with_description=False) != content_hash(b)
    assert "(Recipes)" in document_text(b) and b.description in document_text(b)
    assert b.description not in document_text(b, with_description=False)


def test_detect_profiles_on_each_platform(tmp_path):
    (tmp_path / ".config/google-chrome/Default").mkdir(parents=True)
    (tmp_path / ".config/google-chrome/Default/Bookmarks").write_text("{}")
    (tmp_path / ".config/google-chrome/Profile 2").mkdir()
    (tmp_path / ".mozilla/firefox/abc.default").mkdir(parents=True)
    (tmp_path / ".mozilla/firefox/abc.default/places.sqlite").write_bytes(b"")
    found = detect_profiles(tmp_path, "linux")
    assert [(p.browser, p.profile) for p in found] == [("Chrome", "Default"), ("Firefox", "abc.default")]
    mac = tmp_path / "mac/Library/Application Support/BraveSoftware/Brave-Browser/Default"
    mac.mkdir(parents=True)
    (mac / "Bookmarks").write_text("{}")
    assert [p.browser for p in detect_profiles(tmp_path / "mac", "darwin")] == ["Brave"]
    win = tmp_path / "win/AppData/Local/Microsoft/Edge/User Data/Default"
    win.mkdir(parents=True)
    (win / "Bookmarks").write_text("{}")
    assert [p.label for p in detect_profiles(tmp_path / "win", "win32")] == ["Edge - Default"]


@pytest.mark.parametrize("a, b", [
    ("http://example.com/a", "https://example.com/a"),
    ("https://www.example.com/a", "https://example.com/a"),
    ("https://EXAMPLE.com./a", "https://example.com/a"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("http://example.com:80/a", "https://example.com/a"),
    ("https://example.com/a/", "https://example.com/a"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com/a#section-2", "https://example.com/a"),
    ("https://example.com/a?utm_source=x&utm_medium=y&fbclid=1&gclid=2&b=1", "https://example.com/a?b=1"),
    ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
    ("https://example.com/Caf%c3%a9", "https://example.com/Café"),
    ("https://example.com/%7Euser", "https://example.com/~user"),
    ("https://münchen.de/", "https://xn--mnchen-3ya.de/"),
])
def test_variants_of_one_link_are_one_bookmark(a, b):
    assert normalize_url(a) == normalize_url(b) and bookmark_id(a) == bookmark_id(b)


@pytest.mark.parametrize("a, b", [
    ("https://example.com/a", "https://example.com/b"),
    ("https://example.com/Docs", "https://example.com/docs"),  # paths are case-sensitive
    ("https://example.com/a?page=1", "https://example.com/a?page=2"),
    ("https://example.com/a?ref=main", "https://example.com/a"),  # ref can select content (GitHub)
    ("https://example.com:8080/a", "https://example.com/a"),
    ("https://docs.example.com/a", "https://example.com/a"),
    ("https://app.example.com/#/inbox", "https://app.example.com/#/settings"),  # single-page-app routes
    ("https://example.com/a%2Fb", "https://example.com/a/b"),
])
def test_genuinely_different_links_stay_apart(a, b):
    assert bookmark_id(a) != bookmark_id(b)


def test_the_first_url_as_saved_is_kept_and_variants_are_counted(tmp_path):
    body = "".join(f'<DT><A HREF="{u}">t{i}</A>\n' for i, u in enumerate([
        "http://www.Example.com/guide/?utm_source=news#intro", "https://example.com/guide", "https://example.com/guide/"]))
    r = load_bookmarks(write(tmp_path, "v.html", f"<DL>{body}</DL>"))
    assert [b.url for b in r.bookmarks] == ["http://www.Example.com/guide/?utm_source=news#intro"]
    assert r.skipped == {"duplicate URL": 2}


def test_one_bad_url_costs_only_its_entry_with_its_line(tmp_path):
    body = "".join(f'<DT><A HREF="https://ok{i}.example.org/">ok</A>\n' for i in range(4720))
    lines = body.splitlines()
    lines.insert(2000, '<DT><A HREF="http://[::1">broken</A>')
    r = load_bookmarks(write(tmp_path, "big.html", "<DL>\n" + "\n".join(lines) + "\n</DL>"))
    assert len(r.bookmarks) == 4720 and r.skipped == {"invalid URL (Invalid IPv6 URL)": 1}
    assert r.skipped_examples == [("broken", "http://[::1", "invalid URL (Invalid IPv6 URL) (line 2002)")]


@pytest.mark.parametrize("value, seconds", [
    (1_700_000_000, 1_700_000_000), (1_700_000_000_000, 1_700_000_000), (1_700_000_000_000_000, 1_700_000_000),
    ("1700000000", 1_700_000_000), ("2023-11-14T22:13:20Z", 1_700_000_000), ("2023-11-14", 1_699_920_000),
    ({"a": 1}, None), ([1], None), (True, None), (-5, None), ("soon", None), (float("nan"), None), (10 ** 30, None),
])
def test_dates_of_any_type_are_read_or_left_unknown(value, seconds):
    from core.bookmarks.importers import epoch_seconds

    assert epoch_seconds(value) == seconds


@pytest.mark.parametrize("value, tags", [
    ("python", ["python"]), ("a, b;c", ["a", "b", "c"]), (["x", "y"], ["x", "y"]), (["a,b", 3, None, {"k": 1}], ["3", "a", "b"]),
    (5, ["5"]), (None, []), ({"x": 1}, []), ("", []),
])
def test_tags_as_a_string_a_list_or_anything(value, tags):
    from core.bookmarks.importers import clean_tags

    assert clean_tags(value) == tags
