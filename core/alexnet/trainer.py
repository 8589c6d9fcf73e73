"""The training loop: model, loss, optimizer, learning-rate schedule, early stopping, checkpoints.

`Trainer` follows the article's design (SGD momentum 0.9, lr 0.01; ReduceLROnPlateau factor
0.5, patience 3, min_lr 1e-6; EarlyStopping patience 7) and the options of the modern recipe
(AdamW, a one-cycle schedule: linear warm-up then cosine decay, label smoothing, gradient
clipping; see `core.alexnet.recipes`). It adds what a real run needs:

- events for listeners: per logged step the loss, learning rate, total gradient norm and
  images/s; per epoch the losses, accuracy, patience and the best epoch so far;
- the best weights (lowest validation loss, the early-stopping criterion) kept in memory and in
  ``best.pt``; `restore_best` puts them back at the end, so the test figures come from the best
  epoch, not the last one;
- a checkpoint after every epoch that ``resume`` continues from;
- speed that does not wait on the host: per-step losses and gradient norms are summed on the
  device and read once every ``log_every`` steps, evaluation runs under ``torch.inference_mode``,
  CUDA runs may use automatic mixed precision (bf16, or fp16 with a gradient scaler) and
  ``channels_last``.

The reported training loss is plain cross-entropy, comparable with the validation loss, even
when label smoothing changes the loss being minimized.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.lr_scheduler import ReduceLROnPlateau

from core.errors import TrainingDiverged

from .distributed import DistInfo, all_reduce_sum
from .early_stopping import EarlyStopping

CHECKPOINT_FORMAT = 2  # 2: best epoch, one-cycle schedule, BatchNorm; 1 (older) still loads
READABLE_FORMATS = (1, 2)
OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("plateau", "onecycle")
Listener = Callable[[dict], None]


@dataclass
class TrainConfig:
    """Every setting of a run (CLI arguments, page state and checkpoint share it).

    The defaults are the article's recipe; `core.alexnet.recipes` names the recipes the page and
    the CLI offer (the CLI's default is the modern one). A field added later defaults to the
    article's behaviour, so older checkpoints rebuild the run they came from.
    """

    dataset: str = "mnist"
    recipe: str = "article"  # the recipe these settings started from (a label; fields may differ)
    variant: str = field(default="cifar", metadata={"choices": ["cifar", "imagenet"]})
    epochs: int = field(default=8, metadata={"min": 1, "max": 500})
    batch_size: int = field(default=64, metadata={"min": 1, "max": 4096})
    optimizer: str = field(default="sgd", metadata={"choices": list(OPTIMIZERS)})
    lr: float = field(default=0.01, metadata={"min": 1e-6, "max": 10.0})
    momentum: float = field(default=0.9, metadata={"min": 0.0, "max": 0.999})
    weight_decay: float = field(default=5e-4, metadata={"min": 0.0, "max": 0.5})
    schedule: str = field(default="plateau", metadata={"choices": list(SCHEDULES)})
    warmup: float = 0.15  # one-cycle: fraction of the steps spent warming up
    label_smoothing: float = 0.0
    grad_clip: float = 0.0  # max total gradient norm; 0 = no clipping
    patience: int = field(default=7, metadata={"min": 1, "max": 100})
    delta: float = field(default=0.0, metadata={"min": 0.0, "max": 1.0})
    lr_factor: float = 0.5
    lr_patience: int = 3
    min_lr: float = 1e-6
    augment: bool = False
    lrn: bool = False
    batchnorm: bool = False
    init: str = field(default="pytorch", metadata={"choices": ["pytorch", "paper", "kaiming"]})
    hidden: int = field(default=4096, metadata={"min": 16, "max": 8192})
    dropout: float = 0.5
    amp: bool = False
    channels_last: bool = True
    compile: bool = False
    workers: int = -1  # -1: automatic (see data.default_workers)
    limit: int = 0  # cap on train+validation images; 0 = all
    seed: int = 0
    log_every: int = 10

    def validate(self) -> None:
        """Raise ValueError with a readable one-line message for values that cannot train."""
        checks = [
            (self.epochs >= 1, f"epochs must be at least 1 (got {self.epochs})"),
            (self.batch_size >= 1, f"batch size must be at least 1 (got {self.batch_size})"),
            (0 < self.lr <= 10 and math.isfinite(self.lr), f"learning rate must be in (0, 10], got {self.lr}"),
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}"),
            (self.schedule in SCHEDULES, f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}"),
            (0 <= self.warmup < 1, f"warm-up must be a fraction in [0, 1), got {self.warmup}"),
            (0 <= self.label_smoothing < 1, f"label smoothing must be in [0, 1), got {self.label_smoothing}"),
            (0 <= self.weight_decay <= 0.5, f"weight decay must be in [0, 0.5], got {self.weight_decay}"),
            (self.grad_clip >= 0, f"gradient clipping must be >= 0 (0 = off), got {self.grad_clip}"),
            (self.patience >= 1, f"early-stopping patience must be at least 1 epoch (got {self.patience})"),
            (self.hidden >= 1 and 0 <= self.dropout < 1, "hidden width >= 1 and dropout in [0, 1) are required"),
            (self.limit == 0 or self.limit >= 10, f"limit must be 0 (all images) or at least 10 (got {self.limit})"),
            (self.log_every >= 1, "log_every must be at least 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def new_history() -> dict:
    return {"epoch": [], "train_loss": [], "val_loss": [], "val_acc": [], "lr": [],
            "images_per_s": [], "epoch_seconds": [], "patience_counter": [], "lr_drops": [],
            "step": [], "step_loss": [], "step_lr": [], "step_grad_norm": []}


def one_cycle_lr(peak: float, step: int, total_steps: int, warmup: float) -> float:
    """Learning rate for ``step`` (0-based) of ``total_steps``: linear warm-up from peak/25 to
    ``peak`` over the first ``warmup`` share, then cosine decay to peak/1e4.

    The schedule is a pure function of the step, so a resumed run with more epochs re-plans the
    rest of its decay over the new total (the rate steps up to where that longer plan would be,
    then decays to the floor at the new last epoch).
    """
    total_steps = max(int(total_steps), 1)
    warm = max(int(round(warmup * total_steps)), 1) if warmup > 0 else 0
    start, floor = peak / 25.0, peak / 1e4
    if step < warm:
        return start + (peak - start) * (step + 1) / warm
    progress = min((step - warm) / max(total_steps - warm - 1, 1), 1.0)
    return floor + (peak - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def amp_dtype(device: torch.device) -> torch.dtype:
    """bf16 where the hardware has it (no loss scaling needed), else fp16 on CUDA."""
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


def make_optimizer(params, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


class Trainer:
    """Train ``model`` with ``config``'s recipe and report to ``listener``.

    ``should_continue()`` is called between steps (a background job blocks there while paused
    and returns False to stop).
    """

    def __init__(self, model: nn.Module, config: TrainConfig, device: torch.device,
                 listener: Listener | None = None, dist_info: DistInfo | None = None,
                 best_path: str | Path | None = None):
        self.config, self.device = config, device
        self.dist = dist_info or DistInfo()
        self.listener = listener or (lambda event: None)
        self.memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
        self.model = model.to(device, memory_format=self.memory_format)
        self.criterion = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
        self.optimizer = make_optimizer(self.model.parameters(), config)
        self.scheduler = (ReduceLROnPlateau(self.optimizer, mode="min", factor=config.lr_factor,
                                            patience=config.lr_patience, min_lr=config.min_lr)
                          if config.schedule == "plateau" else None)
        self.early_stopping = EarlyStopping(patience=config.patience, delta=config.delta)
        self.use_amp = config.amp and device.type in ("cuda", "cpu")
        self.amp_dtype = amp_dtype(device)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp and self.amp_dtype == torch.float16)
        self.history = new_history()
        self.epoch = 0  # epochs completed
        self.global_step = 0
        self.total_steps = 0  # planned steps of the whole run (the one-cycle schedule needs it)
        self.best_epoch: int | None = None
        self.best_path = Path(best_path) if best_path else None
        self._best_weights: dict | None = None
        self.train_model = self.model  # what the loop calls: maybe DDP- and/or compile-wrapped
        if self.dist.enabled:
            ids = [device.index] if device.type == "cuda" else None
            self.train_model = nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        if config.compile:
            self.train_model = torch.compile(self.train_model)

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def _emit(self, event: dict) -> None:
        if self.dist.is_main:
            self.listener(event)

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=self.amp_dtype, enabled=self.use_amp)

    def _to_device(self, images: torch.Tensor, labels: torch.Tensor):
        return (images.to(self.device, non_blocking=True, memory_format=self.memory_format),
                labels.to(self.device, non_blocking=True))

    def _set_scheduled_lr(self, steps_in_epoch: int) -> None:
        if self.config.schedule != "onecycle":
            return
        total = self.total_steps or self.config.epochs * steps_in_epoch
        lr = one_cycle_lr(self.config.lr, self.global_step, total, self.config.warmup)
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def _step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimizer step; returns (plain cross-entropy, total gradient norm), both on the device."""
        with self._autocast():
            logits = self.train_model(x)
            loss = self.criterion(logits, y)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        if self.scaler.is_enabled():
            self.scaler.unscale_(self.optimizer)
        grads = [p.grad for p in self.model.parameters() if p.grad is not None]
        norm = torch.nn.utils.get_total_norm(grads)
        if self.config.grad_clip > 0:
            torch.nn.utils.clip_grads_with_norm_(self.model.parameters(), self.config.grad_clip, norm)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        plain = loss if self.config.label_smoothing == 0 else F.cross_entropy(logits.detach().float(), y)
        return plain.detach().float(), norm.detach().float()

    def train_epoch(self, loader, should_continue: Callable[[], bool] = lambda: True) -> float | None:
        """One pass over ``loader``; the mean training loss, or None when stopped midway."""
        self.train_model.train()
        for owner in (loader, getattr(loader, "sampler", None)):
            if hasattr(owner, "set_epoch"):
                owner.set_epoch(self.epoch)
        epoch_sum = torch.zeros((), device=self.device)
        window = torch.zeros(2, device=self.device)  # loss, gradient norm
        epoch_n = window_n = window_images = 0
        window_start = time.perf_counter()
        steps = len(loader)
        for i, (images, labels) in enumerate(loader):
            if not should_continue():
                return None
            x, y = self._to_device(images, labels)
            self._set_scheduled_lr(steps)
            lr = self.lr
            loss, norm = self._step(x, y)
            epoch_sum += loss * len(y)
            window[0] += loss
            window[1] += norm
            epoch_n += len(y)
            window_n += 1
            window_images += len(y)
            self.global_step += 1
            if self.global_step % self.config.log_every == 0 or i == steps - 1:
                value, grad_norm = (window / window_n).tolist()  # the one host sync of the window
                if not math.isfinite(value):
                    raise TrainingDiverged(
                        f"training diverged: the loss became {value} at epoch {self.epoch + 1}, "
                        f"step {self.global_step} (lr {lr:g}); try a lower learning rate")
                now = time.perf_counter()
                ips = window_images * self.dist.world_size / max(now - window_start, 1e-9)
                for key, v in (("step", self.global_step), ("step_loss", value), ("step_lr", lr),
                               ("step_grad_norm", grad_norm)):
                    self.history[key].append(v)
                self._emit({"kind": "step", "epoch": self.epoch + 1, "step": self.global_step,
                            "batch": i + 1, "batches": steps, "loss": value, "lr": lr,
                            "grad_norm": grad_norm, "images_per_s": ips})
                window.zero_()
                window_n = window_images = 0
                window_start = now
        totals = torch.stack([epoch_sum, torch.tensor(float(epoch_n), device=self.device)])
        all_reduce_sum(totals, self.dist)
        return float(totals[0] / totals[1])

    @torch.inference_mode()
    def evaluate(self, loader) -> tuple[float, float]:
        """Mean loss and accuracy over ``loader`` (summed on the device, read once)."""
        self.model.eval()
        sums = torch.zeros(3, device=self.device)  # loss, correct, count
        for images, labels in loader:
            x, y = self._to_device(images, labels)
            with self._autocast():
                logits = self.model(x)
            logits = logits.float()
            sums[0] += F.cross_entropy(logits, y, reduction="sum")
            sums[1] += (logits.argmax(1) == y).sum()
            sums[2] += len(y)
        all_reduce_sum(sums, self.dist)
        loss, correct, n = sums.tolist()
        if n == 0:
            raise ValueError("the validation set is empty")
        return loss / n, correct / n

    # --- the best epoch -------------------------------------------------------------------------
    def _keep_best(self) -> None:
        """Remember this epoch's weights as the best so far (memory, and ``best.pt`` when set)."""
        self.best_epoch = self.epoch
        if not self.dist.is_main:
            return
        self._best_weights = {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}
        if self.best_path is not None:
            self.best_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.best_path.with_suffix(self.best_path.suffix + f".tmp{os.getpid()}")
            torch.save({"format": CHECKPOINT_FORMAT, "config": self.config.to_dict(),
                        "model_config": self._model_config(), "model": self._best_weights,
                        "epoch": self.epoch, "best_epoch": self.epoch}, tmp)
            os.replace(tmp, self.best_path)

    def restore_best(self) -> int | None:
        """Load the best epoch's weights into the model (from memory, else ``best.pt``); its epoch."""
        if self.best_epoch is None or self.best_epoch == self.epoch:  # the model holds them already
            return self.best_epoch
        weights = self._best_weights
        if weights is None and self.best_path is not None and self.best_path.is_file():
            weights = load_checkpoint(self.best_path)["model"]
        if weights is not None:
            self.model.load_state_dict(weights)
        return self.best_epoch

    def fit(self, train_loader, val_loader, epochs: int | None = None,
            should_continue: Callable[[], bool] = lambda: True,
            checkpoint_path: str | Path | None = None) -> str:
        """Train until ``epochs`` (total, counting resumed ones), early stop, or a stop request.

        Returns why it ended: "completed", "early_stopped" or "stopped".
        """
        epochs = epochs or self.config.epochs
        self.total_steps = epochs * len(train_loader)
        if self.early_stopping.early_stop:
            return "early_stopped"
        while self.epoch < epochs:
            start = time.perf_counter()
            train_loss = self.train_epoch(train_loader, should_continue)
            if train_loss is None:
                return "stopped"
            train_seconds = time.perf_counter() - start
            val_loss, val_acc = self.evaluate(val_loader)
            seconds = time.perf_counter() - start
            lr_before = self.lr
            if self.scheduler is not None:
                self.scheduler.step(val_loss)
            stop = self.early_stopping(val_loss)
            self.epoch += 1
            if self.early_stopping.improved:
                self._keep_best()
            h = self.history
            n_train = len(train_loader.dataset)
            for key, value in (("epoch", self.epoch), ("train_loss", train_loss), ("val_loss", val_loss),
                               ("val_acc", val_acc), ("lr", lr_before), ("epoch_seconds", seconds),
                               ("images_per_s", n_train / train_seconds),
                               ("patience_counter", self.early_stopping.counter)):
                h[key].append(value)
            dropped = self.scheduler is not None and self.lr < lr_before
            if dropped:
                h["lr_drops"].append(self.epoch)
            remaining = (epochs - self.epoch) * (sum(h["epoch_seconds"][-3:]) / len(h["epoch_seconds"][-3:]))
            if checkpoint_path is not None and self.dist.is_main:
                self.save_checkpoint(checkpoint_path)
            self._emit({"kind": "epoch", "epoch": self.epoch, "epochs": epochs, "train_loss": train_loss,
                        "val_loss": val_loss, "val_acc": val_acc, "lr": lr_before, "next_lr": self.lr,
                        "lr_dropped": dropped, "images_per_s": n_train / train_seconds,
                        "epoch_seconds": seconds, "patience_counter": self.early_stopping.counter,
                        "patience": self.early_stopping.patience, "best_val_loss": self.early_stopping.best_loss,
                        "best_epoch": self.best_epoch, "eta_s": 0.0 if stop else remaining})
            if stop:
                return "early_stopped"
        return "completed"

    # --- checkpoints ----------------------------------------------------------------------
    def _model_config(self) -> dict | None:
        return self.model.config.to_dict() if hasattr(self.model, "config") else None

    def state_dict(self) -> dict:
        return {"format": CHECKPOINT_FORMAT, "config": self.config.to_dict(), "model_config": self._model_config(),
                "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
                "scaler": self.scaler.state_dict(), "early_stopping": self.early_stopping.state_dict(),
                "history": self.history, "epoch": self.epoch, "global_step": self.global_step,
                "best_epoch": self.best_epoch}

    def load_state_dict(self, state: dict, source: str = "the checkpoint") -> None:
        """Restore a run; a checkpoint that does not fit this model raises one readable ValueError."""
        require(state, ("model", "optimizer", "early_stopping", "history", "epoch", "global_step"), source)
        load_weights(self.model, state["model"], source)
        try:
            self.optimizer.load_state_dict(state["optimizer"])
            if self.scheduler is not None and state.get("scheduler"):
                self.scheduler.load_state_dict(state["scheduler"])
            if state.get("scaler"):
                self.scaler.load_state_dict(state["scaler"])
            self.early_stopping.load_state_dict(state["early_stopping"])
        except (ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise ValueError(f"{source} cannot resume this run: its optimizer state does not fit "
                             f"({_first_line(exc)})") from exc
        self.history = {**new_history(), **state["history"]}
        self.epoch = int(state["epoch"])
        self.global_step = int(state["global_step"])
        self.best_epoch = state.get("best_epoch")

    def save_checkpoint(self, path: str | Path, extra: dict | None = None) -> Path:
        """Write atomically (temp file + rename) so a crash never leaves half a checkpoint."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
        torch.save({**self.state_dict(), **(extra or {})}, tmp)
        os.replace(tmp, path)
        return path


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    detail = next((ln for ln in lines if "size mismatch" in ln or "Missing key" in ln or "Unexpected key" in ln),
                  lines[0] if lines else type(exc).__name__)
    return detail[:300]


def require(state: dict, keys: tuple[str, ...], source: str) -> None:
    missing = [k for k in keys if k not in state]
    if missing:
        raise ValueError(f"{source} is not a complete AlexNet checkpoint: {', '.join(map(repr, missing))} "
                         f"{'is' if len(missing) == 1 else 'are'} missing")


def load_weights(model: nn.Module, weights, source: str) -> None:
    """``model.load_state_dict`` with a one-line message when the shapes or names differ."""
    if not isinstance(weights, dict):
        raise ValueError(f"{source} has no model weights (its 'model' entry is a {type(weights).__name__})")
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        raise ValueError(f"{source} does not fit the network it describes: {_first_line(exc)}") from exc


def load_checkpoint(path: str | Path) -> dict:
    """Read a checkpoint written by `Trainer` (tensors and plain data only); checks what every use needs."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"{path} is not a readable AlexNet checkpoint ({type(exc).__name__}: "
                         f"{_first_line(exc)})") from exc
    if not isinstance(state, dict) or state.get("format") not in READABLE_FORMATS:
        raise ValueError(f"{path} is not an AlexNet checkpoint of this studio")
    require(state, ("config", "model"), str(path))
    if not isinstance(state["config"], dict):
        raise ValueError(f"{path} is not a complete AlexNet checkpoint: its 'config' entry is not a mapping")
    return state
