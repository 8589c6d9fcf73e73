"""AlexNet trainer: model, data, training loop with early stopping and ReduceLROnPlateau,
checkpoints + resume, evaluation, and DistributedDataParallel under torchrun.

Command line: ``python -m core.alexnet train|evaluate ...`` (see ``__main__.py``).
"""

from .data import DatasetError, load_splits
from .early_stopping import EarlyStopping
from .evaluation import EvalResult, evaluate
from .model import AlexNet, AlexNetConfig
from .run import evaluate_checkpoint, list_runs, run_training
from .trainer import Trainer, TrainConfig, TrainingDiverged, load_checkpoint

__all__ = ["AlexNet", "AlexNetConfig", "DatasetError", "EarlyStopping", "EvalResult", "Trainer",
           "TrainConfig", "TrainingDiverged", "evaluate", "evaluate_checkpoint", "list_runs",
           "load_checkpoint", "load_splits", "run_training"]
