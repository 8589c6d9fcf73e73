"""Benchmark of the name models (`core.names`), each against a faithful baseline in the same run.

1. Bigram counting over the default word set (~215K bigrams): our ``count_bigrams`` (one bincount
   over encoded pairs) against makemore part 1's dict filled in a loop over every bigram. Both
   are checked to give the same counts.
2. MLP training speed (makemore's 11,897-parameter model, batch 32): our ``train_model`` against
   the plain loop of makemore part 2 on the same model: raw tensors C, W1, b1, W2, b2 copied from
   ours, ``randint`` every step, ``emb.view(-1, 30) @ W1 + b1``, ``p.data += -lr * p.grad``,
   ``lossi.append(loss.log10().item())``.
3. WaveNet training speed (76,579 parameters): ours against a loop in the style of makemore part 5
   (plain-Python layers, BatchNorm written out with mean/var and a no-grad running update) on the
   same weights.
4. Sampling: names/s of our batched ``sample_names`` against makemore's one-name-at-a-time loop.

Fairness: both sides of 2 and 3 run under the same ``torch.set_num_threads`` (``NAMES_BENCH_THREADS``,
default 1, printed), and they alternate, ``NAMES_BENCH_ROUNDS`` times each (default 5), keeping
each side's best round, so a burst of load from other processes does not land on one side only.
Each side's rate is given per second of wall time and per second of the process's CPU time (which
a busy machine disturbs far less). The load average is printed before and after.

Run: ``.venv/bin/python -m bench.names`` (``NAMES_BENCH_STEPS`` sets the MLP steps, default 3000;
the WaveNet runs a third of them).
"""

from __future__ import annotations

import os
import time

import torch
import torch.nn.functional as F

from core.names.corpus import Corpus
from core.names.counts import count_bigrams
from core.names.data import default_words
from core.names.mlp import MLP
from core.names.sampling import sample_names
from core.names.training import SplitTensors, TrainConfig, train_model
from core.names.wavenet import WaveNet
from core.threads import torch_threads

STEPS = int(os.environ.get("NAMES_BENCH_STEPS", "3000"))
THREADS = int(os.environ.get("NAMES_BENCH_THREADS", "1"))
ROUNDS = int(os.environ.get("NAMES_BENCH_ROUNDS", "5"))


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def dict_loop_counts(words):
    """makemore part 1: b[(ch1, ch2)] += 1 over every bigram, '.' at both ends."""
    b = {}
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            b[(ch1, ch2)] = b.get((ch1, ch2), 0) + 1
    return b


# --- makemore part 2: the MLP as raw tensors -----------------------------------------------------
def lecture_mlp_params(model: MLP) -> list[torch.Tensor]:
    """C, W1, b1, W2, b2 as plain leaf tensors, copied from our model (same initial values)."""
    return [p.detach().clone().requires_grad_() for p in model.parameters()]


def lecture_mlp_forward(params):
    C, W1, b1, W2, b2 = params

    def forward(x):
        emb = C[x]
        h = torch.tanh(emb.view(-1, W1.shape[0]) @ W1 + b1)
        return h @ W2 + b2
    return forward


def lecture_loop(forward, params, X, Y, steps, decay_step, batch_size=32) -> tuple[float, float]:
    """The lectures' training loop as written; returns steps per second of wall time and of CPU time."""
    lossi = []
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,))
        loss = F.cross_entropy(forward(X[ix]), Y[ix])
        for p in params:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < decay_step else 0.01
        for p in params:
            p.data += -lr * p.grad
        lossi.append(loss.log10().item())
    return steps / (time.perf_counter() - start), steps / (time.process_time() - cpu)


# --- makemore part 5: plain-Python layers ----------------------------------------------------------
class LectureLinear:
    def __init__(self, weight, bias=None):
        self.weight, self.bias = weight, bias

    def __call__(self, x):
        out = x @ self.weight
        return out + self.bias if self.bias is not None else out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class LectureBatchNorm1d:
    """Mean and (unbiased) variance over every dimension but the last, a no-grad running update."""

    def __init__(self, dim, momentum=0.1, eps=1e-5):
        self.gamma = torch.ones(dim, requires_grad=True)
        self.beta = torch.zeros(dim, requires_grad=True)
        self.running_mean, self.running_var = torch.zeros(dim), torch.ones(dim)
        self.momentum, self.eps = momentum, eps

    def __call__(self, x):
        dims = 0 if x.ndim == 2 else (0, 1)
        mean = x.mean(dims, keepdim=True)
        var = x.var(dims, keepdim=True)
        out = self.gamma * ((x - mean) / torch.sqrt(var + self.eps)) + self.beta
        with torch.no_grad():
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var
        return out

    def parameters(self):
        return [self.gamma, self.beta]


class LectureTanh:
    def __call__(self, x):
        return torch.tanh(x)

    def parameters(self):
        return []


class LectureEmbedding:
    def __init__(self, weight):
        self.weight = weight

    def __call__(self, ix):
        return self.weight[ix]

    def parameters(self):
        return [self.weight]


class LectureFlattenConsecutive:
    def __init__(self, n):
        self.n = n

    def __call__(self, x):
        B, T, C = x.shape
        x = x.view(B, T // self.n, C * self.n)
        return x.squeeze(1) if x.shape[1] == 1 else x

    def parameters(self):
        return []


def lecture_wavenet(model: WaveNet) -> list:
    """The same network as ``model`` (same weights) built from the plain-Python layers."""
    def leaf(p):
        return p.detach().clone().requires_grad_()

    layers = []
    for layer in model.layers:
        name = type(layer).__name__
        if name == "Embedding":
            layers.append(LectureEmbedding(leaf(layer.weight)))
        elif name == "FlattenConsecutive":
            layers.append(LectureFlattenConsecutive(layer.n))
        elif name == "Linear":
            layers.append(LectureLinear(leaf(layer.weight), None if layer.bias is None else leaf(layer.bias)))
        elif name == "BatchNorm1d":
            layers.append(LectureBatchNorm1d(layer.gamma.shape[0], layer.momentum, layer.eps))
        else:
            layers.append(LectureTanh())
    return layers


def lecture_wavenet_forward(layers):
    def forward(x):
        for layer in layers:
            x = layer(x)
        return x
    return forward


def lecture_wavenet_params(layers):
    return [p for layer in layers for p in layer.parameters()]


def ours(model_cls, vocab, data, steps) -> tuple[float, float]:
    cfg = TrainConfig(steps=steps, eval_every=10 * steps, calibrate=False)
    result = train_model(model_cls(vocab), data, cfg, threads=THREADS)
    return result.steps_per_second, result.steps_done / result.cpu_seconds


def alternate(name: str, ours_fn, base_fn) -> None:
    """Best steps/s of each side over ``ROUNDS`` alternating rounds, by wall time and by CPU time
    (on a loaded machine the CPU-time rate says what each loop costs; the wall-time one also says
    how the scheduler treated it)."""
    best_ours, best_base = [0.0, 0.0], [0.0, 0.0]
    for _ in range(ROUNDS):
        best_ours = [max(a, b) for a, b in zip(best_ours, ours_fn())]
        with torch_threads(THREADS):
            best_base = [max(a, b) for a, b in zip(best_base, base_fn())]
    print(f"{name}_steps_per_s: {best_ours[0]:.0f}  (per CPU second: {best_ours[1]:.0f})")
    print(f"{name}_lecture_loop_baseline_steps_per_s: {best_base[0]:.0f}  (per CPU second: {best_base[1]:.0f})")
    print(f"{name}_ratio_vs_baseline: {best_ours[0] / best_base[0]:.2f}x  (CPU time: {best_ours[1] / best_base[1]:.2f}x)")
    print(f"{name}_200k_steps_estimate_s: {200_000 / best_ours[0]:.0f}")


def main():
    print(f"load_average_before: {load()}")
    print(f"torch_threads_both_sides: {THREADS}  cpus: {os.cpu_count()}  rounds: {ROUNDS}")
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
    model = MLP(vocab)
    x = data.train[0][:64]  # the baseline computes the same function from the same weights
    assert torch.allclose(lecture_mlp_forward(lecture_mlp_params(model))(x), model(x), atol=1e-5)
    print(f"mlp_parameters: {model.num_parameters()}")
    def mlp_baseline():
        params = lecture_mlp_params(MLP(vocab))
        return lecture_loop(lecture_mlp_forward(params), params, *data.train, STEPS, decay_step=100_000)

    alternate("mlp", lambda: ours(MLP, vocab, data, STEPS), mlp_baseline)

    wn_data = SplitTensors.build(corpus.split, vocab, 8)
    wn_steps = max(100, STEPS // 3)
    print(f"wavenet_parameters: {WaveNet(vocab).num_parameters()}")
    def wavenet_baseline():
        layers = lecture_wavenet(WaveNet(vocab))
        return lecture_loop(lecture_wavenet_forward(layers), lecture_wavenet_params(layers), *wn_data.train,
                            wn_steps, decay_step=150_000)

    alternate("wavenet", lambda: ours(WaveNet, vocab, wn_data, wn_steps), wavenet_baseline)

    n = 2000
    with torch_threads(THREADS):
        ours_s, _ = best_of(lambda: sample_names(model, n=n, seed=1), repeat=3)
        base_s, _ = best_of(lambda: makemore_sample_loop(model, 200, seed=1), repeat=1)
    base_rate = 200 / base_s
    print(f"sample_names_per_s: {n / ours_s:.0f}")
    print(f"sample_makemore_loop_baseline_names_per_s: {base_rate:.0f}")
    print(f"sample_ratio_vs_baseline: {(n / ours_s) / base_rate:.1f}x")
    print(f"load_average_after: {load()}")


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


if __name__ == "__main__":
    main()
