"""The MLP trainer's page state in one serializable dataclass, and what it builds.

`MLPTrainerState` holds every setting the page shows (like TensorFlow Playground's state.ts);
its field metadata give the bounds that `core.urlstate` enforces on a shared link. The helpers
turn a state into a dataset (`build_table`) and a network configuration (`build_config`); the
pictures' numbers come from `core.mlp.views`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.mlp import ACTIVATIONS, OPTIMIZERS, REGULARIZERS, MLPConfig, TrainingRun
from core.mlp.data import (FEATURE_NAMES, PROBLEMS_2D, DataError, Table, breast_cancer_table, digits_table,
                           playground_table, table_from_points, titanic_table)
from core.mlp.views import resolve_loss

TABLE_DATASETS = ("titanic", "breast_cancer", "digits_1_vs_7", "csv")
DATASETS = PROBLEMS_2D + ("draw",) + TABLE_DATASETS
LOSS_CHOICES = ("auto", "mae", "mse", "bce", "ce")
MAX_LAYERS = 8
MAX_NEURONS = 64


@dataclass
class MLPTrainerState:
    """Every setting of the MLP trainer page; `core.urlstate` round-trips it through the URL."""

    dataset: str = field(default="spiral", metadata={"choices": DATASETS})
    classes: int = field(default=2, metadata={"min": 2, "max": 5})  # spiral arms
    noise: float = field(default=0.0, metadata={"min": 0.0, "max": 0.5})
    train_pct: int = field(default=50, metadata={"min": 10, "max": 90})
    points: int = field(default=500, metadata={"min": 20, "max": 5000})
    data_seed: int = field(default=0, metadata={"min": 0, "max": 2**31 - 1})
    features: list[str] = field(default_factory=lambda: ["x1", "x2"], metadata={"choices": FEATURE_NAMES})
    hiddens: list[int] = field(default_factory=lambda: [8, 8], metadata={"min": 1, "max": MAX_NEURONS})
    activation: str = field(default="tanh", metadata={"choices": ACTIVATIONS})
    loss: str = field(default="auto", metadata={"choices": LOSS_CHOICES})
    optimizer: str = field(default="adam", metadata={"choices": OPTIMIZERS})
    lr: float = field(default=0.03, metadata={"min": 1e-5, "max": 10.0})
    batch: int = field(default=0, metadata={"min": 0, "max": 5000})  # 0 = full batch
    regularization: str = field(default="none", metadata={"choices": REGULARIZERS})
    reg_rate: float = field(default=0.001, metadata={"min": 0.0, "max": 1.0})
    seed: int = field(default=0, metadata={"min": 0, "max": 2**31 - 1})
    stop_at: int = field(default=0, metadata={"min": 0, "max": 10**7})  # pause at this epoch; 0 = never

    def __post_init__(self):
        self.hiddens = [min(max(int(h), 1), MAX_NEURONS) for h in self.hiddens][:MAX_LAYERS]
        self.features = [f for f in dict.fromkeys(self.features) if f in FEATURE_NAMES] or ["x1", "x2"]

    @property
    def is_2d(self) -> bool:
        return self.dataset in PROBLEMS_2D or self.dataset == "draw"

    def data_key(self) -> tuple:
        """What the dataset depends on (a change means new data and a fresh network)."""
        return (self.dataset, self.classes, self.noise, self.train_pct, self.points, self.data_seed,
                tuple(self.features) if self.is_2d else ())

    def model_key(self) -> tuple:
        """What the network and its training depend on."""
        return (self.data_key(), tuple(self.hiddens), self.activation, self.loss, self.optimizer, self.lr,
                self.batch, self.regularization, self.reg_rate, self.seed)


def build_table(state: MLPTrainerState, drawn: tuple[np.ndarray, np.ndarray] | None = None,
                csv_table: Table | None = None) -> Table:
    """The dataset the state asks for (raises `DataError` with a user-facing message)."""
    frac = state.train_pct / 100
    if state.dataset in PROBLEMS_2D:
        return playground_table(state.dataset, state.features, state.points, state.noise, frac,
                                state.data_seed, state.classes)
    if state.dataset == "draw":
        if drawn is None or len(drawn[0]) < 2:
            raise DataError("Click on the plot to add points of each class (at least two points).")
        return table_from_points(drawn[0], drawn[1], state.features, frac, state.data_seed)
    if state.dataset == "titanic":
        return titanic_table(frac, state.data_seed)
    if state.dataset == "breast_cancer":
        return breast_cancer_table(frac, state.data_seed)
    if state.dataset == "digits_1_vs_7":
        return digits_table(1, 7, frac, state.data_seed)
    if csv_table is None:
        raise DataError("Upload a CSV file and choose its target column.")
    return csv_table


def build_config(state: MLPTrainerState, table: Table) -> tuple[MLPConfig, str | None]:
    loss, note = resolve_loss(state.loss, table.task)
    cfg = MLPConfig(hiddens=list(state.hiddens), activation=state.activation, task=table.task,
                    n_classes=max(table.n_classes, 2), loss=loss, optimizer=state.optimizer, lr=state.lr,
                    batch_size=state.batch, regularization=state.regularization,
                    reg_rate=state.reg_rate if state.regularization != "none" else 0.0, seed=state.seed)
    return cfg, note


def new_run(state: MLPTrainerState, table: Table, device=None) -> tuple[TrainingRun, str | None]:
    config, note = build_config(state, table)
    return TrainingRun(config, table.x_train, table.y_train, table.x_test, table.y_test, device), note
