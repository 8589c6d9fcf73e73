"""Training throughput of our AlexNet Trainer against a faithful baseline loop from the article.

Both train the same 32×32 AlexNet (same width, same initial weights) on the same images
(bundled scikit-learn digits, upsampled to 32×32, 3 channels, Normalize(0.5)) with SGD
(lr 0.01, momentum 0.9) for the same number of steps, in this one process:

* baseline — the article's loop: fp32, NCHW, ``loss.item()`` after every step, DataLoader
  without workers;
* ours — `core.alexnet.Trainer.train_epoch`: channels_last, losses summed on the device and read
  every ``log_every`` steps, the same DataLoader; on CUDA also AMP (bf16/fp16) and pinned memory.

Prints ``name: value`` lines and the ratio. Usage:

    .venv/bin/python bench/alexnet.py [--steps 30] [--hidden 4096] [--batch-size 64] [--device auto]
"""

from __future__ import annotations

import argparse
import copy
import platform
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader


from core.alexnet import AlexNet, AlexNetConfig, Trainer, TrainConfig, load_splits
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


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--hidden", type=int, default=4096)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--device", default=None)
    args = p.parse_args()
    device = pick_device(args.device)
    torch.manual_seed(0)
    splits = load_splits("digits", 32)
    pin = device.type == "cuda"
    loader = DataLoader(splits.train, args.batch_size, shuffle=True, drop_last=True, pin_memory=pin,
                        generator=torch.Generator().manual_seed(0))
    plain = DataLoader(splits.train, args.batch_size, shuffle=True, drop_last=True,
                       generator=torch.Generator().manual_seed(0))
    model = AlexNet(AlexNetConfig(variant="cifar", hidden=args.hidden))
    print(f"device: {device}")
    print(f"machine: {platform.machine()} {platform.processor() or ''} threads={torch.get_num_threads()}".strip())
    print(f"torch: {torch.__version__}")
    print(f"workload: AlexNet-32 hidden={args.hidden} batch={args.batch_size} steps={args.steps} "
          f"(+{args.warmup} warm-up) on scikit-learn digits")
    base_ips, base_loss = baseline(copy.deepcopy(model).to(device), plain, device, args.steps, args.warmup)
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


if __name__ == "__main__":
    main()
