"""What a user waits for on the gradient descent page, in headless Chromium, against the old page.

    .venv/bin/python -m bench.gradient_descent_browser [--repeats 5] [--baseline-rev 1c4350e] [--no-baseline]

Starts this tree's app as `make run` does (``streamlit run app.py`` on a free loopback port) and,
for the baseline, the page as it was before issue #15 (commit ``1c4350e`` checked out with
``git worktree add`` into a temporary folder, served on another port, removed afterwards; never
committed). Both servers run during the whole bench, and rounds of every action alternate
between the new page and the old one (which goes first alternates too), so both see the same
machine load.

A measured time runs from the action (page opened, key pressed, option clicked) until the page
is *idle in the browser*: Streamlit's script run has finished (``data-test-script-state`` is
``notRunning``), no visible element is still a loading skeleton (Plotly's code arrives lazily),
and the page's DOM has not changed for ``QUIET_S``; the time reported is that of the last DOM
change, so loading chart code and drawing the charts are included and the quiet wait is not. Actions:

- ``first_load``: a new browser context (empty cache) opens ``/gradient_descent``; the server has
  already served one visit, so Python imports and the default race are warm (``cold_first_load``
  is that very first visit after the server started).
- ``setting_change``: the one-weight learning-rate slider moved one notch with the keyboard, and
  the race's *Steps* slider moved one notch. Every round first moves *Steps* (untimed) to a value
  no earlier round reached, so each timed notch starts a race the server has never computed (its
  cache is shared by all sessions).
- ``surface_switch``: the race's *Surface* select box cycled through the built-in surfaces. Only the
  first round computes their races; later rounds find them in the server's cache, as a user does
  whom another visitor preceded with the same settings.
- ``pause``: Play, then Pause after 1.5 s: the time until the step counter stops, and how many
  steps it still advanced (0 or 1 frame is the target).

Prints ``name: value`` lines (medians over the repeats), the ratio old/new for each, and the load
average before and after. Nothing here is asserted; tests never time anything.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.browser import CHROMIUM_ARGS, chromium_path, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
QUIET_S = 0.6
TIMEOUT_MS = 300_000  # a loaded 2-core machine can take minutes for the old page's first visit
SURFACES = ("Beale", "Himmelblau", "Saddle", "Ill-conditioned bowl", "Rosenbrock")

# Installed in every page before its scripts run: the time of the last DOM change and the
# script-state transitions, in the page's own clock (performance.now()).
WATCH = """
window.__gd = {last: performance.now(), states: []};
new MutationObserver((records) => {
    const now = performance.now();
    window.__gd.last = now;
    for (const r of records) {
        if (r.type === 'attributes' && r.attributeName === 'data-test-script-state') {
            window.__gd.states.push([r.target.getAttribute('data-test-script-state'), now]);
        }
    }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
IDLE_AFTER = """([t0, quiet]) => {
    const g = window.__gd, app = document.querySelector('[data-testid="stApp"]');
    if (!g || !app) return false;
    const ran = t0 < 0 || g.states.some(([s, t]) => s === 'running' && t >= t0);
    // A visible skeleton is an element whose code (e.g. Plotly's 4.7 MB chunk) is still loading.
    const loading = Array.from(document.querySelectorAll('[data-testid="stSkeleton"]'))
        .some(e => e.offsetParent !== null);
    return ran && !loading && app.getAttribute('data-test-script-state') === 'notRunning'
        && performance.now() - g.last > quiet;
}"""
STARTED_AFTER = """(t0) => window.__gd.states.some(([s, t]) => s === 'running' && t >= t0)"""
DIAGNOSE = """() => ({now: performance.now(), last: window.__gd.last, states: window.__gd.states.slice(-4),
    script: document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state'),
    skeletons: Array.from(document.querySelectorAll('[data-testid="stSkeleton"]')).filter(e => e.offsetParent !== null)
        .map(e => e.closest('.stElementContainer') && e.closest('.stElementContainer').className)})"""
STEP_TEXT = """() => {
    const p = document.querySelector('[data-testid="stProgress"]');
    const m = p && p.innerText.match(/Step (\\d+) of/);
    return m ? Number(m[1]) : null;
}"""


class App:
    """One served implementation of the page, driven through Playwright."""

    def __init__(self, name: str, root: Path, env: dict | None, browser):
        self.name, self.root, self.browser = name, root, browser
        self.server = start_server(root, Path(tempfile.mkdtemp(prefix=f"gd-bench-{name}-")), env=env,
                                   log_name=f"gd_bench_{name}")
        self.page = None

    def close_page(self) -> None:
        if self.page is not None:
            self.page.context.close()
            self.page = None

    def new_page(self):
        self.close_page()
        context = self.browser.new_context(viewport={"width": 1400, "height": int(os.environ.get("GD_BENCH_HEIGHT", "1000"))})
        context.add_init_script(WATCH)
        self.page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        return self.page

    def open(self) -> float:
        """Open the page in a fresh context; seconds from navigation start to idle."""
        page = self.new_page()
        page.goto(f"{self.server.url}/gradient_descent", wait_until="domcontentloaded")
        page.wait_for_function(IDLE_AFTER, arg=[0, QUIET_S * 1000], polling=50, timeout=TIMEOUT_MS)
        return page.evaluate("window.__gd.last") / 1000

    def timed(self, action, attempts: int = 3) -> float:
        """Seconds from ``action()`` to the page's last DOM change once its rerun is over.

        A key press or click that starts no rerun within 30 s (it reached a widget that was still
        being re-mounted) is repeated, and timed from the repeat."""
        page = self.page
        for attempt in range(attempts):
            t0 = page.evaluate("performance.now()")
            action()
            try:
                page.wait_for_function(STARTED_AFTER, arg=t0, polling=50, timeout=30_000)
                break
            except Exception:
                if attempt == attempts - 1:
                    raise RuntimeError(f"{self.name}: the action started no rerun; {page.evaluate(DIAGNOSE)}")
        try:
            page.wait_for_function(IDLE_AFTER, arg=[t0, QUIET_S * 1000], polling=50, timeout=TIMEOUT_MS)
        except Exception as exc:
            raise RuntimeError(f"{self.name}: never idle after the action; {page.evaluate(DIAGNOSE)}") from exc
        return (page.evaluate("window.__gd.last") - t0) / 1000

    def show_race(self) -> None:
        """Open the race tab and wait until it is idle (the old page's tabs switch without a rerun)."""
        page = self.page
        page.get_by_role("tab", name="Race on a surface").click()
        page.locator('input[type=range][aria-label="Steps"]:visible').wait_for()
        page.wait_for_function(IDLE_AFTER, arg=[-1, QUIET_S * 1000], polling=50, timeout=TIMEOUT_MS)

    def nudge(self, label: str, key: str) -> float:
        slider = self.page.locator(f'input[type=range][aria-label="{label}"]:visible')
        return self.timed(lambda: (slider.focus(), self.page.keyboard.press(key)))

    def pick_surface(self, title: str) -> float:
        def action():
            self.page.get_by_role("combobox", name="Surface", exact=True).click()
            self.page.get_by_role("option", name=title, exact=True).click()
        return self.timed(action)

    def pause_latency(self) -> tuple[float, int]:
        """Play for 1.5 s, click Pause: seconds until the counter stops, and steps it still moved.

        The click is a mouse click at the button's centre (as a user's), not Playwright's
        ``click()``, which first waits for the page to be still: while frames redraw that wait
        itself took seconds here."""
        page = self.page
        page.get_by_role("button", name="Reset", exact=True).click()
        page.wait_for_timeout(1500)
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_timeout(1500)
        box = page.get_by_role("button", name="Pause", exact=True).bounding_box()
        at_click = page.evaluate(STEP_TEXT)
        t0 = time.perf_counter()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        last, stable_since = page.evaluate(STEP_TEXT), time.perf_counter()
        while time.perf_counter() - stable_since < 3.0:  # stopped = unchanged for 3 s
            now = page.evaluate(STEP_TEXT)
            if now != last:
                last, stable_since = now, time.perf_counter()
            page.wait_for_timeout(30)
        return stable_since - t0, (last or 0) - (at_click or 0)

    def close(self) -> None:
        """Stop the server even when the browser is already gone (an interrupted run)."""
        try:
            if self.page is not None:
                self.page.context.close()
        except Exception:  # noqa: BLE001 - the context died with the browser; the server must still stop
            pass
        stop_server(self.server)


def baseline_tree(rev: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix="gd-baseline-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(path), rev], cwd=ROOT, check=True,
                   capture_output=True)
    return path


def remove_tree(path: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True)


def measure(app: App, round_: int, results: dict) -> None:
    """Round ``round_`` of every action on ``app``; appends seconds to ``results[action]``.

    The page is closed at the end, so an open page of one app never loads the other's round."""
    def add(key, value):
        print(f"  {app.name} {key}: {value:.3f}", file=sys.stderr, flush=True)
        results.setdefault(key, []).append(value)

    add("first_load_s", app.open())
    add("setting_change_lr_1d_s", app.nudge("Learning rate (log scale)", "ArrowRight" if round_ % 2 == 0 else "ArrowLeft"))
    app.show_race()
    for _ in range(2 * round_):  # to 500 + 20 * round_ steps, untimed: the timed notch is then a new race
        app.nudge("Steps", "ArrowRight")
    add("setting_change_steps_s", app.nudge("Steps", "ArrowRight"))
    for title in SURFACES:
        add("surface_switch_s", app.pick_surface(title))
    seconds, moved = app.pause_latency()
    add("pause_s", seconds)
    add("pause_steps_after_click", moved)
    app.close_page()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds of every action (default 3)")
    parser.add_argument("--baseline-rev", default="1c4350e", help="git revision of the old page")
    parser.add_argument("--no-baseline", action="store_true", help="measure only this tree")
    args = parser.parse_args()
    exe = chromium_path()
    if exe is None:
        print("skipped: chromium not installed")
        return
    from playwright.sync_api import sync_playwright

    print(f"load_average_before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    tree = None if args.no_baseline else baseline_tree(args.baseline_rev)
    apps, results = {}, {"new": {}, "old": {}}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            try:
                apps["new"] = App("new", ROOT, None, browser)
                if tree is not None:
                    apps["old"] = App("old", tree, {"PYTHONPATH": str(tree)}, browser)
                for name, app in apps.items():
                    results[name]["cold_first_load_s"] = [app.open()]
                    app.close_page()
                for round_ in range(args.repeats):
                    order = list(apps.items())
                    for name, app in (order if round_ % 2 == 0 else order[::-1]):  # neither always goes first
                        measure(app, round_, results[name])
            finally:
                for app in apps.values():
                    app.close()
                browser.close()
    finally:
        if tree is not None:
            remove_tree(tree)
    for key in results["new"]:
        new = statistics.median(results["new"][key])
        line = f"{key}: {new:.3f}"
        if results["old"].get(key):
            old = statistics.median(results["old"][key])
            line += f"  baseline: {old:.3f}"
            if key.endswith("_s") and new > 0:
                line += f"  ratio_vs_baseline: {old / new:.2f}x"
        print(line)
    print(f"load_average_after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
