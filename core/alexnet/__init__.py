"""AlexNet trainer: model, data (decoded once into a uint8 tensor, augmented on batches), named
recipes (the article's and a modern default), the training loop with early stopping that
restores the best weights, checkpoints + resume, evaluation, and DistributedDataParallel under
torchrun.

Command line: ``python -m core.alexnet train|evaluate ...`` (see ``__main__.py``).
"""

from .data import DatasetError, load_splits
from .early_stopping import EarlyStopping
from .evaluation import EvalResult, evaluate
from .model import AlexNet, AlexNetConfig
from .recipes import DEFAULT_RECIPE, RECIPES, Recipe, get_recipe, recipe_config
from .run import evaluate_checkpoint, list_runs, run_training
from .trainer import Trainer, TrainConfig, TrainingDiverged, load_checkpoint

__all__ = ["AlexNet", "AlexNetConfig", "DEFAULT_RECIPE", "DatasetError", "EarlyStopping", "EvalResult", "RECIPES",
           "Recipe", "Trainer", "TrainConfig", "TrainingDiverged", "evaluate", "evaluate_checkpoint", "get_recipe",
           "list_runs", "load_checkpoint", "load_splits", "recipe_config", "run_training"]
