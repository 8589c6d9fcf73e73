"""The neural bigram: one-hot(current char) -> one linear layer (|V|x|V| weights) -> softmax.

Trained by full-batch gradient descent on the training bigrams with an optional L2 penalty on
the weights; the penalty plays the role of the counts model's smoothing. Without it the model
converges to the (unsmoothed) counts model, since exp(W) can represent any row of counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.names.data import Vocabulary


@dataclass
class NeuralBigramConfig:
    steps: int = 300
    lr: float = 50.0  # makemore: "-50 * W.grad"; a softmax over one-hot inputs tolerates it
    regularization: float = 0.01  # weight of mean(W**2) in the loss
    seed: int = 2147483647  # makemore's generator seed for W


class NeuralBigram(nn.Module):
    """logits = one_hot(x) @ W; the matrix product with a one-hot row is a row lookup."""

    block_size = 1
    kind = "bigram"

    def __init__(self, vocab: Vocabulary, config: NeuralBigramConfig | None = None):
        super().__init__()
        self.vocab = vocab
        self.config = config or NeuralBigramConfig()
        g = torch.Generator().manual_seed(self.config.seed)
        self.W = nn.Parameter(torch.randn((vocab.size, vocab.size), generator=g))

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        x = F.one_hot(context[:, -1], num_classes=self.vocab.size).float()
        return x @ self.W

    @torch.no_grad()
    def logits(self, context: torch.Tensor) -> torch.Tensor:
        return self.W[context[:, -1]]

    @torch.no_grad()
    def probs(self) -> torch.Tensor:
        """The learned |V|x|V| probability table, comparable with the counts model's."""
        return self.W.softmax(dim=1)

    def num_parameters(self) -> int:
        return self.W.numel()

    def describe(self) -> dict:
        return {"kind": self.kind, **asdict(self.config), "parameters": self.num_parameters()}
