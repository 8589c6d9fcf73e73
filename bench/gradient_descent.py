"""Benchmark of the gradient-descent playground's server side: `.venv/bin/python -m bench.gradient_descent`.

Prints `name: value` lines: the core workload the page reruns on (six optimizers x 500 steps
batched, a 120 x 120 contour grid, a 41-rate LR sweep) against faithful baselines measured in
the same run (the same optimizers as separate torch.optim loops, the same sweep one rate at a
time), and the race view's rerun time under Streamlit's AppTest (server time only; what a user
waits for in a browser is measured by `bench.gradient_descent_browser`).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch

from core.gradient_descent.lr_finder import log_grid, lr_sweep
from core.gradient_descent.optimizers import run_batched, torch_optimizer
from core.gradient_descent.surfaces import make_surface
from ui.gradient_descent.state import GradientDescentState

ROOT = Path(__file__).resolve().parent.parent

STEPS = 500
REPEATS = 5


def timed(fn, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torch_optim_loop(surface, configs, steps):
    """Baseline: each optimizer in its own Python loop with torch.optim (what a notebook would do)."""
    for cfg in configs:
        p = torch.tensor(surface.start, dtype=torch.float64, requires_grad=True)
        opt = torch_optimizer(cfg, [p])
        for _ in range(steps):
            opt.zero_grad()
            surface.fn(p[0], p[1]).backward()
            opt.step()


def page_reruns():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "gradient_descent.py"), default_timeout=120)
    at.query_params["view"] = "race"
    at.query_params["hyperparameters"] = "1"  # the per-optimizer sliders shown
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    assert not at.exception, at.exception
    cached = timed(lambda: at.run(), 3)
    changed = []
    for lr in (0.003, 0.005, 0.007):  # each a new race: nothing cached
        at.select_slider(key="gd_lr_gd").set_value(lr)
        start = time.perf_counter()
        at.run()
        changed.append(time.perf_counter() - start)
    assert not at.exception, at.exception
    return first, cached, statistics.median(changed)


def main() -> None:
    torch.set_num_threads(max(1, torch.get_num_threads()))
    surface = make_surface("rosenbrock")
    configs = GradientDescentState().optimizer_configs()
    print(f"machine: {torch.get_num_threads()} torch threads, torch {torch.__version__}")
    batched = timed(lambda: run_batched(surface.value_and_grad, configs, [surface.start] * 6, STEPS))
    baseline = timed(lambda: torch_optim_loop(surface, configs, STEPS))
    print(f"core_race_6x{STEPS}_batched_s: {batched:.3f}")
    print(f"baseline_torch_optim_6_loops_s: {baseline:.3f}")
    print(f"ratio_vs_baseline: {baseline / batched:.2f}x")
    print(f"contour_grid_120x120_s: {timed(lambda: surface.grid(120)):.4f}")
    lrs = log_grid(1e-4, 10, 41)
    cfg = configs[-1]
    sweep = timed(lambda: lr_sweep(surface.value_and_grad, cfg, surface.start, lrs, 100), 3)
    one_by_one = timed(lambda: [lr_sweep(surface.value_and_grad, cfg, surface.start, [lr], 100) for lr in lrs], 1)
    print(f"lr_sweep_41x100_batched_s: {sweep:.3f}")
    print(f"lr_sweep_41x100_one_at_a_time_s: {one_by_one:.3f}")
    print(f"lr_sweep_ratio_vs_baseline: {one_by_one / sweep:.1f}x")
    first, cached, changed = page_reruns()
    print(f"page_first_run_s: {first:.2f}")
    print(f"page_rerun_cached_s: {cached:.3f}")
    print(f"page_rerun_new_race_s: {changed:.3f}")


if __name__ == "__main__":
    main()
