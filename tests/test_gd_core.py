"""Surfaces, the one-weight view, regime naming, regression, LR finder and URL state."""


import numpy as np
import pytest
import torch

from core.gradient_descent import one_weight, regression
from core.gradient_descent.lr_finder import log_grid, lr_sweep
from core.gradient_descent.optimizers import OptimizerConfig, autograd_value_and_grad
from core.gradient_descent.regime import classify_trajectory, quadratic_regime
from ui.gradient_descent.state import LR_GRID, GradientDescentState
from core.gradient_descent.surfaces import SURFACE_KEYS, make_surface
from core.urlstate import from_query_params, to_query_params

BUILTIN = [k for k in SURFACE_KEYS if k != "custom"]


@pytest.mark.parametrize("key", BUILTIN)
def test_known_minima_are_minima(key):
    surface = make_surface(key, condition=25.0)
    pts = torch.tensor(surface.minima, dtype=torch.float64)
    values, grads = surface.value_and_grad(pts)
    np.testing.assert_allclose(values.numpy(), surface.min_value, atol=1e-9)
    assert grads.norm(dim=1).max() < 1e-4
    # The grid never goes below the known minimum value.
    assert surface.grid(120)[2].min() >= surface.min_value - 1e-12


@pytest.mark.parametrize("key", BUILTIN)
def test_gradients_match_finite_differences(key):
    surface = make_surface(key, condition=7.0)
    rng = np.random.default_rng(1)
    lo = np.array([surface.x_range[0], surface.y_range[0]])
    hi = np.array([surface.x_range[1], surface.y_range[1]])
    pts = torch.tensor(lo + (hi - lo) * rng.random((8, 2)), dtype=torch.float64)
    _, grads = surface.value_and_grad(pts)
    h = 1e-6
    for d in range(2):
        step = torch.zeros(2, dtype=torch.float64)
        step[d] = h
        fd = (surface.fn(*(pts + step).T) - surface.fn(*(pts - step).T)) / (2 * h)
        np.testing.assert_allclose(grads[:, d].numpy(), fd.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("key", BUILTIN)
def test_hand_written_gradients_equal_autograd(key):
    """Every built-in surface's written-out f and gradient against autograd on its own ``fn``,
    inside the square, far outside it, and at the points where terms vanish."""
    surface = make_surface(key, condition=13.0)
    assert surface.analytic is not None
    rng = np.random.default_rng(7)
    pts = np.concatenate([rng.uniform(-6, 6, (64, 2)), rng.uniform(-300, 300, (16, 2)),
                          [[0.0, 0.0], [1.0, 1.0], [-1.0, 0.5], *surface.minima]])
    pts = torch.tensor(pts, dtype=torch.float64)
    values, grads = surface.value_and_grad(pts)
    expected_values, expected_grads = autograd_value_and_grad(lambda p: surface.fn(p[:, 0], p[:, 1]), pts)
    np.testing.assert_allclose(values.numpy(), expected_values.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads.numpy(), expected_grads.numpy(), rtol=1e-10, atol=1e-9)


def test_a_formula_goes_through_autograd():
    surface = make_surface("custom", expression="sin(x) * y**3")
    assert surface.analytic is None
    pts = torch.tensor([[0.3, -1.2], [2.0, 0.5]], dtype=torch.float64)
    _, grads = surface.value_and_grad(pts)
    x, y = pts[:, 0], pts[:, 1]
    np.testing.assert_allclose(grads.numpy(), torch.stack((torch.cos(x) * y**3, 3 * torch.sin(x) * y**2), -1).numpy())


def test_condition_number_is_the_curvature_ratio():
    bowl = make_surface("quadratic", condition=50.0)
    p = torch.zeros(2, dtype=torch.float64)
    hess = torch.autograd.functional.hessian(lambda v: bowl.fn(v[0], v[1]), p)
    eig = torch.linalg.eigvalsh(hess)
    assert float(eig.max() / eig.min()) == pytest.approx(50.0)


@pytest.mark.parametrize("lr", [0.01, 0.05, 0.3, 0.9, 1.0, 1.3, 1.9, 2.0, 2.1, 5.0, 10.0])
def test_trajectory_regime_agrees_with_the_exact_quadratic_answer(lr):
    loss = one_weight.quadratic_loss(curvature=1.0)
    run = one_weight.descend(loss, w0=-1.5, lr=lr, steps=40)
    named = classify_trajectory(run.paths[0, :, 0], run.grad_norms[0], run.losses[0]).name
    assert named == quadratic_regime(lr, 1.0, 40)


def test_regime_names_cover_all_four_cases():
    assert quadratic_regime(0.01, 1.0, 40) == "slow"
    assert quadratic_regime(0.5, 1.0, 40) == "converging"
    assert quadratic_regime(1.5, 1.0, 40) == "oscillating"
    assert quadratic_regime(2.5, 1.0, 40) == "diverging"


def test_critical_lr_and_divergence_of_the_quadratic():
    loss = one_weight.quadratic_loss(curvature=4.0)
    assert loss.critical_lr() == pytest.approx(0.5)
    assert not one_weight.descend(loss, -1.0, 0.49, 200).diverged[0]
    assert one_weight.descend(loss, -1.0, 0.51, 2000).diverged[0]


def test_double_well_curvature_and_tangent():
    loss = one_weight.double_well_loss(tilt=0.3)
    assert loss.second_derivative(0.0) == pytest.approx(-4.0)  # d2/dw2 (w^2-1)^2 = 12 w^2 - 4
    assert loss.critical_lr(1.0) == pytest.approx(2 / 8.0)
    ws, ls, slope = one_weight.tangent(loss, 0.5, 0.1)
    assert slope == pytest.approx(4 * 0.5 * (0.25 - 1) + 0.3)
    assert (ls[1] - ls[0]) / (ws[1] - ws[0]) == pytest.approx(slope)


def test_normal_equations_and_minibatch_convergence():
    data = regression.make_data(n=200, w=2.0, b=-1.0, noise=0.5, seed=3)
    theta = regression.normal_equations(data)
    X = np.stack([data.x, np.ones_like(data.x)], 1)
    np.testing.assert_allclose(theta, np.linalg.lstsq(X, data.y, rcond=None)[0], rtol=1e-10)
    assert abs(theta[0] - 2.0) < 0.2 and abs(theta[1] + 1.0) < 0.3
    full = regression.fit_minibatch(data, 200, lr=0.1, epochs=300)
    sgd = regression.fit_minibatch(data, 1, lr=0.01, epochs=5)
    assert len(full.batch_loss) == 300 and len(sgd.batch_loss) == 1000 and sgd.updates_per_epoch == 200
    np.testing.assert_allclose(full.path[-1], theta, atol=1e-3)
    assert np.abs(sgd.path[-1] - theta).max() < 0.15
    # Single-example losses jump around far more than full-batch ones.
    assert np.std(np.diff(np.log(sgd.batch_loss[-200:]))) > 10 * np.std(np.diff(np.log(full.batch_loss[-200:])))
    optimum_loss = regression.mse(data, theta[None])[0]
    assert full.full_loss[-1] >= optimum_loss - 1e-12


def test_minibatch_divergence_is_reported_not_raised():
    data = regression.make_data(seed=0)
    run = regression.fit_minibatch(data, 200, lr=2.0, epochs=50)
    assert run.diverged_at > 0
    assert np.isnan(run.path[-1]).all() and np.isfinite(run.path[0]).all()


def test_lr_sweep_finds_the_quadratic_sweet_spot():
    bowl = make_surface("quadratic", condition=10.0)
    sweep = lr_sweep(bowl.value_and_grad, OptimizerConfig("gd", 0.1), (1.0, 1.0), log_grid(1e-4, 10, 41), 50)
    # GD diverges above 2/kappa = 0.2 and is best near 1/kappa..2/(1+kappa).
    assert sweep.diverged[sweep.lrs > 0.3].all() and not sweep.diverged[sweep.lrs < 0.19].any()
    growing = (sweep.lrs > 0.21) & (sweep.lrs < 0.3)
    assert growing.any() and (sweep.final_loss[growing] > sweep.initial_loss).all()
    assert 0.1 <= sweep.best_lr <= 0.2
    assert sweep.region[0] <= sweep.best_lr <= sweep.region[1] < 0.21


def test_state_round_trips_through_the_url_and_clamps_bad_values():
    state = GradientDescentState(surface="beale", optimizers=["adam", "gd"], lr_adam=0.3, start_x=2.5,
                            expression="x**2 + sin(y)")
    back, messages = from_query_params(GradientDescentState, to_query_params(state))
    assert back == state and messages == []
    hostile = {"surface": "mars", "lr_gd": "1e9", "optimizers": "adam,rm -rf", "steps": "lots"}
    back, messages = from_query_params(GradientDescentState, hostile)
    assert back.surface == "rosenbrock" and back.lr_gd == 10.0 and back.steps == 500
    assert len(messages) == 4


def test_snapped_puts_values_on_slider_grids():
    state = GradientDescentState(lr_1d=0.37, lr_gd=3e-4 * 1.1, condition=33.0, batch_size=20,
                            optimizers=["adam", "gd", "adam"]).snapped()
    assert (state.lr_1d, state.lr_gd, state.condition, state.batch_size) == (0.3, 3e-4, 50.0, 16)
    assert state.lr_1d in LR_GRID and state.optimizers == ["gd", "adam"]


def test_double_well_regimes_are_named_from_the_run():
    loss = one_weight.double_well_loss()

    def regime(lr):
        run = one_weight.descend(loss, w0=1.6, lr=lr, steps=60)
        return classify_trajectory(run.paths[0, :, 0], run.grad_norms[0], run.losses[0]).name

    # Near the right-hand minimum (w ≈ 0.96) the curvature is about 7, so 2/7 ≈ 0.28 is the local limit.
    assert regime(0.0005) == "slow"
    assert regime(0.05) == "converging"
    assert regime(0.2) == "oscillating"
    assert regime(1.0) == "diverging"


def test_view_range_follows_the_steps_but_not_forever():
    loss = one_weight.quadratic_loss(1.0)
    assert one_weight.view_range(loss, [0.0, 1.0]) == loss.w_range
    lo, hi = one_weight.view_range(loss, [-1.5, 5.0, float("nan")])
    assert lo < -1.5 and hi > 5.0
    lo, hi = one_weight.view_range(loss, [1e9])
    assert hi - lo == pytest.approx(8 * (loss.w_range[1] - loss.w_range[0]))


def test_decimated_loss_curves_keep_every_stretch_s_extremes():
    from ui.gradient_descent.svg_plot import decimate
    x = np.arange(2001.0)
    y = np.exp(-x / 300) * (1 + 0.5 * np.sin(x))  # an oscillating, decaying loss
    y[1500:1510] = np.nan  # a gap (not a number) inside one stretch
    dx, dy = decimate(x, y, buckets=100)
    assert len(dx) <= 200 and (np.diff(dx) > 0).all()
    for a, b in zip(np.linspace(0, 2001, 101).astype(int)[:-1], np.linspace(0, 2001, 101).astype(int)[1:]):
        inside = (dx >= a) & (dx < b)
        assert np.nanmax(y[a:b]) in dy[inside] and np.nanmin(y[a:b]) in dy[inside]
    short = np.arange(50.0)
    assert decimate(short, short, buckets=100)[0] is short  # short series are drawn whole


def test_log_axis_ticks_are_powers_of_ten():
    from ui.gradient_descent.svg_plot import log_ticks
    assert log_ticks(-3, 1) == [(-3.0, "10⁻³"), (-2.0, "10⁻²"), (-1.0, "10⁻¹"), (0.0, "1"), (1.0, "10")]
    many = log_ticks(-16, 12)
    assert len(many) <= 8 and all(t == int(t) for t, _ in many) and ("1" in [label for _, label in many])
