"""Name models: exact counts on a hand-checkable list, the neural bigram and MLP against the
counts model on real data, sampling, upload validation and the command line."""

from __future__ import annotations

import math
import random

import pytest
import torch

from core.names.__main__ import main as cli
from core.names.corpus import Corpus
from core.names.counts import CountsBigram, count_bigrams
from core.names.data import (MAX_WORD_LENGTH, Vocabulary, WordListError, default_words, load_babynames,
                             parse_word_list, split_words)
from core.names.dataset import build_examples
from core.names.mlp import MLP, CharMLPConfig
from core.names.neural_bigram import NeuralBigram, NeuralBigramConfig
from core.names.sampling import sample_names, trace_sample
from core.names.training import SplitTensors, TrainConfig, train_model, train_neural_bigram

TINY = ["ab", "ba", "a"]  # bigrams: .a ab b. | .b ba a. | .a a.


@pytest.fixture(scope="module")
def names():
    return default_words()


@pytest.fixture(scope="module")
def corpus(names):
    return Corpus(names)


def test_tiny_count_matrix_is_exact():
    vocab = Vocabulary.from_words(TINY)
    assert vocab.itos == (".", "a", "b")
    assert count_bigrams(TINY, vocab).tolist() == [[0, 2, 1], [2, 0, 1], [1, 1, 0]]


def test_tiny_nll_is_exact_with_and_without_smoothing():
    raw = CountsBigram.fit(TINY, smoothing=0)
    # .a .a a. a. have p=2/3; ab .b have 1/3; b. ba have 1/2 -> 8 bigrams
    expected = (4 * math.log(3 / 2) + 2 * math.log(3) + 2 * math.log(2)) / 8
    assert raw.nll(TINY) == pytest.approx(expected, abs=1e-12)
    add1 = CountsBigram.fit(TINY, smoothing=1)
    # rows become [1,3,2]/6, [3,1,2]/6, [2,2,1]/5
    p = {".a": 3 / 6, "ab": 2 / 6, "b.": 2 / 5, ".b": 2 / 6, "ba": 2 / 5, "a.": 3 / 6}
    bigrams = [".a", "ab", "b.", ".b", "ba", "a.", ".a", "a."]
    assert add1.nll(TINY) == pytest.approx(-sum(math.log(p[b]) for b in bigrams) / 8, abs=1e-12)
    letters, total = add1.score("ab")
    assert [s.bigram for s in letters] == [".a", "ab", "b."]
    assert total == pytest.approx(math.log(3 / 6) + math.log(2 / 6) + math.log(2 / 5))


def test_unseen_bigram_without_smoothing_is_infinite():
    assert math.isinf(CountsBigram.fit(TINY, smoothing=0).nll(["bb"]))


def test_counts_match_a_plain_loop_on_the_default_names(names):
    vocab = Vocabulary.from_words(names)
    loop = torch.zeros((vocab.size, vocab.size), dtype=torch.long)
    stoi = vocab.stoi
    for w in names:
        chars = ["."] + list(w) + ["."]
        for a, b in zip(chars, chars[1:]):
            loop[stoi[a], stoi[b]] += 1
    assert torch.equal(count_bigrams(names, vocab), loop)
    assert int(loop.sum()) == sum(len(w) + 1 for w in names)


def test_default_set_is_like_makemores_list(names):
    assert 25_000 <= len(names) <= 32_033
    assert names[:3] == ["emma", "liam", "olivia"]  # the most common names of 2017
    assert all(n.isascii() and n.isalpha() and n.islower() for n in names)
    assert Vocabulary.from_words(names).size == 27
    # add-1 counts NLL over all words lands where makemore's 2.454 is
    assert CountsBigram.fit(names).nll(names) == pytest.approx(2.454, abs=0.01)


def test_year_range_and_min_count_filter():
    old = load_babynames(1900, 1910, min_count=1000, limit=None)
    assert "mary" in old and len(old) < 2000
    with pytest.raises(WordListError, match="covers"):
        load_babynames(1500, 1600)


def test_examples_match_makemores_loop():
    words = ["emma", "al"]
    vocab = Vocabulary.from_words(words)
    X, Y = build_examples(words, vocab, 3)
    xs, ys = [], []
    for w in words:  # makemore's build_dataset
        context = [0] * 3
        for ch in w + ".":
            ix = vocab.stoi[ch]
            xs.append(context)
            ys.append(ix)
            context = context[1:] + [ix]
    assert X.tolist() == xs and Y.tolist() == ys


def test_split_is_makemores_seed_42_shuffle():
    words = [f"w{i}" for i in range(1000)]
    expected = list(words)
    random.seed(42)
    random.shuffle(expected)
    split = split_words(words)
    assert split.train == expected[:800] and split.dev == expected[800:900] and split.test == expected[900:]


def test_neural_bigram_converges_to_the_counts_model(corpus):
    data = SplitTensors.build(corpus.split, corpus.vocab, 1)
    model = NeuralBigram(corpus.vocab)
    start = train_neural_bigram(model, data, NeuralBigramConfig(steps=1, regularization=0)).losses["train"]
    result = train_neural_bigram(model, data, NeuralBigramConfig(steps=600, regularization=0))
    counts_train = corpus.counts_model(0).nll(corpus.split.train)  # the best a bigram can do on train
    assert start > 3.0
    assert result.losses["train"] - counts_train < 0.005
    diff = (model.probs() - corpus.counts_model(0).probs.float()).abs()
    assert diff.max() < 0.05 and diff.mean() < 0.002


def test_mlp_beats_the_bigram_within_a_short_budget(corpus):
    data = SplitTensors.build(corpus.split, corpus.vocab, 3)
    model = MLP(corpus.vocab, CharMLPConfig())
    assert model.num_parameters() == 11_897  # makemore's 27x10, 30x200, 200, 200x27, 27
    events = []
    result = train_model(model, data, TrainConfig(steps=3000, lr_decay_step=2500, eval_every=1000),
                       on_event=events.append)
    bigram_dev = corpus.counts_losses(1.0)["dev"]
    assert result.losses["dev"] < bigram_dev - 0.05
    assert any("dev_loss" in e for e in events) and events[-1]["step"] == 3000


def test_mlp_with_batchnorm_trains_and_samples(corpus):
    data = SplitTensors.build(corpus.split, corpus.vocab, 3)
    model = MLP(corpus.vocab, CharMLPConfig(batchnorm=True, n_hidden=64))
    result = train_model(model, data, TrainConfig(steps=1000, eval_every=500))
    assert result.losses["dev"] < math.log(27)
    assert len(sample_names(model, n=5, seed=1)) == 5  # eval mode: works with batches of one


def test_training_stops_when_asked(corpus):
    data = SplitTensors.build(corpus.split, corpus.vocab, 3)
    calls = iter([True, True, False])
    result = train_model(MLP(corpus.vocab), data, TrainConfig(steps=100_000, log_every=100),
                       should_continue=lambda: next(calls))
    assert result.stopped and result.steps_done == 200


def test_sampling_is_deterministic_and_tags_names(corpus):
    model = corpus.counts_model(1.0)
    a = sample_names(model, n=30, seed=7, training_words=corpus.train_set)
    b = sample_names(model, n=30, seed=7, training_words=corpus.train_set)
    c = sample_names(model, n=30, seed=8, training_words=corpus.train_set)
    assert [s.name for s in a] == [s.name for s in b] != [s.name for s in c]
    assert all(s.in_training_set == (s.name in corpus.train_set) for s in a)
    assert any(s.in_training_set for s in a) and any(not s.in_training_set for s in a)
    # top-1 is greedy: the same name whatever the seed
    greedy = {sample_names(model, n=1, seed=s, top_k=1)[0].name for s in range(5)}
    assert len(greedy) == 1
    name, steps = trace_sample(model, seed=7)
    assert name == sample_names(model, n=1, seed=7)[0].name and "".join(s.chosen for s in steps) == name + "."
    assert all(abs(sum(s.probs) - 1) < 1e-4 for s in steps)
    with pytest.raises(ValueError):
        sample_names(model, temperature=0)


def test_upload_validation():
    assert parse_word_list(b"Emma\n\n  olivia \r\nZoe\n") == ["emma", "olivia", "zoe"]
    accented = parse_word_list("zoé\nrenée\n".encode())
    assert "é" in Vocabulary.from_words(accented).chars
    for bad, message in [(b"", "no words"), (b"\n \n", "no words"), (b"\x00\x01PK\x03", "binary"),
                         (b"\xff\xfe\xfa", "UTF-8"), (b"a" * (MAX_WORD_LENGTH + 1), "characters long"),
                         (b"anna bob\n", "one word per line"), (b"a.b\n", "reserved")]:
        with pytest.raises(WordListError, match=message):
            parse_word_list(bad)


def test_cli_nll_train_sample(tmp_path, capsys):
    words = tmp_path / "w.txt"
    words.write_text("\n".join(TINY) + "\n")
    assert cli(["nll", "--words", str(words)]) == 0
    p = {".a": 3 / 6, "ab": 2 / 6, "b.": 2 / 5, ".b": 2 / 6, "ba": 2 / 5, "a.": 3 / 6}
    expected = -sum(math.log(p[b]) for b in [".a", "ab", "b.", ".b", "ba", "a.", ".a", "a."]) / 8
    assert capsys.readouterr().out.strip() == f"nll: {expected:.4f}"

    many = tmp_path / "names.txt"
    many.write_text("\n".join(default_words()[:3000]) + "\n")
    ckpt = tmp_path / "mlp.pt"
    assert cli(["train", "--model", "mlp", "--words", str(many), "--steps", "300", "--save", str(ckpt)]) == 0
    out = capsys.readouterr().out
    losses = {k: float(v) for k, v in (line.split(": ") for line in out.splitlines() if "_loss" in line)}
    assert set(losses) == {"train_loss", "dev_loss", "test_loss"} and losses["dev_loss"] < math.log(27)
    assert cli(["sample", "--model", "mlp", "--checkpoint", str(ckpt), "-n", "5", "--seed", "3"]) == 0
    assert len(capsys.readouterr().out.split()) == 5
    assert cli(["nll", "--words", str(tmp_path / "missing.txt")]) == 2
