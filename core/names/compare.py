"""Our models' losses next to the figures Karpathy published for makemore's 32,033 names.

Three kinds of numbers, never mixed up:
- `PUBLISHED`: the lectures' own figures (makemore parts 1, 2, 3 and 5), on their names.txt;
- `MEASURED`: what our command line printed on an independent copy of that names.txt, with the
  exact command, wall time and machine load (a record of a run, refreshed by re-running it; see
  docs/bigram_names.md);
- the rows of the current session (`session_rows`), measured live on the page's word list.
"""

from __future__ import annotations

from dataclasses import dataclass

PUBLISHED_COUNTS_ALL = 2.454


@dataclass(frozen=True)
class Published:
    model: str
    train: float | None
    dev: float | None
    source: str


@dataclass(frozen=True)
class Measured:
    train: float
    dev: float
    test: float
    seconds: float  # the `seconds` the command printed (data, training and evaluation; not Python's start-up)
    load: str  # 1-minute load average while it ran, on 2 cores (this machine is shared)
    command: str


# one row per model family, in the order of the lectures
PUBLISHED = {
    "counts": Published("Counts bigram, add-1", None, None, "2.454 on all words (part 1)"),
    "bigram": Published("Neural bigram", 2.48, None, "≈ 2.48 incl. regularization (part 1)"),
    "mlp": Published("MLP, context 3, emb 10, 200 tanh", 2.13, 2.17, "part 2, 11,897 parameters"),
    "mlp_bn": Published("MLP + BatchNorm", 2.067, 2.105, "part 3, kaiming init + BatchNorm"),
    "wavenet": Published("WaveNet, context 8, emb 24, 128 hidden", 1.769, 1.993, "part 5, 76,579 parameters"),
}

_CLI = "python -m core.names"
_WORDS = "--words names.txt"  # makemore's list (32,033 names), fetched separately, never committed
MEASURED: dict[str, Measured] = {
    "counts": Measured(2.4548, 2.4533, 2.4584, 1.23, "11–15", f"{_CLI} nll {_WORDS} --split"),
    "bigram": Measured(2.4628, 2.4610, 2.4667, 1.3, "11–15", f"{_CLI} train --model bigram {_WORDS}"),
    "mlp": Measured(2.0379, 2.1022, 2.1031, 972, "17 (12–20)",
                    f"{_CLI} train --model mlp {_WORDS} --steps 200000 --seed 42"),
    "mlp_bn": Measured(2.0679, 2.1072, 2.1053, 723, "13 (11–16)",
                       f"{_CLI} train --model mlp {_WORDS} --steps 200000 --seed 42 --batchnorm"),
    "wavenet": Measured(1.7654, 1.9891, 1.9766, 4930, "14 (8–22)",
                        f"{_CLI} train --model wavenet {_WORDS} --block-size 8 --embedding 24 --hidden 128 "
                        "--steps 200000 --batch-size 32 --seed 42"),
}


def reference_rows() -> list[dict]:
    """One row per model family: our command-line measurement next to the published figure."""
    rows = []
    for key, pub in PUBLISHED.items():
        ours = MEASURED.get(key)
        rows.append({
            "model": pub.model,
            "dev (ours)": ours.dev if ours else None,
            "test (ours)": ours.test if ours else None,
            "train (ours)": ours.train if ours else None,
            "time (ours)": f"{ours.seconds:,.0f} s (load {ours.load})" if ours else "not measured",
            "dev (published)": pub.dev,
            "train (published)": pub.train,
            "published": pub.source,
            "command": ours.command if ours else "",
        })
    return rows


def session_rows(ours: dict[str, dict]) -> list[dict]:
    """Rows for models trained in this session: ``{label: {"train", "dev", "test", "seconds",
    "note", "family"}}``, each with the published dev figure of its family next to it."""
    rows = []
    for label, losses in ours.items():
        pub = PUBLISHED.get(losses.get("family", ""))
        rows.append({"model": label, **{k: _round(losses.get(k)) for k in ("train", "dev", "test")},
                     "time": f"{losses['seconds']:,.1f} s" if losses.get("seconds") is not None else "",
                     "dev (published)": pub.dev if pub else None, "note": losses.get("note", "")})
    return rows


def _round(value):
    return None if value is None else round(float(value), 4)


def probability_difference(neural, counts) -> tuple[list[list[float]], float]:
    """P(neural bigram) − P(counts model) as a |V|x|V| table, and its largest absolute entry."""
    diff = neural.probs().double() - counts.probs
    return diff.tolist(), float(diff.abs().max())
