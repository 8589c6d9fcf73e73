"""The training loop: model, loss, optimizer, ReduceLROnPlateau, early stopping, checkpoints.

`Trainer` follows the article's design (SGD momentum 0.9, lr 0.01; ReduceLROnPlateau factor
0.5, patience 3, min_lr 1e-6; EarlyStopping patience 7) and adds what a real run needs:
events for listeners, a checkpoint after every epoch that `resume` continues from, and speed
that does not wait on the host: per-step losses are summed on the device and read once every
``log_every`` steps, evaluation runs under ``torch.inference_mode``, CUDA runs may use
automatic mixed precision (bf16, or fp16 with a gradient scaler) and ``channels_last``.
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

CHECKPOINT_FORMAT = 1
Listener = Callable[[dict], None]


@dataclass
class TrainConfig:
    """Every setting of a run (page state, CLI arguments and checkpoint share it)."""

    dataset: str = "digits"
    variant: str = field(default="cifar", metadata={"choices": ["cifar", "imagenet"]})
    epochs: int = field(default=8, metadata={"min": 1, "max": 500})
    batch_size: int = field(default=64, metadata={"min": 1, "max": 4096})
    optimizer: str = field(default="sgd", metadata={"choices": ["sgd", "adam"]})
    lr: float = field(default=0.01, metadata={"min": 1e-6, "max": 10.0})
    momentum: float = field(default=0.9, metadata={"min": 0.0, "max": 0.999})
    weight_decay: float = field(default=5e-4, metadata={"min": 0.0, "max": 0.1})
    patience: int = field(default=7, metadata={"min": 1, "max": 100})
    delta: float = field(default=0.0, metadata={"min": 0.0, "max": 1.0})
    lr_factor: float = 0.5
    lr_patience: int = 3
    min_lr: float = 1e-6
    augment: bool = False
    lrn: bool = False
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
        """Raise ValueError with a readable message for absurd values."""
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch size must be at least 1")
        if not (0 < self.lr <= 10 and math.isfinite(self.lr)):
            raise ValueError(f"learning rate must be in (0, 10], got {self.lr}")
        if self.weight_decay < 0 or self.patience < 1 or self.log_every < 1:
            raise ValueError("weight decay >= 0, patience >= 1 and log_every >= 1 are required")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be sgd or adam, got {self.optimizer!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def new_history() -> dict:
    return {"epoch": [], "train_loss": [], "val_loss": [], "val_acc": [], "lr": [],
            "images_per_s": [], "epoch_seconds": [], "patience_counter": [], "lr_drops": [],
            "step": [], "step_loss": []}


def amp_dtype(device: torch.device) -> torch.dtype:
    """bf16 where the hardware has it (no loss scaling needed), else fp16 on CUDA."""
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


class Trainer:
    """Train ``model`` with the article's recipe and report to ``listener``.

    ``should_continue()`` is called between steps (a background job blocks there while paused
    and returns False to stop).
    """

    def __init__(self, model: nn.Module, config: TrainConfig, device: torch.device,
                 listener: Listener | None = None, dist_info: DistInfo | None = None):
        self.config, self.device = config, device
        self.dist = dist_info or DistInfo()
        self.listener = listener or (lambda event: None)
        self.memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
        self.model = model.to(device, memory_format=self.memory_format)
        self.criterion = nn.CrossEntropyLoss()
        params = self.model.parameters()
        if config.optimizer == "adam":
            self.optimizer = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
        else:
            self.optimizer = torch.optim.SGD(params, lr=config.lr, momentum=config.momentum,
                                             weight_decay=config.weight_decay)
        self.scheduler = ReduceLROnPlateau(self.optimizer, mode="min", factor=config.lr_factor,
                                           patience=config.lr_patience, min_lr=config.min_lr)
        self.early_stopping = EarlyStopping(patience=config.patience, delta=config.delta)
        self.use_amp = config.amp and device.type in ("cuda", "cpu")
        self.amp_dtype = amp_dtype(device)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp and self.amp_dtype == torch.float16)
        self.history = new_history()
        self.epoch = 0  # epochs completed
        self.global_step = 0
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

    def train_epoch(self, loader, should_continue: Callable[[], bool] = lambda: True) -> float | None:
        """One pass over ``loader``; the mean training loss, or None when stopped midway."""
        self.train_model.train()
        sampler = getattr(loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(self.epoch)
        epoch_sum = torch.zeros((), device=self.device)
        window_sum = torch.zeros((), device=self.device)
        epoch_n = window_n = window_images = 0
        window_start = time.perf_counter()
        steps = len(loader)
        for i, (images, labels) in enumerate(loader):
            if not should_continue():
                return None
            x, y = self._to_device(images, labels)
            with self._autocast():
                loss = self.criterion(self.train_model(x), y)
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
            d = loss.detach().float()
            epoch_sum += d * len(y)
            window_sum += d
            epoch_n += len(y)
            window_n += 1
            window_images += len(y)
            self.global_step += 1
            if self.global_step % self.config.log_every == 0 or i == steps - 1:
                value = float(window_sum / window_n)  # the one host sync of the window
                if not math.isfinite(value):
                    raise TrainingDiverged(
                        f"training diverged: the loss became {value} at epoch {self.epoch + 1}, "
                        f"step {self.global_step} (lr {self.lr:g}); try a lower learning rate")
                now = time.perf_counter()
                ips = window_images * self.dist.world_size / max(now - window_start, 1e-9)
                self.history["step"].append(self.global_step)
                self.history["step_loss"].append(value)
                self._emit({"kind": "step", "epoch": self.epoch + 1, "step": self.global_step,
                            "batch": i + 1, "batches": steps, "loss": value, "lr": self.lr,
                            "images_per_s": ips})
                window_sum.zero_()
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

    def fit(self, train_loader, val_loader, epochs: int | None = None,
            should_continue: Callable[[], bool] = lambda: True,
            checkpoint_path: str | Path | None = None) -> str:
        """Train until ``epochs`` (total, counting resumed ones), early stop, or a stop request.

        Returns why it ended: "completed", "early_stopped" or "stopped".
        """
        epochs = epochs or self.config.epochs
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
            self.scheduler.step(val_loss)
            stop = self.early_stopping(val_loss)
            self.epoch += 1
            h = self.history
            n_train = len(train_loader.dataset)
            for key, value in (("epoch", self.epoch), ("train_loss", train_loss), ("val_loss", val_loss),
                               ("val_acc", val_acc), ("lr", lr_before), ("epoch_seconds", seconds),
                               ("images_per_s", n_train / train_seconds),
                               ("patience_counter", self.early_stopping.counter)):
                h[key].append(value)
            if self.lr < lr_before:
                h["lr_drops"].append(self.epoch)
            remaining = (epochs - self.epoch) * (sum(h["epoch_seconds"][-3:]) / len(h["epoch_seconds"][-3:]))
            if checkpoint_path is not None and self.dist.is_main:
                self.save_checkpoint(checkpoint_path)
            self._emit({"kind": "epoch", "epoch": self.epoch, "epochs": epochs, "train_loss": train_loss,
                        "val_loss": val_loss, "val_acc": val_acc, "lr": lr_before, "next_lr": self.lr,
                        "lr_dropped": self.lr < lr_before, "images_per_s": n_train / train_seconds,
                        "patience_counter": self.early_stopping.counter, "patience": self.early_stopping.patience,
                        "best_val_loss": self.early_stopping.best_loss, "eta_s": 0.0 if stop else remaining})
            if stop:
                return "early_stopped"
        return "completed"

    # --- checkpoints ----------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"format": CHECKPOINT_FORMAT, "config": self.config.to_dict(),
                "model_config": self.model.config.to_dict() if hasattr(self.model, "config") else None,
                "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "scaler": self.scaler.state_dict(),
                "early_stopping": self.early_stopping.state_dict(), "history": self.history,
                "epoch": self.epoch, "global_step": self.global_step}

    def load_state_dict(self, state: dict) -> None:
        if state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"unsupported checkpoint format {state.get('format')!r}")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.early_stopping.load_state_dict(state["early_stopping"])
        self.history = {**new_history(), **state["history"]}
        self.epoch = int(state["epoch"])
        self.global_step = int(state["global_step"])

    def save_checkpoint(self, path: str | Path, extra: dict | None = None) -> Path:
        """Write atomically (temp file + rename) so a crash never leaves half a checkpoint."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
        torch.save({**self.state_dict(), **(extra or {})}, tmp)
        os.replace(tmp, path)
        return path


def load_checkpoint(path: str | Path) -> dict:
    """Read a checkpoint written by `Trainer.save_checkpoint` (tensors and plain data only)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"{path} is not a readable AlexNet checkpoint ({type(exc).__name__}: {exc})") from exc
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not an AlexNet checkpoint of this studio")
    return state
