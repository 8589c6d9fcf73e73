"""The step inspector: what each optimizer holds at one step of a race, as vectors in the plane.

At step t an optimizer stands at a point, sees a gradient (the exact one plus noise in the
stochastic mode), updates its internal state (Momentum's velocity, AdaGrad's and RMSProp's
squared-gradient sums, Adam's two moments) and moves. `inspect_step` replays the race with the
same engine as `run_batched` (so the numbers are exactly the race's) and reports, per optimizer:

- the raw internal state after the update, bias-corrected moments included for Adam;
- ``arrows``: displacements in the plane, in the same units as the step itself (lr times a
  vector), so they can be drawn from the current point and compared with the step taken. For
  Momentum and Nesterov the arrows add up to the step (gradient part + velocity part, as in
  Distill's "Why Momentum Really Works"); for AdaGrad, RMSProp and Adam the step is the raw
  gradient step rescaled per coordinate, and ``scale`` gives that factor lr / (√(average) + ε).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from core.gradient_descent.optimizers import POSITION_BOUND, OptimizerConfig, ValueAndGrad, iterate

# Arrow names the page labels and colours; their order is the drawing order.
GRADIENT = "gradient step −lr·g"
VELOCITY = "velocity part −lr·μ·v"
FIRST_MOMENT = "first moment −lr·m̂"


@dataclass(frozen=True)
class StepInspection:
    config: OptimizerConfig
    step: int  # the update from point `step` to point `step + 1`
    point: np.ndarray  # (2,) where the optimizer stands
    value: float  # f there
    exact_gradient: np.ndarray  # ∇f there
    gradient: np.ndarray  # what the optimizer used (∇f plus noise in the stochastic mode)
    update: np.ndarray  # the displacement of this step: point[step + 1] − point[step]
    state: dict[str, np.ndarray]  # internal state after the update (velocity, m, v, m_hat, v_hat, ...)
    arrows: dict[str, np.ndarray]  # named displacements (see the module docstring)
    adds_up: bool  # whether the arrows sum to `update` (drawn tip to tail)
    scale: np.ndarray | None = field(default=None)  # per-coordinate factor of adaptive methods


def _row(tensors: dict, k: int) -> dict[str, np.ndarray]:
    return {name: t[k].detach().cpu().double().numpy().copy() for name, t in tensors.items()}


def _explain(cfg: OptimizerConfig, g: np.ndarray, before: dict, after: dict, t: int):
    """(state, arrows, adds_up, scale) of one optimizer for one update (``t`` is 1-based)."""
    lr = cfg.lr
    arrows = {GRADIENT: -lr * g}
    if cfg.kind == "momentum":
        return {"velocity": after["velocity"]}, {**arrows, VELOCITY: -lr * cfg.momentum * before["velocity"]}, True, None
    if cfg.kind == "nesterov":
        return {"velocity": after["velocity"]}, {**arrows, VELOCITY: -lr * cfg.momentum * after["velocity"]}, True, None
    if cfg.kind == "adagrad":
        s = after["grad_sq_sum"]
        return {"grad_sq_sum": s}, arrows, False, lr / (np.sqrt(s) + cfg.eps)
    if cfg.kind == "rmsprop":
        s = after["grad_sq_avg"]
        return {"grad_sq_avg": s}, arrows, False, lr / (np.sqrt(s) + cfg.eps)
    if cfg.kind == "adam":
        m_hat = after["m"] / (1 - cfg.beta1**t)
        v_hat = after["v"] / (1 - cfg.beta2**t)
        state = {"m": after["m"], "v": after["v"], "m_hat": m_hat, "v_hat": v_hat}
        return state, {**arrows, FIRST_MOMENT: -lr * m_hat}, False, lr / (np.sqrt(v_hat) + cfg.eps)
    return {}, arrows, True, None


def inspect_step(value_and_grad: ValueAndGrad, configs: Sequence[OptimizerConfig], starts, step: int,
                 noise: float = 0.0, seed: int = 0, device="cpu") -> list[StepInspection | None]:
    """Each run's state at update ``step`` (0-based), or None for a run that is not finite there."""
    step = max(int(step), 0)
    for t, p, f, g, used, opt in iterate(value_and_grad, configs, starts, step + 1, noise, seed, device=device):
        if t == step:
            before = {name: value.clone() for name, value in opt.state.items()}
            delta = opt.step_delta(used)
            after = opt.state
            break
    out: list[StepInspection | None] = []
    for k, cfg in enumerate(configs):
        point, used_k, update = (x[k].detach().cpu().double().numpy() for x in (p, used, -delta))
        exact, value = g[k].detach().cpu().double().numpy(), float(f[k])
        if not (np.isfinite(point).all() and np.isfinite(update).all() and np.isfinite(value)
                and np.abs(point).max() < POSITION_BOUND):
            out.append(None)
            continue
        state, arrows, adds_up, scale = _explain(cfg, used_k, _row(before, k), _row(after, k), step + 1)
        out.append(StepInspection(cfg, step, point.copy(), value, exact.copy(), used_k.copy(), update.copy(),
                                  state, arrows, adds_up, scale))
    return out
