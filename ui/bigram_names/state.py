"""The bigram names page state in one serializable dataclass (mirrored in the URL)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BigramNamesState:
    first_year: int = field(default=2017, metadata={"min": 1880, "max": 2017})
    last_year: int = field(default=2017, metadata={"min": 1880, "max": 2017})
    min_count: int = field(default=0, metadata={"min": 0, "max": 100_000})
    smoothing: float = field(default=1.0, metadata={"min": 0.0, "max": 10.0})
    row: str = "."  # the heatmap row whose next-character distribution is shown
    temperature: float = field(default=1.0, metadata={"min": 0.05, "max": 3.0})
    top_k: int = field(default=0, metadata={"min": 0, "max": 200})  # 0 = off
    seed: int = field(default=42, metadata={"min": 0, "max": 2**31 - 1})
    n: int = field(default=20, metadata={"min": 1, "max": 500})
    block_size: int = field(default=3, metadata={"min": 1, "max": 16})
    n_embd: int = field(default=10, metadata={"min": 1, "max": 64})
    n_hidden: int = field(default=200, metadata={"min": 1, "max": 1024})
    batchnorm: bool = False
    mlp_steps: int = field(default=30_000, metadata={"min": 100, "max": 400_000})
    batch_size: int = field(default=32, metadata={"min": 1, "max": 4096})
    lr: float = field(default=0.1, metadata={"min": 1e-4, "max": 10.0})
    bigram_steps: int = field(default=300, metadata={"min": 1, "max": 20_000})
    bigram_lr: float = field(default=50.0, metadata={"min": 0.01, "max": 500.0})
    regularization: float = field(default=0.01, metadata={"min": 0.0, "max": 10.0})
