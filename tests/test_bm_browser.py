"""Real browser on the local (loopback) studio: upload, ask, cited links, screenshot; the path box
exists here; and a model answer holding a markdown image renders no <img> and loads nothing."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from core.bookmarks.demo import demo_bookmarks
from core.bookmarks.exporters import to_netscape_html
from core.bookmarks.model import Bookmark
from tests.bm_fixtures import HOSTILE_TITLE
from tests.browser import open_page, screenshot, wait_until_idle
from tests.test_bm_chat import _StandIn

pytestmark = pytest.mark.browser


def open_import_panel(page):
    """The import expander, opened (it is collapsed once the collection holds bookmarks)."""
    panel = page.locator("details").filter(has_text="Import bookmarks").first
    expect(panel).to_be_visible(timeout=60_000)  # a busy machine paints slowly after the run ends
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
        wait_until_idle(page)
    return panel


def upload(page, path, name: str = "Import uploaded file"):
    """Upload ``path`` in the import panel, click Import, and wait for this file's result."""
    open_import_panel(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    wait_until_idle(page)
    page.get_by_role("button", name=name).click(timeout=180_000)  # the upload's rerun is slow on a loaded machine
    expect(page.get_by_text(f"Imported {path.name}")).to_be_visible(timeout=300_000)
    wait_until_idle(page)


def ask(page, question: str):
    box = page.get_by_placeholder("Ask about your bookmarks", exact=False)
    box.fill(question)
    box.press("Enter")
    wait_until_idle(page, timeout=120)
    return page.locator('[data-testid="stChatMessage"]').last


def test_upload_ask_and_see_cited_links(browser_page, tmp_path):
    page = browser_page
    marks = demo_bookmarks() + [Bookmark(url="https://evil.example.org/x", title=HOSTILE_TITLE, folder="Junk")]
    file = tmp_path / "bookmarks.html"
    file.write_text(to_netscape_html(marks), "utf-8")
    open_page(page, "bookmark_chat")
    expect(page.get_by_role("heading", name="Bookmark chat")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("kept across restarts")).to_be_visible(timeout=60_000)  # the local studio's collection
    panel = open_import_panel(page)
    expect(panel.get_by_label("...or a path on this machine")).to_be_visible(timeout=60_000)  # loopback: allowed
    upload(page, file)
    answer = ask(page, "which paper introduced the adaptive moment optimizer?")
    expect(answer).to_contain_text("Search results", timeout=60_000)
    expect(answer.locator('a[href="https://arxiv.org/abs/1412.6980"]').first).to_be_visible(timeout=30_000)
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert page.locator("script:has-text('alert(1)')").count() == 0
    shot = screenshot(page, "bookmarks", full_page=False)  # docs/screenshots/bookmarks.png is refreshed by hand
    assert shot.stat().st_size > 10_000


class _Recorder(_StandIn):
    """The chat-completions stand-in, also recording every GET (an image load would be one)."""

    gets: list = []

    def do_GET(self):
        type(self).gets.append(self.path)
        self.send_response(404)
        self.end_headers()


def test_model_output_with_an_image_renders_no_img_and_loads_nothing(browser_page, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    _Recorder.requests, _Recorder.gets = [], []
    _Recorder.reply = staticmethod(lambda body: f"Train travel is in [1]. ![p](http://127.0.0.1:{port}/p.png) "
                                                f'<img src="http://127.0.0.1:{port}/raw.png"> done')
    page = browser_page
    loaded: list[str] = []
    page.on("request", lambda r: loaded.append(r.url) if str(port) in r.url else None)
    try:
        open_page(page, "bookmark_chat")
        empty = page.get_by_text("No bookmarks yet")
        expect(page.get_by_placeholder("Ask about your bookmarks", exact=False).or_(empty)).to_be_visible(timeout=60_000)
        if empty.count():
            open_import_panel(page)
            page.get_by_role("button", name="Load the demo collection", exact=False).click()
            expect(page.get_by_text("Imported demo")).to_be_visible(timeout=300_000)
            wait_until_idle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        for label, value in (("OpenAI-compatible API key", "sk-image-test"),
                             ("Base URL (Ollama, vLLM, ...)", f"http://127.0.0.1:{port}/v1")):
            box = sidebar.get_by_role("textbox", name=label)
            box.fill(value)
            box.press("Enter")
            wait_until_idle(page)
        answer = ask(page, "train travel in europe")
        expect(answer).to_contain_text("done", timeout=60_000)
        expect(answer).to_contain_text("Train travel is in [1].", timeout=30_000)
        wait_until_idle(page)
        assert _Recorder.requests, "the page did not call the stand-in"
        assert page.locator("img[src*='p.png'], img[src*='raw.png']").count() == 0
        link = answer.locator(f"a[href='http://127.0.0.1:{port}/p.png']")
        expect(link).to_have_text("p", timeout=30_000)  # the image became its text, a plain link
        page.wait_for_timeout(1000)
        assert not _Recorder.gets and not loaded, (_Recorder.gets, loaded)
    finally:
        server.shutdown()
        server.server_close()
