"""The deeper name models (makemore parts 3-5): WaveNet shapes and size, BatchNorm's running
statistics, the diagnostics against a hand computation, the learning-rate sweep, the WaveNet
against the MLP, and the command line on bad checkpoints."""

from __future__ import annotations

import math
import os
import pickle

import pytest
import torch
import torch.nn.functional as F

from core.names.__main__ import main as cli
from core.names.checkpoint import save_model
from core.names.corpus import Corpus
from core.names.data import Vocabulary, default_words
from core.names.diagnostics import Recorder, activation_stats, inspect, update_ratios
from core.names.layers import BatchNorm1d, FlattenConsecutive
from core.names.lr_sweep import lr_sweep
from core.names.mlp import MLP, CharMLPConfig
from core.names.training import SplitTensors, TrainConfig, calibrate_batchnorm, train_model
from core.names.wavenet import WaveNet, WaveNetConfig

ALPHABET = Vocabulary(tuple("abcdefghijklmnopqrstuvwxyz"))


@pytest.fixture(scope="module")
def corpus():
    return Corpus(default_words())


def test_wavenet_shapes_and_parameter_count():
    model = WaveNet(ALPHABET, WaveNetConfig(block_size=8, n_embd=24, n_hidden=128))
    # 27x24 embedding; per level a bias-free Linear and a BatchNorm (gamma, beta); the output layer
    assert model.num_parameters() == 27 * 24 + (48 * 128 + 256) + 2 * (256 * 128 + 256) + (128 * 27 + 27) == 76_579
    shapes = []
    hooks = [layer.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape)))
             for layer in model.layers if isinstance(layer, FlattenConsecutive)]
    logits = model(torch.randint(0, 27, (5, 8)))
    for h in hooks:
        h.remove()
    assert shapes == [(5, 4, 48), (5, 2, 256), (5, 256)]  # pairs fused three times: 8 -> 4 -> 2 -> 1
    assert logits.shape == (5, 27)
    assert model.layer_names()[-1] == "output" and [n for n, _ in model.activation_layers()] == ["tanh 1", "tanh 2",
                                                                                                  "tanh 3"]
    with pytest.raises(ValueError, match="power of two"):
        WaveNetConfig(block_size=6)


def test_batchnorm_evaluates_with_running_statistics():
    torch.manual_seed(0)
    bn = BatchNorm1d(4, momentum=0.1)
    for _ in range(60):  # training mode: batch statistics, and the running ones follow them
        bn(torch.randn(64, 3, 4) * 3 + 5)
    assert torch.allclose(bn.running_mean, torch.full((4,), 5.0), atol=0.5)
    assert torch.allclose(bn.running_var, torch.full((4,), 9.0), atol=2.0)
    bn.eval()
    x = torch.randn(10, 4)
    expected = (x - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.gamma + bn.beta
    assert torch.allclose(bn(x), expected, atol=1e-6)
    assert torch.allclose(bn(x[:1]), expected[:1], atol=1e-6)  # one example alone: same output
    before = bn.running_mean.clone()
    bn(x)
    assert torch.equal(bn.running_mean, before)  # evaluation does not move them


def test_models_sample_one_name_at_a_time_with_batchnorm(corpus):
    """Sampling runs one example per row in eval mode: it must equal the row inside a batch."""
    model = MLP(corpus.vocab, CharMLPConfig(batchnorm=True, n_hidden=32))
    data = SplitTensors.build(corpus.split, corpus.vocab, 3)
    train_model(model, data, TrainConfig(steps=200, eval_every=1000, calibrate=False))
    norm = next(layer for layer in model.layers if isinstance(layer, BatchNorm1d))
    assert norm.running_mean.abs().sum() > 0  # training moved the running statistics
    X = data.dev[0][:50]
    assert torch.allclose(model.logits(X[:1]), model.logits(X)[:1], atol=1e-5)


def test_calibration_sets_the_training_split_statistics(corpus):
    model = WaveNet(corpus.vocab, WaveNetConfig(n_embd=8, n_hidden=16))
    X = SplitTensors.build(corpus.split, corpus.vocab, 8).train[0][:3000]
    assert calibrate_batchnorm(model, X, chunk=1000) == 3
    first = model.layers[3]
    inputs = model.layers[2](model.layers[1](model.layers[0](X))).detach().reshape(-1, 16)
    assert torch.allclose(first.running_mean, inputs.mean(0), atol=1e-4)
    assert torch.allclose(first.running_var, inputs.var(0), rtol=1e-3)


def test_saturation_dead_units_and_update_ratio_match_a_hand_computation():
    vocab = Vocabulary(tuple("ab"))
    model = MLP(vocab, CharMLPConfig(block_size=2, n_embd=2, n_hidden=3, init="randn", seed=3))
    X = torch.tensor([[0, 1], [1, 2], [2, 2], [0, 0], [1, 1]])
    Y = torch.tensor([1, 2, 0, 2, 1])
    lr = 0.5
    C, W1, b1, W2, b2 = (p.detach().clone().requires_grad_() for p in model.parameters())
    # by hand, the lecture's way: explicit tensors, no modules
    h = torch.tanh(C[X].view(5, 4) @ W1 + b1)
    loss = F.cross_entropy(h @ W2 + b2, Y)
    grads = torch.autograd.grad(loss, [C, W1, W2])
    saturated = (h.abs() > 0.97).float().mean().item()
    dead = int((h.abs() > 0.97).all(0).sum())
    ratios = {name: math.log10(float((lr * g).std() / (p.detach() - lr * g).std()))  # after the update, as the lecture
              for name, p, g in zip(["embedding C (3×2)", "linear 1 W (4×3)", "output W (3×3)"], [C, W1, W2], grads)}
    # the same step through the recorder and the training update
    with Recorder(model) as recorder:
        out = F.cross_entropy(model(X), Y)
        out.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    stats = activation_stats("tanh 1", "tanh", recorder.outputs["tanh 1"])
    assert stats["saturated"] == pytest.approx(saturated) and stats["dead"] == dead
    assert 0 < saturated < 1  # the case is not trivial: some units saturate, some do not
    assert stats["std"] == pytest.approx(float(h.detach().std()), rel=1e-5)
    got = update_ratios(model, lr)
    assert set(got) == set(ratios)
    for name, value in ratios.items():
        assert got[name] == pytest.approx(value, abs=1e-5)
    assert not model.layers[3]._forward_hooks  # the recorder left no hook behind


def test_relu_dead_units_are_counted():
    model = MLP(ALPHABET, CharMLPConfig(activation="relu", n_hidden=8))
    out = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    stats = activation_stats("relu 1", "relu", out)
    assert stats["dead"] == 1 and stats["zero"] == pytest.approx(4 / 6)
    assert [n for n, _ in model.activation_layers()] == ["relu 1"]


def test_each_switch_changes_the_diagnostics(corpus):
    data = SplitTensors.build(corpus.split, corpus.vocab, 3)
    ix = torch.randint(0, len(data.train[1]), (256,), generator=torch.Generator().manual_seed(0))
    X, Y = data.train[0][ix], data.train[1][ix]

    def look(**switches):
        snap = inspect(MLP(corpus.vocab, CharMLPConfig(**switches)), X, Y)
        return snap["loss"], [layer["saturated"] for layer in snap["layers"]]

    loss, sat = look()
    assert abs(loss - math.log(27)) < 0.1 and sat[0] < 0.3  # part 3: ln 27, about a fifth saturated (gain 5/3)
    loss_randn, sat_randn = look(init="randn")
    assert loss_randn > 10 and sat_randn[0] > 0.5  # part 2's randn: confidently wrong, mostly saturated
    _, sat_bn = look(init="randn", batchnorm=True)
    assert sat_bn[0] < sat_randn[0] / 2  # BatchNorm pulls the pre-activations back to unit scale
    _, sat_deep = look(n_layers=4)
    assert len(sat_deep) == 4  # one set of figures per hidden layer


def test_diagnostics_cost_nothing_when_off(corpus):
    data = SplitTensors.build(corpus.split, corpus.vocab, 3)
    model = MLP(corpus.vocab, CharMLPConfig(n_hidden=16))
    seen = []

    def no_hooks():
        seen.append(sum(len(layer._forward_hooks) for layer in model.layers))
        return True

    off = train_model(model, data, TrainConfig(steps=300, log_every=100, eval_every=1000), should_continue=no_hooks)
    assert off.diagnostics == [] and seen == [0, 0, 0]
    on = train_model(model, data, TrainConfig(steps=300, log_every=100, eval_every=1000, diagnostics_every=100))
    assert [s["step"] for s in on.diagnostics] == [0, 100, 200, 299]
    assert set(on.diagnostics[0]["ratios"]) == {"embedding C (27×10)", "linear 1 W (30×16)", "output W (16×27)"}
    assert sum(len(layer._forward_hooks) for layer in model.layers) == 0


def test_lr_sweep_finds_the_lectures_rate(corpus):
    data = SplitTensors.build(corpus.split, corpus.vocab, 3)
    sweep = lr_sweep(MLP(corpus.vocab), data, steps=600)
    assert sweep.lrs[0] == pytest.approx(1e-3) and len(sweep.losses) == len(sweep.smoothed) == len(sweep.lrs)
    assert 0.02 <= sweep.best_lr <= 0.5  # the lecture reads 0.1 off this plot
    assert sweep.region[0] <= sweep.best_lr <= sweep.region[1]
    assert min(sweep.smoothed) < sweep.smoothed[0] - 0.3


@pytest.mark.slow
def test_wavenet_beats_the_mlp_with_the_same_steps(corpus):
    steps = 600
    results = {}
    for name, model in (("mlp", MLP(corpus.vocab)), ("wavenet", WaveNet(corpus.vocab))):
        data = SplitTensors.build(corpus.split, corpus.vocab, model.block_size)
        decay = steps // 2 if name == "mlp" else steps * 3 // 4
        cfg = TrainConfig(steps=steps, lr_decay_step=decay, eval_every=10 * steps, calibrate=False)
        results[name] = train_model(model, data, cfg).losses["dev"]
    assert results["wavenet"] < results["mlp"] - 0.03, results


def _one_line_error(capsys, argv) -> str:
    assert cli(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    return err


def test_cli_trains_a_wavenet_and_refuses_bad_checkpoints(tmp_path, capsys):
    words = tmp_path / "names.txt"
    words.write_text("\n".join(default_words()[:2000]) + "\n")
    good = tmp_path / "wavenet.pt"
    assert cli(["train", "--model", "wavenet", "--words", str(words), "--block-size", "8", "--embedding", "8",
                "--hidden", "16", "--steps", "200", "--eval-every", "100", "--save", str(good)]) == 0
    out = capsys.readouterr().out
    losses = {k: float(v) for k, v in (line.split(": ") for line in out.splitlines() if "_loss" in line)}
    assert set(losses) == {"train_loss", "dev_loss", "test_loss"} and losses["dev_loss"] < math.log(27)
    assert cli(["sample", "--model", "wavenet", "--checkpoint", str(good), "-n", "3"]) == 0
    assert len(capsys.readouterr().out.split()) == 3

    blob = torch.load(good, weights_only=True)
    cases = {
        "random.pt": os.urandom(2048),
        "empty.pt": b"",
        "text.pt": b"emma\nolivia\n",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    torch.save({"model": torch.nn.Linear(3, 2).state_dict(), "epoch": 3}, tmp_path / "alexnet.pt")  # another program's
    torch.save(torch.nn.Linear(3, 2).state_dict(), tmp_path / "state_dict.pt")
    torch.save([1, 2, 3], tmp_path / "list.pt")
    torch.save({k: v for k, v in blob.items() if k != "state"}, tmp_path / "no_state.pt")
    torch.save({**blob, "kind": "transformer"}, tmp_path / "kind.pt")
    torch.save({**blob, "config": {**blob["config"], "n_hidden": 32}}, tmp_path / "shapes.pt")
    torch.save({**blob, "config": {**blob["config"], "block_size": 6}}, tmp_path / "config.pt")
    torch.save({**blob, "state": {k: v for k, v in list(blob["state"].items())[1:]}}, tmp_path / "missing.pt")
    with open(tmp_path / "evil.pt", "wb") as f:  # a pickle that would run code: weights_only refuses it
        pickle.dump({"kind": os.system}, f, protocol=2)
    expected = {"random.pt": "not a readable", "empty.pt": "not a readable", "text.pt": "not a readable",
                "alexnet.pt": "missing kind", "state_dict.pt": "missing kind", "list.pt": "holds a list",
                "no_state.pt": "missing state", "kind.pt": "unknown model kind", "shapes.pt": "does not fit",
                "config.pt": "does not fit", "missing.pt": "does not fit", "evil.pt": "not a readable"}
    for name, message in expected.items():
        err = _one_line_error(capsys, ["sample", "--model", "wavenet", "--checkpoint", str(tmp_path / name)])
        assert message in err, (name, err)
    assert "no saved model" in _one_line_error(capsys, ["sample", "--model", "mlp", "--checkpoint",
                                                         str(tmp_path / "absent.pt")])
    assert "holds a wavenet model, not the mlp asked for" in _one_line_error(capsys, ["sample", "--model", "mlp",
                                                                           "--checkpoint", str(good)])
    # saving goes through a temporary file: a good checkpoint is never left half-written
    model = WaveNet(ALPHABET, WaveNetConfig(n_embd=4, n_hidden=8))
    assert save_model(model, good, ["ab"]) == good and not (tmp_path / "wavenet.pt.partial").exists()
