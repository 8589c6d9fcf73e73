"""Real browser: the learning rate and the optimizer set redraw the views, Pause stops the replay within one
frame every time, and typed formulas are shown literally."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import open_page, screenshot, wait_until_idle

pytestmark = pytest.mark.browser

TRACE_NAMES = """(title) => {
    for (const el of document.querySelectorAll('.js-plotly-plot')) {
        const layout = el.layout || {};
        const t = layout.xaxis && layout.xaxis.title && layout.xaxis.title.text;
        if (t === title && el.offsetParent !== null) return el.data.map(d => d.name);
    }
    return null;
}"""
# The one-weight picture is inline SVG; its steps group carries the weights it draws.
STEP_WEIGHTS = """() => {
    const g = document.querySelector('svg[data-testid="gd-svg-plot"] g[data-steps]');
    return g ? g.getAttribute('data-steps').split(',').map(Number) : null;
}"""
STEP_COUNTER = """() => {
    const p = document.querySelector('[data-testid="stProgress"]');
    const m = p && p.innerText.match(/Step (\\d+) of (\\d+)/);
    return m ? Number(m[1]) : null;
}"""
SPEED = 10  # steps per frame (the page's default)


def test_learning_rate_and_optimizer_set_update_the_plots(browser_page):
    page = browser_page
    open_page(page, "gradient_descent")
    # Generous waits: the first visit of a loaded machine's server can take tens of seconds.
    expect(page.get_by_role("heading", name="Gradient descent playground")).to_be_visible(timeout=120_000)
    page.wait_for_function(f"() => ({STEP_WEIGHTS})() !== null", timeout=120_000)  # the 1-D picture has drawn
    expect(page.get_by_text("Converging", exact=True)).to_be_visible()
    before = page.evaluate(STEP_WEIGHTS)

    # Learning rate slider (log scale) to its top value, 10, with the keyboard.
    slider = page.get_by_role("slider", name="Learning rate (log scale)")
    slider.focus()
    page.keyboard.press("End")
    wait_until_idle(page)
    expect(page.get_by_text("Diverging", exact=True)).to_be_visible()
    expect(page.get_by_text("Error multiplier per step, 1 − lr·a")).to_be_visible()
    after = page.evaluate(STEP_WEIGHTS)
    assert after != before and max(abs(w) for w in after) > 10 * max(abs(w) for w in before)

    # Race tab (only now computed): drop Adam and RMSProp; the contour loses their paths, the loss chart their lines.
    page.get_by_role("tab", name="Race on a surface").click()
    wait_until_idle(page)
    page.wait_for_function(f"() => !!({TRACE_NAMES})('x')", timeout=120_000)
    names = page.evaluate(f"({TRACE_NAMES})('x')")
    assert {"Adam", "RMSProp", "Gradient descent"} <= set(names)
    for name in ("Adam", "RMSProp"):
        # Blur the multiselect first: right after a removal its menu has focus and eats the next click.
        page.get_by_role("heading", name="Gradient descent playground").click()
        page.get_by_role("button", name=f"Remove {name}").click()
        wait_until_idle(page)
        page.wait_for_function(f"() => {{ const n = ({TRACE_NAMES})('x'); return n && !n.includes('{name}'); }}")
    names = page.evaluate(f"({TRACE_NAMES})('x')")
    assert "Adam" not in names and "RMSProp" not in names and "Momentum" in names
    lines = page.evaluate("""() => Array.from(document.querySelectorAll('svg[data-testid="gd-loss-plot"] g[data-name]'))
        .filter(g => g.querySelector('polyline')).map(g => g.getAttribute('data-name'))""")
    assert "Adam" not in lines and "RMSProp" not in lines and "Momentum" in lines
    params = page.evaluate("() => Object.fromEntries(new URL(location.href).searchParams)")
    assert params["optimizers"] == "gd,momentum,nesterov,adagrad" and params["view"] == "race"

    # Clicking the contour plot moves the start point (Rosenbrock: x in [-2, 2], y in [-1, 3]) to the
    # nearest of the 15 x 15 click targets, 4/14 apart: the click lands 2 % of the width off the
    # target at x = -2 + 11 * 4/14, y = -1 + 12 * 4/14, and snaps to it.
    expect(page.get_by_label("Start x")).to_have_value("-1.20")
    plot = page.locator(".js-plotly-plot").filter(has=page.locator("g.imagelayer image")).first
    plot.scroll_into_view_if_needed()
    box = plot.locator(".nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + (11 / 14 + 0.02) * box["width"], box["y"] + (2 / 14 - 0.02) * box["height"])
    page.wait_for_timeout(300)  # plotly picks the point under the cursor on hover
    page.mouse.down()
    page.mouse.up()
    wait_until_idle(page)
    expect(page.get_by_label("Start x")).to_have_value("1.14")
    expect(page.get_by_label("Start y")).to_have_value("2.43")
    page.wait_for_function("() => new URL(location.href).searchParams.get('start_x') === '1.143'")
    shot = screenshot(page, "gd")
    assert shot.stat().st_size > 20_000


def _counter_settles(page, seconds: float = 1.5, timeout: float = 20.0) -> int:
    """The step counter once it has not changed for ``seconds`` (polled every 50 ms)."""
    last, since, start = page.evaluate(STEP_COUNTER), 0.0, 0.0
    while since < seconds:
        page.wait_for_timeout(50)
        start += 0.05
        now = page.evaluate(STEP_COUNTER)
        since = since + 0.05 if now == last else 0.0
        last = now
        assert start < timeout, "the replay never stopped"
    return last


def _received_steps(page) -> list[int]:
    """Every "Step N of M" the server sends to this page, read off the websocket as it arrives."""
    steps: list[int] = []

    def watch(ws):
        def frame(payload):
            data = payload if isinstance(payload, bytes) else payload.encode()
            steps.extend(int(n) for n in re.findall(rb"Step (\d+) of \d+", data))
        ws.on("framereceived", frame)

    page.on("websocket", watch)
    return steps


def test_pause_stops_the_replay_within_one_frame_every_time(browser_page):
    """Five times: Play, then Pause: the counter on screen stops for good, within a frame or two.

    What is measured: ``sent``, the last step the server had sent when the mouse click was
    dispatched (read off the websocket), and ``shown``, the step on screen then. The server may
    finish the frame it is computing, and on a loaded machine the page may fire one more timer
    tick before it handles the click: at most two frames after ``sent``. Frames already sent are
    still drawn: the screen stops at most three frames after ``shown``. (That the first frame
    computed after Pause does not advance is checked exactly in tests/test_gd_page.py.)"""
    page = browser_page
    received = _received_steps(page)
    open_page(page, "gradient_descent?view=race&steps=2000&optimizers=gd,adam")
    page.wait_for_function(f"() => ({STEP_COUNTER})() === 2000", timeout=120_000)
    page.get_by_role("button", name="Reset", exact=True).click()
    page.wait_for_function(f"() => ({STEP_COUNTER})() === 0")
    for attempt in range(5):
        start = page.evaluate(STEP_COUNTER)
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_function(f"() => ({STEP_COUNTER})() >= {start + 3 * SPEED}", timeout=60_000)
        # A user's click, at the button's centre: Playwright's click() would first wait for the
        # page to stand still, which a playing replay never does.
        box = page.get_by_role("button", name="Pause", exact=True).bounding_box()
        shown, sent = page.evaluate(STEP_COUNTER), received[-1]
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        stopped = _counter_settles(page)
        assert stopped <= sent + 2 * SPEED, f"try {attempt + 1}: {stopped - sent} steps computed after Pause"
        assert stopped - shown <= 3 * SPEED, f"try {attempt + 1}: the screen ran {stopped - shown} steps on"
        expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
        assert received[-1] == stopped and page.evaluate(STEP_COUNTER) == stopped


def test_typed_formulas_and_refusals_are_shown_literally(browser_page):
    page = browser_page
    open_page(page, "gradient_descent?view=race&surface=custom&expression=x**2%20%2B%203*y**2")
    caption = page.get_by_text(re.compile(r"f\(x, y\) = x\*\*2 \+ 3\*y\*\*2\."))
    expect(caption).to_be_visible(timeout=120_000)
    box = page.get_by_role("textbox", name="f(x, y) =")
    box.fill("__import__('os')")
    box.press("Enter")
    wait_until_idle(page)
    refusal = page.get_by_text(re.compile(r"Your formula was refused: function '__import__' is not allowed"))
    expect(refusal).to_be_visible()
    assert page.locator('[data-testid="stAlert"] strong').count() == 0  # no "__" read as bold markup
