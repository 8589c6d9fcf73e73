"""Backpropagation by hand for the two-layer sigmoid network of the source article (003).

The network is ``Z1 = X W1ᵀ + b1``, ``A1 = σ(Z1)``, ``Z2 = A1 W2ᵀ + b2``, ``A2 = σ(Z2)`` with
binary cross-entropy summed over the outputs and averaged over the N examples. The chain rule
gives ``∂Z2 = A2 - Y``, ``∂W2 = ∂Z2ᵀ A1 / N``, ``∂b2 = mean₀ ∂Z2``, ``∂Z1 = ∂Z2 W2 · A1 (1 - A1)``,
``∂W1 = ∂Z1ᵀ X / N`` and ``∂b1 = mean₀ ∂Z1``. `gradient_check` compares these with autograd.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def two_layer_forward(params: dict, x: torch.Tensor) -> dict:
    """Activations of every layer (weights as ``(n_out, n_in)``, the article's layout)."""
    z1 = x @ params["W1"].T + params["b1"]
    a1 = torch.sigmoid(z1)
    z2 = a1 @ params["W2"].T + params["b2"]
    return {"Z1": z1, "A1": a1, "Z2": z2, "A2": torch.sigmoid(z2)}


def two_layer_loss(params: dict, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy, summed over outputs and averaged over examples (from the logits)."""
    z2 = two_layer_forward(params, x)["Z2"]
    per_output = torch.nn.functional.binary_cross_entropy_with_logits(z2, y, reduction="none")
    return per_output.sum(1).mean()


def two_layer_gradients(params: dict, x: torch.Tensor, y: torch.Tensor) -> dict:
    """The hand-derived gradients of `two_layer_loss` with respect to W1, b1, W2, b2."""
    n = x.shape[0]
    acts = two_layer_forward(params, x)
    dz2 = acts["A2"] - y
    dz1 = (dz2 @ params["W2"]) * acts["A1"] * (1 - acts["A1"])
    return {"W2": dz2.T @ acts["A1"] / n, "b2": dz2.mean(0), "W1": dz1.T @ x / n, "b1": dz1.mean(0)}


def init_two_layer(n_inputs: int, n_hidden: int, n_outputs: int = 1, seed: int = 0,
                   dtype=torch.float64) -> dict:
    """Standard-normal parameters as in the article (``torch.randn``), seeded."""
    gen = torch.Generator().manual_seed(seed)
    shapes = {"W1": (n_hidden, n_inputs), "b1": (n_hidden,), "W2": (n_outputs, n_hidden), "b2": (n_outputs,)}
    return {k: torch.randn(*s, generator=gen, dtype=dtype) for k, s in shapes.items()}


@dataclass
class GradientCheck:
    max_abs_diff: dict  # per parameter
    tolerance: float

    @property
    def worst(self) -> float:
        return max(self.max_abs_diff.values())

    @property
    def passed(self) -> bool:
        return self.worst <= self.tolerance


def gradient_check(x: torch.Tensor, y: torch.Tensor, n_hidden: int = 4, seed: int = 0,
                   tolerance: float = 1e-6) -> GradientCheck:
    """Hand gradients vs autograd on ``x, y`` in float64; passes when every entry agrees to ``tolerance``."""
    x = x.detach().to(torch.float64).cpu()
    y = y.detach().to(torch.float64).cpu().reshape(len(x), -1)
    params = init_two_layer(x.shape[1], n_hidden, y.shape[1], seed)
    hand = two_layer_gradients(params, x, y)
    leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
    two_layer_loss(leaves, x, y).backward()
    diffs = {k: float((hand[k] - leaves[k].grad).abs().max()) for k in params}
    return GradientCheck(diffs, tolerance)
