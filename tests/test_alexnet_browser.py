"""Real browser, two people on one server: A starts a short AlexNet run, watches it live and pauses
it; B, in another browser context, sees no controls of it and cannot stop it; A reloads and gets
its run back with its settings in the sidebar, resumes it, stops it after an epoch, and sees the
test-set results. (Pausing keeps the run alive however fast this machine trains.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import open_page, screenshot, wait_until_idle

pytestmark = pytest.mark.browser

POINTS = """() => { const p = document.querySelectorAll('.js-plotly-plot')[0];
  return p && p.data && p.data[0] ? p.data[0].x.length : 0; }"""


def _button(page, name: str):
    """A job-panel button by its key (Streamlit's own toolbar has a "Stop" too)."""
    return page.locator(f".st-key-alexnet_{name} button")


def _stop(page):
    return _button(page, "stop")


def _epochs(page):
    return page.locator(".st-key-alexnet_epochs input[type=range]")


def _metric_matches(page, label: str, pattern: str, timeout: float) -> None:
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('[data-testid="stMetric"]')]
             .some(m => m.innerText.includes({label!r}) && new RegExp({pattern!r}).test(m.innerText))""",
        timeout=timeout)


def test_a_run_belongs_to_its_browser_and_survives_a_reload(chromium, app_server):
    contexts = [chromium.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    try:
        a, b = (c.new_page() for c in contexts)
        for page in (a, b):
            page.set_default_timeout(30_000)
            page.app_url = app_server
        open_page(a, "alexnet_trainer?epochs=2&limit=1000")
        expect(_epochs(a)).to_have_value("2", timeout=60_000)
        a.get_by_role("button", name="Start training").click()
        a.wait_for_function(f"() => ({POINTS})() >= 2", timeout=240_000)  # the live curve has points
        _button(a, "pause").click()
        expect(_button(a, "resume")).to_be_enabled(timeout=60_000)

        open_page(b, "alexnet_trainer")  # another browser: no controls of A's run, its own defaults
        expect(b.get_by_role("button", name="Start training")).to_be_enabled(timeout=60_000)
        expect(_stop(b)).to_have_count(0)
        expect(_epochs(b)).to_have_value("4", timeout=60_000)

        a.goto(f"{app_server}/alexnet_trainer", wait_until="domcontentloaded")  # a reload without the link
        wait_until_idle(a, 90)
        expect(_epochs(a)).to_have_value("2", timeout=60_000)
        expect(_stop(a)).to_be_enabled(timeout=60_000)
        a.wait_for_function(f"() => ({POINTS})() >= 2", timeout=60_000)
        first = a.evaluate(POINTS)
        _button(a, "resume").click()
        a.wait_for_function(f"() => ({POINTS})() > {first}", timeout=240_000)  # still training after B's visit
        _metric_matches(a, "Epoch", r"\b1/2", timeout=300_000)
        _stop(a).click()
        _metric_matches(a, "Status", "stopped|done", timeout=180_000)
        a.locator('[data-testid="stMetric"]').filter(has_text="Test accuracy").first.wait_for(timeout=120_000)
        expect(a.get_by_role("button", name="Continue last run")).to_be_enabled(timeout=30_000)
        expect(_stop(b)).to_have_count(0)
        a.evaluate("""() => [...document.querySelectorAll('[data-testid="stMetric"]')]
                         .find(m => m.innerText.includes('Status')).scrollIntoView({block: 'start'})""")
        a.wait_for_timeout(1500)  # let plotly finish drawing before the picture
        assert screenshot(a, "alexnet", full_page=False).stat().st_size > 10_000
    finally:
        for context in contexts:
            context.close()
