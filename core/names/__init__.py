"""Character-level name models in makemore's steps: counts bigram, neural bigram, MLP, WaveNet.

- ``data``, ``dataset``, ``corpus``: word lists, the 80/10/10 split, (X, Y) examples;
- ``counts``, ``neural_bigram``, ``mlp``, ``wavenet`` (built from ``layers`` on ``model``):
  the models, each with one config dataclass;
- ``training``: the loops (SGD with the lectures' step decay), ``diagnostics``: what the lecture
  looks at inside a network, ``lr_sweep``: makemore part 2's learning-rate sweep;
- ``sampling``, ``checkpoint``, ``compare``, ``runs`` (units of work for background jobs).

Run ``python -m core.names --help`` for the command line.
"""
