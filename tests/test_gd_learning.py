"""The learning features of issue #15 in core: stochastic gradients, the step inspector, Rastrigin and the
plateau, formulas without x or y, the batch-size gap, and numbers for people."""

import math

import numpy as np
import pytest
import torch

from core.gradient_descent import regression
from core.gradient_descent.expression import ExpressionError, parse_expression
from core.gradient_descent.inspector import FIRST_MOMENT, GRADIENT, VELOCITY, inspect_step
from core.gradient_descent.optimizers import KINDS, OptimizerConfig, run_batched, torch_optimizer
from core.gradient_descent.surfaces import make_surface
from ui.gradient_descent.numbers import format_number, format_vector

BOWL = make_surface("quadratic", condition=10.0)
ROSENBROCK = make_surface("rosenbrock")
MIXED = [OptimizerConfig("gd", 0.002), OptimizerConfig("momentum", 0.001), OptimizerConfig("nesterov", 0.001),
         OptimizerConfig("adagrad", 0.5), OptimizerConfig("rmsprop", 0.01), OptimizerConfig("adam", 0.05)]


# --- stochastic gradients -------------------------------------------------------------------------------

def test_zero_noise_is_exact_gradient_descent_and_noise_is_seeded():
    exact = run_batched(ROSENBROCK.value_and_grad, MIXED, [ROSENBROCK.start] * 6, 100)
    zero = run_batched(ROSENBROCK.value_and_grad, MIXED, [ROSENBROCK.start] * 6, 100, noise=0.0, seed=7)
    np.testing.assert_array_equal(exact.paths, zero.paths)
    a = run_batched(ROSENBROCK.value_and_grad, MIXED, [ROSENBROCK.start] * 6, 100, noise=5.0, seed=1)
    b = run_batched(ROSENBROCK.value_and_grad, MIXED, [ROSENBROCK.start] * 6, 100, noise=5.0, seed=1)
    c = run_batched(ROSENBROCK.value_and_grad, MIXED, [ROSENBROCK.start] * 6, 100, noise=5.0, seed=2)
    np.testing.assert_array_equal(a.paths, b.paths)
    assert np.abs(a.paths - c.paths).max() > 1e-3 and np.abs(a.paths - exact.paths).max() > 1e-3
    # Losses are those of the exact function at the noisy points.
    x, y = a.paths[0, -1]
    assert a.losses[0, -1] == pytest.approx((1 - x) ** 2 + 100 * (y - x * x) ** 2)


def test_every_run_of_a_race_sees_the_same_noise():
    cfg = OptimizerConfig("gd", 0.05)
    run = run_batched(BOWL.value_and_grad, [cfg, cfg], [BOWL.start] * 2, 50, noise=1.0, seed=3)
    np.testing.assert_array_equal(run.paths[0], run.paths[1])


def test_sgd_settles_in_a_noise_ball_where_gd_converges():
    """The lesson of the mode: with a constant learning rate, exact GD converges, SGD keeps jittering."""
    cfg = [OptimizerConfig("gd", 0.15)]
    gd = run_batched(BOWL.value_and_grad, cfg, [BOWL.start], 400)
    sgd = run_batched(BOWL.value_and_grad, cfg, [BOWL.start], 400, noise=1.0, seed=0)
    assert gd.losses[0, -1] < 1e-12
    tail = sgd.losses[0, -100:]
    assert tail.mean() > 1e-3 and np.isfinite(tail).all()
    # ... and the noise is unbiased: the average of the last 100 points is near the minimum.
    assert np.abs(sgd.paths[0, -100:].mean(0)).max() < 0.2


def test_noise_carries_gd_over_rastrigin_ridges_where_exact_gd_stays_in_its_pit():
    rastrigin = make_surface("rastrigin")
    cfg = [OptimizerConfig("gd", 0.002)]
    pit = np.array([2.0, -3.0])  # the local minimum next to the start (2.2, -3.1)
    stuck = run_batched(rastrigin.value_and_grad, cfg, [rastrigin.start], 300)
    assert np.linalg.norm(stuck.paths[0] - pit, axis=1).max() < 0.5
    for seed in (0, 1):
        noisy = run_batched(rastrigin.value_and_grad, cfg, [rastrigin.start], 300, noise=100.0, seed=seed)
        assert np.linalg.norm(noisy.paths[0] - pit, axis=1).max() > 1.5


# --- the step inspector ---------------------------------------------------------------------------------

@pytest.mark.parametrize("noise", [0.0, 2.0])
def test_inspected_step_is_the_race_step(noise):
    race = run_batched(ROSENBROCK.value_and_grad, MIXED, [ROSENBROCK.start] * 6, 30, noise=noise, seed=4)
    hits = inspect_step(ROSENBROCK.value_and_grad, MIXED, [ROSENBROCK.start] * 6, 12, noise=noise, seed=4)
    for k, hit in enumerate(hits):
        np.testing.assert_allclose(hit.point, race.paths[k, 12], rtol=1e-12)
        np.testing.assert_allclose(hit.update, race.paths[k, 13] - race.paths[k, 12], rtol=1e-9, atol=1e-15)
        assert hit.value == pytest.approx(race.losses[k, 12])
        np.testing.assert_allclose(hit.arrows[GRADIENT], -hit.config.lr * hit.gradient)
        if hit.adds_up:  # gradient part + velocity part is the step (Momentum, Nesterov, plain GD)
            np.testing.assert_allclose(sum(hit.arrows.values()), hit.update, rtol=1e-9, atol=1e-15)
        if noise == 0:
            np.testing.assert_allclose(hit.gradient, hit.exact_gradient)
        else:
            assert np.abs(hit.gradient - hit.exact_gradient).max() > 1e-6
    assert set(hits[1].arrows) == {GRADIENT, VELOCITY} and set(hits[5].arrows) == {GRADIENT, FIRST_MOMENT}
    assert not hits[5].adds_up and hits[5].scale.shape == (2,)


def test_adam_moments_match_torch_optim():
    cfg = OptimizerConfig("adam", 0.05, beta1=0.8, beta2=0.99)
    step = 9
    p = torch.tensor(ROSENBROCK.start, dtype=torch.float64, requires_grad=True)
    opt = torch_optimizer(cfg, [p])
    for _ in range(step + 1):
        opt.zero_grad()
        ROSENBROCK.fn(p[0], p[1]).backward()
        opt.step()
    ref = opt.state[p]
    (hit,) = inspect_step(ROSENBROCK.value_and_grad, [cfg], [ROSENBROCK.start], step)
    np.testing.assert_allclose(hit.state["m"], ref["exp_avg"].numpy(), rtol=1e-10)
    np.testing.assert_allclose(hit.state["v"], ref["exp_avg_sq"].numpy(), rtol=1e-10)
    np.testing.assert_allclose(hit.state["m_hat"], ref["exp_avg"].numpy() / (1 - 0.8 ** (step + 1)), rtol=1e-10)
    np.testing.assert_allclose(hit.update, -hit.scale * hit.state["m_hat"], rtol=1e-9)


def test_momentum_velocity_matches_torch_optim():
    cfg = OptimizerConfig("momentum", 0.001, momentum=0.9)
    p = torch.tensor(ROSENBROCK.start, dtype=torch.float64, requires_grad=True)
    opt = torch_optimizer(cfg, [p])
    for _ in range(6):
        opt.zero_grad()
        ROSENBROCK.fn(p[0], p[1]).backward()
        opt.step()
    (hit,) = inspect_step(ROSENBROCK.value_and_grad, [cfg], [ROSENBROCK.start], 5)
    np.testing.assert_allclose(hit.state["velocity"], opt.state[p]["momentum_buffer"].numpy(), rtol=1e-10)


def test_inspector_reports_nothing_for_a_run_that_already_diverged():
    cfgs = [OptimizerConfig("gd", 10.0), OptimizerConfig("adam", 0.05)]
    race = run_batched(ROSENBROCK.value_and_grad, cfgs, [ROSENBROCK.start] * 2, 50)
    assert 0 < race.diverged_at[0] < 30
    hits = inspect_step(ROSENBROCK.value_and_grad, cfgs, [ROSENBROCK.start] * 2, 40)
    assert hits[0] is None and hits[1] is not None


# --- the two new surfaces -------------------------------------------------------------------------------

def test_rastrigin_has_many_local_minima_and_gd_stops_in_one():
    rastrigin = make_surface("rastrigin")
    xs, ys, z = rastrigin.grid(205)
    inner = z[1:-1, 1:-1]
    lower_than_neighbours = np.ones_like(inner, dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dx or dy:
                lower_than_neighbours &= inner < z[1 + dy:z.shape[0] - 1 + dy, 1 + dx:z.shape[1] - 1 + dx]
    assert lower_than_neighbours.sum() >= 80  # about one per integer point of [-5, 5]²
    run = run_batched(rastrigin.value_and_grad, [OptimizerConfig("gd", 0.002)], [rastrigin.start], 500)
    assert run.grad_norms[0, -1] < 1e-3 and run.losses[0, -1] > 5  # a local, not the global, minimum


def test_plateau_stalls_plain_gd_and_not_adam():
    plateau = make_surface("plateau")
    _, g = plateau.value_and_grad(torch.tensor([plateau.start], dtype=torch.float64))
    assert float(g.norm()) < 1e-3  # the start is on the flat part
    cfgs = [OptimizerConfig("gd", 0.5), OptimizerConfig("adam", 0.05)]
    run = run_batched(plateau.value_and_grad, cfgs, [plateau.start] * 2, 500)
    assert np.linalg.norm(run.paths[0, -1] - run.paths[0, 0]) < 0.5 and run.losses[0, -1] > 0.99
    assert run.losses[1, -1] < 1e-6


# --- formulas without x or y ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [("1", 1.0), ("pi", math.pi), ("0x10", 16.0), ("x*0 + 2", 2.0)])
def test_a_constant_formula_is_a_flat_surface(text, value):
    surface = make_surface("custom", expression=text)
    assert surface.flat and "same value" in surface.notes
    values, grads = surface.value_and_grad(torch.tensor([[0.5, -1.0], [2.0, 2.0]], dtype=torch.float64))
    np.testing.assert_allclose(values.numpy(), value)
    assert (grads == 0).all()
    run = run_batched(surface.value_and_grad, MIXED, [surface.start] * 6, 20)
    assert not run.diverged.any() and np.all(run.paths == run.paths[:, :1])  # nobody moves


@pytest.mark.parametrize("text, fragment", [
    ("1/0", "infinite everywhere"),
    ("log(-1)", "not a number everywhere"),
    ("exp(1e6)", "infinite everywhere"),
    ("log(-1 - x**2)", "not a number everywhere"),
    ("0x" + "f" * 298, "the number of about 359 digits is too large"),
    ("0x" + "f" * 300, "longer than 300 characters"),
    ("x**(64+1)", "the exponent 65 is too large"),
    ("x**(2*40)", "the exponent 80 is too large"),
    ("y**-(13*5)", "the exponent -65 is too large"),
    ("x**(pi*30)", "the exponent 94.2478 is too large"),
    ("x**exp(1e6)", "the exponent is not a finite number"),
])
def test_formulas_that_cannot_be_descended_are_refused_clearly(text, fragment):
    with pytest.raises(ExpressionError) as info:
        make_surface("custom", expression=text)
    assert fragment in str(info.value)


def test_exponents_within_the_limit_after_folding_are_fine():
    parsed = parse_expression("x**(60+4) + y**(2*3) + x**y")
    assert parsed.uses == frozenset({"x", "y"})


# --- batch size: the honest gap ---------------------------------------------------------------------------

def test_gap_to_the_normal_equations():
    data = regression.make_data(seed=0)
    optimum = regression.normal_equations(data)
    zero = regression.gap_to_optimum(data, optimum, optimum)
    assert zero.distance == 0 and abs(zero.loss_gap) < 1e-12
    run = regression.fit_minibatch(data, 200, lr=0.05, epochs=10)
    gap = regression.gap_to_optimum(data, run.path[-1], optimum)
    assert gap.distance == pytest.approx(np.linalg.norm(run.path[-1] - optimum))
    losses = regression.mse(data, np.stack([run.path[-1], optimum]))
    assert gap.loss_gap == pytest.approx(losses[0] - losses[1])
    # Ten full-batch epochs from (-1, 3) are far from the optimum, although every update improved on the last.
    assert gap.distance > 0.5 and gap.loss_gap > 0.1 and np.all(np.diff(run.full_loss) <= 0)
    assert math.isnan(regression.gap_to_optimum(data, [np.nan, np.nan], optimum).distance)


# --- numbers for people ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (7879000000000000.0, "7.879 × 10¹⁵"), (1.2e-9, "1.2 × 10⁻⁹"), (-3.5e7, "-3.5 × 10⁷"), (0.0, "0"),
    (0.012345, "0.01235"), (123.456, "123.5"), (12345.6, "12,346"), (float("nan"), "—"), (None, "—"),
    (float("inf"), "—"),
])
def test_format_number(value, text):
    assert format_number(value) == text


def test_format_vector():
    assert format_vector(np.array([1e-12, 2.5])) == "(1 × 10⁻¹², 2.5)"


def test_every_kind_is_inspectable():
    hits = inspect_step(BOWL.value_and_grad, [OptimizerConfig(k, 0.01) for k in KINDS], [BOWL.start] * 6, 3)
    assert [h.config.kind for h in hits] == list(KINDS)
