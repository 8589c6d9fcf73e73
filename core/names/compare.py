"""Our models' losses next to the figures Karpathy published for makemore's 32,033 names."""

from __future__ import annotations

# (model, train, dev, test, note); None where makemore gives no number
PUBLISHED = [
    ("Counts bigram, add-1", None, None, None, "2.454 on all words (makemore part 1)"),
    ("Neural bigram", 2.48, None, None, "≈2.48 incl. regularization (part 1)"),
    ("MLP, block 3, emb 10, 200 tanh", 2.13, 2.17, None, "part 2, ≈11.9K parameters"),
    ("WaveNet, block 8", None, 2.0, None, "dev ≈ 1.99 (part 5)"),
]
PUBLISHED_COUNTS_ALL = 2.454


def comparison_rows(ours: dict[str, dict[str, float]]) -> list[dict]:
    """One row per model we trained (``{label: {"train":.., "dev":.., "test":..}}``) and one per
    published makemore figure, ready for a table."""
    rows = []
    for label, losses in ours.items():
        rows.append({"source": "this session", "model": label,
                     **{k: _round(losses.get(k)) for k in ("train", "dev", "test")},
                     "note": losses.get("note", "")})
    for label, train, dev, test, note in PUBLISHED:
        rows.append({"source": "makemore (published)", "model": label, "train": train, "dev": dev,
                     "test": test, "note": note})
    return rows


def _round(value):
    return None if value is None else round(float(value), 4)


def probability_difference(neural, counts) -> tuple[list[list[float]], float]:
    """P(neural bigram) − P(counts model) as a |V|x|V| table, and its largest absolute entry."""
    diff = neural.probs().double() - counts.probs
    return diff.tolist(), float(diff.abs().max())
