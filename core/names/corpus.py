"""A word list with everything derived from it: vocabulary, 80/10/10 split, counts models."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from core.names.counts import CountsBigram, count_bigrams
from core.names.data import Split, Vocabulary, split_words
from core.names.dataset import bigram_pairs


@dataclass
class Corpus:
    words: list[str]
    seed: int = 42
    vocab: Vocabulary = field(init=False)
    split: Split = field(init=False)

    def __post_init__(self):
        if not self.words:
            raise ValueError("a corpus needs at least one word")
        self.vocab = Vocabulary.from_words(self.words)
        self.split = split_words(self.words, self.seed)

    @cached_property
    def all_counts(self):
        """Bigram counts over every word (makemore's figure)."""
        return count_bigrams(self.words, self.vocab)

    @cached_property
    def train_counts(self):
        return count_bigrams(self.split.train, self.vocab)

    @cached_property
    def train_set(self) -> frozenset[str]:
        return frozenset(self.split.train)

    @cached_property
    def pairs(self) -> dict:
        """Bigram index pairs of each split and of all words, built once."""
        parts = {"train": self.split.train, "dev": self.split.dev, "test": self.split.test, "all": self.words}
        return {name: bigram_pairs(words, self.vocab) for name, words in parts.items()}

    def counts_model(self, smoothing: float = 1.0, on: str = "train") -> CountsBigram:
        """Add-k counts model fitted on the training split (``on="all"``: on every word)."""
        counts = self.all_counts if on == "all" else self.train_counts
        return CountsBigram(self.vocab, counts, smoothing)

    def counts_losses(self, smoothing: float = 1.0) -> dict[str, float]:
        """NLL of the train-fitted model on each split, plus makemore's all-words number."""
        model = self.counts_model(smoothing)
        losses = {name: model.nll_of_pairs(*self.pairs[name]) for name in ("train", "dev", "test")}
        losses["all"] = self.counts_model(smoothing, on="all").nll_of_pairs(*self.pairs["all"])
        return losses
