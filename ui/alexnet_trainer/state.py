"""The AlexNet trainer's page state: one dataclass, bound to the widgets and the URL.

`AlexNetTrainerState` holds every setting the sidebar shows. Its training values start from a
recipe (`core.alexnet.recipes`); choosing another recipe writes that recipe's values into the
fields, and each can then be changed. `to_config` turns the state into the `TrainConfig` a run
gets, and the run keeps the state it was started with (``job.settings``), so that a reload
shows the settings of the run in progress instead of the defaults.

Decisions where the issue is silent:
- the image folder path and the device are not part of links: a path names a place on one
  machine, and the device is the viewer's own choice (Home page);
- the overlaid past runs are not part of links either: run names are local to one data folder.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from core.alexnet import DEFAULT_RECIPE, RECIPES, TrainConfig, get_recipe
from core.alexnet.trainer import OPTIMIZERS, SCHEDULES
from ui.state import PageState

DATASETS = {
    "mnist": "MNIST sample · 5,000 handwritten digits, 28×28 (bundled)",
    "digits": "Digits · 1,797 tiny 8×8 digits (bundled, quick)",
    "cifar10": "CIFAR-10 · torchvision files in the data folder",
    "folder": "Image folder on this machine (class/*.png|jpg)",
    "fake": "Random images (smoke test)",
}
BATCH_SIZES = [16, 32, 64, 128, 256]
HIDDEN_WIDTHS = [256, 512, 1024, 2048, 4096]
INITS = ["kaiming", "pytorch", "paper"]
PAGE_EPOCHS = 4  # the page's default run: the MNIST sample to 97.2 % test accuracy (docs/alexnet_trainer.md)


def _recipe_value(name: str):
    return get_recipe(DEFAULT_RECIPE).settings.get(name, getattr(TrainConfig(), name))


@dataclass
class AlexNetTrainerState:
    """Every setting of the AlexNet trainer page; `core.urlstate` round-trips it through the URL."""

    recipe: str = field(default=DEFAULT_RECIPE, metadata={"choices": list(RECIPES)})
    dataset: str = field(default="mnist", metadata={"choices": list(DATASETS)})
    folder: str = field(default="", metadata={"url": False})
    variant: str = field(default="cifar", metadata={"choices": ["cifar", "imagenet"]})
    epochs: int = field(default=PAGE_EPOCHS, metadata={"min": 1, "max": 60})
    batch_size: int = field(default=_recipe_value("batch_size"), metadata={"choices": BATCH_SIZES})
    optimizer: str = field(default=_recipe_value("optimizer"), metadata={"choices": list(OPTIMIZERS)})
    lr: float = field(default=_recipe_value("lr"), metadata={"min": 1e-6, "max": 1.0})
    weight_decay: float = field(default=_recipe_value("weight_decay"), metadata={"min": 0.0, "max": 0.5})
    schedule: str = field(default=_recipe_value("schedule"), metadata={"choices": list(SCHEDULES)})
    label_smoothing: float = field(default=_recipe_value("label_smoothing"), metadata={"min": 0.0, "max": 0.5})
    augment: bool = _recipe_value("augment")
    batchnorm: bool = _recipe_value("batchnorm")
    patience: int = field(default=_recipe_value("patience"), metadata={"min": 1, "max": 20})
    hidden: int = field(default=_recipe_value("hidden"), metadata={"choices": HIDDEN_WIDTHS})
    init: str = field(default=_recipe_value("init"), metadata={"choices": INITS})
    lrn: bool = _recipe_value("lrn")
    limit: int = field(default=0, metadata={"min": 0, "max": 1_000_000})
    device: str = field(default="", metadata={"url": False})  # "" = the session's device (Home page)
    amp: bool = False
    smoothing: float = field(default=0.6, metadata={"min": 0.0, "max": 0.99})  # of the step-loss curve
    overlay: list[str] = field(default_factory=list, metadata={"url": False})


STATE = PageState(AlexNetTrainerState, prefix="alexnet_")
RECIPE_FIELDS = [f.name for f in dataclasses.fields(AlexNetTrainerState)
                 if f.name in {k for r in RECIPES.values() for k in r.settings} and f.name != "epochs"]


def recipe_values(name: str) -> dict:
    """The page fields a recipe sets (its epochs stay the page's: they depend on the dataset)."""
    defaults = TrainConfig()
    settings = get_recipe(name).settings
    return {k: settings.get(k, getattr(defaults, k)) for k in RECIPE_FIELDS}


def apply_recipe() -> None:
    """Callback of the recipe selector: write the chosen recipe's values into the fields."""
    STATE.set(**recipe_values(STATE.get("recipe")))


def dataset_spec(state: AlexNetTrainerState) -> str:
    return f"folder:{state.folder.strip()}" if state.dataset == "folder" else state.dataset


def to_config(state: AlexNetTrainerState) -> TrainConfig:
    """The run's `TrainConfig`: the recipe's values, then every field the page shows."""
    base = dataclasses.replace(TrainConfig(), **get_recipe(state.recipe).settings)
    return dataclasses.replace(
        base, recipe=state.recipe, dataset=dataset_spec(state), variant=state.variant, epochs=state.epochs,
        batch_size=state.batch_size, optimizer=state.optimizer, lr=float(state.lr),
        weight_decay=float(state.weight_decay), schedule=state.schedule, label_smoothing=float(state.label_smoothing),
        augment=state.augment, batchnorm=state.batchnorm, patience=state.patience, hidden=state.hidden,
        init=state.init, lrn=state.lrn, limit=int(state.limit), amp=state.amp, log_every=5)


def settings_of(state: AlexNetTrainerState) -> dict:
    """What a job keeps of the state (restored by `from_settings` after a reload)."""
    return dataclasses.asdict(state)


def from_settings(settings: dict, current: AlexNetTrainerState) -> AlexNetTrainerState:
    """``current`` with a job's stored settings (display-only fields stay as they are)."""
    keep = {"smoothing", "overlay"}
    return dataclasses.replace(current, **{k: v for k, v in settings.items() if k in STATE.names and k not in keep})
