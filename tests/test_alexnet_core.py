"""AlexNet core: model shapes, learning, early stopping, scheduler, checkpoints/resume, evaluation,
dataset errors, the CLI and DDP with two Gloo processes. Tiny models and inputs keep it fast."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader, TensorDataset

from core.alexnet import (AlexNet, AlexNetConfig, DatasetError, EarlyStopping, Trainer, TrainConfig,
                          TrainingDiverged, evaluate, load_splits, run_training)
from core.alexnet.live import LiveRun, smooth

ROOT = Path(__file__).resolve().parent.parent
TINY = dict(hidden=32, epochs=2, batch_size=16, limit=60, log_every=2)


# --- model -----------------------------------------------------------------------------------
@pytest.mark.parametrize("variant,size", [("cifar", 32), ("imagenet", 224)])
def test_both_variants_map_images_to_class_logits(variant, size):
    model = AlexNet(AlexNetConfig(variant=variant, num_classes=7, hidden=64, lrn=True))
    out = model(torch.randn(2, 3, size, size))
    assert out.shape == (2, 7)
    convs = [m for m in model.features if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 192, 384, 256, 256]
    pools = [m for m in model.features if isinstance(m, torch.nn.MaxPool2d)]
    assert all(p.kernel_size == 3 and p.stride == 2 for p in pools)  # overlapping pooling


def test_imagenet_variant_matches_the_article_layout():
    model = AlexNet(AlexNetConfig(variant="imagenet", num_classes=1000))
    assert model.features[0].kernel_size == (11, 11) and model.features[0].stride == (4, 4)
    assert model.avgpool.output_size == (6, 6)
    assert model.classifier[1].in_features == 256 * 6 * 6 and model.classifier[1].out_features == 4096
    assert sum(p.numel() for p in model.parameters()) == 61_100_840  # torchvision's AlexNet count


def test_grayscale_input_and_paper_initialisation():
    model = AlexNet(AlexNetConfig(in_channels=1, init="paper", hidden=32))
    assert model(torch.randn(1, 1, 32, 32)).shape == (1, 10)
    convs = [m for m in model.features if isinstance(m, torch.nn.Conv2d)]
    assert torch.all(convs[1].bias == 1) and torch.all(convs[0].bias == 0)
    assert abs(float(convs[2].weight.detach().std()) - 0.01) < 0.002
    with pytest.raises(ValueError):
        AlexNetConfig(variant="vgg")


# --- training ----------------------------------------------------------------------------------
def test_a_few_steps_reduce_the_loss_on_a_tiny_set():
    torch.manual_seed(0)
    splits = load_splits("digits", 32, limit=20, seed=1)
    images, labels = map(torch.stack, zip(*[(x, torch.tensor(y)) for x, y in splits.train]))
    loader = DataLoader(TensorDataset(images[:8], labels[:8]), batch_size=8)
    config = TrainConfig(optimizer="adam", lr=1e-3, log_every=1, weight_decay=0)
    model = AlexNet(AlexNetConfig(hidden=64, dropout=0.0, init="kaiming"))
    trainer = Trainer(model, config, torch.device("cpu"))
    first = trainer.evaluate(loader)[0]
    for _ in range(10):
        trainer.train_epoch(loader)
    last = trainer.evaluate(loader)[0]
    assert last < first - 0.2  # from chance (ln 10 = 2.30) clearly downwards
    assert len(trainer.history["step_loss"]) == 10 and trainer.global_step == 10


def test_early_stopping_counts_patience_and_respects_delta():
    stopper = EarlyStopping(patience=3, delta=0.1)
    assert stopper(1.0) is False and stopper.counter == 0
    assert stopper(0.95) is False and stopper.counter == 1  # better, but not by more than delta
    assert stopper(0.5) is False and stopper.counter == 0
    assert [stopper(0.6), stopper(0.6)] == [False, False]
    assert stopper(0.6) is True and stopper.early_stop
    restored = EarlyStopping()
    restored.load_state_dict(stopper.state_dict())
    assert restored.counter == 3 and restored.best_loss == 0.5 and restored.early_stop


def test_plateau_halves_lr_after_three_flat_epochs_and_patience_stops(monkeypatch):
    x, y = torch.randn(8, 3, 32, 32), torch.randint(0, 10, (8,))
    loader = DataLoader(TensorDataset(x, y), batch_size=8)
    config = TrainConfig(hidden=16, epochs=20, log_every=1)
    events = []
    trainer = Trainer(AlexNet(AlexNetConfig(hidden=16)), config, torch.device("cpu"), events.append)
    monkeypatch.setattr(trainer, "evaluate", lambda loader: (1.0, 0.1))  # a flat validation loss
    assert trainer.fit(loader, loader) == "early_stopped"
    h = trainer.history
    assert h["epoch"] == list(range(1, 9))  # best at epoch 1, then 7 flat epochs = patience 7
    assert h["lr_drops"] == [5]  # 4th flat epoch exceeds patience 3
    assert h["lr"][4] == 0.01 and trainer.lr == pytest.approx(0.005)  # epochs 6-8: 3 flat, not > 3
    assert [e["patience_counter"] for e in events if e["kind"] == "epoch"] == list(range(8))
    trainer.scheduler.min_lrs = [1e-6]
    for _ in range(200):
        trainer.scheduler.step(1.0)
    assert trainer.lr == pytest.approx(1e-6)


def test_divergence_is_reported_not_trained_through():
    x, y = torch.randn(8, 3, 32, 32), torch.randint(0, 10, (8,))
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    trainer = Trainer(AlexNet(AlexNetConfig(hidden=16)), TrainConfig(log_every=1), torch.device("cpu"))
    trainer.criterion = lambda out, target: out.sum() * float("nan")
    with pytest.raises(TrainingDiverged, match="lower learning rate"):
        trainer.train_epoch(loader)


# --- checkpoints, resume, evaluation ----------------------------------------------------------------
def test_checkpoint_resume_continues_the_same_curves(tmp_path):
    config = TrainConfig(dataset="digits", **TINY)
    first = run_training(config, tmp_path / "run", device="cpu")
    assert first["status"] == "completed" and first["epoch"] == 2
    saved = json.loads((tmp_path / "run" / "run.json").read_text())
    assert saved["history"]["epoch"] == [1, 2]
    events = []
    second = run_training(TrainConfig(dataset="fake"), tmp_path / "run", resume=True, device="cpu",
                          epochs=3, listener=events.append)
    start = next(e for e in events if e["kind"] == "start")
    assert start["resumed_epoch"] == 2 and "digits" in start["dataset"]  # stored config wins
    h = second["history"]
    assert h["epoch"] == [1, 2, 3]
    assert h["train_loss"][:2] == first["history"]["train_loss"][:2]
    assert h["step"] == sorted(h["step"]) and h["step"][-1] > first["history"]["step"][-1]
    assert [e["epoch"] for e in events if e["kind"] == "epoch"] == [3]
    test = second["test"]
    assert test.confusion.sum() == start["n_test"] and 0 <= test.accuracy <= 1


def test_stop_request_ends_the_run_and_resume_picks_it_up(tmp_path):
    calls = iter(range(10_000))
    config = TrainConfig(dataset="digits", **{**TINY, "epochs": 3})
    # allow a bit more than one epoch of steps (3 batches per epoch), then ask to stop
    result = run_training(config, tmp_path / "r", device="cpu", should_continue=lambda: next(calls) < 4)
    assert result["status"] == "stopped" and result["epoch"] == 1
    resumed = run_training(config, tmp_path / "r", resume=True, device="cpu")
    assert resumed["status"] == "completed" and resumed["history"]["epoch"] == [1, 2, 3]


def test_evaluation_reports_confusion_per_class_and_misclassified():
    torch.manual_seed(0)
    splits = load_splits("digits", 32, limit=40)
    model = AlexNet(AlexNetConfig(hidden=16))
    result = evaluate(model, DataLoader(splits.val, batch_size=5), torch.device("cpu"), splits.classes, 4)
    assert result.confusion.shape == (10, 10) and result.confusion.sum() == len(splits.val)
    assert result.accuracy == pytest.approx(np.trace(result.confusion) / len(splits.val))
    assert len(result.misclassified) == min(4, int(len(splits.val) - np.trace(result.confusion)))
    item = result.misclassified[0]
    assert item["image"].shape == (32, 32, 3) and item["image"].dtype == np.uint8
    assert item["true"] != item["pred"]
    summary = result.summary()
    assert len(summary["per_class_acc"]) == 10 and json.dumps(summary)


# --- datasets ------------------------------------------------------------------------------------------
def _png(path: Path, color, size=(12, 12)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)


def test_bundled_datasets_are_three_channel_normalised_and_split():
    splits = load_splits("digits", 32)
    x, y = splits.train[0]
    assert x.shape == (3, 32, 32) and -1 <= float(x.min()) and float(x.max()) <= 1
    assert len(splits.train) + len(splits.val) + len(splits.test) == 1797
    assert len(splits.val) == pytest.approx(0.2 * (len(splits.train) + len(splits.val)), abs=1)
    mnist = load_splits("mnist", 32, limit=100)
    assert mnist.train[0][0].shape == (3, 32, 32) and mnist.classes == [str(i) for i in range(10)]


def test_dataset_errors_are_clear(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load_splits(f"folder:{tmp_path / 'nope'}")
    root = tmp_path / "imgs"
    _png(root / "cat" / "a.png", "red")
    (root / "dog").mkdir()
    with pytest.raises(DatasetError, match="dog.*empty"):
        load_splits(f"folder:{root}")
    _png(root / "dog" / "b.png", "blue")
    (root / "dog" / "broken.png").write_bytes(b"not a png at all")
    with pytest.raises(DatasetError, match="corrupt.*broken.png"):
        load_splits(f"folder:{root}")
    with pytest.raises(DatasetError, match="two class"):
        load_splits(f"folder:{root / 'cat'}")
    with pytest.raises(DatasetError, match="Unknown dataset"):
        load_splits("imagenet-21k")
    with pytest.raises(DatasetError, match="CIFAR-10 is not under"):
        load_splits("cifar10", download=False)


def test_cli_trains_on_an_image_folder_and_resumes(tmp_path):
    root = tmp_path / "shapes"
    rng = np.random.default_rng(0)
    for split, n in (("train", 24), ("test", 6)):
        for cls, channel in (("red", 0), ("blue", 2)):
            for i in range(n):
                pixels = rng.integers(0, 60, (16, 16, 3), dtype=np.uint8)
                pixels[..., channel] = 200 + rng.integers(0, 55, (16, 16))
                (root / split / cls).mkdir(parents=True, exist_ok=True)
                Image.fromarray(pixels).save(root / split / cls / f"{i}.png")
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "core.alexnet", "train", "--dataset", f"folder:{root}", "--epochs", "2",
           "--hidden", "32", "--batch-size", "8", "--optimizer", "adam", "--lr", "0.0003", "--out", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [ln.split()[1] for ln in lines if ln.startswith("epoch:")] == ["1", "2"]
    assert "train_loss:" in lines[1] and "images_per_s:" in lines[1]
    test_acc = float(lines[-1].split("test_acc:")[1])
    assert test_acc >= 0.75  # red vs blue is easy
    resume = [sys.executable, "-m", "core.alexnet", "train", "--dataset", f"folder:{root}", "--epochs", "3",
              "--out", str(out), "--resume"]
    resumed = subprocess.run(resume, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming after epoch 2" in resumed.stdout
    assert [ln.split()[1] for ln in resumed.stdout.splitlines() if ln.startswith("epoch:")] == ["3"]
    evaluated = subprocess.run([sys.executable, "-m", "core.alexnet", "evaluate", "--checkpoint",
                                str(out / "checkpoint.pt")], cwd=ROOT, capture_output=True, text=True,
                               env=env, timeout=300)
    assert evaluated.returncode == 0 and "test_acc:" in evaluated.stdout
    missing = subprocess.run([sys.executable, "-m", "core.alexnet", "train", "--dataset",
                              f"folder:{tmp_path / 'absent'}"], cwd=ROOT, capture_output=True, text=True,
                             env=env, timeout=300)
    assert missing.returncode == 2 and "Image folder not found" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_ddp_with_two_gloo_processes_on_cpu(tmp_path):
    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "core.alexnet", "train", "--dataset", "fake", "--limit", "40", "--epochs", "1",
           "--hidden", "16", "--batch-size", "8", "--device", "cpu", "--out", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    # own process group, so that a hang cannot leave orphaned workers behind
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail(f"torchrun hung:\n{stdout}\n{stderr}")
    done = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "device cpu x2" in done.stdout
    assert sum(ln.startswith("epoch: 1") for ln in done.stdout.splitlines()) == 1  # rank 0 prints
    assert "test_acc:" in done.stdout and (out / "checkpoint.pt").is_file()
    record = json.loads((out / "run.json").read_text())
    assert record["world_size"] == 2 and record["history"]["epoch"] == [1]


# --- live view data ------------------------------------------------------------------------------------------
def test_smoothing_and_live_run_folding():
    assert smooth([1.0, 1.0, 1.0], 0.9) == pytest.approx([1.0, 1.0, 1.0])  # debiased: no warm-up dip
    assert smooth([0.0, 10.0], 0.0) == [0.0, 10.0]
    with pytest.raises(ValueError):
        smooth([1.0], 1.0)
    events = [{"kind": "start", "epochs": 4, "n_train": 100, "history": {"epoch": [1], "val_loss": [2.0],
                                                                        "train_loss": [2.1], "val_acc": [0.2],
                                                                        "lr": [0.01], "step": [5],
                                                                        "step_loss": [2.2], "lr_drops": []}},
              {"kind": "step", "epoch": 2, "step": 10, "batch": 2, "batches": 4, "loss": 1.5, "lr": 0.01,
               "images_per_s": 50.0},
              {"kind": "epoch", "epoch": 2, "epochs": 4, "train_loss": 1.4, "val_loss": 1.6, "val_acc": 0.5,
               "lr": 0.01, "lr_dropped": True, "patience_counter": 0, "patience": 7}]
    run = LiveRun.from_events(events)
    assert run.epochs == [1, 2] and run.steps == [5, 10] and run.lr_drops == [2]
    assert run.progress == pytest.approx(0.5) and run.patience == (0, 7)
    assert run.eta_seconds() == pytest.approx(0.5 * 4 * 100 / 50)
    assert math.isfinite(run.val_loss[-1])
