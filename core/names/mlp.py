"""The MLP language model of Bengio et al. (2003) as built in makemore parts 2 and 3:
embedding table C -> concatenated context -> hidden layers (Linear [-> BatchNorm] -> tanh/ReLU)
-> output logits.

The switches are the fixes part 3 applies, so the diagnostics can show each one's effect:
- ``init="kaiming"``: hidden weights times gain / sqrt(fan_in) (gain 5/3 for tanh, sqrt 2 for
  ReLU), small hidden biases, output weights times 0.01 and output bias 0, so the first logits are
  near-uniform (loss ln 27 ≈ 3.30) and the tanh units start unsaturated;
  ``init="randn"``: part 2's plain ``randn`` everywhere (first loss ≈ 20, many saturated units);
- ``batchnorm``: a BatchNorm1d after each hidden Linear (whose bias it makes redundant, so the
  Linear has none); evaluation and sampling use the running statistics;
- ``n_layers``: how many hidden layers.

With the defaults (context 3, embedding 10, one layer of 200 tanh units) the parameters are
makemore's C 27×10, W1 30×200, b1, W2 200×27, b2: 11,897 for 27 characters, drawn from the
lecture's generator seed in the lecture's order.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.names.data import Vocabulary
from core.names.layers import ACTIVATIONS, GAINS, BatchNorm1d, Embedding, FlattenConsecutive, Linear
from core.names.model import NameModel

INITS = ("kaiming", "randn")


@dataclass
class CharMLPConfig:
    block_size: int = 3  # characters of context
    n_embd: int = 10  # embedding dimensions per character
    n_hidden: int = 200  # units per hidden layer
    n_layers: int = 1  # hidden layers
    activation: str = "tanh"  # "tanh" or "relu"
    batchnorm: bool = False
    init: str = "kaiming"  # "kaiming": part 3's scaled init; "randn": part 2's plain randn
    bn_momentum: float = 0.001  # makemore part 3's running-statistics update
    seed: int = 2147483647  # makemore's generator seed for the parameters

    def __post_init__(self):
        for name in ("block_size", "n_embd", "n_hidden", "n_layers"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}")


class MLP(NameModel):
    kind = "mlp"

    def __init__(self, vocab: Vocabulary, config: CharMLPConfig | None = None):
        cfg = config or CharMLPConfig()
        super().__init__(vocab, cfg, cfg.block_size)
        g = torch.Generator().manual_seed(cfg.seed)
        kaiming = cfg.init == "kaiming"
        self.layers.append(Embedding(vocab.size, cfg.n_embd, g))
        self.layers.append(FlattenConsecutive(cfg.block_size))
        fan_in = cfg.block_size * cfg.n_embd
        for _ in range(cfg.n_layers):
            scale = GAINS[cfg.activation] / fan_in**0.5 if kaiming else 1.0
            self.layers.append(Linear(fan_in, cfg.n_hidden, g, bias=not cfg.batchnorm, weight_scale=scale,
                                      bias_scale=0.01 if kaiming else 1.0))
            if cfg.batchnorm:
                self.layers.append(BatchNorm1d(cfg.n_hidden, momentum=cfg.bn_momentum))
            self.layers.append(ACTIVATIONS[cfg.activation]())
            fan_in = cfg.n_hidden
        self.layers.append(Linear(fan_in, vocab.size, g, weight_scale=0.01 if kaiming else 1.0,
                                  bias_scale=0.0 if kaiming else 1.0))
