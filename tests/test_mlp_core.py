"""The six-function recipe as a library: shapes, learning, options, hand gradients, nn.Sequential."""

import math

import pytest
import torch

from core.mlp import (MLPConfig, TrainingDiverged, TrainingRun, calc_loss, calc_preds, execute_epoch,
                      init_coeffs, model_accuracy, single_thread, train_model, update_coeffs)
from core.mlp.backprop import gradient_check, init_two_layer, two_layer_gradients
from core.mlp.data import playground_table
from core.mlp.sequential import to_sequential, train_sequential


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny tensors run fastest on one thread (and do not fight other processes for cores)."""
    with single_thread():
        yield


def _blobs(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = (torch.arange(n) % 2).float()
    x = torch.randn(n, 2, generator=g) + (y[:, None] * 2 - 1) * 2.5
    return x, y


def test_init_coeffs_shapes_and_grad_for_any_depth():
    for hiddens in ([], [3], [10, 10], [4] * 8):
        weights, biases = init_coeffs(5, hiddens, 3)
        sizes = [5, *hiddens, 3]
        assert [tuple(w.shape) for w in weights] == list(zip(sizes[:-1], sizes[1:]))
        assert [b.shape[0] for b in biases] == sizes[1:]
        assert all(p.requires_grad for p in [*weights, *biases])


def test_seed_makes_init_reproducible_and_different_seeds_differ():
    a = init_coeffs(2, [4], 1, config=MLPConfig(seed=3))[0][0]
    b = init_coeffs(2, [4], 1, config=MLPConfig(seed=3))[0][0]
    c = init_coeffs(2, [4], 1, config=MLPConfig(seed=4))[0][0]
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_calc_preds_heads():
    x = torch.randn(7, 2)
    binary = calc_preds(init_coeffs(2, [4], 1), x, MLPConfig())
    assert binary.shape == (7, 1) and ((binary > 0) & (binary < 1)).all()
    cfg = MLPConfig(task="multiclass", n_classes=3, loss="ce")
    probs = calc_preds(init_coeffs(2, [4], 3), x, cfg)
    assert probs.shape == (7, 3) and torch.allclose(probs.sum(1), torch.ones(7))


@pytest.mark.parametrize("loss", ["mae", "mse", "bce"])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_loss_decreases_and_accuracy_rises_on_separable_data(loss, optimizer):
    x, y = _blobs()
    cfg = MLPConfig(hiddens=[8], loss=loss, optimizer=optimizer, lr=0.5 if optimizer == "gd" else 0.05)
    coeffs = init_coeffs(2, cfg.hiddens, 1, config=cfg)
    before = float(calc_loss(coeffs, x, y, cfg).detach())
    history = []
    coeffs = train_model(x, y, epochs=60, config=cfg, coeffs=coeffs, history=history)
    assert history[-1] < before * 0.7
    assert model_accuracy(coeffs, x, y, cfg) > 0.95


def test_update_coeffs_steps_against_gradient_and_zeroes_it():
    coeffs = init_coeffs(2, [3], 1)
    x, y = _blobs(20)
    calc_loss(coeffs, x, y).backward()
    w0, g0 = coeffs[0][0].detach().clone(), coeffs[0][0].grad.clone()
    update_coeffs(coeffs, 0.1)
    assert torch.allclose(coeffs[0][0].detach(), w0 - 0.1 * g0)
    assert coeffs[0][0].grad is None


def test_regularization_shrinks_weights():
    x, y = _blobs()
    norms = {}
    for reg, rate in (("none", 0.0), ("l2", 0.05), ("l1", 0.02)):
        cfg = MLPConfig(hiddens=[8], loss="bce", optimizer="adam", lr=0.05, regularization=reg, reg_rate=rate)
        coeffs = train_model(x, y, epochs=150, config=cfg)
        norms[reg] = sum(float(w.detach().abs().sum()) for w in coeffs[0])
    assert norms["l2"] < norms["none"] and norms["l1"] < norms["none"]


def test_minibatch_and_stochastic_epochs_update_many_times():
    x, y = _blobs(64)
    for batch in (1, 16):
        cfg = MLPConfig(hiddens=[4], loss="bce", batch_size=batch, lr=0.05)
        coeffs = init_coeffs(2, [4], 1, config=cfg)
        w0 = coeffs[0][0].detach().clone()
        loss = execute_epoch(coeffs, cfg.lr, x, y, cfg, None, torch.Generator().manual_seed(0))
        assert math.isfinite(loss) and not torch.equal(w0, coeffs[0][0].detach())


def test_deep_net_learns_the_spiral():
    table = playground_table("spiral", ["x1", "x2"], n_points=400, noise=0.0, train_fraction=0.8, seed=1)
    cfg = MLPConfig(hiddens=[16, 16, 16], loss="bce", optimizer="adam", lr=0.01, batch_size=0, seed=0)
    coeffs = train_model(table.x_train, table.y_train, epochs=1200, config=cfg)
    assert model_accuracy(coeffs, table.x_train, table.y_train, cfg) > 0.97
    assert model_accuracy(coeffs, table.x_test, table.y_test, cfg) > 0.9


def test_multiclass_spiral_with_cross_entropy():
    table = playground_table("spiral", ["x1", "x2"], n_points=300, train_fraction=0.8, seed=2, n_classes=3)
    assert table.task == "multiclass" and table.n_classes == 3
    cfg = MLPConfig(hiddens=[16, 16], task="multiclass", n_classes=3, loss="ce", optimizer="adam", lr=0.02)
    coeffs = train_model(table.x_train, table.y_train, epochs=500, config=cfg)
    assert model_accuracy(coeffs, table.x_train, table.y_train, cfg) > 0.9


def test_regression_reports_r2():
    table = playground_table("plane", ["x1", "x2"], n_points=200, seed=0)
    cfg = MLPConfig(hiddens=[], task="regression", loss="mse", lr=0.01)
    coeffs = train_model(table.x_train, table.y_train, epochs=300, config=cfg)
    assert model_accuracy(coeffs, table.x_test, table.y_test, cfg) > 0.99


def test_divergence_is_reported_not_crashing():
    x, y = _blobs()
    x = x * 1e3
    cfg = MLPConfig(hiddens=[8, 8], loss="mse", task="regression", lr=1e3)
    with pytest.raises(TrainingDiverged, match="smaller|lower"):
        train_model(x, y, epochs=200, config=cfg)
    run = TrainingRun(cfg, x, y)
    run.advance(200)
    assert run.diverged and "learning rate" in run.diverged
    assert run.advance(5) == 0


def test_config_rejects_nonsense():
    with pytest.raises(ValueError):
        MLPConfig(activation="swish")
    with pytest.raises(ValueError):
        MLPConfig(task="regression", loss="bce")
    with pytest.raises(ValueError):
        MLPConfig(hiddens=[0])


def test_hand_gradients_match_autograd():
    x, y = _blobs(50)
    check = gradient_check(x, y, n_hidden=5, seed=0)
    assert check.passed and check.worst < 1e-6
    # a deliberately wrong derivative (missing the sigmoid' factor) must fail the same check
    params = init_two_layer(2, 5, 1, seed=0)
    grads = two_layer_gradients(params, x.double(), y.double()[:, None])
    wrong = grads["W1"] * 2
    assert float((wrong - grads["W1"]).abs().max()) > 1e-3


def test_multi_output_hand_gradients():
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(30, 4, generator=g), (torch.rand(30, 3, generator=g) > 0.5).double()
    assert gradient_check(x, y, n_hidden=6).passed


@pytest.mark.parametrize("optimizer,batch,reg", [("gd", 0, "none"), ("momentum", 16, "l2"), ("adam", 0, "l1")])
def test_scratch_equals_nn_sequential_with_torch_optim(optimizer, batch, reg):
    x, y = _blobs(64)
    x, y = x.double(), y.double()
    cfg = MLPConfig(hiddens=[6, 5], activation="tanh", loss="bce", optimizer=optimizer, lr=0.05,
                    batch_size=batch, regularization=reg, reg_rate=0.01 if reg != "none" else 0.0)
    coeffs = init_coeffs(2, cfg.hiddens, 1, config=cfg, dtype=torch.float64)
    model = to_sequential(coeffs, cfg)
    scratch = []
    train_model(x, y, epochs=25, config=cfg, coeffs=coeffs, history=scratch)
    torch_losses = train_sequential(model, x, y, cfg, epochs=25)
    assert scratch[-1] < scratch[0]
    assert torch.allclose(torch.tensor(scratch), torch.tensor(torch_losses), rtol=1e-9, atol=1e-10)


def test_training_run_records_history_and_thins():
    x, y = _blobs(40)
    run = TrainingRun(MLPConfig(hiddens=[4], loss="bce", lr=0.1), x[:30], y[:30], x[30:], y[30:])
    assert run.advance(10) == 10 and run.epoch == 10
    assert run.history["epoch"] == list(range(11)) and all(math.isfinite(v) for v in run.history["test_acc"])
    assert run.n_parameters == 2 * 4 + 4 + 4 + 1
    run.advance(190)
    assert run.history["epoch"][-3:] == [180, 190, 200]  # every 10 epochs past 100
