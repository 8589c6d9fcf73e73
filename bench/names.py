"""Benchmark of the name models (`core.names`).

1. Bigram counting over the default word set (~215K bigrams): our vectorized ``count_bigrams``
   (one bincount over encoded pairs) against makemore's first version, a Python dict filled in a
   loop over every bigram of every word. Both are checked to give the same counts.
2. MLP training speed (makemore's 11,897-parameter model, batch 32): our ``train_mlp`` (one
   intra-op thread, minibatch indices drawn in chunks) against makemore's loop as written
   (``torch.randint`` every step, default threads, same model and update).
3. Sampling: names/s of our batched ``sample_names`` against makemore's loop that samples one
   name at a time, one forward pass per character.

Run: ``.venv/bin/python bench/names.py`` (env ``NAMES_BENCH_STEPS`` sets the MLP steps, default 3000).
"""

from __future__ import annotations

import os
import time


import torch
import torch.nn.functional as F

from core.names.corpus import Corpus
from core.names.counts import count_bigrams
from core.names.data import default_words
from core.names.mlp import MLP, CharMLPConfig
from core.names.sampling import sample_names
from core.names.training import MLPTrainConfig, SplitTensors, train_mlp

STEPS = int(os.environ.get("NAMES_BENCH_STEPS", "3000"))


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def dict_loop_counts(words):
    """makemore part 1: b[(ch1, ch2)] += 1 over every bigram, '.' at both ends."""
    b = {}
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            b[(ch1, ch2)] = b.get((ch1, ch2), 0) + 1
    return b


def makemore_train_loop(model, X, Y, steps, batch_size=32):
    params = list(model.parameters())
    for i in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,))
        loss = F.cross_entropy(model(X[ix]), Y[ix])
        for p in params:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 100_000 else 0.01
        for p in params:
            p.data += -lr * p.grad
    return loss.item()


@torch.no_grad()
def makemore_sample_loop(model, n, seed):
    g = torch.Generator().manual_seed(seed)
    itos = model.vocab.itos
    out = []
    for _ in range(n):
        context, name = [0] * model.block_size, []
        while True:
            probs = F.softmax(model.logits(torch.tensor([context])), dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            context = context[1:] + [ix]
            if ix == 0:
                break
            name.append(itos[ix])
        out.append("".join(name))
    return out


def main():
    words = default_words()
    corpus = Corpus(words)
    vocab = corpus.vocab
    n_bigrams = sum(len(w) + 1 for w in words)
    print(f"words: {len(words)}")
    print(f"bigrams: {n_bigrams}")

    ours_s, N = best_of(lambda: count_bigrams(words, vocab))
    base_s, b = best_of(lambda: dict_loop_counts(words), repeat=3)
    stoi = vocab.stoi
    assert all(int(N[stoi[a], stoi[c]]) == v for (a, c), v in b.items()) and int(N.sum()) == n_bigrams
    print(f"count_bigrams_s: {ours_s:.4f}")
    print(f"count_dict_loop_baseline_s: {base_s:.4f}")
    print(f"count_ratio_vs_baseline: {base_s / ours_s:.1f}x")

    data = SplitTensors.build(corpus.split, vocab, 3)
    model = MLP(vocab, CharMLPConfig())
    result = train_mlp(model, data, MLPTrainConfig(steps=STEPS, eval_every=10 * STEPS))
    ours_rate = result.steps_per_second
    base_model = MLP(vocab, CharMLPConfig())
    t = time.perf_counter()
    makemore_train_loop(base_model, *data.train, STEPS)
    base_rate = STEPS / (time.perf_counter() - t)
    print(f"mlp_parameters: {model.num_parameters()}")
    print(f"mlp_steps_per_s: {ours_rate:.0f}")
    print(f"mlp_makemore_loop_baseline_steps_per_s: {base_rate:.0f}")
    print(f"mlp_ratio_vs_baseline: {ours_rate / base_rate:.2f}x")
    print(f"mlp_200k_steps_estimate_s: {200_000 / ours_rate:.0f}")

    n = 2000
    ours_s, _ = best_of(lambda: sample_names(model, n=n, seed=1), repeat=3)
    base_s, _ = best_of(lambda: makemore_sample_loop(model, 200, seed=1), repeat=1)
    base_rate = 200 / base_s
    print(f"sample_names_per_s: {n / ours_s:.0f}")
    print(f"sample_makemore_loop_baseline_names_per_s: {base_rate:.0f}")
    print(f"sample_ratio_vs_baseline: {(n / ours_s) / base_rate:.1f}x")
    print(f"torch_threads: {torch.get_num_threads()}  cpus: {os.cpu_count()}")


if __name__ == "__main__":
    main()
