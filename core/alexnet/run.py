"""One training entry point for the page, the command line and ``torchrun``.

`run_training` loads the data, builds AlexNet and the `Trainer`, resumes from the run folder's
checkpoint when asked, trains, evaluates on the test set and writes the run folder:

* ``checkpoint.pt`` — after every epoch (model, optimizer, scheduler, early stopping, history):
  the last epoch, what ``resume`` continues from;
* ``best.pt`` — the weights of the best epoch (lowest validation loss); the model is restored to
  them before the test set is evaluated, so the test figures are the best epoch's;
* ``run.json`` — config, history, best epoch, status and test results (what the page compares).

A folder that already holds a run is never overwritten silently: starting a new run there needs
``overwrite=True`` (the CLI's ``--overwrite``); ``resume=True`` continues it.

Under ``torchrun`` every process trains its shard and only rank 0 writes.
"""

from __future__ import annotations

import copy
import json
import os
import re
import time
from pathlib import Path
from typing import Callable

import torch
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from core.device import pick_device
from core.paths import data_dir
from core.threads import fair_share

from . import distributed
from .data import BatchLoader, default_workers, load_splits
from .evaluation import EvalResult, evaluate
from .model import INPUT_SIZE, AlexNet, AlexNetConfig, count_parameters
from .trainer import Listener, Trainer, TrainConfig, load_checkpoint, load_weights, require

CHECKPOINT = "checkpoint.pt"
BEST = "best.pt"
RUN_FILE = "run.json"


def runs_dir() -> Path:
    return data_dir("alexnet", "runs")


def default_run_dir(config: TrainConfig) -> Path:
    """A stable folder per dataset and variant, so ``--resume`` finds it without ``--out``."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", config.dataset.replace("folder:", "folder-")).strip("_")[-60:]
    return runs_dir() / f"{name or 'run'}-{config.variant}"


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=float))
    os.replace(tmp, path)


def _loaders(splits, config: TrainConfig, device: torch.device, info: distributed.DistInfo):
    if splits.decoded:  # one uint8 tensor in memory: batches are sliced, normalized and augmented whole
        make = lambda data, shuffle, augment: BatchLoader(  # noqa: E731
            data, config.batch_size, shuffle, augment, config.seed, info.rank, info.world_size, splits.flip)
        return (make(splits.train, True, splits.augment), make(splits.val, False, False),
                BatchLoader(splits.test, config.batch_size))
    workers = config.workers if config.workers >= 0 else default_workers(device)
    common = dict(num_workers=workers, pin_memory=device.type == "cuda", persistent_workers=workers > 0)
    if info.enabled:
        train_sampler = DistributedSampler(splits.train, info.world_size, info.rank, shuffle=True, seed=config.seed)
        val_sampler = DistributedSampler(splits.val, info.world_size, info.rank, shuffle=False)
        train = DataLoader(splits.train, config.batch_size, sampler=train_sampler, drop_last=False, **common)
        val = DataLoader(splits.val, config.batch_size, sampler=val_sampler, **common)
    else:
        gen = torch.Generator().manual_seed(config.seed)
        train = DataLoader(splits.train, config.batch_size, shuffle=True, generator=gen, **common)
        val = DataLoader(splits.val, config.batch_size, **common)
    test = DataLoader(splits.test, config.batch_size, num_workers=workers, pin_memory=device.type == "cuda")
    return train, val, test


def check_run_folder(out: Path, resume: bool, overwrite: bool = False) -> None:
    """Refuse a run folder that is a file, or one that holds another run (unless resuming or overwriting)."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file, not a run folder; choose a folder for the run")
    if resume:
        if not (out / CHECKPOINT).is_file():
            raise FileNotFoundError(f"no checkpoint at {out / CHECKPOINT}: nothing to resume")
        return
    if (out / CHECKPOINT).exists() and not overwrite:
        raise ValueError(f"{out} already holds a run; continue it (--resume), choose another folder (--out), "
                         "or replace it (--overwrite)")


def run_training(config: TrainConfig, out_dir: str | Path | None = None, resume: bool = False,
                 device: str | torch.device | None = None, listener: Listener | None = None,
                 should_continue: Callable[[], bool] = lambda: True, epochs: int | None = None,
                 max_misclassified: int = 32, overwrite: bool = False, owner: str = "") -> dict:
    """Train (or resume) one run; returns {status, out_dir, history, test (EvalResult|None), ...}.

    ``epochs`` overrides the configured total (to extend a resumed run). Every check that can fail
    on the settings (values, run folder, checkpoint) runs before any data is loaded. ``owner``
    is stored in run.json (whose runs a page lists).
    """
    listener = listener or (lambda event: None)
    out = Path(out_dir) if out_dir else default_run_dir(config)
    check_run_folder(out, resume, overwrite)
    state = None
    if resume:
        state = load_checkpoint(out / CHECKPOINT)
        config = TrainConfig.from_dict(state["config"])
    if epochs is not None:
        config.epochs = epochs
    config.validate()
    device = device if isinstance(device, torch.device) else pick_device(device)
    info, device = distributed.setup(device)
    if info.enabled and device.type == "cpu":  # one process per core share, not oversubscription
        torch.set_num_threads(fair_share(info.world_size))
    try:
        torch.manual_seed(config.seed)
        splits = load_splits(config.dataset, INPUT_SIZE[config.variant], config.augment,
                             config.limit or None, config.seed)
        model = AlexNet(AlexNetConfig(variant=config.variant, num_classes=len(splits.classes), lrn=config.lrn,
                                      init=config.init, hidden=config.hidden, dropout=config.dropout,
                                      batchnorm=config.batchnorm))
        trainer = Trainer(model, config, device, listener, info, best_path=out / BEST)
        if state is not None:
            trainer.load_state_dict(state, str(out / CHECKPOINT))
        train_loader, val_loader, test_loader = _loaders(splits, config, device, info)
        record = {"config": config.to_dict(), "classes": splits.classes, "dataset": splits.description,
                  "device": str(device), "world_size": info.world_size, "started": time.time(),
                  "owner": owner, "status": "running", "history": trainer.history, "best_epoch": trainer.best_epoch,
                  "test": None}
        if info.is_main:
            out.mkdir(parents=True, exist_ok=True)
            _write_json(out / RUN_FILE, record)

        def on_event(event: dict) -> None:
            if not info.is_main:
                return
            listener(event)
            if event.get("kind") == "epoch":
                _write_json(out / RUN_FILE, {**record, "history": trainer.history, "best_epoch": trainer.best_epoch})

        trainer.listener = on_event
        on_event({"kind": "start", "device": str(device), "dataset": splits.description,
                  "classes": splits.classes, "n_train": len(splits.train), "n_val": len(splits.val),
                  "n_test": len(splits.test), "epochs": config.epochs, "steps_per_epoch": len(train_loader),
                  "parameters": count_parameters(model), "resumed_epoch": trainer.epoch,
                  "best_epoch": trainer.best_epoch, "decoded_mib": splits.cached_bytes / 2**20,
                  "history": copy.deepcopy(trainer.history), "out_dir": str(out), "world_size": info.world_size,
                  "recipe": config.recipe, "schedule": config.schedule})
        status = trainer.fit(train_loader, val_loader, config.epochs, should_continue, out / CHECKPOINT)
        test: EvalResult | None = None
        if info.is_main and trainer.epoch > 0:
            on_event({"kind": "evaluating"})
            best = trainer.restore_best()
            test = evaluate(trainer.model, test_loader, device, splits.classes, max_misclassified,
                            config.channels_last)
            record.update(status=status, history=trainer.history, best_epoch=best, test=test.summary(),
                          finished=time.time())
            _write_json(out / RUN_FILE, record)
            on_event({"kind": "test", "status": status, **test.summary(), "misclassified": test.misclassified,
                      "best_epoch": best, "epochs_trained": trainer.epoch, "checkpoint": str(out / CHECKPOINT),
                      "best_checkpoint": str(out / BEST)})
        elif info.is_main:
            record.update(status=status, finished=time.time())
            _write_json(out / RUN_FILE, record)
        return {"status": status, "out_dir": str(out), "checkpoint": str(out / CHECKPOINT),
                "history": trainer.history, "test": test, "epoch": trainer.epoch, "config": config,
                "classes": splits.classes, "device": str(device), "best_epoch": trainer.best_epoch}
    finally:
        distributed.cleanup(info)


def evaluate_checkpoint(path: str | Path, dataset: str | None = None, device: str | None = None,
                        batch_size: int = 256, max_misclassified: int = 32) -> tuple[EvalResult, dict]:
    """Rebuild the model stored in ``path`` (``checkpoint.pt``: the last epoch; ``best.pt``: the best)
    and evaluate it on ``dataset``'s test split (default: the dataset it was trained on).

    Returns the result and what was evaluated (``epoch``, ``best_epoch``)."""
    state = load_checkpoint(path)
    require(state, ("model_config",), str(path))
    config = TrainConfig.from_dict(state["config"])
    try:
        model_cfg = AlexNetConfig(**state["model_config"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path} describes a network this studio cannot build ({exc})") from exc
    model = AlexNet(model_cfg)
    load_weights(model, state["model"], str(path))
    dev = pick_device(device)
    splits = load_splits(dataset or config.dataset, INPUT_SIZE[config.variant], False,
                         config.limit or None, config.seed, download=True)
    if len(splits.classes) != model_cfg.num_classes:
        raise ValueError(f"the checkpoint predicts {model_cfg.num_classes} classes but the dataset has "
                         f"{len(splits.classes)}")
    model.to(dev, memory_format=torch.channels_last)
    if splits.decoded:
        loader = BatchLoader(splits.test, batch_size)
    else:
        loader = DataLoader(splits.test, batch_size, num_workers=default_workers(dev), pin_memory=dev.type == "cuda")
    result = evaluate(model, loader, dev, splits.classes, max_misclassified, channels_last=True)
    return result, {"epoch": state.get("epoch"), "best_epoch": state.get("best_epoch")}


def list_runs(owner: str | None = None) -> list[dict]:
    """Past runs (newest first) as read from their run.json; unreadable files are skipped.

    ``owner``: only the runs started by that owner (None: every run, CLI runs included)."""
    runs = []
    for path in runs_dir().glob(f"*/{RUN_FILE}"):
        try:
            data = json.loads(path.read_text())
            if not isinstance(data, dict) or owner is not None and data.get("owner", "") != owner:
                continue
            data["name"] = path.parent.name
            data["path"] = str(path.parent)
            runs.append(data)
        except (OSError, ValueError):
            continue
    return sorted(runs, key=lambda r: r.get("started", 0), reverse=True)
