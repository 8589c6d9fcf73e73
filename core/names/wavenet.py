"""The hierarchical model of makemore part 5 ("WaveNet"-style): instead of squashing the whole
context into one layer, fuse neighbouring characters in pairs, level after level.

With a context of 8: embeddings (B, 8, e) -> FlattenConsecutive(2) -> (B, 4, 2e) -> Linear ->
BatchNorm -> tanh -> FlattenConsecutive(2) -> (B, 2, 2h) -> ... -> (B, h) -> output logits. Each
level halves the positions, so the context must be a power of two (log2(context) levels).

Initialisation as in the lecture: weights randn / sqrt(fan_in), no bias before a BatchNorm, the
output layer's weights times 0.1 (first logits near-uniform). With context 8, embedding 24 and
128 hidden units there are 76,579 parameters for 27 characters, as in the lecture.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.names.data import Vocabulary
from core.names.layers import BatchNorm1d, Embedding, FlattenConsecutive, Linear, Tanh
from core.names.model import NameModel


@dataclass
class WaveNetConfig:
    block_size: int = 8  # characters of context, a power of two
    n_embd: int = 24
    n_hidden: int = 128
    bn_momentum: float = 0.1  # the lecture's BatchNorm1d default
    seed: int = 42  # the lecture seeds torch with 42 before building the model

    def __post_init__(self):
        if self.block_size < 2 or self.block_size & (self.block_size - 1):
            raise ValueError("the WaveNet's context must be a power of two (2, 4, 8, 16, ...)")
        if self.n_embd < 1 or self.n_hidden < 1:
            raise ValueError("n_embd and n_hidden must be at least 1")

    @property
    def levels(self) -> int:
        return self.block_size.bit_length() - 1


class WaveNet(NameModel):
    kind = "wavenet"

    def __init__(self, vocab: Vocabulary, config: WaveNetConfig | None = None):
        cfg = config or WaveNetConfig()
        super().__init__(vocab, cfg, cfg.block_size)
        g = torch.Generator().manual_seed(cfg.seed)
        self.layers.append(Embedding(vocab.size, cfg.n_embd, g))
        width = cfg.n_embd
        for _ in range(cfg.levels):
            fan_in = 2 * width
            self.layers.append(FlattenConsecutive(2))
            self.layers.append(Linear(fan_in, cfg.n_hidden, g, bias=False, weight_scale=fan_in**-0.5))
            self.layers.append(BatchNorm1d(cfg.n_hidden, momentum=cfg.bn_momentum))
            self.layers.append(Tanh())
            width = cfg.n_hidden
        self.layers.append(Linear(width, vocab.size, g, weight_scale=0.1 * width**-0.5, bias_scale=0.0))
