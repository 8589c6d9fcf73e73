"""The MLP language model of Bengio et al. (2003) as built in makemore:
embedding table C -> concatenated context -> tanh hidden layer (optionally batch-normed) -> logits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from core.names.data import Vocabulary


@dataclass
class CharMLPConfig:
    block_size: int = 3  # characters of context
    n_embd: int = 10  # embedding dimensions per character
    n_hidden: int = 200  # tanh units
    batchnorm: bool = False
    init: str = "kaiming"  # "kaiming": makemore part 3's scaled init; "randn": part 2's plain randn
    seed: int = 2147483647  # makemore's generator seed for the parameters

    def __post_init__(self):
        for name in ("block_size", "n_embd", "n_hidden"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.init not in ("kaiming", "randn"):
            raise ValueError("init must be 'kaiming' or 'randn'")


class MLP(nn.Module):
    """Parameters named as in makemore: C (|V| x n_embd), W1, b1, W2, b2 (+ BatchNorm)."""

    kind = "mlp"

    def __init__(self, vocab: Vocabulary, config: CharMLPConfig | None = None):
        super().__init__()
        self.vocab = vocab
        self.config = cfg = config or CharMLPConfig()
        self.block_size = cfg.block_size
        g = torch.Generator().manual_seed(cfg.seed)
        fan_in = cfg.block_size * cfg.n_embd
        self.C = nn.Parameter(torch.randn((vocab.size, cfg.n_embd), generator=g))
        W1 = torch.randn((fan_in, cfg.n_hidden), generator=g)
        b1 = torch.randn(cfg.n_hidden, generator=g)
        W2 = torch.randn((cfg.n_hidden, vocab.size), generator=g)
        b2 = torch.randn(vocab.size, generator=g)
        if cfg.init == "kaiming":
            # tanh gain 5/3 over sqrt(fan_in) keeps the hidden layer out of saturation; a tiny
            # output layer makes the first logits near-uniform (loss starts at ln|V|, not ~27)
            W1 *= (5 / 3) / fan_in**0.5
            b1 *= 0.01
            W2 *= 0.01
            b2 *= 0.0
        self.W1 = nn.Parameter(W1)
        self.W2 = nn.Parameter(W2)
        self.b2 = nn.Parameter(b2)
        if cfg.batchnorm:
            # the batch-norm shift replaces b1; makemore's running-stat momentum is 0.001
            self.bn = nn.BatchNorm1d(cfg.n_hidden, momentum=0.001)
            self.b1 = None
        else:
            self.bn = None
            self.b1 = nn.Parameter(b1)

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        emb = self.C[context]
        h_pre = emb.view(emb.shape[0], -1) @ self.W1
        h_pre = self.bn(h_pre) if self.bn is not None else h_pre + self.b1
        return torch.tanh(h_pre) @ self.W2 + self.b2

    @torch.no_grad()
    def logits(self, context: torch.Tensor) -> torch.Tensor:
        was_training = self.training
        self.eval()
        try:
            return self(context)
        finally:
            self.train(was_training)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def describe(self) -> dict:
        return {**asdict(self.config), "parameters": self.num_parameters()}

    @torch.no_grad()
    def embedding_2d(self) -> tuple[torch.Tensor, str]:
        """Character embeddings in 2-D: as they are when n_embd is 2, else their first two
        principal components; returns the points and how they were obtained."""
        C = self.C.detach().float()
        if C.shape[1] <= 2:
            pts = C if C.shape[1] == 2 else torch.cat([C, torch.zeros_like(C)], 1)
            return pts, "raw embedding"
        centered = C - C.mean(0, keepdim=True)
        _, S, Vh = torch.linalg.svd(centered, full_matrices=False)
        share = float((S[:2] ** 2).sum() / (S**2).sum().clamp_min(1e-12))
        return centered @ Vh[:2].T, f"PCA, {share:.0%} of variance"
