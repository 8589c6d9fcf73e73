"""Real browser: the Home page, the first direct visit after a fresh start, Back from a card, and no
request leaves the machine (the favicon is served locally)."""

import pytest
from playwright.sync_api import expect

from tests.browser import open_page, screenshot, select_option, start_server, stop_server, wait_until_idle

pytestmark = pytest.mark.browser
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_home_device_panel_in_chromium(browser_page):
    page = browser_page
    open_page(page)
    expect(page.get_by_role("heading", name="Deep-learning studio")).to_be_visible()
    expect(page.get_by_text("The app will use")).to_be_visible()
    select_option(page, "Device for this session", "cpu")
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="The app will use")
    expect(metric).to_contain_text("cpu")
    page.get_by_role("button", name="Measure").click()
    wait_until_idle(page)
    expect(page.get_by_text("GFLOP/s on cpu")).to_be_visible(timeout=60_000)
    shot = screenshot(page, "home")
    assert shot.stat().st_size > 10_000


def test_first_direct_visit_after_a_fresh_start_shows_the_studio_navigation(chromium, tmp_path):
    server = start_server(ROOT, tmp_path / "data", log_name="first-visit")  # nobody has visited it yet
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    outside: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server.url) else None)
        page.app_url = server.url
        open_page(page, "gradient_descent")
        expect(page.get_by_role("heading", name="Gradient descent playground")).to_be_visible(timeout=60_000)
        nav = page.locator('[data-testid="stSidebarNav"]')
        expect(nav).to_contain_text("Home")
        for group in ("Foundations", "Language", "Vision", "Retrieval"):
            expect(nav).to_contain_text(group)
        assert "alexnet views" not in nav.inner_text().lower()  # not the old pages/ folder listing
        screenshot(page, "first-visit", full_page=False)
    finally:
        context.close()
        stop_server(server)
    assert not [u for u in outside if not u.startswith(("data:", "blob:"))], outside


def test_back_from_a_page_opened_on_a_home_card_takes_one_press(browser_page):
    page = browser_page
    open_page(page)
    page.get_by_role("link", name="Open Gradient descent").click()
    expect(page.get_by_role("heading", name="Gradient descent playground")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    page.go_back()
    expect(page.get_by_role("heading", name="Deep-learning studio")).to_be_visible(timeout=30_000)
