"""Our hand-written update rules against torch.optim, step for step, and divergence handling."""

import math

import numpy as np
import pytest
import torch

from core.gradient_descent.optimizers import (KINDS, OptimizerConfig, race_table, run_batched, steps_to_tolerance,
                                              torch_optimizer)
from core.gradient_descent.surfaces import make_surface

STEPS = 60


def torch_reference(cfg, fn, start, steps):
    """The same run with torch.optim on a single parameter tensor."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch_optimizer(cfg, [p])
    path = [p.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        fn(p[0], p[1]).backward()
        opt.step()
        path.append(p.detach().clone())
    return torch.stack(path).numpy()


CONFIGS = {
    "gd": OptimizerConfig("gd", lr=0.002),
    "momentum": OptimizerConfig("momentum", lr=0.001, momentum=0.8),
    "nesterov": OptimizerConfig("nesterov", lr=0.001, momentum=0.85),
    "adagrad": OptimizerConfig("adagrad", lr=0.3, eps=1e-10),
    "rmsprop": OptimizerConfig("rmsprop", lr=0.01, alpha=0.95, eps=1e-8),
    "adam": OptimizerConfig("adam", lr=0.05, beta1=0.8, beta2=0.99, eps=1e-8),
}


@pytest.mark.parametrize("surface_key", ["rosenbrock", "himmelblau"])
def test_every_rule_matches_torch_optim_step_for_step(surface_key):
    surface = make_surface(surface_key)
    configs = [CONFIGS[k] for k in KINDS]
    # All six run together as rows of one batch, each from a different start point.
    starts = np.array([surface.start]) + 0.1 * np.arange(len(KINDS))[:, None]
    ours = run_batched(surface.value_and_grad, configs, starts, STEPS)
    assert not ours.diverged.any()
    for k, kind in enumerate(KINDS):
        ref = torch_reference(configs[k], surface.fn, list(starts[k]), STEPS)
        np.testing.assert_allclose(ours.paths[k], ref, atol=1e-6, rtol=0, err_msg=kind)
        moved = np.abs(ref[-1] - ref[0]).max()
        assert moved > 1e-3, f"{kind} barely moved; the comparison would be vacuous"


def test_the_rules_are_different_from_each_other():
    surface = make_surface("rosenbrock")
    configs = [OptimizerConfig(k, lr=0.001) for k in KINDS]
    run = run_batched(surface.value_and_grad, configs, [surface.start] * 6, 30)
    finals = run.paths[:, -1]
    for i in range(6):
        for j in range(i + 1, 6):
            assert np.abs(finals[i] - finals[j]).max() > 1e-6, (KINDS[i], KINDS[j])


def test_divergence_is_reported_per_row_and_masked():
    surface = make_surface("rosenbrock")
    configs = [OptimizerConfig("gd", lr=10.0), OptimizerConfig("adam", lr=0.01), OptimizerConfig("momentum", lr=1.0)]
    run = run_batched(surface.value_and_grad, configs, [surface.start] * 3, 200)
    assert run.diverged.tolist() == [True, False, True]
    assert run.diverged_at[0] > 0
    # Before divergence the values are real numbers; from it on they are NaN, never inf.
    assert np.isfinite(run.losses[0, : run.diverged_at[0]]).all()
    assert np.isnan(run.losses[0, run.diverged_at[0]:]).all()
    assert not np.isinf(run.paths).any()
    assert np.isfinite(run.losses[1]).all()
    table = race_table(run, tol=1e-3, min_value=0.0)
    assert table[0]["diverged"].startswith("at step") and table[1]["diverged"] == "no"
    assert math.isfinite(table[0]["final loss"])  # the last finite value before it blew up


def test_steps_to_tolerance_on_the_bowl():
    bowl = make_surface("quadratic", condition=4.0)
    run = run_batched(bowl.value_and_grad, [OptimizerConfig("gd", 0.4), OptimizerConfig("gd", 0.001)],
                      [[1.0, 1.0]] * 2, 100)
    fast, slow = steps_to_tolerance(run, 1e-6, 0.0)
    # Loss 0.5 * 0.6^(2t) + 2 * 0.6^(2t) = 2.5 * 0.36^t < 1e-6 first at t = 15.
    assert fast == 15
    assert slow is None


def test_bad_shapes_and_kinds_are_refused():
    with pytest.raises(ValueError):
        OptimizerConfig("sgd-ish", lr=0.1)
    bowl = make_surface("quadratic")
    with pytest.raises(ValueError):
        run_batched(bowl.value_and_grad, [OptimizerConfig("gd", 0.1)], [[1.0, 1.0]] * 2, 5)
