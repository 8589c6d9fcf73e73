"""Turn a run's event stream into what the live panel shows (plain data: no Streamlit here, so it is
tested without a page; a view-model, hence in `ui/`, not `core/`).

The trainer emits ``start``, ``step``, ``epoch``, ``evaluating`` and ``test`` events; `LiveRun`
folds them into curves (step loss, total gradient norm, learning rate per step with the
plateau drops, epoch losses, accuracy), the best epoch so far, the latest throughput, an ETA
and the early-stopping patience. `smooth` is TensorBoard's
exponential moving average with bias correction.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def smooth(values: list[float], weight: float) -> list[float]:
    """Exponential moving average (TensorBoard's "smoothing" slider), debiased at the start."""
    if not 0.0 <= weight < 1.0:
        raise ValueError("smoothing weight must be in [0, 1)")
    out, last, norm = [], 0.0, 0.0
    for v in values:
        last = weight * last + (1 - weight) * v
        norm = weight * norm + (1 - weight)
        out.append(last / norm)
    return out


@dataclass
class LiveRun:
    """Everything the page plots, rebuilt from events."""

    start: dict = field(default_factory=dict)
    steps: list[int] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    step_lr: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    epochs: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    lr_drops: list[int] = field(default_factory=list)
    last_step: dict = field(default_factory=dict)
    last_epoch: dict = field(default_factory=dict)
    best_epoch: int | None = None
    test: dict | None = None
    evaluating: bool = False

    @classmethod
    def from_events(cls, events: list[dict]) -> "LiveRun":
        run = cls()
        for e in events:
            run.add(e)
        return run

    def add(self, e: dict) -> None:
        kind = e.get("kind")
        if kind == "start":
            self.start = e
            h = e.get("history") or {}  # a resumed run starts with its earlier curves
            self.steps, self.step_loss = list(h.get("step", [])), list(h.get("step_loss", []))
            self.step_lr, self.grad_norm = list(h.get("step_lr", [])), list(h.get("step_grad_norm", []))
            self.best_epoch = e.get("best_epoch")
            self.epochs, self.train_loss = list(h.get("epoch", [])), list(h.get("train_loss", []))
            self.val_loss, self.val_acc = list(h.get("val_loss", [])), list(h.get("val_acc", []))
            self.lr, self.lr_drops = list(h.get("lr", [])), list(h.get("lr_drops", []))
        elif kind == "step":
            self.steps.append(e["step"])
            self.step_loss.append(e["loss"])
            self.step_lr.append(e["lr"])
            self.grad_norm.append(e.get("grad_norm", float("nan")))
            self.last_step = e
        elif kind == "epoch":
            self.epochs.append(e["epoch"])
            self.train_loss.append(e["train_loss"])
            self.val_loss.append(e["val_loss"])
            self.val_acc.append(e["val_acc"])
            self.lr.append(e["lr"])
            if e.get("lr_dropped"):
                self.lr_drops.append(e["epoch"])
            self.best_epoch = e.get("best_epoch", self.best_epoch)
            self.last_epoch = e
        elif kind == "evaluating":
            self.evaluating = True
        elif kind == "test":
            self.test, self.evaluating = e, False
            self.best_epoch = e.get("best_epoch", self.best_epoch)

    @property
    def steps_per_epoch(self) -> int:
        return int(self.start.get("steps_per_epoch") or 0)

    def step_epochs(self, steps: list[int] | None = None) -> list[float]:
        """Steps as fractional epochs (1.0 = the end of epoch 1), to share an axis with the epoch curves."""
        per = self.steps_per_epoch or 1
        return [s / per for s in (self.steps if steps is None else steps)]

    @property
    def total_epochs(self) -> int:
        return int(self.last_epoch.get("epochs") or self.start.get("epochs") or 0)

    @property
    def images_per_s(self) -> float | None:
        return self.last_step.get("images_per_s")

    @property
    def progress(self) -> float:
        """Fraction of the planned epochs done, counting the current epoch's batches."""
        total = self.total_epochs
        if not total:
            return 0.0
        done = len(self.epochs)
        if self.last_step and self.last_step.get("epoch", 0) > done:
            done += self.last_step["batch"] / max(self.last_step["batches"], 1)
        return min(done / total, 1.0)

    def eta_seconds(self) -> float | None:
        """Remaining time from the latest throughput (None until it is known)."""
        ips = self.images_per_s
        if not ips or not self.start:
            return None
        remaining = (1 - self.progress) * self.total_epochs * self.start.get("n_train", 0)
        return remaining / ips

    @property
    def patience(self) -> tuple[int, int]:
        """(epochs without improvement, patience) for the early-stopping gauge."""
        return int(self.last_epoch.get("patience_counter", 0)), int(self.last_epoch.get("patience", 0))
