"""Exceptions shared by the areas of `core` (torch and the standard library only).

`core.mlp.export` inlines this module into the standalone scripts it writes, so it must stay
free of imports from the rest of the package.
"""

from __future__ import annotations


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the message says where and suggests what to change.

    ``TrainingDiverged(epoch=3, loss=nan, lr=0.5)`` builds the standard message; a plain message
    string works too. ``epoch``, ``loss`` and ``lr`` are kept as attributes when given.
    """

    def __init__(self, message: str | None = None, *, epoch: int | None = None, loss: float | None = None,
                 lr: float | None = None):
        self.epoch, self.loss, self.lr = epoch, loss, lr
        if message is None:
            message = f"Training diverged at epoch {epoch}: the loss became {loss}."
            if lr is not None:
                message += (f" The learning rate {lr:g} is too large for this network and data; "
                            f"try {lr / 10:g} or lower.")
        super().__init__(message)
