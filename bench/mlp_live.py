"""How live the MLP trainer page is in a real browser, against a faithful baseline in the same run.

``.venv/bin/python -m bench.mlp_live [--baseline 1c4350e] [--window 10] [--rounds 2]``

For this tree and for the baseline commit (extracted with ``git archive`` into a temporary
folder, never into the work tree), it starts the app on a free loopback port, opens
/mlp_trainer (default settings: 500-point spiral, 2-8-8-1 tanh, Adam) in headless Debian
Chromium, presses Play and, for ``--window`` seconds, samples on every animation frame a
fingerprint of what the browser shows in the boundary view (the ``<img>`` sources, or plotly's
heatmap bitmap) and in the loss view (image sources, or plotly's line paths). A visible update
is a frame whose fingerprint differs from the previous frame's. Then it clicks Pause where the
button is (as a user would) and times how long until the page says Play.

Prints ``name: value`` lines: per implementation the updates/s of each view (the page's rate is
the slower of the two), epochs/s, animation frames/s (how free the browser's main thread is) and
the pause latency; then ``ratio_vs_baseline``. Rounds alternate between the two servers so that
machine load hits both alike. Needs /usr/bin/chromium (skips cleanly without it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.browser import CHROMIUM_ARGS, chromium_path, open_page, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent

# Where each implementation draws its two live views (Streamlit gives keyed elements a class).
VIEWS = {
    "current": {"plane": ".st-key-mlp_plane_view", "curves": ".st-key-mlp_curves_view"},
    "baseline": {"plane": ".st-key-mlp_boundary", "curves": ".st-key-mlp_loss_chart"},
}

SAMPLER = """([plane, curves, seconds]) => new Promise(resolve => {
  const fingerprint = selector => {
    const root = document.querySelector(selector);
    if (!root) return "";
    const parts = [];
    root.querySelectorAll("img").forEach(i => parts.push(i.getAttribute("src") || ""));
    root.querySelectorAll("svg image").forEach(i => parts.push(i.getAttribute("href") || ""));
    root.querySelectorAll("path.js-line").forEach(p => parts.push(p.getAttribute("d") || ""));
    const s = parts.join("|");
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return s.length + ":" + h;
  };
  const epoch = () => {
    const m = [...document.querySelectorAll('[data-testid="stMetric"]')].find(e => e.innerText.includes("Epoch"));
    return m ? parseInt(m.querySelector('[data-testid="stMetricValue"]').innerText.replace(/\\D/g, "")) || 0 : 0;
  };
  const seen = {plane: 0, curves: 0, frames: 0};
  let last = {plane: fingerprint(plane), curves: fingerprint(curves)};
  const firstEpoch = epoch(), t0 = performance.now();
  const frame = t => {
    seen.frames++;
    for (const [name, sel] of [["plane", plane], ["curves", curves]]) {
      const now = fingerprint(sel);
      if (now && now !== last[name]) seen[name]++;
      last[name] = now;
    }
    if (t - t0 < seconds * 1000) requestAnimationFrame(frame);
    else resolve({...seen, epochs: epoch() - firstEpoch, seconds: (t - t0) / 1000});
  };
  requestAnimationFrame(frame);
})"""


@dataclass
class Result:
    plane: list[float] = field(default_factory=list)
    curves: list[float] = field(default_factory=list)
    epochs: list[float] = field(default_factory=list)
    frames: list[float] = field(default_factory=list)
    pause: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return min(_mean(self.plane), _mean(self.curves))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def extract_baseline(commit: str, into: Path) -> Path:
    """``git archive COMMIT`` unpacked into ``into`` (the work tree and the index stay untouched)."""
    archive = into / "baseline.tar"
    with open(archive, "wb") as out:
        subprocess.run(["git", "archive", commit], cwd=ROOT, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


def pause_latency(page) -> float:
    """Click Pause where it is drawn (no waiting for the page to settle, as a user) and time until it
    says Play (from when the button was looked up); 60 s means it never did."""
    start = time.perf_counter()
    try:
        box = page.get_by_role("button", name="Pause").bounding_box(timeout=60_000)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.get_by_role("button", name="Play").wait_for(timeout=60_000)
    except Exception:  # noqa: BLE001 - a timeout is the measurement
        return 60.0
    return time.perf_counter() - start


def measure(browser, url: str, views: dict, window: float, result: Result) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.app_url = url
    open_page(page, "", 120)  # Home first: it declares the navigation (the baseline's launcher did this)
    open_page(page, "mlp_trainer", 120)
    page.get_by_role("button", name="Play").click(timeout=180_000)  # a loaded machine draws slowly
    page.wait_for_timeout(3000)  # the first frames (imports, first plots) are not the steady rate
    seen = page.evaluate(SAMPLER, [views["plane"], views["curves"], window])
    result.plane.append(seen["plane"] / seen["seconds"])
    result.curves.append(seen["curves"] / seen["seconds"])
    result.epochs.append(seen["epochs"] / seen["seconds"])
    result.frames.append(seen["frames"] / seen["seconds"])
    result.pause.append(pause_latency(page))
    page.close()


def frame_build_ms(repeats: int = 20) -> float:
    """Server time to build one live frame's pictures (default settings, a run trained 300 epochs)."""
    from core.mlp import single_thread
    from core.mlp.views import boundary_grid, neuron_grids
    from ui.mlp_trainer import pictures
    from ui.mlp_trainer.state import MLPTrainerState, build_table, new_run

    state = MLPTrainerState()
    table = build_table(state)
    run, _ = new_run(state, table)
    with single_thread():
        run.advance(300)
        points = pictures.points_layer(table.points_train, table.y_train.numpy(), table.points_test,
                                       table.y_test.numpy(), "binary", True)
        start = time.perf_counter()
        for _ in range(repeats):
            _, surface = boundary_grid(run, table.feature_names, 60)
            pictures.svg_data_url(pictures.plane_svg(surface, "binary", points), "epoch")
            pictures.svg_data_url(pictures.curves_svg(run.history, "Accuracy", False), "epoch")
            weights = [w.detach().numpy() for w in run.coeffs[0]]
            biases = [b.detach().numpy() for b in run.coeffs[1]]
            pictures.svg_data_url(pictures.network_svg(weights, biases, table.feature_names, hover=False), "epoch")
            mosaic = pictures.neurons_rgb(neuron_grids(run, table.feature_names, 24, 8))
            pictures.svg_data_url(pictures.raster_svg(mosaic, scale=2), "epoch")
    return (time.perf_counter() - start) / repeats * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="1c4350e", help="commit whose page is the baseline")
    parser.add_argument("--window", type=float, default=10.0, help="seconds sampled per round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    exe = chromium_path()
    if exe is None:
        print("skipped: chromium not installed")
        return
    from playwright.sync_api import sync_playwright

    build_ms = frame_build_ms()
    work = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    roots = {"current": ROOT, "baseline": extract_baseline(args.baseline, work)}
    servers = {}
    results = {name: Result() for name in roots}
    try:
        for name, root in roots.items():
            servers[name] = start_server(root, work / f"data-{name}", log_name=f"bench-mlp-live-{name}")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            for _ in range(args.rounds):
                for name in roots:
                    measure(browser, servers[name].url, VIEWS[name], args.window, results[name])
            browser.close()
    finally:
        for server in servers.values():
            stop_server(server)
    print(f"load_average_1min: {os.getloadavg()[0]:.2f}")
    print(f"window_s: {args.window:g} x {args.rounds} rounds; baseline: {args.baseline}")
    for name, r in results.items():
        print(f"{name}_plane_updates_per_s: {_mean(r.plane):.2f}")
        print(f"{name}_curves_updates_per_s: {_mean(r.curves):.2f}")
        print(f"{name}_page_updates_per_s: {r.rate:.2f}")
        print(f"{name}_epochs_per_s: {_mean(r.epochs):.0f}")
        print(f"{name}_browser_frames_per_s: {_mean(r.frames):.1f}")
        print(f"{name}_pause_s: {max(r.pause):.2f} (worst of {len(r.pause)})")
    print(f"current_frame_build_ms: {build_ms:.1f} (server time for one frame's pictures)")
    print(f"ratio_vs_baseline: {results['current'].rate / results['baseline'].rate:.1f}x")


if __name__ == "__main__":
    main()
