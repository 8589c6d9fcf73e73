"""The MLP trainer's library: the six-function recipe and what is built around it.

- ``recipe``     -- ``init_coeffs``, ``calc_preds``, ``calc_loss``, ``update_coeffs``, ``execute_epoch``,
  ``train_model``, ``model_accuracy`` grown to any depth, and `TrainingRun` for live training
  (torch and the standard library only: the export copies it)
- ``backprop``   -- the two-layer backward pass by hand, checked against autograd
- ``data``       -- Playground problems, real tables, digits and CSV uploads as train/test tensors
- ``sequential`` -- the same network as ``nn.Sequential`` trained with ``torch.optim``
- ``views``      -- the numbers behind the pictures: decision surfaces, neuron maps, sigmoid sums
- ``export``     -- weights as JSON, a ``state_dict`` and a standalone script

The recipe's names are re-exported here: ``from core.mlp import MLPConfig, train_model``.
"""

from core.errors import TrainingDiverged
from core.mlp.recipe import (ACTIVATIONS, INITS, LOSSES, OPTIMIZERS, REGULARIZERS, TASKS, MLPConfig, TrainingRun,
                             batch_indices, calc_loss, calc_preds, data_loss, execute_epoch, forward_logits,
                             hidden_activations, init_coeffs, init_optimizer_state, input_problem, model_accuracy,
                             parameter_count, penalty, train_model, update_coeffs)
from core.threads import single_thread

__all__ = ["ACTIVATIONS", "INITS", "LOSSES", "OPTIMIZERS", "REGULARIZERS", "TASKS", "MLPConfig", "TrainingDiverged",
           "TrainingRun", "batch_indices", "calc_loss", "calc_preds", "data_loss", "execute_epoch", "forward_logits",
           "hidden_activations", "init_coeffs", "init_optimizer_state", "input_problem", "model_accuracy",
           "parameter_count", "penalty", "single_thread", "train_model", "update_coeffs"]
