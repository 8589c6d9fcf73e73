"""The MLP trainer's page state: one serializable dataclass, its binding, and what it builds.

`MLPTrainerState` holds everything the page shows and the person chose (like TensorFlow
Playground's state.ts): the training settings, which travel in links (their field metadata give
the bounds that `core.urlstate` enforces), and the settings of the secondary panels and the
points drawn by hand, which stay in the session (``metadata={"url": False}``). `STATE` binds it
to the session keys ``mlp_<field>`` and to the URL (`ui.state.PageState`): every widget of the
page that holds a value uses ``key=STATE.key(field)``.

Every other session key of the page is under the same prefix ``mlp_``:

- ``mlp_layers``, ``mlp_n0`` .. ``mlp_n7``: the layer-count and per-layer neuron inputs that edit
  ``hiddens`` (seeded from it by `STATE`'s ``on_write``);
- ``mlp_playing`` and ``mlp_*_button``: `ui.playback.Playback("mlp_")`;
- caches of objects built from the state, never settings: ``mlp_run`` (the current
  `LiveRun`), ``mlp_table`` (the dataset built for the current data settings), ``mlp_csv`` (the
  parsed upload) and ``mlp_step_token`` (which drawing of the controls the last Step click came
  from);
- keys that only name widgets without a value to keep (buttons, the file uploader, charts):
  ``mlp_regenerate``, ``mlp_draw_undo``, ``mlp_draw_clear``, ``mlp_draw_canvas_<version>``,
  ``mlp_csv_file``, ``mlp_gc_run``, ``mlp_export_*``, ``mlp_ua_chart``, ``mlp_boundary``, ...
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import streamlit as st

from core.mlp import ACTIVATIONS, OPTIMIZERS, REGULARIZERS, MLPConfig, TrainingRun
from core.mlp.data import (FEATURE_NAMES, PROBLEMS_2D, DataError, Table, breast_cancer_table, digits_table,
                           playground_table, table_from_points, titanic_table)
from core.mlp.views import resolve_loss
from ui.state import PageState

TABLE_DATASETS = ("titanic", "breast_cancer", "digits_1_vs_7", "csv")
DATASETS = PROBLEMS_2D + ("draw",) + TABLE_DATASETS
LOSS_CHOICES = ("auto", "mae", "mse", "bce", "ce")
MAX_LAYERS = 8
MAX_NEURONS = 64
# The grids of the two log-scale sliders: a link may carry any value, it snaps to the nearest.
LR_OPTIONS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
RATE_OPTIONS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
SEED_MAX = 2**31 - 1

PREFIX = "mlp_"
RUN_KEY, TABLE_KEY, CSV_KEY, STEP_TOKEN = "mlp_run", "mlp_table", "mlp_csv", "mlp_step_token"
SESSION = {"url": False}  # a field that stays in the session, out of links
CSV_TASKS = ("auto", "classification", "regression")
DRAW_CLASSES = (0, 1, 2, 3, 4)
UA_SIGMOIDS = 4  # the universal-approximation tab's sliders: w, b, c for up to four sigmoids


@dataclass
class Drawing:
    """The points drawn by hand: one list of ``(x, y, class)`` per click or box, so Undo removes what
    one gesture added; ``version`` names the canvas widget and the dataset. User data: only Undo
    and Clear change it."""

    strokes: list[list[tuple[float, float, int]]] = field(default_factory=list)
    version: int = 0


@dataclass
class MLPTrainerState:
    """Every setting of the MLP trainer page; `core.urlstate` round-trips it through the URL."""

    dataset: str = field(default="spiral", metadata={"choices": DATASETS})
    classes: int = field(default=2, metadata={"min": 2, "max": 5})  # spiral arms
    noise: float = field(default=0.0, metadata={"min": 0.0, "max": 0.5})
    train_pct: int = field(default=50, metadata={"min": 10, "max": 90})
    points: int = field(default=500, metadata={"min": 20, "max": 5000})
    data_seed: int = field(default=0, metadata={"min": 0, "max": SEED_MAX})
    features: list[str] = field(default_factory=lambda: ["x1", "x2"], metadata={"choices": FEATURE_NAMES})
    hiddens: list[int] = field(default_factory=lambda: [8, 8], metadata={"min": 1, "max": MAX_NEURONS})
    activation: str = field(default="tanh", metadata={"choices": ACTIVATIONS})
    loss: str = field(default="auto", metadata={"choices": LOSS_CHOICES})
    optimizer: str = field(default="adam", metadata={"choices": OPTIMIZERS})
    lr: float = field(default=0.03, metadata={"min": 1e-5, "max": 10.0})
    batch: int = field(default=0, metadata={"min": 0, "max": 5000})  # 0 = full batch
    regularization: str = field(default="none", metadata={"choices": REGULARIZERS})
    reg_rate: float = field(default=0.001, metadata={"min": 0.0, "max": 1.0})
    seed: int = field(default=0, metadata={"min": 0, "max": SEED_MAX})
    stop_at: int = field(default=0, metadata={"min": 0, "max": 10**7})  # pause at this epoch; 0 = never
    show_test: bool = True  # test points drawn on the plane
    # --- in the session only -----------------------------------------------------------------
    drawn: Drawing = field(default_factory=Drawing, metadata=SESSION)
    draw_label: int = field(default=0, metadata=SESSION)  # class of the next drawn point
    csv_target: str | None = field(default=None, metadata=SESSION)  # None: the upload's last column
    csv_task: str = field(default="auto", metadata=SESSION)
    gc_hidden: int = field(default=4, metadata=SESSION)  # gradient check: hidden neurons
    # Universal approximation: the article's preset (002) is the default; sigmoids 3 and 4 start neutral.
    ua_preset: str = field(default="Article (2 sigmoids)", metadata=SESSION)
    ua_k: int = field(default=2, metadata=SESSION)
    ua_squash: bool = field(default=False, metadata=SESSION)
    ua_w0: float = field(default=-1.75, metadata=SESSION)
    ua_w1: float = field(default=0.172, metadata=SESSION)
    ua_w2: float = field(default=1.0, metadata=SESSION)
    ua_w3: float = field(default=1.0, metadata=SESSION)
    ua_b0: float = field(default=-0.1, metadata=SESSION)
    ua_b1: float = field(default=0.15, metadata=SESSION)
    ua_b2: float = field(default=0.0, metadata=SESSION)
    ua_b3: float = field(default=0.0, metadata=SESSION)
    ua_c0: float = field(default=0.25, metadata=SESSION)
    ua_c1: float = field(default=0.5, metadata=SESSION)
    ua_c2: float = field(default=1.0, metadata=SESSION)
    ua_c3: float = field(default=1.0, metadata=SESSION)
    ua_cout: float = field(default=0.2, metadata=SESSION)

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


def nearest(options, value: float) -> float:
    """The option closest to ``value`` in relative terms (log-scale sliders)."""
    return min(options, key=lambda o: abs(o - value) / max(abs(value), 1e-12))


def _snap_to_sliders(state: MLPTrainerState) -> MLPTrainerState:
    """A link's learning rate and penalty rate snap to the sliders' grids."""
    return replace(state, lr=nearest(LR_OPTIONS, state.lr), reg_rate=nearest(RATE_OPTIONS, state.reg_rate))


def _seed_layer_inputs(state: MLPTrainerState) -> None:
    """``hiddens`` is edited through a layer count and one input per layer: seed them from it."""
    ss = st.session_state
    ss[PREFIX + "layers"] = len(state.hiddens)
    for i in range(MAX_LAYERS):
        ss[f"{PREFIX}n{i}"] = state.hiddens[i] if i < len(state.hiddens) else 4


STATE = PageState(MLPTrainerState, prefix=PREFIX, normalize=_snap_to_sliders, on_write=_seed_layer_inputs)


def layer_keys() -> list[str]:
    return [PREFIX + "layers"] + [f"{PREFIX}n{i}" for i in range(MAX_LAYERS)]


def hiddens_from_inputs() -> None:
    """Callback of the layer inputs: write the network's hidden sizes back into the state."""
    ss = st.session_state
    layers = int(ss.get(PREFIX + "layers", 0))
    STATE.set(hiddens=[int(ss.get(f"{PREFIX}n{i}", 4)) for i in range(layers)])


def next_seed(seed: int) -> int:
    return (int(seed) + 1) % (SEED_MAX + 1)


# --- what a state builds ------------------------------------------------------------------

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

