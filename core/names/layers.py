"""The building blocks of the name models, in makemore's spirit: small layers with the lecture's
names and weight layout, composed in a list and applied one after another.

Weights are stored as in the lectures (``W`` is ``fan_in x fan_out`` and a layer computes
``x @ W + b``), and every layer draws its initial values from one seeded generator in
construction order, so a config and a seed give the same model every time.

Two choices that differ from a literal copy of the lecture code, both for speed and both with
the same mathematics:
- `Linear` on a 2-D input uses one fused ``addmm`` (bias + x @ W) instead of a product and an add;
- `BatchNorm1d` calls torch's fused ``batch_norm`` on a ``(-1, C)`` view, which normalises over
  every dimension but the last, exactly what makemore part 5's hand-written layer does for both
  ``(B, C)`` and ``(B, T, C)`` inputs. One detail differs: torch normalises a training batch with
  its biased variance, the lecture with the unbiased one (a factor sqrt(B/(B-1)), 1.6% at batch
  32 and 0.4% over the 128 positions of WaveNet's first level); the running variance is the
  unbiased one in both.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Embedding(nn.Module):
    """A lookup table: character index -> a learned vector (makemore's ``C``)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, generator: torch.Generator):
        super().__init__()
        self.weight = nn.Parameter(torch.randn((num_embeddings, embedding_dim), generator=generator))

    def forward(self, ix: torch.Tensor) -> torch.Tensor:
        return self.weight[ix]


class FlattenConsecutive(nn.Module):
    """``(B, T, C) -> (B, T / n, C * n)``: fuse each run of ``n`` neighbouring positions into one
    vector. A result with one position left is squeezed to ``(B, C * n)``, so
    ``FlattenConsecutive(block_size)`` is the MLP's plain flatten."""

    def __init__(self, n: int):
        super().__init__()
        self.n = int(n)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        if T == self.n:  # everything into one vector: a single view
            return x.view(B, T * C)
        if T % self.n:
            raise ValueError(f"cannot fuse {T} positions in groups of {self.n}")
        return x.view(B, T // self.n, C * self.n)

    def extra_repr(self) -> str:
        return f"n={self.n}"


class Linear(nn.Module):
    """``x @ W + b``; ``W`` is drawn from randn and multiplied by ``weight_scale`` (the init
    switch lives in the model that chooses the scales), ``b`` likewise by ``bias_scale``."""

    def __init__(self, fan_in: int, fan_out: int, generator: torch.Generator, *, bias: bool = True,
                 weight_scale: float = 1.0, bias_scale: float = 0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn((fan_in, fan_out), generator=generator) * weight_scale)
        self.bias = nn.Parameter(torch.randn(fan_out, generator=generator) * bias_scale) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bias is None:
            return x @ self.weight
        if x.dim() == 2:
            return torch.addmm(self.bias, x, self.weight)
        return x @ self.weight + self.bias

    def extra_repr(self) -> str:
        return f"{self.weight.shape[0]} -> {self.weight.shape[1]}, bias={self.bias is not None}"


class BatchNorm1d(nn.Module):
    """Normalise each feature (the last dimension) over the batch, then scale by ``gamma`` and
    shift by ``beta``. In training mode it uses the batch's statistics and updates the running
    ones (``running = (1 - momentum) * running + momentum * batch``); in eval mode (evaluation,
    sampling) it uses the running statistics only, so one example gives the same output alone
    as inside any batch."""

    def __init__(self, dim: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.gamma = nn.Parameter(torch.ones(dim))
        self.beta = nn.Parameter(torch.zeros(dim))
        self.register_buffer("running_mean", torch.zeros(dim))
        self.register_buffer("running_var", torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, x.shape[-1])
        out = F.batch_norm(flat, self.running_mean, self.running_var, self.gamma, self.beta,
                           self.training, self.momentum, self.eps)
        return out.view(x.shape)

    def extra_repr(self) -> str:
        return f"{self.gamma.shape[0]}, momentum={self.momentum:g}, eps={self.eps:g}"


class Tanh(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x)


class ReLU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x)


ACTIVATIONS = {"tanh": Tanh, "relu": ReLU}
GAINS = {"tanh": 5 / 3, "relu": 2**0.5}  # Kaiming gains (torch.nn.init.calculate_gain)
