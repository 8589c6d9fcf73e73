"""The numbers behind the MLP trainer's pictures and checks (no drawing here).

- `resolve_loss`: which loss a choice means for a task, with a note when it had to change;
- `boundary_grid`, `neuron_grids`: a network's output and each hidden neuron over the input plane;
- `confusion_matrix`, `regression_scores`: how a run does on a split (classification / regression);
- `sigmoid_combination`: how sums of sigmoids build complex shapes (universal approximation);
- `gradient_check_data`: inputs and targets for the hand-written backward pass check.
"""

from __future__ import annotations

import numpy as np
import torch

from core.mlp.data import EXTENT, Table, grid_points, make_features
from core.mlp.recipe import TrainingRun, hidden_activations
from core.threads import single_thread


def resolve_loss(choice: str, task: str) -> tuple[str, str | None]:
    """The loss to use for ``task`` and a note when the choice had to change."""
    default = {"binary": "bce", "multiclass": "ce", "regression": "mse"}[task]
    if choice == "auto":
        return default, None
    if task == "regression" and choice in ("bce", "ce"):
        return default, f"{choice.upper()} needs classes; regression uses MSE instead."
    if task == "binary" and choice == "ce":
        return "bce", None
    if task == "multiclass" and choice == "bce":
        return "ce", "With more than two classes, cross-entropy over a softmax replaces BCE."
    return choice, None


def _grid_inputs(features: list[str], resolution: int) -> tuple[np.ndarray, torch.Tensor]:
    axis, pts = grid_points(resolution, EXTENT)
    return axis, torch.tensor(make_features(pts, features), dtype=torch.float32)


def boundary_grid(run: TrainingRun, features: list[str], resolution: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Axis values and a ``(res, res)`` surface: P(class 1), the winning class, or the regression value."""
    axis, x = _grid_inputs(features, resolution)
    preds = run.predict(x)
    if run.config.task == "multiclass":
        surface = preds.argmax(1).float()
    else:
        surface = preds.reshape(-1)
    return axis, surface.numpy().reshape(resolution, resolution)


def neuron_grids(run: TrainingRun, features: list[str], resolution: int = 24,
                 max_per_layer: int = 16) -> list[list[np.ndarray]]:
    """What each hidden neuron outputs over the input plane, layer by layer (first ``max_per_layer``)."""
    _, x = _grid_inputs(features, resolution)
    with torch.no_grad(), single_thread():
        layers = hidden_activations(run.coeffs, x.to(run.device), run.config.activation)
    return [[a[:, j].cpu().numpy().reshape(resolution, resolution) for j in range(min(a.shape[1], max_per_layer))]
            for a in layers]


def confusion_matrix(run: TrainingRun, x: torch.Tensor, y: torch.Tensor, n_classes: int) -> np.ndarray:
    """Counts ``(true class, predicted class)`` on ``x, y`` (threshold 0.5 for one sigmoid output)."""
    preds = run.predict(x)
    predicted = preds.argmax(1) if run.config.task == "multiclass" else (preds.reshape(-1) > 0.5).long()
    true = y.reshape(-1).long().cpu()
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (true.numpy(), predicted.numpy()), 1)
    return matrix


def regression_scores(run: TrainingRun, x: torch.Tensor, y: torch.Tensor, target_scale: float = 1.0
                      ) -> tuple[float, float]:
    """(R², RMSE) of a regression run on ``x, y``; the RMSE is multiplied by ``target_scale`` to read
    in the target's own units when the table standardised the target (`Table.target_scale`)."""
    if len(x) == 0:
        return float("nan"), float("nan")
    pred = run.predict(x).reshape(-1).double()
    target = y.reshape(-1).double().cpu()
    ss_res = float(((pred - target) ** 2).sum())
    ss_tot = float(((target - target.mean()) ** 2).sum())
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    return r2, (ss_res / len(target)) ** 0.5 * target_scale


def sigmoid_combination(x: np.ndarray, weights, biases, coefs, out_bias: float = 0.0,
                        squash: bool = False) -> tuple[np.ndarray, list[np.ndarray]]:
    """``sum_k c_k σ(w_k x + b_k) + c_0`` and each term: how sums of sigmoids build complex shapes."""
    terms = [c / (1 + np.exp(-(w * x + b))) for w, b, c in zip(weights, biases, coefs)]
    total = np.sum(terms, 0) + out_bias
    return (1 / (1 + np.exp(-total)) if squash else total), terms


def gradient_check_data(table: Table | None, limit: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and [0, 1] targets for the two-layer sigmoid/BCE gradient check on the current data.

    Class ids become one-hot columns; regression values in [-1, 1] are rescaled to [0, 1].
    Without data (e.g. before an upload) a small seeded random problem is used.
    """
    if table is None:
        gen = torch.Generator().manual_seed(0)
        x = torch.randn(64, 2, generator=gen)
        return x, (x[:, :1] * x[:, 1:] > 0).double()
    x, y = table.x_train[:limit].double(), table.y_train[:limit]
    if table.task == "multiclass":
        return x, torch.nn.functional.one_hot(y.long(), table.n_classes).double()
    if table.task == "regression":
        return x, ((y.double() + 1) / 2).clamp(0, 1).reshape(-1, 1)
    return x, y.double().reshape(-1, 1)
