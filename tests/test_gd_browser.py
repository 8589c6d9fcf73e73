"""Real browser: moving the learning rate and changing the optimizer set redraw the plots."""

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
STEP_COUNT = """() => {
    for (const el of document.querySelectorAll('.js-plotly-plot')) {
        const tr = (el._fullData || []).find(d => d.name && d.name.startsWith('steps'));
        if (tr) return Array.from(tr.x).map(Number);
    }
    return null;
}"""


def test_learning_rate_and_optimizer_set_update_the_plots(browser_page):
    page = browser_page
    open_page(page, "gradient_descent")
    expect(page.get_by_role("heading", name="Gradient descent playground")).to_be_visible()
    page.wait_for_function(f"() => ({STEP_COUNT})() !== null")  # the 1-D chart has drawn
    expect(page.get_by_text("Converging", exact=True)).to_be_visible()
    before = page.evaluate(STEP_COUNT)

    # Learning rate slider (log scale) to its top value, 10, with the keyboard.
    slider = page.get_by_role("slider", name="Learning rate (log scale)")
    slider.focus()
    page.keyboard.press("End")
    wait_until_idle(page)
    expect(page.get_by_text("Diverging", exact=True)).to_be_visible()
    expect(page.get_by_text("Error multiplier per step, 1 − lr·a")).to_be_visible()
    after = page.evaluate(STEP_COUNT)
    assert after != before and max(abs(w) for w in after) > 10 * max(abs(w) for w in before)

    # Race tab: drop Adam and RMSProp from the race; the loss chart loses their traces.
    page.get_by_role("tab", name="Race on a surface").click()
    page.wait_for_function(f"() => !!({TRACE_NAMES})('step')")
    names = page.evaluate(f"({TRACE_NAMES})('step')")
    assert {"Adam", "RMSProp", "Gradient descent"} <= set(names)
    for name in ("Adam", "RMSProp"):
        # Blur the multiselect first: right after a removal its menu has focus and eats the next click.
        page.get_by_role("heading", name="Gradient descent playground").click()
        page.get_by_role("button", name=f"Remove {name}").click()
        wait_until_idle(page)
        page.wait_for_function(f"() => {{ const n = ({TRACE_NAMES})('step'); return n && !n.includes('{name}'); }}")
    names = page.evaluate(f"({TRACE_NAMES})('step')")
    assert "Adam" not in names and "RMSProp" not in names and "Momentum" in names
    assert page.evaluate("() => new URL(location.href).searchParams.get('optimizers')") == "gd,momentum,nesterov,adagrad"

    # Clicking the contour plot moves the start point (Rosenbrock: x in [-2, 2], y in [-1, 3]).
    expect(page.get_by_label("Start x")).to_have_value("-1.20")
    plot = page.locator(".js-plotly-plot").filter(has=page.locator(".contour")).first
    plot.scroll_into_view_if_needed()
    box = plot.locator(".nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + 0.75 * box["width"], box["y"] + 0.25 * box["height"])
    page.wait_for_timeout(300)  # plotly picks the point under the cursor on hover
    page.mouse.down()
    page.mouse.up()
    wait_until_idle(page)
    expect(page.get_by_label("Start x")).to_have_value("1.00")
    expect(page.get_by_label("Start y")).to_have_value("2.00")
    page.wait_for_function("() => new URL(location.href).searchParams.get('start_x') === '1.0'")
    shot = screenshot(page, "gd")
    assert shot.stat().st_size > 20_000
