"""Real browser: upload a bookmarks file, ask a question offline, see cited links, screenshot."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from core.bookmarks.demo import demo_bookmarks
from core.bookmarks.exporters import to_netscape_html
from core.bookmarks.model import Bookmark
from tests.bm_fixtures import HOSTILE_TITLE
from tests.browser import ARTIFACTS, open_page, screenshot, wait_until_idle  # noqa: F401

pytestmark = pytest.mark.browser


def test_upload_ask_and_see_cited_links(browser_page, tmp_path):
    page = browser_page
    marks = demo_bookmarks() + [Bookmark(url="https://evil.example.org/x", title=HOSTILE_TITLE, folder="Junk")]
    upload = tmp_path / "bookmarks.html"
    upload.write_text(to_netscape_html(marks), "utf-8")
    open_page(page, "bookmark_chat")
    expect(page.get_by_role("heading", name="Bookmark chat")).to_be_visible()
    panel = page.locator("details").filter(has_text="Import bookmarks").first
    if panel.get_attribute("open") is None:  # collapsed when the store already holds bookmarks
        panel.locator("summary").click()
        wait_until_idle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    wait_until_idle(page)
    page.get_by_role("button", name="Import uploaded file").click()
    expect(page.get_by_text("Imported bookmarks.html")).to_be_visible(timeout=180_000)
    wait_until_idle(page)
    box = page.get_by_placeholder("Ask about your bookmarks", exact=False)
    box.fill("which paper introduced the adaptive moment optimizer?")
    box.press("Enter")
    wait_until_idle(page, timeout=120)
    answer = page.locator('[data-testid="stChatMessage"]').last
    expect(answer).to_contain_text("Search results")
    link = answer.locator('a[href="https://arxiv.org/abs/1412.6980"]')
    expect(link.first).to_be_visible()
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert page.locator("script:has-text('alert(1)')").count() == 0
    shot = screenshot(page, "bookmarks", full_page=False)
    assert shot.stat().st_size > 10_000
    docs = ROOT_DIR / "docs" / "screenshots"
    docs.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, docs / "bookmarks.png")


ROOT_DIR = ARTIFACTS.parent.parent
