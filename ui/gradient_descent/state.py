"""The gradient descent page's state: one serializable dataclass, its binding, and its callbacks.

`GradientDescentState` holds every setting the page shows (what a shared link carries); field
metadata give the bounds and choices that ``core.urlstate`` enforces on hand-edited links.
`STATE` binds it to the session keys ``gd_<field>`` and to the URL (`ui.state.PageState`), and
snaps a link's values onto the sliders' grids.

Other session keys of the page, all under the prefix ``gd_``: ``gd_playing`` and the
``gd_*_button`` keys (`ui.playback.Playback("gd_")`), ``gd_play_step`` (the replayed step,
None = the whole race), ``gd_last_step``, ``gd_race_signature``, ``gd_start_clicked``,
``gd_speed``, ``gd_tangent_step``, the tab keys ``gd_view_tab`` and ``gd_race_view_tab`` (mirrors
of the fields ``view`` and ``race_view``, see `stateful_tabs`) and the chart keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import streamlit as st

from core.gradient_descent.one_weight import LOSS_KEYS
from core.gradient_descent.optimizers import KINDS, OptimizerConfig
from core.gradient_descent.surfaces import SURFACE_KEYS, make_surface
from ui.state import PageState

LR_MIN, LR_MAX = 1e-4, 10.0
# A log-scale grid of "nice" values for learning-rate sliders: 1, 1.5, 2, 3, 5, 7 per decade.
LR_GRID = tuple(round(m * 10.0**e, 10) for e in range(-4, 1) for m in (1, 1.5, 2, 3, 5, 7)) + (10.0,)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 200)
REG_LR_GRID = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)
TOL_GRID = (1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
EPS_GRID = (1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1e-1, 1.0)
CONDITION_GRID = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)
# Standard deviation of the gradient noise (0: exact gradients, plain gradient descent).
NOISE_GRID = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)

# The page's views (tabs) and the race's own views; only the open one is computed and drawn.
VIEW_TABS = {"one_weight": ":material/show_chart: One weight", "race": ":material/landscape: Race on a surface",
             "batch_size": ":material/scatter_plot: Batch size", "lr_finder": ":material/tune: LR finder"}
RACE_TABS = {"contour": "Contour and loss (playback)", "surface3d": "3-D surface (whole race)",
             "inspector": "Step inspector"}


def snap(value: float, grid) -> float:
    """The grid value nearest to ``value`` on a log scale (links may carry any number); a grid
    that starts at 0 keeps 0 for values at or below zero and below half its first positive step."""
    v = float(value)
    if grid[0] == 0.0 and v < grid[1] / 2:
        return 0.0
    v = max(v, 1e-300)
    return min((g for g in grid if g > 0), key=lambda g: abs(math.log(g) - math.log(v)))


def _lr(default: float):
    return field(default=default, metadata={"min": LR_MIN, "max": LR_MAX})


def _unit(default: float):
    return field(default=default, metadata={"min": 0.0, "max": 0.9999})


def _eps(default: float):
    return field(default=default, metadata={"min": 1e-12, "max": 1.0})


# Learning rates inside the LR finder's good region on each surface (300 steps from its start point),
# picked to make a readable race rather than the single fastest run.
SUGGESTED_LRS = {
    "quadratic": {"gd": 0.15, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.5, "rmsprop": 0.02, "adam": 0.05},
    "rosenbrock": {"gd": 0.002, "momentum": 0.001, "nesterov": 0.001, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05},
    "beale": {"gd": 0.001, "momentum": 0.0005, "nesterov": 0.0005, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05},
    "himmelblau": {"gd": 0.01, "momentum": 0.002, "nesterov": 0.002, "adagrad": 0.5, "rmsprop": 0.02, "adam": 0.05},
    "saddle": {"gd": 0.05, "momentum": 0.02, "nesterov": 0.02, "adagrad": 0.3, "rmsprop": 0.02, "adam": 0.05},
    # Rastrigin: small rates settle in the nearest pit, AdaGrad/RMSProp/Adam at the finder's best
    # rates hop a few ridges towards the origin (the lesson: where you end depends on the path).
    "rastrigin": {"gd": 0.002, "momentum": 0.003, "nesterov": 0.003, "adagrad": 1.0, "rmsprop": 0.1, "adam": 0.7},
    # Plateau: GD's rate is already large for the well (curvature 2: stable below 1) yet it crawls.
    "plateau": {"gd": 0.5, "momentum": 0.1, "nesterov": 0.1, "adagrad": 0.5, "rmsprop": 0.02, "adam": 0.05},
    "custom": {"gd": 0.05, "momentum": 0.02, "nesterov": 0.02, "adagrad": 0.3, "rmsprop": 0.02, "adam": 0.05},
}


@dataclass
class GradientDescentState:
    view: str = field(default="one_weight", metadata={"choices": tuple(VIEW_TABS)})
    # One weight
    loss_1d: str = field(default="quadratic", metadata={"choices": LOSS_KEYS})
    curvature: float = field(default=1.0, metadata={"min": 0.1, "max": 20.0})
    lr_1d: float = _lr(0.3)
    w0: float = field(default=-1.5, metadata={"min": -3.0, "max": 3.0})
    steps_1d: int = field(default=20, metadata={"min": 1, "max": 100})
    # Surface race
    surface: str = field(default="rosenbrock", metadata={"choices": SURFACE_KEYS})
    condition: float = field(default=10.0, metadata={"min": 1.0, "max": 1000.0})
    expression: str = "sin(x)*cos(y) + 0.1*(x**2 + y**2)"
    optimizers: list[str] = field(default_factory=lambda: list(KINDS), metadata={"choices": KINDS})
    start_x: float = field(default=-1.2, metadata={"min": -100.0, "max": 100.0})
    start_y: float = field(default=1.0, metadata={"min": -100.0, "max": 100.0})
    steps: int = field(default=500, metadata={"min": 10, "max": 2000})
    tol: float = field(default=1e-3, metadata={"min": 1e-12, "max": 1.0})
    hyperparameters: bool = False  # the per-optimizer sliders shown (a toggle, not an expander: see race.py)
    lr_gd: float = _lr(0.002)
    lr_momentum: float = _lr(0.001)
    lr_nesterov: float = _lr(0.001)
    lr_adagrad: float = _lr(0.5)
    lr_rmsprop: float = _lr(0.01)
    lr_adam: float = _lr(0.05)
    momentum: float = _unit(0.9)
    nesterov_momentum: float = _unit(0.9)
    rmsprop_alpha: float = _unit(0.99)
    adam_beta1: float = _unit(0.9)
    adam_beta2: float = _unit(0.999)
    adagrad_eps: float = _eps(1e-8)
    rmsprop_eps: float = _eps(1e-8)
    adam_eps: float = _eps(1e-8)
    noise: float = field(default=0.0, metadata={"min": 0.0, "max": 100.0})  # 0: exact gradients
    noise_seed: int = field(default=0, metadata={"min": 0, "max": 9999})
    race_view: str = field(default="contour", metadata={"choices": tuple(RACE_TABS)})
    inspect_kind: str = field(default="momentum", metadata={"choices": KINDS})
    inspect_step: int = field(default=5, metadata={"min": 0, "max": 1999})
    # Batch size
    batch_size: int = field(default=16, metadata={"min": 1, "max": 200})
    reg_lr: float = field(default=0.05, metadata={"min": 1e-4, "max": 2.0})
    epochs: int = field(default=10, metadata={"min": 1, "max": 50})
    # LR finder
    finder_kind: str = field(default="adam", metadata={"choices": KINDS})
    finder_steps: int = field(default=100, metadata={"min": 5, "max": 1000})

    def snapped(self) -> "GradientDescentState":
        """A copy whose log-scale values (learning rates, κ, ε, tolerance, batch size) sit on the sliders' grids."""
        lrs = {f"lr_{k}": snap(getattr(self, f"lr_{k}"), LR_GRID) for k in KINDS}
        eps = {f: snap(getattr(self, f), EPS_GRID) for f in ("adagrad_eps", "rmsprop_eps", "adam_eps")}
        return replace(self, lr_1d=snap(self.lr_1d, LR_GRID), condition=snap(self.condition, CONDITION_GRID),
                       batch_size=int(snap(self.batch_size, BATCH_SIZES)), reg_lr=snap(self.reg_lr, REG_LR_GRID),
                       tol=snap(self.tol, TOL_GRID), noise=snap(self.noise, NOISE_GRID),
                       optimizers=[k for k in KINDS if k in self.optimizers], **lrs, **eps)

    def optimizer_configs(self) -> list[OptimizerConfig]:
        """The chosen optimizers, in the canonical order, with their hyperparameters."""
        return [self.optimizer_config(k) for k in KINDS if k in self.optimizers]

    def optimizer_config(self, kind: str) -> OptimizerConfig:
        lr = getattr(self, f"lr_{kind}")
        if kind == "momentum":
            return OptimizerConfig(kind, lr, momentum=self.momentum)
        if kind == "nesterov":
            return OptimizerConfig(kind, lr, momentum=self.nesterov_momentum)
        if kind == "adagrad":
            return OptimizerConfig(kind, lr, eps=self.adagrad_eps)
        if kind == "rmsprop":
            return OptimizerConfig(kind, lr, alpha=self.rmsprop_alpha, eps=self.rmsprop_eps)
        if kind == "adam":
            return OptimizerConfig(kind, lr, beta1=self.adam_beta1, beta2=self.adam_beta2, eps=self.adam_eps)
        return OptimizerConfig(kind, lr)


HYPERPARAMETER_FIELDS = tuple(f"lr_{k}" for k in KINDS) + (
    "momentum", "nesterov_momentum", "rmsprop_alpha", "adam_beta1", "adam_beta2", "adagrad_eps", "rmsprop_eps",
    "adam_eps")


def from_link(state: GradientDescentState) -> GradientDescentState:
    """A state read from a link, on the sliders' grids; a link that sets a hyperparameter opens
    their sliders, so what the sender changed is in view."""
    state = state.snapped()
    default = GradientDescentState()
    if any(getattr(state, f) != getattr(default, f) for f in HYPERPARAMETER_FIELDS):
        state = replace(state, hyperparameters=True)
    return state


STATE = PageState(GradientDescentState, prefix="gd_", normalize=from_link)


def stateful_tabs(name: str, labels: dict[str, str]) -> dict:
    """``st.tabs`` whose open tab is the state field ``name`` (so links restore it), as
    {value: container}. The tabs rerun the page when switched, so only the open tab's content
    needs to run: a hidden tab costs nothing (plain ``st.tabs`` computes and sends them all)."""
    key = f"{STATE.prefix}{name}_tab"
    st.session_state[key] = labels[STATE.get(name)]
    by_label = {label: value for value, label in labels.items()}
    containers = st.tabs(list(labels.values()), key=key,
                         on_change=lambda: STATE.set(**{name: by_label[st.session_state[key]]}))
    return dict(zip(labels, containers))
PLAY_STEP = "gd_play_step"  # the replayed step of the race (None: the whole race is shown)


def on_surface_change() -> None:
    """A new surface gets its own start point and learning rates that suit it."""
    state = STATE.current()
    try:
        surface = make_surface(state.surface, state.condition, state.expression)
        STATE.set(start_x=surface.start[0], start_y=surface.start[1])
    except ValueError:  # a refused custom formula: keep the old start, the page shows the message
        pass
    apply_suggested_lrs()


def apply_suggested_lrs() -> None:
    STATE.set(**{f"lr_{kind}": lr for kind, lr in SUGGESTED_LRS[STATE.get("surface")].items()})


def set_start(x: float, y: float) -> None:
    STATE.set(start_x=round(float(x), 3), start_y=round(float(y), 3))


def reset_all() -> None:
    """Back to the defaults (and a clean URL on the next sync), the replay shown whole."""
    STATE.reset()
    st.session_state[PLAY_STEP] = None
    st.session_state["gd_playing"] = False
