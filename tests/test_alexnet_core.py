"""AlexNet core: model shapes (with and without BatchNorm), learning, early stopping that restores
the best weights, both schedules, gradient norms, checkpoints/resume, evaluation, both data
pipelines (decoded once vs per image), dataset errors and DDP with two Gloo processes. Tiny
models and inputs keep it fast; the command line is tested in test_alexnet_cli.py."""

from __future__ import annotations

import json
import math
import os
import pickle
import signal
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader, TensorDataset

import torch.nn.functional as F

from core.alexnet import (AlexNet, AlexNetConfig, DatasetError, EarlyStopping, Trainer, TrainConfig,
                          TrainingDiverged, evaluate, load_splits, recipe_config, run_training)
from core.alexnet.data import BatchLoader, augment_batch
from core.alexnet.trainer import one_cycle_lr

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


def test_batchnorm_follows_every_convolution_which_then_has_no_bias():
    model = AlexNet(AlexNetConfig(hidden=32, batchnorm=True, init="paper"))
    convs = [m for m in model.features if isinstance(m, torch.nn.Conv2d)]
    norms = [m for m in model.features if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(norms) == 5 and [n.num_features for n in norms] == [c.out_channels for c in convs]
    assert all(c.bias is None for c in convs)
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    plain = AlexNet(AlexNetConfig(hidden=32))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in plain.modules())


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


def test_one_cycle_warms_up_then_decays_and_replans_a_longer_run():
    peak, total = 1e-3, 100
    lrs = [one_cycle_lr(peak, s, total, 0.15) for s in range(total)]
    top = lrs.index(max(lrs))
    assert lrs[0] == pytest.approx(peak / 25 + (peak - peak / 25) / 15) and max(lrs) == pytest.approx(peak)
    assert top == 14 and all(a <= b for a, b in zip(lrs[:top], lrs[1:top + 1]))
    assert all(a >= b for a, b in zip(lrs[top:], lrs[top + 1:])) and lrs[-1] == pytest.approx(peak / 1e4)
    longer = one_cycle_lr(peak, total, 120, 0.15)  # resumed with more epochs: the longer plan goes on
    assert lrs[-1] < longer < peak


def test_modern_recipe_logs_lr_and_gradient_norm_and_reports_plain_loss():
    x, y = torch.randn(16, 3, 32, 32), torch.randint(0, 10, (16,))
    loader = DataLoader(TensorDataset(x, y), batch_size=2)
    config = recipe_config("modern", hidden=16, epochs=2, log_every=1, dropout=0.0)
    trainer = Trainer(AlexNet(AlexNetConfig(hidden=16, dropout=0.0)), config, torch.device("cpu"))
    trainer.model.train()
    with torch.no_grad():
        expected = float(F.cross_entropy(trainer.model(x[:4]), y[:4]))
    trainer._set_scheduled_lr(8)
    loss, norm = trainer._step(x[:4], y[:4])
    assert float(loss) == pytest.approx(expected, rel=1e-5)  # plain CE, not the smoothed loss
    assert float(norm) > 0
    trainer.fit(loader, loader, epochs=2)
    h = trainer.history
    assert len(h["step_lr"]) == len(h["step_grad_norm"]) == len(h["step"]) == 16
    assert h["step_lr"][0] < max(h["step_lr"]) and h["step_lr"][-1] < max(h["step_lr"])
    assert all(g > 0 and math.isfinite(g) for g in h["step_grad_norm"])
    assert h["lr_drops"] == []  # drops belong to ReduceLROnPlateau
    clipped = Trainer(AlexNet(AlexNetConfig(hidden=16)), recipe_config("modern", hidden=16, grad_clip=1e-3),
                      torch.device("cpu"))
    _, before = clipped._step(x[:4], y[:4])
    after = torch.nn.utils.get_total_norm([p.grad for p in clipped.model.parameters() if p.grad is not None])
    assert float(before) > 1e-3 and float(after) == pytest.approx(1e-3, rel=1e-3)  # logged before clipping


def test_the_best_epochs_weights_are_restored_at_the_end(monkeypatch):
    x, y = torch.randn(8, 3, 32, 32), torch.randint(0, 10, (8,))
    loader = DataLoader(TensorDataset(x, y), batch_size=8)
    snapshots = {}
    trainer = Trainer(AlexNet(AlexNetConfig(hidden=16)), TrainConfig(hidden=16, epochs=4, patience=2, lr=0.05),
                      torch.device("cpu"),
                      lambda e: e["kind"] == "epoch" and snapshots.__setitem__(
                          e["epoch"], {k: v.clone() for k, v in trainer.model.state_dict().items()}))
    losses = iter([1.0, 0.5, 0.9, 0.8])
    monkeypatch.setattr(trainer, "evaluate", lambda loader: (next(losses), 0.1))
    assert trainer.fit(loader, loader) == "early_stopped" and trainer.epoch == 4
    assert trainer.best_epoch == 2
    assert not torch.equal(trainer.model.state_dict()["classifier.1.weight"], snapshots[2]["classifier.1.weight"])
    assert trainer.restore_best() == 2
    for name, value in trainer.model.state_dict().items():
        assert torch.equal(value, snapshots[2][name]), name


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


def bomb_folder(root: Path) -> Path:
    """Two classes of small PNGs plus one PNG whose header claims 40000×40000 pixels."""
    for i in range(3):
        _png(root / "bombs" / "a" / f"{i}.png", "red")
        _png(root / "bombs" / "b" / f"{i}.png", "blue")
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data  # noqa: E731
                                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", 40_000, 40_000, 8, 2, 0, 0, 0)
    (root / "bombs" / "b" / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                                                    + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    return root / "bombs"


@pytest.mark.parametrize("cache", [True, False])
def test_a_decompression_bomb_is_reported_by_name(tmp_path, cache):
    with pytest.raises(DatasetError, match=r"huge\.png.*decompression bomb"):
        load_splits(f"folder:{bomb_folder(tmp_path)}", cache=cache)


def _folder_of_sizes(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for cls in ("x", "y"):
        for i, size in enumerate([(20, 20), (32, 32), (40, 28), (7, 9), (32, 32), (50, 50)]):
            (root / cls).mkdir(parents=True, exist_ok=True)
            Image.fromarray(rng.integers(0, 255, (*size[::-1], 3), dtype=np.uint8)).save(root / cls / f"{i}.png")
    return root


@pytest.mark.parametrize("spec", ["folder", "mnist", "digits"])
def test_decoded_once_and_per_image_pipelines_give_the_same_pixels(tmp_path, spec):
    spec = f"folder:{_folder_of_sizes(tmp_path)}" if spec == "folder" else spec
    decoded = load_splits(spec, 32, limit=40, cache=True)
    per_image = load_splits(spec, 32, limit=40, cache=False)
    assert decoded.decoded and not per_image.decoded
    for split in ("val", "test"):
        a, b = getattr(decoded, split), getattr(per_image, split)
        assert len(a) == len(b)
        for i in range(0, len(a), max(len(a) // 5, 1)):
            (xa, ya), (xb, yb) = a[i], b[i]
            assert ya == yb and xa.shape == xb.shape == (3, 32, 32)
            assert torch.allclose(xa, xb, atol=1e-6), (split, i)


def test_mnist_keeps_its_own_resolution_padded_to_32():
    splits = load_splits("mnist", 32, limit=20)
    x = splits.train.images
    assert x.shape[1:] == (1, 32, 32) and x.dtype == torch.uint8
    assert int(x[:, :, :2].max()) == 0 and int(x[:, :, -2:].max()) == 0  # the 2-pixel border is padding
    assert "28×28" in splits.description


def test_batch_augmentation_crops_and_flips_each_image_on_its_own():
    images = torch.arange(4 * 3 * 8 * 8, dtype=torch.float32).reshape(4, 3, 8, 8)
    out = augment_batch(images, torch.Generator().manual_seed(0), padding=2)
    assert out.shape == images.shape
    padded = F.pad(images, (2, 2, 2, 2), mode="reflect")
    for i in range(4):
        crops = [padded[i, :, dy:dy + 8, dx:dx + 8] for dy in range(5) for dx in range(5)]
        assert any(torch.equal(out[i], c) or torch.equal(out[i], c.flip(2)) for c in crops)
    unflipped = augment_batch(images, torch.Generator().manual_seed(0), padding=2, flip=False)
    for i in range(4):  # digits: crops only, never mirrored
        assert any(torch.equal(unflipped[i], padded[i, :, dy:dy + 8, dx:dx + 8]) for dy in range(5) for dx in range(5))
    assert load_splits("digits", 32, augment=True, limit=20).flip is False


def test_batch_loader_shards_every_image_once_and_reshuffles_per_epoch():
    splits = load_splits("digits", 32, limit=50)
    data = splits.train
    seen = []
    for rank in range(2):
        loader = BatchLoader(data, 7, shuffle=True, seed=3, rank=rank, world_size=2)
        for x, y in loader:
            assert x.shape[1:] == (3, 32, 32) and x.dtype == torch.float32 and -1 <= float(x.min())
            seen += y.tolist()
    assert sorted(seen) == sorted(data.labels.tolist())
    loader = BatchLoader(data, len(data), shuffle=True, seed=3)
    first = next(iter(loader))[1]
    loader.set_epoch(1)
    assert not torch.equal(first, next(iter(loader))[1])


def test_cifar10_in_torchvisions_pickled_format(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path))
    folder = tmp_path / "datasets" / "cifar10" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": rng.integers(0, 255, (6, 3072), dtype=np.uint8), "labels": list(range(6))}
        (folder / name).write_bytes(pickle.dumps(batch))
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": [f"c{i}" for i in range(10)]}))
    splits = load_splits("cifar10", 32)
    assert splits.decoded and len(splits.train) + len(splits.val) == 30 and len(splits.test) == 6
    assert splits.classes[0] == "c0" and splits.train.images.shape[1:] == (3, 32, 32)
    (folder / "test_batch").write_bytes(b"not a pickle")
    with pytest.raises(DatasetError, match="test_batch is not a CIFAR-10 batch"):
        load_splits("cifar10", 32)


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
