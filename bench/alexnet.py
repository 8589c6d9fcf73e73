"""Training speed of the AlexNet trainer against faithful baselines measured in the same run.

Two comparisons, both on the 32×32 AlexNet with the same initial weights:

1. **Compute only** (as before): the article's loop — fp32, NCHW, ``loss.item()`` after every
   step, SGD lr 0.01 momentum 0.9 — against `core.alexnet.Trainer.train_epoch` (channels_last,
   losses summed on the device and read every ``log_every`` steps), for the same number of
   steps over the same pre-made batches (bundled digits, FC width ``--hidden``).
2. **Epoch time, data + compute**: one training epoch with augmentation (random crop + flip) over
   ``--images`` images of ``--dataset``, through
   - the per-image pipeline: a torch ``Dataset`` that decodes every image with PIL and applies
     torchvision transforms, in a ``DataLoader`` without workers (the CPU default), and
   - the decoded-once pipeline: the images decoded once into a uint8 tensor (its one-off decode
     time is printed separately), batches sliced from it and augmented as whole batches.
   The same `Trainer` and recipe run both; the data-only time of each pipeline (iterating it
   without training) is printed too, so the difference can be attributed.

Prints ``name: value`` lines and the ratios. Usage:

    .venv/bin/python -m bench.alexnet [--steps 30] [--hidden 4096] [--batch-size 64]
        [--dataset mnist | folder:PATH] [--images 2048] [--device auto] [--skip-compute]
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import time

import torch
from torch.utils.data import DataLoader

from core.alexnet import AlexNet, AlexNetConfig, Trainer, TrainConfig, load_splits, recipe_config
from core.alexnet.data import BatchLoader, decode, load_source
from core.device import pick_device, synchronize


def _repeat(loader, steps):
    """Exactly ``steps`` batches, cycling the loader."""
    n = 0
    while True:
        for batch in loader:
            if n == steps:
                return
            yield batch
            n += 1


class _Steps:
    """A loader-like view of ``steps`` batches for Trainer.train_epoch (which calls len())."""

    def __init__(self, loader, steps):
        self.loader, self.steps, self.dataset = loader, steps, loader.dataset

    def __len__(self):
        return self.steps

    def __iter__(self):
        return _repeat(self.loader, self.steps)


def baseline(model, loader, device, steps, warmup):
    """The article's Trainer.train inner loop, verbatim in behaviour."""
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()
    losses = []
    start = None
    for i, (images, labels) in enumerate(_repeat(loader, steps + warmup)):
        if i == warmup:
            synchronize(device)
            start = time.perf_counter()
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    synchronize(device)
    return steps * loader.batch_size / (time.perf_counter() - start), losses[-1]


def ours(model, loader, device, steps, warmup, amp, channels_last):
    config = TrainConfig(lr=0.01, momentum=0.9, weight_decay=0.0, amp=amp, channels_last=channels_last,
                         log_every=10)
    trainer = Trainer(model, config, device)
    trainer.train_epoch(_Steps(loader, warmup))
    synchronize(device)
    start = time.perf_counter()
    trainer.train_epoch(_Steps(loader, steps))
    synchronize(device)
    return steps * loader.batch_size / (time.perf_counter() - start), trainer.history["step_loss"][-1]


def compute_only(args, device) -> None:
    torch.manual_seed(0)
    splits = load_splits("digits", 32, cache=False)
    batches = [(x, y) for x, y in DataLoader(splits.train, args.batch_size, shuffle=True, drop_last=True,
                                             generator=torch.Generator().manual_seed(0))]

    class Premade(list):  # the same tensors for both loops: compute only
        batch_size = args.batch_size
        dataset = splits.train

    loader = Premade(batches)
    model = AlexNet(AlexNetConfig(variant="cifar", hidden=args.hidden))
    print(f"workload_compute: AlexNet-32 hidden={args.hidden} batch={args.batch_size} steps={args.steps} "
          f"(+{args.warmup} warm-up), SGD lr 0.01 momentum 0.9, pre-made batches of scikit-learn digits")
    base_ips, base_loss = baseline(copy.deepcopy(model).to(device), loader, device, args.steps, args.warmup)
    print(f"baseline_images_per_s: {base_ips:.1f}")
    ours_ips, ours_loss = ours(copy.deepcopy(model), loader, device, args.steps, args.warmup, False, True)
    print(f"ours_images_per_s: {ours_ips:.1f}")
    print(f"ratio_vs_baseline: {ours_ips / base_ips:.2f}x")
    nchw_ips, _ = ours(copy.deepcopy(model), loader, device, args.steps, args.warmup, False, False)
    print(f"ours_nchw_images_per_s: {nchw_ips:.1f}")
    print(f"ratio_nchw_vs_baseline: {nchw_ips / base_ips:.2f}x")
    if device.type == "cuda":
        amp_ips, _ = ours(copy.deepcopy(model), loader, device, args.steps, args.warmup, True, True)
        print(f"ours_amp_channels_last_images_per_s: {amp_ips:.1f}")
        print(f"ratio_amp_vs_baseline: {amp_ips / base_ips:.2f}x")
    print(f"final_loss_baseline: {base_loss:.4f}")
    print(f"final_loss_ours: {ours_loss:.4f}")


def _time_data(loader) -> float:
    start = time.perf_counter()
    for _ in loader:
        pass
    return time.perf_counter() - start


def _time_epoch(loader, device, hidden: int) -> float:
    torch.manual_seed(0)
    config = recipe_config("modern", hidden=hidden, epochs=1, log_every=10)
    model = AlexNet(AlexNetConfig(hidden=hidden, batchnorm=True, init="kaiming"))
    trainer = Trainer(model, config, device)
    trainer.total_steps = len(loader)
    synchronize(device)
    start = time.perf_counter()
    trainer.train_epoch(loader)
    synchronize(device)
    return time.perf_counter() - start


def epoch_time(args, device) -> None:
    per_image = load_splits(args.dataset, 32, augment=True, limit=args.images, cache=False)
    start = time.perf_counter()
    source = load_source(args.dataset, 32)
    decode(source.train, 32)  # what the decoded-once pipeline pays once per process
    decode_s = time.perf_counter() - start
    decoded = load_splits(args.dataset, 32, augment=True, limit=args.images, cache=True)
    gen = torch.Generator().manual_seed(0)
    pil_loader = DataLoader(per_image.train, args.batch_size, shuffle=True, generator=gen)
    fast_loader = BatchLoader(decoded.train, args.batch_size, shuffle=True, augment=True, flip=decoded.flip)
    n = len(per_image.train)
    print(f"workload_epoch: one epoch of {n} training images of {per_image.description}, batch {args.batch_size}, "
          f"{'crop + flip' if decoded.flip else 'crop'} augmentation, the modern recipe (BatchNorm, AdamW one-cycle), FC width {args.hidden}")
    print(f"decode_once_seconds: {decode_s:.2f}  # all {len(source.train)} images, "
          "once per process")
    pil_data, fast_data = _time_data(pil_loader), _time_data(fast_loader)
    print(f"per_image_data_seconds: {pil_data:.2f}")
    print(f"decoded_data_seconds: {fast_data:.2f}")
    print(f"ratio_data_only: {pil_data / fast_data:.1f}x")
    pil_epoch = _time_epoch(pil_loader, device, args.hidden)
    fast_epoch = _time_epoch(fast_loader, device, args.hidden)
    print(f"per_image_epoch_seconds: {pil_epoch:.2f}  # {n / pil_epoch:.0f} images/s")
    print(f"decoded_epoch_seconds: {fast_epoch:.2f}  # {n / fast_epoch:.0f} images/s")
    print(f"ratio_epoch_data_plus_compute: {pil_epoch / fast_epoch:.2f}x")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--hidden", type=int, default=4096, help="FC width of the compute-only comparison")
    p.add_argument("--epoch-hidden", type=int, default=1024, help="FC width of the epoch comparison (the recipe's)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--dataset", default="mnist", help="dataset of the epoch comparison (mnist or folder:PATH)")
    p.add_argument("--images", type=int, default=2048, help="training + validation images of that epoch")
    p.add_argument("--device", default=None)
    p.add_argument("--skip-compute", action="store_true", help="only the epoch comparison")
    args = p.parse_args()
    device = pick_device(args.device)
    print(f"device: {device}")
    print(f"machine: {platform.machine()} {platform.processor() or ''} threads={torch.get_num_threads()} "
          f"load_average={os.getloadavg()[0]:.1f}".strip())
    print(f"torch: {torch.__version__}")
    if not args.skip_compute:
        compute_only(args, device)
    args.hidden = args.epoch_hidden
    epoch_time(args, device)


if __name__ == "__main__":
    main()
