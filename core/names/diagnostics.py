"""Looking inside a network while it trains (makemore part 3): what the activations and their
gradients look like layer by layer, how many tanh units are saturated (or ReLU units dead), how
big each update is next to the weights it changes, and where the loss starts.

How it is measured. A `Recorder` attaches forward hooks to the model's activation layers (tanh
or ReLU) for one step only: each hook keeps the layer's output and asks autograd to keep its
gradient too. The training loop opens a recorder on the steps it samples
(`TrainConfig.diagnostics_every`) and on no other, so a run without diagnostics, and every
unsampled step of a run with them, executes the bare model.

The figures, for one minibatch:
- per activation layer: mean and standard deviation of the outputs and of their gradients,
  histograms of both (densities on fixed bins);
- tanh: the share of outputs with |t| > 0.97 (``saturated``; there the local gradient
  1 - t² is below 0.06, so the unit barely learns from that example) and the units saturated on
  every example of the batch (``dead``: for this batch, no gradient flows through them);
- ReLU: the share of zero outputs and the units that are zero on every example (``dead``);
- per weight matrix (and the embedding table): the update-to-data ratio
  log10(std(lr · grad) / std(W)), measured after the update as in the lecture. About -3 (an
  update changes the weights by a thousandth) is the lecture's rule of thumb; much lower learns
  slowly, much higher is unstable;
- the loss, whose value at the first step is compared with -log(1/|V|) = ln |V|, the loss of a
  model that gives every character the same probability (ln 27 ≈ 3.30).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

SATURATION = 0.97  # |tanh| above this counts as saturated (the lecture's threshold)
BINS = 40
GUIDE_RATIO = -3.0  # log10 of the lecture's ~1e-3 update-to-data ratio


def ideal_initial_loss(vocab_size: int) -> float:
    """-log(1/|V|): the loss when every next character is equally likely."""
    return math.log(vocab_size)


class Recorder:
    """Forward hooks on ``model``'s activation layers for the duration of a ``with`` block.

    ``outputs[name]`` holds each layer's output of the last forward pass; after ``backward()``,
    ``outputs[name].grad`` holds its gradient."""

    def __init__(self, model):
        self.model = model
        self.outputs: dict[str, torch.Tensor] = {}
        self.kinds: dict[str, str] = {}
        self._handles: list = []

    def __enter__(self) -> "Recorder":
        for name, layer in self.model.activation_layers():
            self.kinds[name] = name.split()[0]
            self._handles.append(layer.register_forward_hook(self._hook(name)))
        return self

    def _hook(self, name: str):
        def keep(module, inputs, output):
            if output.requires_grad:
                output.retain_grad()
            self.outputs[name] = output
        return keep

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()


def histogram(values: torch.Tensor, lo: float, hi: float, bins: int = BINS) -> dict:
    """Bin centres and densities (they integrate to 1) of ``values`` on ``bins`` equal bins."""
    values = values.detach().float().flatten().cpu()
    if not hi > lo:
        lo, hi = lo - 1e-12, lo + 1e-12
    counts = torch.histc(values, bins=bins, min=lo, max=hi)
    width = (hi - lo) / bins
    density = counts / max(float(counts.sum()) * width, 1e-30)
    centres = [lo + (i + 0.5) * width for i in range(bins)]
    return {"x": centres, "density": density.tolist()}


def activation_stats(name: str, kind: str, output: torch.Tensor) -> dict:
    """The figures of one activation layer's output (and of its gradient when it has one)."""
    t = output.detach().reshape(-1, output.shape[-1]).float()
    stats = {"layer": name, "kind": kind, "units": int(t.shape[1]), "mean": float(t.mean()),
             "std": float(t.std()) if t.numel() > 1 else 0.0}
    if kind == "tanh":
        saturated = t.abs() > SATURATION
        stats["saturated"] = float(saturated.float().mean())
        stats["dead"] = int(saturated.all(0).sum())
        stats["hist"] = histogram(t, -1.0, 1.0)
    else:
        off = t <= 0
        stats["zero"] = float(off.float().mean())
        stats["dead"] = int(off.all(0).sum())
        stats["hist"] = histogram(t, 0.0, max(float(t.max()), 1e-6))
    grad = output.grad
    if grad is not None:
        g = grad.detach().float()
        bound = max(float(g.abs().max()), 1e-12)
        stats.update(grad_mean=float(g.mean()), grad_std=float(g.std()) if g.numel() > 1 else 0.0,
                     grad_hist=histogram(g, -bound, bound))
    return stats


@torch.no_grad()
def update_ratios(model, lr: float) -> dict[str, float]:
    """log10(std(lr · grad) / std(data)) for each 2-D parameter that has a gradient."""
    out = {}
    for name, p in model.weight_parameters():
        if p.grad is None:
            continue
        ratio = (lr * p.grad).std() / p.data.std().clamp_min(1e-30)
        out[name] = float(ratio.clamp_min(1e-30).log10())
    return out


def snapshot(step: int, loss: torch.Tensor, lr: float, recorder: Recorder, model) -> dict:
    """Everything above for one recorded step (after its backward pass and update)."""
    layers = [activation_stats(name, recorder.kinds[name], out) for name, out in recorder.outputs.items()]
    return {"step": int(step), "loss": float(loss), "lr": float(lr), "layers": layers,
            "ratios": update_ratios(model, lr)}


def inspect(model, X: torch.Tensor, Y: torch.Tensor, lr: float = 0.1) -> dict:
    """The figures of one forward and backward pass on ``(X, Y)`` in training mode, without an
    update: how a freshly built model looks before it learns anything. The model's gradients are
    cleared again; its BatchNorm running statistics see this batch once."""
    model.train()
    for p in model.parameters():
        p.grad = None
    with Recorder(model) as recorder:
        loss = F.cross_entropy(model(X), Y)
        loss.backward()
    result = snapshot(0, loss.detach(), lr, recorder, model)
    for p in model.parameters():
        p.grad = None
    return result
