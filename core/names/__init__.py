"""Character-level name models (makemore-style): counts bigram, neural bigram, MLP, sampling.

Run ``python -m core.names --help`` for the command line.
"""
