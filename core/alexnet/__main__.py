"""Command line: ``python -m core.alexnet train|evaluate``.

    python -m core.alexnet train --dataset folder:~/cifar10 --variant cifar --epochs 20
    python -m core.alexnet train --dataset folder:~/cifar10 --resume      # continue that run
    torchrun --nproc_per_node 2 -m core.alexnet train --dataset fake --epochs 1
    python -m core.alexnet evaluate --checkpoint RUN/checkpoint.pt --dataset folder:~/cifar10

stdout gets one line per epoch and ``test_acc: ...`` at the end; progress bars go to stderr.
Exit status 2 on bad input (missing folder, corrupt image, diverged loss...).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .data import DatasetError
from .run import default_run_dir, evaluate_checkpoint, run_training
from .trainer import TrainConfig, TrainingDiverged


class ProgressPrinter:
    """Epoch lines on stdout, a redrawn progress bar on stderr."""

    def __init__(self):
        self.started = time.perf_counter()

    def __call__(self, e: dict) -> None:
        kind = e.get("kind")
        if kind == "start":
            resumed = f", resuming after epoch {e['resumed_epoch']}" if e["resumed_epoch"] else ""
            print(f"# {e['dataset']}: {e['n_train']} train / {e['n_val']} val / {e['n_test']} test images, "
                  f"{len(e['classes'])} classes, {e['parameters']:,} parameters, device {e['device']}"
                  f" x{e['world_size']}{resumed}; run folder {e['out_dir']}", flush=True)
        elif kind == "step":
            done = e["batch"] / e["batches"]
            bar = "#" * int(done * 30)
            sys.stderr.write(f"\repoch {e['epoch']} [{bar:<30}] {e['batch']}/{e['batches']} "
                             f"loss {e['loss']:.4f} lr {e['lr']:.2g} {e['images_per_s']:.0f} img/s ")
            sys.stderr.flush()
        elif kind == "epoch":
            sys.stderr.write("\n")
            print(f"epoch: {e['epoch']} train_loss: {e['train_loss']:.4f} val_loss: {e['val_loss']:.4f} "
                  f"val_acc: {e['val_acc']:.4f} lr: {e['lr']:.6g} images_per_s: {e['images_per_s']:.1f}"
                  + (" lr_reduced" if e["lr_dropped"] else ""), flush=True)
        elif kind == "test":
            print(f"# status: {e['status']}; checkpoint {e['checkpoint']}", flush=True)
            print(f"test_acc: {e['test_acc']:.4f}", flush=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core.alexnet", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train (or resume) AlexNet")
    d = TrainConfig()
    t.add_argument("--dataset", default=d.dataset, help="digits | mnist | cifar10 | fake | folder:PATH")
    t.add_argument("--variant", default=d.variant, choices=["cifar", "imagenet"])
    t.add_argument("--epochs", type=int, default=None, help=f"total epochs (default {d.epochs}; on resume: as stored)")
    t.add_argument("--batch-size", type=int, default=d.batch_size)
    t.add_argument("--optimizer", default=d.optimizer, choices=["sgd", "adam"])
    t.add_argument("--lr", type=float, default=d.lr)
    t.add_argument("--momentum", type=float, default=d.momentum)
    t.add_argument("--weight-decay", type=float, default=d.weight_decay)
    t.add_argument("--patience", type=int, default=d.patience, help="early-stopping patience (epochs)")
    t.add_argument("--delta", type=float, default=d.delta, help="minimum val-loss improvement")
    t.add_argument("--augment", action="store_true", help="random crop + horizontal flip")
    t.add_argument("--lrn", action="store_true", help="local response normalization after conv1/conv2")
    t.add_argument("--init", default=d.init, choices=["pytorch", "paper", "kaiming"])
    t.add_argument("--hidden", type=int, default=d.hidden, help="width of the two hidden FC layers")
    t.add_argument("--amp", action="store_true", help="automatic mixed precision (bf16/fp16)")
    t.add_argument("--no-channels-last", action="store_true")
    t.add_argument("--compile", action="store_true", help="torch.compile the model")
    t.add_argument("--workers", type=int, default=d.workers, help="DataLoader workers (-1: automatic)")
    t.add_argument("--limit", type=int, default=0, help="use at most N train+val images (0: all)")
    t.add_argument("--seed", type=int, default=d.seed)
    t.add_argument("--device", default=None, help="auto | cpu | cuda | cuda:N | mps")
    t.add_argument("--out", default=None, help="run folder (default: <data dir>/alexnet/runs/<dataset>-<variant>)")
    t.add_argument("--resume", action="store_true", help="continue from the run folder's checkpoint")
    e = sub.add_parser("evaluate", help="evaluate a checkpoint on a dataset's test split")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--dataset", default=None, help="default: the dataset it was trained on")
    e.add_argument("--device", default=None)
    e.add_argument("--batch-size", type=int, default=256)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "evaluate":
            result = evaluate_checkpoint(args.checkpoint, args.dataset, args.device, args.batch_size)
            print(f"test_loss: {result.loss:.4f}")
            for name, acc in zip(result.classes, result.per_class_accuracy):
                print(f"# {name}: {acc:.4f}")
            print(f"test_acc: {result.accuracy:.4f}")
            return 0
        config = TrainConfig(
            dataset=args.dataset, variant=args.variant, epochs=args.epochs or TrainConfig.epochs,
            batch_size=args.batch_size, optimizer=args.optimizer, lr=args.lr, momentum=args.momentum,
            weight_decay=args.weight_decay, patience=args.patience, delta=args.delta, augment=args.augment,
            lrn=args.lrn, init=args.init, hidden=args.hidden, amp=args.amp,
            channels_last=not args.no_channels_last, compile=args.compile, workers=args.workers,
            limit=args.limit, seed=args.seed)
        out = Path(args.out).expanduser() if args.out else default_run_dir(config)
        run_training(config, out, resume=args.resume, device=args.device, listener=ProgressPrinter(),
                     epochs=args.epochs)
        return 0
    except (DatasetError, TrainingDiverged, FileNotFoundError, ValueError) as exc:
        sys.stderr.write(f"\nerror: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted; the last completed epoch is in the checkpoint (use --resume)\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
