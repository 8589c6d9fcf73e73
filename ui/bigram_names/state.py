"""The bigram names page's state: one dataclass, bound to widget keys ``names_<field>`` and to the URL.

Fields marked ``url: False`` belong to one person's session (which word list source, the name
being scored, which trained model to sample from): a link never carries them. The training
settings are grouped per job (`JOB_FIELDS`) so that a job records exactly the settings it was
started with (``job.settings``), and a reload while it runs puts them back in the widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from ui.state import PageState

MODEL_KINDS = ("bigram", "mlp", "wavenet")


@dataclass
class BigramNamesState:
    # word list
    source: str = field(default="babynames", metadata={"choices": ["babynames", "upload"], "url": False})
    first_year: int = field(default=2017, metadata={"min": 1880, "max": 2017})
    last_year: int = field(default=2017, metadata={"min": 1880, "max": 2017})
    min_count: int = field(default=0, metadata={"min": 0, "max": 100_000})
    # counts tab
    smoothing: float = field(default=1.0, metadata={"min": 0.0, "max": 10.0})
    row: str = "."  # the heatmap row whose next-character distribution is shown
    score: str = field(default="emma", metadata={"url": False})  # the name the scorer rates
    # sample tab
    sample_model: str = field(default="counts", metadata={"choices": ["counts", *MODEL_KINDS], "url": False})
    temperature: float = field(default=1.0, metadata={"min": 0.05, "max": 3.0})
    top_k: int = field(default=0, metadata={"min": 0, "max": 200})  # 0 = off
    seed: int = field(default=42, metadata={"min": 0, "max": 2**31 - 1})
    n: int = field(default=20, metadata={"min": 1, "max": 500})
    trace_step: int = field(default=1, metadata={"min": 1, "max": 100, "url": False})
    # neural bigram
    bigram_steps: int = field(default=300, metadata={"min": 1, "max": 20_000})
    bigram_lr: float = field(default=50.0, metadata={"min": 0.01, "max": 500.0})
    regularization: float = field(default=0.01, metadata={"min": 0.0, "max": 10.0})
    # MLP
    block_size: int = field(default=3, metadata={"min": 1, "max": 16})
    n_embd: int = field(default=10, metadata={"min": 1, "max": 64})
    n_hidden: int = field(default=200, metadata={"min": 1, "max": 1024})
    n_layers: int = field(default=1, metadata={"min": 1, "max": 6})
    activation: str = field(default="tanh", metadata={"choices": ["tanh", "relu"]})
    init: str = field(default="kaiming", metadata={"choices": ["kaiming", "randn"]})
    batchnorm: bool = False
    mlp_steps: int = field(default=30_000, metadata={"min": 100, "max": 400_000})
    batch_size: int = field(default=32, metadata={"min": 1, "max": 4096})
    lr: float = field(default=0.1, metadata={"min": 1e-4, "max": 10.0})
    sweep_steps: int = field(default=1000, metadata={"min": 100, "max": 5000})
    # WaveNet
    wn_block_size: int = field(default=8, metadata={"choices": [2, 4, 8, 16]})
    wn_n_embd: int = field(default=24, metadata={"min": 1, "max": 64})
    wn_n_hidden: int = field(default=128, metadata={"min": 1, "max": 512})
    wn_steps: int = field(default=20_000, metadata={"min": 100, "max": 400_000})
    wn_batch_size: int = field(default=32, metadata={"min": 2, "max": 4096})
    wn_lr: float = field(default=0.1, metadata={"min": 1e-4, "max": 10.0})
    # diagnostics
    diagnostics: bool = True  # record diagnostics while the MLP / WaveNet trains
    diag_model: str = field(default="mlp", metadata={"choices": ["mlp", "wavenet"]})
    diag_step: int = field(default=-1, metadata={"url": False})  # recorded snapshot shown; -1: the latest


CORPUS_FIELDS = ("source", "first_year", "last_year", "min_count")
JOB_FIELDS = {
    "bigram": CORPUS_FIELDS + ("bigram_steps", "bigram_lr", "regularization"),
    "mlp": CORPUS_FIELDS + ("block_size", "n_embd", "n_hidden", "n_layers", "activation", "init", "batchnorm",
                            "mlp_steps", "batch_size", "lr", "diagnostics"),
    "wavenet": CORPUS_FIELDS + ("wn_block_size", "wn_n_embd", "wn_n_hidden", "wn_steps", "wn_batch_size", "wn_lr",
                                "diagnostics"),
    "lr": CORPUS_FIELDS + ("block_size", "n_embd", "n_hidden", "n_layers", "activation", "init", "batchnorm",
                           "batch_size", "sweep_steps"),
}
YEARS_KEY = "names_years"  # the range slider: a widget of its own, seeded from first_year / last_year


def _seed_years(state: BigramNamesState) -> None:
    st.session_state[YEARS_KEY] = (state.first_year, state.last_year)


STATE = PageState(BigramNamesState, prefix="names_", on_write=_seed_years)


def job_settings(state: BigramNamesState, kind: str) -> dict:
    """The fields a job of ``kind`` depends on, as a plain dict (stored in ``job.settings``)."""
    return {name: getattr(state, name) for name in JOB_FIELDS[kind]}


def mirror_key(name: str, where: str) -> str:
    """Key of a second widget for field ``name`` drawn in another place (see `seed_mirror`)."""
    return f"{STATE.key(name)}__{where}"


def seed_mirror(name: str, where: str) -> dict:
    """Widget kwargs for a second widget of field ``name`` (the Diagnostics tab repeats the MLP's
    switches): its value is seeded from the field just before it is drawn, and a change writes the
    field back in a callback, so both widgets always show the same value."""
    key = mirror_key(name, where)
    st.session_state[key] = STATE.get(name)
    return {"key": key, "on_change": lambda: STATE.set(**{name: st.session_state[key]})}
