"""Real browser: start a short AlexNet run, watch the live plot grow, stop it, screenshot."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import open_page, screenshot, wait_until_idle

pytestmark = pytest.mark.browser

POINTS = """() => { const p = document.querySelectorAll('.js-plotly-plot')[0];
  return p && p.data && p.data[0] ? p.data[0].x.length : 0; }"""


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def test_live_run_updates_and_stops(browser_page):
    page = browser_page
    open_page(page, "alexnet_trainer")
    page.get_by_text("Model and speed").click()
    limit = page.get_by_label("Use at most N images (0 = all)")
    limit.fill("300")
    limit.press("Enter")
    wait_until_idle(page)
    page.get_by_role("button", name="Start training").click()
    # the fragment refreshes every second: the step-loss curve must grow while we watch
    page.wait_for_function(f"() => ({POINTS})() >= 2", timeout=240_000)
    first = page.evaluate(POINTS)
    page.wait_for_function(f"() => ({POINTS})() > {first}", timeout=240_000)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
             .some(m => m.innerText.includes('Epoch') && /\\b[1-9]\\/8/.test(m.innerText))""",
        timeout=240_000)
    assert _metric(page, "Device") == "cpu"
    page.get_by_role("button", name="Stop").click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
             .some(m => m.innerText.includes('Status') && m.innerText.includes('stopped'))""",
        timeout=180_000)
    page.get_by_text("Test accuracy").first.wait_for(timeout=60_000)
    expect(page.get_by_role("button", name="Continue last run")).to_be_enabled(timeout=30_000)
    page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMetric"]')]
                     .find(m => m.innerText.includes('Status')).scrollIntoView({block: 'start'})""")
    page.wait_for_timeout(1500)  # let plotly finish drawing before the picture
    path = screenshot(page, "alexnet", full_page=False)
    assert path.stat().st_size > 10_000
