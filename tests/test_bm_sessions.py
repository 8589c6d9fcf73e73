"""Two browsers on one network-bound server (no sign-in): each has a private, temporary bookmark
collection, sees only its own messages and file names, cannot import the server's files by path,
and never sees the other's typed key. A 6-link file imported over a large collection, with the
default options, keeps the collection."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.bookmarks.exporters import to_netscape_html
from core.bookmarks.model import Bookmark
from tests.browser import open_page, start_server, stop_server, wait_until_idle
from tests.test_bm_browser import open_import_panel, upload

pytestmark = pytest.mark.browser
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
LARGE = 240
SECRET = "sk-typed-by-a-only-7c1e"


@pytest.fixture(scope="module")
def network_server(tmp_path_factory):
    """The studio bound to every interface (network mode), reached through 127.0.0.1."""
    server = start_server(ROOT, tmp_path_factory.mktemp("network-data"), address="0.0.0.0",
                          env={"STUDIO_ALLOW_SERVER_PATHS": ""}, log_name="bm-network")
    try:
        yield server.url
    finally:
        stop_server(server)


@pytest.fixture
def two_browsers(chromium, network_server):
    contexts = [chromium.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    pages = []
    for context in contexts:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.app_url = network_server
        pages.append(page)
    try:
        yield pages
    finally:
        for context in contexts:
            context.close()


def stored(page) -> int:
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="bookmarks in").first
    return int(caption.inner_text().split()[0].replace(",", ""))


def test_network_sessions_keep_collections_messages_and_keys_apart(two_browsers, tmp_path):
    a, b = two_browsers
    big = tmp_path / "alice-private-bookmarks.html"
    big.write_text(to_netscape_html([Bookmark(url=f"https://site{i % 40}.example.org/page/{i}", title=f"Note {i} on topic {i % 17}",
                                              folder=f"Folder {i % 9}") for i in range(LARGE)]), "utf-8")
    six = tmp_path / "six-links.txt"
    six.write_text("\n".join(f"https://six.example.net/{i}" for i in range(6)), "utf-8")

    open_page(a, "bookmark_chat")
    open_page(b, "bookmark_chat")
    for page in (a, b):
        expect(page.get_by_text("private to this browser")).to_be_visible(timeout=60_000)
        panel = open_import_panel(page)
        expect(panel.locator('[data-testid="stFileUploader"]')).to_be_visible(timeout=60_000)  # uploads work everywhere
        # the demo button comes after the path box: once it shows, the box would have too
        expect(panel.get_by_role("button", name="Load the demo collection", exact=False)).to_be_visible(timeout=60_000)
        assert panel.get_by_label("...or a path on this machine").count() == 0  # the server's files stay private

    # A types a key; B never sees it
    a.locator('[data-testid="stSidebar"]').get_by_role("textbox", name="OpenAI-compatible API key").fill(SECRET)
    a.locator('[data-testid="stSidebar"]').get_by_role("textbox", name="OpenAI-compatible API key").press("Enter")
    wait_until_idle(a)

    # A imports a large file, then a 6-link file with the default options: the collection stays
    upload(a, big)
    assert stored(a) == LARGE
    upload(a, six)
    expect(a.get_by_text("removed: 0")).to_be_visible(timeout=60_000)
    assert stored(a) == LARGE + 6

    # B: none of A's bookmarks, messages, file names or key
    b.reload()
    wait_until_idle(b)
    expect(b.get_by_text("No bookmarks yet")).to_be_visible(timeout=60_000)
    html = b.content()
    for leak in ("alice-private-bookmarks", "six-links", "Imported", SECRET):
        assert leak not in html, leak
    assert b.locator('[data-testid="stSidebar"]').get_by_role("textbox", name="OpenAI-compatible API key").input_value() == ""
    # and A's key is not written anywhere on A's own page either, outside its password box
    assert SECRET not in a.locator("body").inner_text()
