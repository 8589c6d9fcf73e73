"""The scratch recipe's network as ``torch.nn.Sequential`` trained with ``torch.optim``.

`to_sequential` copies coefficients into ``nn.Linear`` layers (PyTorch stores weights as
``(n_out, n_in)``, so each is transposed); `make_optimizer` maps the recipe's optimizers onto
``torch.optim.SGD`` / ``SGD(momentum)`` / ``Adam``. From identical initial weights and the
same batches, `train_sequential` reproduces the scratch loss curve.
"""

from __future__ import annotations

import torch
from torch import nn

from core.mlp.recipe import MLPConfig, batch_indices, data_loss, penalty

_ACTIVATION_LAYERS = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.01), "tanh": nn.Tanh,
                      "sigmoid": nn.Sigmoid}


def to_sequential(coeffs, config: MLPConfig) -> nn.Sequential:
    """An ``nn.Sequential`` holding a copy of the coefficients (outputs are logits)."""
    weights, biases = coeffs
    layers: list[nn.Module] = []
    for i, (w, b) in enumerate(zip(weights, biases)):
        linear = nn.Linear(w.shape[0], w.shape[1], dtype=w.dtype, device=w.device)
        with torch.no_grad():
            linear.weight.copy_(w.detach().T)
            linear.bias.copy_(b.detach())
        layers.append(linear)
        if i != len(weights) - 1 and config.activation in _ACTIVATION_LAYERS:
            layers.append(_ACTIVATION_LAYERS[config.activation]())
    return nn.Sequential(*layers)


def sequential_coeffs(model: nn.Sequential):
    """The model's Linear layers as the recipe's ``(weights, biases)`` views (for penalties and export)."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return [m.weight.T for m in linears], [m.bias for m in linears]


def make_optimizer(model: nn.Module, config: MLPConfig) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=config.lr, betas=config.betas, eps=config.eps)
    momentum = config.momentum if config.optimizer == "momentum" else 0.0
    return torch.optim.SGD(model.parameters(), lr=config.lr, momentum=momentum)


def train_sequential(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor, config: MLPConfig,
                     epochs: int) -> list[float]:
    """Train with ``torch.optim`` using the recipe's loss, penalty and batch order; returns epoch losses."""
    optimizer = make_optimizer(model, config)
    gen = torch.Generator().manual_seed(int(config.seed) + 1)
    losses = []
    for _ in range(epochs):
        batches = batch_indices(len(x), config.batch_size, gen) or [torch.arange(len(x))]
        total = 0.0
        for idx in batches:
            optimizer.zero_grad()
            loss = data_loss(model(x[idx]), y[idx], config) + penalty(sequential_coeffs(model), config)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(idx)
        losses.append(total / len(x))
    return losses
