"""Batch, mini-batch and stochastic gradient descent on linear regression y = w x + b.

The closed-form least-squares answer (normal equations, XᵀX θ = Xᵀy) is the target every
gradient run should approach. Gradients of the mean squared error are derived by hand,
2/B · Xᵀ(Xθ − y), as in the seed article. Each epoch shuffles the examples (the "stochastic"
part) and cuts them into batches of ``batch_size``; the last batch may be smaller.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.gradient_descent.optimizers import default_dtype


@dataclass(frozen=True)
class RegressionData:
    x: np.ndarray  # (N,)
    y: np.ndarray  # (N,)
    true_w: float
    true_b: float

    def design(self, dtype=torch.float64, device="cpu") -> tuple[torch.Tensor, torch.Tensor]:
        """X with a column of ones for the intercept, and y, as tensors."""
        x = torch.as_tensor(self.x, dtype=dtype, device=device)
        return torch.stack([x, torch.ones_like(x)], 1), torch.as_tensor(self.y, dtype=dtype, device=device)


def make_data(n: int = 200, w: float = 2.0, b: float = -1.0, noise: float = 0.5, seed: int = 0) -> RegressionData:
    """Noisy points around the line y = w x + b, x ~ N(1, 1)."""
    gen = torch.Generator().manual_seed(seed)
    x = 1.0 + torch.randn(n, generator=gen, dtype=torch.float64)
    y = w * x + b + noise * torch.randn(n, generator=gen, dtype=torch.float64)
    return RegressionData(x.numpy(), y.numpy(), w, b)


def normal_equations(data: RegressionData) -> np.ndarray:
    """The least-squares (w, b): solve XᵀX θ = Xᵀy."""
    X, y = data.design()
    return torch.linalg.solve(X.T @ X, X.T @ y).numpy()


def mse(data: RegressionData, thetas: np.ndarray) -> np.ndarray:
    """Mean squared error on all the data for each (w, b) row of ``thetas`` (any leading shape)."""
    X, y = data.design()
    t = torch.as_tensor(np.asarray(thetas, dtype=float))
    pred = t.reshape(-1, 2) @ X.T  # (M, N)
    return ((pred - y) ** 2).mean(1).reshape(t.shape[:-1]).numpy()


@dataclass
class MinibatchRun:
    batch_size: int
    path: np.ndarray  # (U + 1, 2) parameters after each update, NaN after divergence
    batch_loss: np.ndarray  # (U,) loss on the batch each update used (the noisy signal the optimizer sees)
    full_loss: np.ndarray  # (U + 1,) loss on all data after each update
    epoch_loss: np.ndarray  # (epochs + 1,) loss on all data at the end of each epoch
    updates_per_epoch: int
    diverged_at: int  # update index, -1 if none


def fit_minibatch(data: RegressionData, batch_size: int, lr: float, epochs: int, seed: int = 0,
                  theta0=(-1.0, 3.0), device="cpu") -> MinibatchRun:
    """Mini-batch GD (batch_size = N is batch GD, 1 is SGD); stops early once it diverges."""
    dtype = default_dtype(device)
    X, y = data.design(dtype, device)
    n = X.shape[0]
    bs = int(min(max(1, batch_size), n))
    gen = torch.Generator().manual_seed(seed)  # shuffles drawn on the CPU: the same order on any device
    theta = torch.tensor(theta0, dtype=dtype, device=device)
    path, batch_losses = [theta], []
    diverged_at = -1
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen).to(X.device)
        for start in range(0, n, bs):
            idx = order[start:start + bs]
            Xb, yb = X[idx], y[idx]
            err = Xb @ theta - yb
            batch_losses.append((err * err).mean())
            theta = theta - lr * (2.0 / len(idx)) * (Xb.T @ err)
            path.append(theta)
        if not bool(torch.isfinite(theta).all()) or float(theta.abs().max()) > 1e12:
            break
    P = torch.stack(path).cpu().double().numpy().copy()
    bl = torch.stack(batch_losses).cpu().double().numpy().copy()
    bad = ~np.isfinite(P).all(1) | (np.abs(P) > 1e12).any(1)
    if bad.any():
        diverged_at = int(np.argmax(bad))
        P[diverged_at:] = np.nan
        bl[max(diverged_at - 1, 0):] = np.nan
    full = mse(data, np.nan_to_num(P, nan=0.0))
    full[np.isnan(P).any(1)] = np.nan
    per_epoch = -(-n // bs)
    epoch_idx = np.arange(0, len(P), per_epoch)
    return MinibatchRun(bs, P, bl, full, full[epoch_idx], per_epoch, diverged_at)


@dataclass(frozen=True)
class Gap:
    """How far a fit is from the least-squares answer: in parameters, and in loss."""

    distance: float  # Euclidean distance from (w, b) to the normal-equations (w, b)
    loss_gap: float  # its mean squared error minus the optimum's (>= 0 up to rounding)


def gap_to_optimum(data: RegressionData, theta, optimum) -> Gap:
    """The `Gap` of parameters ``theta`` (NaN for a diverged run)."""
    theta = np.asarray(theta, dtype=float)
    if not np.isfinite(theta).all():
        return Gap(float("nan"), float("nan"))
    loss, best = mse(data, np.stack([theta, np.asarray(optimum, dtype=float)]))
    return Gap(float(np.linalg.norm(theta - optimum)), float(loss - best))


def loss_landscape(data: RegressionData, center, half_w: float = 3.5, half_b: float = 4.5, n: int = 80):
    """(ws, bs, Z) with Z[i, j] the MSE at (ws[j], bs[i]), for a contour around ``center``."""
    ws = np.linspace(center[0] - half_w, center[0] + half_w, n)
    bs = np.linspace(center[1] - half_b, center[1] + half_b, n)
    return ws, bs, mse(data, np.stack(np.meshgrid(ws, bs), -1))
