"""How live the MLP trainer page is in a real browser: updates/s and epochs/s while playing.

Starts the app as `make run` does (on a free loopback port), opens /mlp_trainer in headless
Debian Chromium, presses Play and samples the Epoch metric every 50 ms for a fixed window.
Prints `name: value` lines; needs /usr/bin/chromium (skips cleanly without it).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from tests.browser import CHROMIUM_ARGS, chromium_path, open_page, start_server, stop_server

WINDOW_S = 10.0


def main() -> None:
    exe = chromium_path()
    if exe is None:
        print("skipped: chromium not installed")
        return
    from playwright.sync_api import sync_playwright

    server = start_server(ROOT, Path(tempfile.mkdtemp(prefix="studio-bench-")))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.app_url = server.url
            open_page(page, "mlp_trainer", 120)
            page.get_by_role("button", name="Play").click()
            time.sleep(2)  # let the first ticks pass
            epoch = page.locator('[data-testid="stMetric"]').filter(has_text="Epoch").first
            seen, start = [], time.perf_counter()
            while time.perf_counter() - start < WINDOW_S:
                seen.append(int(epoch.inner_text().split()[-1].replace(",", "")))
                time.sleep(0.05)
            browser.close()
    finally:
        stop_server(server)
    updates = sum(1 for a, b in zip(seen, seen[1:]) if a != b)
    print(f"page_updates_per_s: {updates / WINDOW_S:.2f}")
    print(f"page_epochs_per_s: {(seen[-1] - seen[0]) / WINDOW_S:.0f}")


if __name__ == "__main__":
    main()
