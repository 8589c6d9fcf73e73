"""Benchmark of the MLP recipe (`core.mlp`): epochs/s and time-to-accuracy.

1. Full-batch epochs per second of the recipe (autograd, [8, 8] tanh, BCE, plain GD) on the
   500-point spiral, against a faithful per-example pure-Python baseline: the same network, init,
   loss and update, written with Python floats and hand-derived backprop, looping over examples
   and neurons. Both are checked to produce the same loss curve before they are timed.
2. Time to reach a test accuracy on the same spiral split, [8, 8] tanh with Adam (lr 0.03,
   full batch), against scikit-learn's MLPClassifier with the same architecture, activation,
   optimizer, learning rate and batch, trained one epoch at a time with ``partial_fit``.
   Only training time counts; the accuracy checks between epochs are not timed. Because
   ``partial_fit`` re-checks its input on every call, scikit-learn is also timed as one plain
   ``fit`` for the epochs it needed, and the ratio uses its faster time.

Run: ``.venv/bin/python bench/mlp.py``. Torch runs on one intra-op thread (fastest for these
tiny matrices; see `core.mlp.single_thread`).
"""

from __future__ import annotations

import math
import os
import time
import warnings


import numpy as np
import torch

from core.mlp import MLPConfig, TrainingRun, execute_epoch, init_coeffs, model_accuracy
from core.mlp.data import playground_table

HIDDENS = [8, 8]
TARGET_ACC = float(os.environ.get("MLP_BENCH_TARGET", "0.95"))


def python_loop_epoch(params, xs, ys, lr):
    """One full-batch GD epoch of a tanh MLP with a sigmoid/BCE output, example by example."""
    weights, biases = params
    n = len(xs)
    gw = [[[0.0] * len(w[0]) for _ in w] for w in weights]
    gb = [[0.0] * len(b) for b in biases]
    total = 0.0
    for x, y in zip(xs, ys):
        acts = [x]
        for li, (w, b) in enumerate(zip(weights, biases)):
            prev = acts[-1]
            z = [b[j] + sum(prev[i] * w[i][j] for i in range(len(prev))) for j in range(len(b))]
            acts.append([math.tanh(v) for v in z] if li < len(weights) - 1 else z)
        logit = acts[-1][0]
        p = 1 / (1 + math.exp(-logit))
        total += max(logit, 0) - logit * y + math.log1p(math.exp(-abs(logit)))  # stable BCE with logits
        delta = [(p - y) / n]  # dL/dlogit for the mean loss
        for li in range(len(weights) - 1, -1, -1):
            prev = acts[li]
            for i in range(len(prev)):
                for j in range(len(delta)):
                    gw[li][i][j] += prev[i] * delta[j]
            for j in range(len(delta)):
                gb[li][j] += delta[j]
            if li > 0:
                w = weights[li]
                delta = [sum(w[i][j] * delta[j] for j in range(len(delta))) * (1 - prev[i] ** 2)
                         for i in range(len(prev))]
    for li, (w, b) in enumerate(zip(weights, biases)):
        for i in range(len(w)):
            for j in range(len(w[0])):
                w[i][j] -= lr * gw[li][i][j]
        for j in range(len(b)):
            b[j] -= lr * gb[li][j]
    return total / n


def bench_epochs_per_second(table) -> None:
    cfg = MLPConfig(hiddens=HIDDENS, activation="tanh", loss="bce", optimizer="gd", lr=0.1, seed=0)
    x, y = table.x_train.double(), table.y_train.double()
    coeffs = init_coeffs(2, HIDDENS, 1, config=cfg, dtype=torch.float64)
    params = ([w.detach().tolist() for w in coeffs[0]], [b.detach().tolist() for b in coeffs[1]])
    xs, ys = x.tolist(), y.tolist()
    # faithfulness: the same three epochs give the same losses
    ours = [execute_epoch(coeffs, cfg.lr, x, y, cfg) for _ in range(3)]
    base = [python_loop_epoch(params, xs, ys, cfg.lr) for _ in range(3)]
    print(f"baseline_max_loss_diff: {max(abs(a - b) for a, b in zip(ours, base)):.2e}")

    base_epochs, start = 0, time.perf_counter()
    while time.perf_counter() - start < 3.0:
        python_loop_epoch(params, xs, ys, cfg.lr)
        base_epochs += 1
    base_rate = base_epochs / (time.perf_counter() - start)

    run = TrainingRun(MLPConfig(hiddens=HIDDENS, activation="tanh", loss="bce", lr=0.1), table.x_train,
                      table.y_train)
    run.advance(50)  # warm-up
    ours_epochs, start = 0, time.perf_counter()
    while time.perf_counter() - start < 3.0:
        ours_epochs += run.advance(200)
    ours_rate = ours_epochs / (time.perf_counter() - start)
    print(f"points: {len(table.x_train)}")
    print(f"recipe_full_batch_epochs_per_s: {ours_rate:.0f}")
    print(f"python_loop_epochs_per_s: {base_rate:.1f}")
    print(f"ratio_vs_baseline: {ours_rate / base_rate:.1f}x")


def bench_time_to_accuracy(table) -> None:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    n, max_epochs = len(table.x_train), 20000
    run = TrainingRun(MLPConfig(hiddens=HIDDENS, activation="tanh", loss="bce", optimizer="adam", lr=0.03),
                      table.x_train, table.y_train, table.x_test, table.y_test)
    ours_time, ours_epochs = 0.0, None
    while run.epoch < max_epochs:
        start = time.perf_counter()
        run.advance(10)
        ours_time += time.perf_counter() - start
        if model_accuracy(run.coeffs, run.x_test, run.y_test, run.config) >= TARGET_ACC:
            ours_epochs = run.epoch
            break

    xtr, ytr = table.x_train.numpy(), table.y_train.numpy().astype(int)
    xte, yte = table.x_test.numpy(), table.y_test.numpy().astype(int)
    clf = MLPClassifier(hidden_layer_sizes=tuple(HIDDENS), activation="tanh", solver="adam",
                        learning_rate_init=0.03, batch_size=n, alpha=0.0, random_state=0)
    sk_time, sk_epochs, epoch = 0.0, None, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        while epoch < max_epochs:
            start = time.perf_counter()
            for _ in range(10):
                clf.partial_fit(xtr, ytr, classes=np.array([0, 1]))
            sk_time += time.perf_counter() - start
            epoch += 10
            if clf.score(xte, yte) >= TARGET_ACC:
                sk_epochs = epoch
                break
    fit_time, fit_acc = None, None
    if sk_epochs:  # partial_fit pays input checks every call; time one plain fit of the same epochs too
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fresh = MLPClassifier(hidden_layer_sizes=tuple(HIDDENS), activation="tanh", solver="adam",
                                  learning_rate_init=0.03, batch_size=n, alpha=0.0, random_state=0,
                                  max_iter=sk_epochs, tol=0.0, n_iter_no_change=sk_epochs + 1)
            start = time.perf_counter()
            fresh.fit(xtr, ytr)
            fit_time = time.perf_counter() - start
        fit_acc = fresh.score(xte, yte)
    print(f"target_test_accuracy: {TARGET_ACC}")
    print(f"recipe_epochs_to_target: {ours_epochs}")
    print(f"recipe_seconds_to_target: {ours_time:.3f}")
    print(f"sklearn_epochs_to_target: {sk_epochs}")
    print(f"sklearn_seconds_to_target: {sk_time:.3f}")
    if fit_time is not None:
        print(f"sklearn_single_fit_seconds_same_epochs: {fit_time:.3f} (test accuracy {fit_acc:.3f})")
    if ours_epochs and sk_epochs:
        best_sk = min(sk_time, fit_time) if fit_time is not None and fit_acc >= TARGET_ACC else sk_time
        print(f"ratio_time_to_accuracy_vs_sklearn: {best_sk / ours_time:.2f}x")
        print(f"recipe_ms_per_epoch: {ours_time / ours_epochs * 1e3:.3f}")
        print(f"sklearn_partial_fit_ms_per_epoch: {sk_time / sk_epochs * 1e3:.3f}")
        if fit_time is not None:
            print(f"sklearn_fit_ms_per_epoch: {fit_time / sk_epochs * 1e3:.3f}")
    else:
        print("ratio_time_to_accuracy_vs_sklearn: n/a (one side did not reach the target)")


def main() -> None:
    torch.set_num_threads(1)
    table = playground_table("spiral", ["x1", "x2"], n_points=1000, noise=0.0, train_fraction=0.5, seed=0)
    print(f"torch_threads: {torch.get_num_threads()}")
    bench_epochs_per_second(table)
    bench_time_to_accuracy(table)


if __name__ == "__main__":
    main()
