"""Real browser: the MLP trainer trains live, survives a long session with working controls, draws
points, and refuses hostile uploads clearly."""

import os
import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser import open_page, screenshot, wait_until_idle

pytestmark = pytest.mark.browser


def _open(page, query: str, ready) -> None:
    """Open the page and wait until ``ready(page)`` (a locator) is drawn: the first visit after the
    server starts imports torch and plotly, which takes long on a busy 2-core machine."""
    open_page(page, "mlp_trainer" + query)
    expect(ready(page)).to_be_visible(timeout=120_000)


def _play_button(page):
    return page.get_by_role("button", name="Play")


def _epoch(page) -> int:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Epoch")
    text = metric.locator('[data-testid="stMetricValue"]').inner_text()
    return int(re.sub(r"\D", "", text) or 0)


def test_trains_live_and_shows_the_boundary(browser_page):
    page = browser_page
    _open(page, "?dataset=circle&hiddens=6,6&lr=0.03", _play_button)
    expect(page.get_by_role("heading", name="MLP trainer")).to_be_visible()
    assert _epoch(page) == 0
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
                 .some(m => m.innerText.includes('Epoch') && /Epoch\\s*[1-9]/.test(m.innerText))""",
        timeout=30_000)
    first = _epoch(page)
    page.wait_for_timeout(3000)  # live updates keep coming without any click
    second = _epoch(page)
    assert second > first > 0
    live = page.locator(".st-key-mlp_plane_view img")
    expect(live).to_have_attribute("src", re.compile(r"^data:image/svg\+xml;base64,"))  # the light live view
    page.get_by_role("button", name="Pause").click()
    wait_until_idle(page)
    expect(page.locator(".st-key-mlp_plane_view .js-plotly-plot")).to_be_visible(timeout=60_000)  # paused: plotly
    expect(page.locator(".st-key-mlp_curves_view .js-plotly-plot")).to_be_visible(timeout=60_000)
    expect(page.locator(".mlp-network svg")).to_be_visible()
    weights = page.locator(".mlp-network svg line title")  # the network's weights, one tooltip per line
    assert weights.count() == 2 * 6 + 6 * 6 + 6 and ": w = " in weights.first.text_content()
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Test accuracy")).to_be_visible()
    expect(page.get_by_text("Confusion matrix on the test set")).to_be_visible()
    assert "dataset=circle" in page.url and ("hiddens=6%2C6" in page.url or "hiddens=6,6" in page.url)
    shot = screenshot(page, "mlp", full_page=False)
    assert shot.stat().st_size > 20_000
    page.get_by_role("tab", name="Export").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Standalone script (.py)").click()
    script = open(info.value.path(), encoding="utf-8").read()
    assert "def train_model" in script and '"hiddens": [6, 6]' in script


# The failure this guards against showed within the first half minute on this 2-core machine: with
# plotly re-rendered on every frame, Playwright never found a stable frame to click Pause (the
# browser drew 1 frame/s), and a long session dropped the websocket ("Cached ForwardMsg MISS").
# 60 s with four Pause/Play cycles costs about a minute of CI; the full 5-minute session is
# the same test with STUDIO_MLP_SURVIVAL_S=300 (docs/mlp_trainer.md lists the last such run).
SURVIVAL_S = float(os.environ.get("STUDIO_MLP_SURVIVAL_S", "60"))
FATAL = ("MISS", "websocket", "connection", "disconnect")


def test_long_training_survives_with_working_controls(browser_page):
    page = browser_page
    problems = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text[:200]}")
            if msg.type == "error" and any(word in msg.text.lower() for word in map(str.lower, FATAL)) else None)
    _open(page, "?dataset=spiral&hiddens=8,8", _play_button)
    page.get_by_role("button", name="Play").click()
    start, cycles, live = time.monotonic(), 0, page.locator(".st-key-mlp_plane_view img")
    end = start + SURVIVAL_S
    while time.monotonic() < end or cycles < 2:
        before, picture = _epoch(page), live.get_attribute("src", timeout=15_000)
        page.wait_for_timeout(max(0.0, min(12.0, end - time.monotonic())) * 1000 + 1500)
        assert _epoch(page) > before and live.get_attribute("src") != picture  # still training, still drawing
        # Plain clicks: Playwright waits for the button to be visible, enabled and stable, as a person would.
        page.get_by_role("button", name="Pause").click(timeout=15_000)
        expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=15_000)
        paused = _epoch(page)
        page.wait_for_timeout(1500)
        assert _epoch(page) == paused  # Pause took effect: no frame trained after it
        page.get_by_role("button", name="Play").click(timeout=15_000)
        expect(page.get_by_role("button", name="Pause")).to_be_visible(timeout=15_000)
        cycles += 1
    assert problems == [], problems
    assert page.get_by_text("Connection error").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_role("button", name="Pause").click(timeout=15_000)
    print(f"survived {time.monotonic() - start:.0f} s: {cycles} Pause/Play cycles, epoch {_epoch(page):,}")


def test_hostile_uploads_get_clear_messages(browser_page):
    page = browser_page
    _open(page, "?dataset=csv", lambda p: p.locator('[data-testid="stFileUploader"]'))
    upload = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    upload.set_input_files(files=[{"name": "junk.csv", "mimeType": "text/csv",
                                   "buffer": b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8}])
    wait_until_idle(page)
    expect(page.get_by_text("does not look like a CSV")).to_be_visible()
    upload.set_input_files(files=[{"name": "people.csv", "mimeType": "text/csv",
                                   "buffer": b"age,fare,name\n22,7.2,Ann\n38,71.3,Bob\n26,7.9,Cy\n35,53.1,Di\n"}])
    wait_until_idle(page)
    expect(page.get_by_text("is not numeric")).to_be_visible()
    upload.set_input_files(files=[{"name": "gaps.csv", "mimeType": "text/csv",
                                   "buffer": b"a,b,y\n1,2,0\n2,,1\n3,4,0\n5,6,1\n"}])
    wait_until_idle(page)
    expect(page.get_by_text("missing values")).to_be_visible()
    upload.set_input_files(files=[{"name": "huge.csv", "mimeType": "text/csv",
                                   "buffer": b"a,b\n" + b"1.5,0\n" * 1_100_000}])
    wait_until_idle(page)
    expect(page.get_by_text("the limit is 5 MB")).to_be_visible(timeout=60_000)  # 6.6 MB upload, busy machine
    upload.set_input_files(files=[{"name": "good.csv", "mimeType": "text/csv",
                                   "buffer": b"**x**,:red[z],sex,y\n" + b"".join(b"%d,%d,%s,%d\n" % (
                                       i, i % 7, b"fm"[i % 2:i % 2 + 1], int(i % 7 > 3)) for i in range(60))}])
    wait_until_idle(page)
    expect(page.get_by_text("binary with 2 classes")).to_be_visible()
    page.get_by_role("button", name="Step").click()
    wait_until_idle(page)
    assert _epoch(page) == 1
    names = page.locator(".mlp-network svg text")  # file text drawn literally in the network
    expect(names.first).to_have_text("**x**")
    expect(names.nth(1)).to_have_text(":red[z]")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_draw_your_own_points(browser_page):
    page = browser_page
    _open(page, "?dataset=draw", lambda p: p.locator('[data-testid="stRadio"]'))
    expect(page.get_by_text("Click on the plot")).to_be_visible()
    for fx, fy, cls in ((0.3, 0.3, "0"), (0.7, 0.7, "1")):
        page.locator('[data-testid="stRadio"]').get_by_text(cls, exact=True).click()
        wait_until_idle(page)
        plot = page.locator(".js-plotly-plot").first
        plot.wait_for(state="visible")
        page.wait_for_timeout(500)
        frame = plot.bounding_box()
        area = plot.evaluate("el => el._fullLayout._size")  # the plotting area inside the figure
        page.mouse.click(frame["x"] + area["l"] + area["w"] * fx, frame["y"] + area["t"] + area["h"] * fy)
        wait_until_idle(page)
    # A click's rerun (selection event, then st.rerun) can take longer than expect's 5 s on a busy machine.
    expect(page.get_by_text(re.compile(r"2 points: class 0: 1, class 1: 1"))).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Epoch")).to_be_visible()
    page.get_by_role("button", name="Undo").click()
    wait_until_idle(page)
    expect(page.get_by_text(re.compile(r"^1 point: class 0: 1"))).to_be_visible(timeout=60_000)
