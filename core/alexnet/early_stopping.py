"""Early stopping on the validation loss, as in the article: patience 7 epochs, minimum delta."""

from __future__ import annotations

import math


class EarlyStopping:
    """Stop when the validation loss has not improved by more than ``delta`` for ``patience`` epochs.

    Call it once per epoch with the validation loss; it returns True when training should stop.
    ``counter`` is the number of epochs since the last improvement (the page's patience gauge).
    """

    def __init__(self, patience: int = 7, delta: float = 0.0):
        if patience < 1:
            raise ValueError("patience must be at least 1 epoch")
        if delta < 0:
            raise ValueError("delta must be >= 0")
        self.patience = patience
        self.delta = delta
        self.counter = 0
        self.best_loss = math.inf
        self.early_stop = False

    def __call__(self, val_loss: float) -> bool:
        if val_loss < self.best_loss - self.delta:
            self.best_loss = val_loss
            self.counter = 0
        else:
            self.counter += 1
            if self.counter >= self.patience:
                self.early_stop = True
        return self.early_stop

    @property
    def improved(self) -> bool:
        """True when the last call set a new best loss."""
        return self.counter == 0 and math.isfinite(self.best_loss)

    def state_dict(self) -> dict:
        return {"patience": self.patience, "delta": self.delta, "counter": self.counter,
                "best_loss": self.best_loss, "early_stop": self.early_stop}

    def load_state_dict(self, state: dict) -> None:
        self.patience = int(state["patience"])
        self.delta = float(state["delta"])
        self.counter = int(state["counter"])
        self.best_loss = float(state["best_loss"])
        self.early_stop = bool(state["early_stop"])
