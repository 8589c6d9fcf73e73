"""Real browser: the Home page renders, the device override changes what the app uses."""

import pytest
from playwright.sync_api import expect

from tests.browser import open_page, screenshot, select_option, wait_until_idle

pytestmark = pytest.mark.browser


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
