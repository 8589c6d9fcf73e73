"""Real browser: the MLP trainer trains live, draws points, and refuses hostile uploads clearly."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import open_page, screenshot, wait_until_idle

pytestmark = pytest.mark.browser


def _epoch(page) -> int:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Epoch")
    text = metric.locator('[data-testid="stMetricValue"]').inner_text()
    return int(re.sub(r"\D", "", text) or 0)


def test_trains_live_and_shows_the_boundary(browser_page):
    page = browser_page
    open_page(page, "mlp_trainer?dataset=circle&hiddens=6,6&lr=0.03")
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
    page.get_by_role("button", name="Pause").click()
    wait_until_idle(page)
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    assert page.locator(".js-plotly-plot").count() >= 3  # curves, boundary, network (+ neurons)
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Test accuracy")).to_be_visible()
    assert "dataset=circle" in page.url and ("hiddens=6%2C6" in page.url or "hiddens=6,6" in page.url)
    shot = screenshot(page, "mlp", full_page=False)
    assert shot.stat().st_size > 20_000
    page.get_by_role("tab", name="Export").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Standalone script (.py)").click()
    script = open(info.value.path(), encoding="utf-8").read()
    assert "def train_model" in script and "hiddens': [6, 6]" in script


def test_hostile_uploads_get_clear_messages(browser_page):
    page = browser_page
    open_page(page, "mlp_trainer?dataset=csv")
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
    expect(page.get_by_text("the limit is 5 MB")).to_be_visible()
    upload.set_input_files(files=[{"name": "good.csv", "mimeType": "text/csv",
                                   "buffer": b"x,z,sex,y\n" + b"".join(b"%d,%d,%s,%d\n" % (
                                       i, i % 7, b"fm"[i % 2:i % 2 + 1], int(i % 7 > 3)) for i in range(60))}])
    wait_until_idle(page)
    expect(page.get_by_text("binary with 2 classes")).to_be_visible()
    page.get_by_role("button", name="Step").click()
    wait_until_idle(page)
    assert _epoch(page) == 1
    assert page.locator('[data-testid="stException"]').count() == 0


def test_draw_your_own_points(browser_page):
    page = browser_page
    open_page(page, "mlp_trainer?dataset=draw")
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
    expect(page.get_by_text(re.compile(r"2 points: class 0: 1, class 1: 1"))).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Epoch")).to_be_visible()
    page.get_by_role("button", name="Undo").click()
    wait_until_idle(page)
    expect(page.get_by_text(re.compile(r"^1 point: class 0: 1"))).to_be_visible()
