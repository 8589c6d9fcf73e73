"""Command line: ``python -m core.alexnet train|evaluate``.

    python -m core.alexnet train --dataset folder:~/cifar10 --variant cifar --epochs 20
    python -m core.alexnet train --dataset folder:~/cifar10 --resume --epochs 25   # continue that run
    python -m core.alexnet train --recipe article --dataset folder:~/cifar10        # the article's recipe
    torchrun --nproc_per_node 2 -m core.alexnet train --dataset fake --epochs 1
    python -m core.alexnet evaluate --checkpoint RUN/best.pt --dataset folder:~/cifar10

``--recipe`` (default ``modern``) sets every training value; any flag given explicitly overrides
it. stdout gets one line per epoch and ``test_acc: ...`` at the end; progress bars go to stderr.
Bad input (missing folder, corrupt image, a file as ``--out``, a checkpoint that does not fit,
``--epochs 0``, a diverged loss...) exits with status 2 and one ``error: ...`` line, before any
training starts where it can be known in advance.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .data import BUILTIN, DatasetError
from .recipes import DEFAULT_RECIPE, RECIPES, recipe_config
from .run import default_run_dir, evaluate_checkpoint, run_training
from .trainer import OPTIMIZERS, SCHEDULES, TrainingDiverged


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
                  f"val_acc: {e['val_acc']:.4f} lr: {e['lr']:.6g} images_per_s: {e['images_per_s']:.1f} "
                  f"seconds: {e['epoch_seconds']:.1f}"
                  + (" lr_reduced" if e["lr_dropped"] else "")
                  + (" best" if e.get("best_epoch") == e["epoch"] else ""), flush=True)
        elif kind == "test":
            print(f"# status: {e['status']} after {e['epochs_trained']} epochs; test figures from the best "
                  f"epoch {e['best_epoch']} ({e['best_checkpoint']}); last epoch in {e['checkpoint']}", flush=True)
            print(f"test_acc: {e['test_acc']:.4f}", flush=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core.alexnet", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train (or resume) AlexNet",
                       description="Every training flag defaults to the chosen recipe's value.")
    recipes = "; ".join(f"{r.name}: {r.summary}" for r in RECIPES.values())
    t.add_argument("--recipe", default=DEFAULT_RECIPE, choices=list(RECIPES), help=recipes)
    t.add_argument("--dataset", default="mnist", help=f"{' | '.join(BUILTIN)} | folder:PATH (default mnist)")
    t.add_argument("--variant", default="cifar", choices=["cifar", "imagenet"])
    t.add_argument("--epochs", type=int, default=None, help="total epochs (default: the recipe's; on resume: as stored)")
    t.add_argument("--batch-size", type=int)
    t.add_argument("--optimizer", choices=list(OPTIMIZERS))
    t.add_argument("--lr", type=float, help="learning rate (one-cycle: the peak)")
    t.add_argument("--momentum", type=float)
    t.add_argument("--weight-decay", type=float)
    t.add_argument("--schedule", choices=list(SCHEDULES), help="plateau: ReduceLROnPlateau; onecycle: warm-up + cosine")
    t.add_argument("--warmup", type=float, help="one-cycle warm-up, as a fraction of all steps")
    t.add_argument("--label-smoothing", type=float)
    t.add_argument("--grad-clip", type=float, help="clip the total gradient norm (0: off)")
    t.add_argument("--patience", type=int, help="early-stopping patience (epochs)")
    t.add_argument("--delta", type=float, help="minimum val-loss improvement")
    on_off = argparse.BooleanOptionalAction
    t.add_argument("--augment", action=on_off, default=None, help="random crop + horizontal flip")
    t.add_argument("--batchnorm", action=on_off, default=None, help="BatchNorm after each convolution")
    t.add_argument("--lrn", action=on_off, default=None, help="local response normalization after conv1/conv2")
    t.add_argument("--init", choices=["pytorch", "paper", "kaiming"])
    t.add_argument("--hidden", type=int, help="width of the two hidden FC layers")
    t.add_argument("--dropout", type=float)
    t.add_argument("--amp", action="store_true", default=None, help="automatic mixed precision (bf16/fp16)")
    t.add_argument("--no-channels-last", action="store_true")
    t.add_argument("--compile", action="store_true", default=None, help="torch.compile the model")
    t.add_argument("--workers", type=int, help="DataLoader workers (-1: automatic)")
    t.add_argument("--limit", type=int, default=0, help="use at most N train+val images (0: all)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default=None, help="auto | cpu | cuda | cuda:N | mps")
    t.add_argument("--out", default=None, help="run folder (default: <data dir>/alexnet/runs/<dataset>-<variant>)")
    t.add_argument("--resume", action="store_true", help="continue from the run folder's checkpoint")
    t.add_argument("--overwrite", action="store_true", help="start afresh in a run folder that holds a run")
    e = sub.add_parser("evaluate", help="evaluate a checkpoint on a dataset's test split")
    e.add_argument("--checkpoint", required=True, help="RUN/best.pt (best epoch) or RUN/checkpoint.pt (last)")
    e.add_argument("--dataset", default=None, help="default: the dataset it was trained on")
    e.add_argument("--device", default=None)
    e.add_argument("--batch-size", type=int, default=256)
    return p


TRAIN_FLAGS = ("batch_size", "optimizer", "lr", "momentum", "weight_decay", "schedule", "warmup", "label_smoothing",
               "grad_clip", "patience", "delta", "augment", "batchnorm", "lrn", "init", "hidden", "dropout",
               "amp", "compile", "workers")


def _config(args):
    overrides = {name: getattr(args, name) for name in TRAIN_FLAGS}
    return recipe_config(args.recipe, dataset=args.dataset, variant=args.variant, epochs=args.epochs,
                         limit=args.limit, seed=args.seed, channels_last=False if args.no_channels_last else None,
                         **overrides)


def _evaluate(args) -> int:
    result, what = evaluate_checkpoint(args.checkpoint, args.dataset, args.device, args.batch_size)
    print(f"# weights of epoch {what['epoch']} (best epoch {what['best_epoch']})")
    print(f"test_loss: {result.loss:.4f}")
    for name, acc in zip(result.classes, result.per_class_accuracy):
        print(f"# {name}: {acc:.4f}")
    print(f"test_acc: {result.accuracy:.4f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "evaluate":
            return _evaluate(args)
        config = _config(args)
        config.validate()
        out = Path(args.out).expanduser() if args.out else default_run_dir(config)
        run_training(config, out, resume=args.resume, device=args.device, listener=ProgressPrinter(),
                     epochs=args.epochs, overwrite=args.overwrite)
        return 0
    except (DatasetError, TrainingDiverged, FileNotFoundError, ValueError) as exc:
        message = " ".join(str(exc).split())
        sys.stderr.write(f"\nerror: {message}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted; the last completed epoch is in the checkpoint (use --resume)\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
