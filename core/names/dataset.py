"""Words -> integer tensors: bigram pairs and fixed-context (X, Y) examples, built without a
Python loop over characters."""

from __future__ import annotations

import numpy as np
import torch

from core.names.data import END, Vocabulary


def encode_text(text: str, vocab: Vocabulary) -> np.ndarray:
    """Indices of every character of ``text``: one table lookup per character, in numpy."""
    itos_codes = np.array([ord(c) for c in vocab.itos], dtype=np.int64)
    if text.isascii():
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    else:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    table = np.full(max(int(itos_codes.max()), int(codes.max(initial=0))) + 1, -1, dtype=np.int64)
    table[itos_codes] = np.arange(len(itos_codes))
    ids = table[codes]
    if (ids < 0).any():
        ch = chr(int(codes[np.argmax(ids < 0)]))
        raise ValueError(f"character {ch!r} is not in the vocabulary")
    return ids


def build_examples(words, vocab: Vocabulary, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """makemore's dataset: for each word and each of its characters plus the final '.', the
    previous ``block_size`` characters (padded with '.') -> that character.

    All words are joined with ``block_size`` dots between them; a target is every position that
    is a letter, or the first dot after a word, and its context is the ``block_size`` positions
    before it."""
    if block_size < 1:
        raise ValueError("block_size must be at least 1")
    words = list(words)
    if not words:
        return torch.zeros((0, block_size), dtype=torch.long), torch.zeros(0, dtype=torch.long)
    pad = END * block_size
    seq = encode_text(pad + pad.join(words) + END, vocab)
    prev_nonzero = np.concatenate([[False], seq[:-1] != 0])
    targets = np.nonzero((seq != 0) | prev_nonzero)[0]
    contexts = targets[:, None] - block_size + np.arange(block_size)[None, :]
    return torch.from_numpy(seq[contexts]), torch.from_numpy(seq[targets])


def bigram_pairs(words, vocab: Vocabulary) -> tuple[torch.Tensor, torch.Tensor]:
    """(first, second) index tensors of every bigram of every word, '.' at start and end.

    In ".emma.liam." consecutive characters are exactly those bigrams: the dot between two
    words ends one and starts the next."""
    words = list(words)
    if not words:
        empty = torch.zeros(0, dtype=torch.long)
        return empty, empty
    seq = torch.from_numpy(encode_text(END + END.join(words) + END, vocab))
    return seq[:-1], seq[1:]
