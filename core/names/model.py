"""What the layered name models (MLP, WaveNet) share: a list of layers applied in order, readable
layer names for the diagnostics, evaluation-mode logits for sampling, and the 2-D view of the
character embeddings.

A model takes ``(B, block_size)`` character indices and returns ``(B, |V|)`` logits. It has no
diagnostics code of its own: `core.names.diagnostics` attaches forward hooks to the activation
layers only on the steps it records, so training without diagnostics runs the bare layers. (A
layer's forward hooks always run; its backward hooks are not supported: `forward` calls a layer
without hooks directly, which saves most of the Python cost of a step.)
"""

from __future__ import annotations

from dataclasses import asdict

import torch
from torch import nn

from core.names.data import Vocabulary
from core.names.layers import BatchNorm1d, Embedding, FlattenConsecutive, Linear, ReLU, Tanh

_KIND_NAMES = {Embedding: "embedding", FlattenConsecutive: "flatten", Linear: "linear", BatchNorm1d: "batchnorm",
               Tanh: "tanh", ReLU: "relu"}


class NameModel(nn.Module):
    """Base class: subclasses set ``kind``, build ``self.layers`` and keep their config dataclass."""

    kind = "model"

    def __init__(self, vocab: Vocabulary, config, block_size: int):
        super().__init__()
        self.vocab = vocab
        self.config = config
        self.block_size = int(block_size)
        self.layers = nn.ModuleList()

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        x = context
        for layer in self.layers:
            # nn.Module.__call__ costs about as much as these layers' own work on a batch of 32:
            # go through it only when a forward hook (the diagnostics' Recorder) has to run.
            x = layer(x) if layer._forward_hooks or layer._forward_pre_hooks else layer.forward(x)
        return x

    @torch.no_grad()
    def logits(self, context: torch.Tensor) -> torch.Tensor:
        """Logits in evaluation mode (BatchNorm uses its running statistics), for sampling."""
        was_training = self.training
        self.eval()
        try:
            return self(context)
        finally:
            self.train(was_training)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def describe(self) -> dict:
        return {"kind": self.kind, **asdict(self.config), "parameters": self.num_parameters()}

    # --- names for the diagnostics ----------------------------------------------------------
    def layer_names(self) -> list[str]:
        """"embedding", "linear 1", "batchnorm 1", "tanh 1", ..., with the last linear "output"."""
        counts: dict[str, int] = {}
        names = []
        for layer in self.layers:
            kind = _KIND_NAMES.get(type(layer), type(layer).__name__.lower())
            counts[kind] = counts.get(kind, 0) + 1
            names.append(kind if kind in ("embedding", "flatten") else f"{kind} {counts[kind]}")
        last_linear = max(i for i, layer in enumerate(self.layers) if isinstance(layer, Linear))
        names[last_linear] = "output"
        return names

    def activation_layers(self) -> list[tuple[str, nn.Module]]:
        """The tanh / ReLU layers with their names, in order."""
        return [(name, layer) for name, layer in zip(self.layer_names(), self.layers)
                if isinstance(layer, (Tanh, ReLU))]

    def weight_parameters(self) -> list[tuple[str, nn.Parameter]]:
        """The 2-D parameters (embedding table and weight matrices) named like "linear 1 W (30×200)",
        the ones whose update-to-data ratio the lecture follows."""
        out = []
        for name, layer in zip(self.layer_names(), self.layers):
            for param in layer.parameters(recurse=False):
                if param.ndim == 2:
                    label = "C" if isinstance(layer, Embedding) else "W"
                    out.append((f"{name} {label} ({param.shape[0]}×{param.shape[1]})", param))
        return out

    # --- the embedding, for the page's scatter plot -------------------------------------------
    @torch.no_grad()
    def embedding_2d(self) -> tuple[torch.Tensor, str]:
        """Character embeddings in 2-D: as they are when there are two dimensions, else their first
        two principal components; returns the points and how they were obtained."""
        C = self.layers[0].weight.detach().float().cpu()
        if C.shape[1] <= 2:
            pts = C if C.shape[1] == 2 else torch.cat([C, torch.zeros_like(C)], 1)
            return pts, "raw embedding"
        centered = C - C.mean(0, keepdim=True)
        _, S, Vh = torch.linalg.svd(centered, full_matrices=False)
        share = float((S[:2] ** 2).sum() / (S**2).sum().clamp_min(1e-12))
        return centered @ Vh[:2].T, f"PCA, {share:.0%} of variance"
