"""The counting bigram model: a |V|x|V| table of how often each character follows another."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from core.names.data import Vocabulary
from core.names.dataset import bigram_pairs


def count_bigrams(words, vocab: Vocabulary) -> torch.Tensor:
    """N[i, j] = number of times character j follows character i ('.' = start/end);
    one ``bincount`` over flattened pair indices."""
    first, second = bigram_pairs(words, vocab)
    flat = torch.bincount(first * vocab.size + second, minlength=vocab.size * vocab.size)
    return flat.view(vocab.size, vocab.size)


@dataclass
class LetterScore:
    bigram: str
    prob: float
    log_prob: float


class CountsBigram:
    """P(next | current) = (N + k) / row sum, from counts ``N`` with add-k smoothing."""

    block_size = 1
    kind = "counts"

    def __init__(self, vocab: Vocabulary, counts: torch.Tensor, smoothing: float = 1.0):
        if smoothing < 0 or not math.isfinite(smoothing):
            raise ValueError("smoothing must be a finite number >= 0")
        self.vocab = vocab
        self.counts = counts
        self.smoothing = float(smoothing)
        smoothed = counts.double() + self.smoothing
        totals = smoothed.sum(1, keepdim=True)
        # a character never followed by anything (possible with k=0) gets a uniform row
        self.probs = torch.where(totals > 0, smoothed / totals.clamp_min(1e-300),
                                 torch.full_like(smoothed, 1.0 / vocab.size))

    @classmethod
    def fit(cls, words, vocab: Vocabulary | None = None, smoothing: float = 1.0) -> "CountsBigram":
        vocab = vocab or Vocabulary.from_words(words)
        return cls(vocab, count_bigrams(words, vocab), smoothing)

    def with_smoothing(self, smoothing: float) -> "CountsBigram":
        return CountsBigram(self.vocab, self.counts, smoothing)

    def logits(self, context: torch.Tensor) -> torch.Tensor:
        """Log-probabilities of the next character for a batch of 1-character contexts."""
        return self.probs[context[:, -1]].log().float()

    def nll(self, words) -> float:
        """Average negative log-likelihood per bigram over all bigrams of ``words``
        (inf when a bigram has probability 0, i.e. k = 0 and an unseen pair)."""
        return self.nll_of_pairs(*bigram_pairs(words, self.vocab))

    def nll_of_pairs(self, first: torch.Tensor, second: torch.Tensor) -> float:
        """Average NLL of given (current, next) index pairs."""
        if len(first) == 0:
            return float("nan")
        return float(-self.probs[first, second].log().mean())

    def score(self, word: str) -> tuple[list[LetterScore], float]:
        """Probability of each bigram of ``.word.`` and the total log-likelihood."""
        ids = [0, *self.vocab.encode(word), 0]
        itos = self.vocab.itos
        letters = []
        for a, b in zip(ids, ids[1:]):
            p = float(self.probs[a, b])
            letters.append(LetterScore(itos[a] + itos[b], p, math.log(p) if p > 0 else float("-inf")))
        return letters, sum(s.log_prob for s in letters)
