"""Train tab (neural bigram and MLP in background jobs, live curves) and the comparison table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.jobs import FAILED, BackgroundJob
from core.names.compare import comparison_rows, probability_difference
from core.names.corpus import Corpus
from core.names.mlp import CharMLPConfig
from core.names.neural_bigram import NeuralBigramConfig
from core.names.runs import run_mlp, run_neural_bigram
from ui.bigram_names.state import BigramNamesState
from core.names.training import MLPTrainConfig
from pages._names_charts import embedding_scatter, loss_curves, prob_difference
from ui.device import session_device

JOBS, TRAINED = "names_jobs", "names_trained"


def _jobs() -> dict:
    return st.session_state.setdefault(JOBS, {})


def _trained() -> dict:
    return st.session_state.setdefault(TRAINED, {})


def train_tab(corpus: Corpus, corpus_key: str, settings: BigramNamesState) -> None:
    st.markdown("Both models train in the background on the 80% training words; the page stays usable "
                "and the trained model is kept for this session (sample from it in the **Sample** tab).")
    left, right = st.columns(2)
    with left:
        st.subheader("Neural bigram")
        st.caption("one-hot(current char) → one linear layer → softmax; full-batch gradient descent with "
                   "an L2 penalty on the weights (the neural counterpart of smoothing).")
        c = st.columns(3)
        settings.bigram_steps = int(c[0].number_input("Steps", 1, 20_000, settings.bigram_steps, key="names_bg_steps"))
        settings.bigram_lr = float(c[1].number_input("Learning rate", 0.01, 500.0, settings.bigram_lr, key="names_bg_lr"))
        settings.regularization = float(c[2].number_input("Regularization", 0.0, 10.0, settings.regularization,
                                                          step=0.01, format="%.3f", key="names_bg_reg"))
        cfg = NeuralBigramConfig(steps=settings.bigram_steps, lr=settings.bigram_lr,
                                 regularization=settings.regularization)
        _controls("bigram", lambda job: run_neural_bigram(corpus, corpus_key, cfg, job))
        _job_panel("bigram", settings.bigram_steps, corpus.counts_losses(settings.smoothing)["dev"])
        _bigram_result(corpus, corpus_key, settings)
    with right:
        st.subheader("MLP with context (Bengio et al. 2003)")
        st.caption("embeddings of the last characters → tanh hidden layer → softmax; minibatch SGD, "
                   "learning rate divided by 10 halfway.")
        c = st.columns(4)
        settings.block_size = int(c[0].number_input("Context", 1, 16, settings.block_size, key="names_block"))
        settings.n_embd = int(c[1].number_input("Embedding", 1, 64, settings.n_embd, key="names_embd"))
        settings.n_hidden = int(c[2].number_input("Hidden", 1, 1024, settings.n_hidden, key="names_hidden"))
        settings.batch_size = int(c[3].number_input("Batch", 1, 4096, settings.batch_size, key="names_batch"))
        c = st.columns(3)
        settings.mlp_steps = int(c[0].number_input("Steps", 100, 400_000, settings.mlp_steps, step=1000,
                                                   key="names_mlp_steps", help="makemore: 200,000 (a few minutes)."))
        settings.lr = float(c[1].number_input("Learning rate", 1e-4, 10.0, settings.lr, format="%.4f", key="names_lr"))
        settings.batchnorm = c[2].toggle("BatchNorm", settings.batchnorm, key="names_bn")
        mcfg = CharMLPConfig(block_size=settings.block_size, n_embd=settings.n_embd, n_hidden=settings.n_hidden,
                         batchnorm=settings.batchnorm)
        tcfg = MLPTrainConfig(steps=settings.mlp_steps, batch_size=settings.batch_size, lr=settings.lr,
                              lr_decay_step=settings.mlp_steps // 2, lr_late=settings.lr / 10,
                              eval_every=max(500, settings.mlp_steps // 40))
        device = session_device()
        _controls("mlp", lambda job: run_mlp(corpus, corpus_key, mcfg, tcfg, device, job))
        _job_panel("mlp", settings.mlp_steps, corpus.counts_losses(settings.smoothing)["dev"])
        _mlp_result(corpus_key)


def _controls(kind: str, target) -> None:
    job = _jobs().get(kind)
    running = job is not None and not job.finished
    a, b = st.columns(2)
    if a.button("Train", key=f"names_start_{kind}", disabled=running, type="primary", icon=":material/play_arrow:"):
        _jobs()[kind] = BackgroundJob(target, name=f"names-{kind}").start()
        st.rerun()
    if b.button("Stop", key=f"names_stop_{kind}", disabled=not running, icon=":material/stop:"):
        job.stop()


def _job_panel(kind: str, total_steps: int, reference: float) -> None:
    job = _jobs().get(kind)
    if job is None:
        return

    @st.fragment(run_every=None if job.finished else 1.0)
    def panel():
        events = job.events
        steps = [e for e in events if "step" in e]
        done = steps[-1]["step"] if steps else 0
        if not job.finished:
            rate = next((e["steps_per_s"] for e in reversed(events) if "steps_per_s" in e), None)
            st.progress(min(1.0, done / max(1, total_steps)),
                        text=f"{job.status}: step {done:,} of {total_steps:,}" + (f" · {rate:,.0f} steps/s" if rate else ""))
        if job.status == FAILED:
            st.error(f"Training failed: {job.error}")
        elif job.finished and job.result is not None:
            if _trained().get(kind) is not job.result:
                _trained()[kind] = job.result
                st.rerun()  # refresh the sampling and comparison views with the new model
            if job.result.result.diverged:
                st.warning("The loss became NaN/inf: the run diverged. Lower the learning rate and train again.")
        st.plotly_chart(loss_curves(steps, "Loss", reference), width="stretch", key=f"names_curve_{kind}")

    panel()


def _bigram_result(corpus: Corpus, corpus_key: str, settings: BigramNamesState) -> None:
    tm = _trained().get("bigram")
    if tm is None or tm.corpus_key != corpus_key:
        return
    counts = corpus.counts_model(settings.smoothing)
    losses, ref = tm.result.losses, corpus.counts_losses(settings.smoothing)
    c = st.columns(3)
    c[0].metric("Neural train NLL", f"{losses['train']:.4f}", f"{losses['train'] - ref['train']:+.4f} vs counts",
                delta_color="off")
    c[1].metric("Neural dev NLL", f"{losses['dev']:.4f}", f"{losses['dev'] - ref['dev']:+.4f} vs counts",
                delta_color="off")
    diff, largest = probability_difference(tm.model, counts)
    c[2].metric("Largest |ΔP|", f"{largest:.4f}")
    st.plotly_chart(prob_difference(diff, corpus.vocab.itos, f"P(neural) − P(counts, k = {settings.smoothing:g})"),
                    width="stretch", key="names_diff")


def _mlp_result(corpus_key: str) -> None:
    tm = _trained().get("mlp")
    if tm is None or tm.corpus_key != corpus_key:
        return
    r = tm.result
    c = st.columns(4)
    c[0].metric("Train NLL", f"{r.losses['train']:.4f}")
    c[1].metric("Dev NLL", f"{r.losses['dev']:.4f}")
    c[2].metric("Parameters", f"{tm.model.num_parameters():,}")
    c[3].metric("Steps/s", f"{r.steps_per_second:,.0f}")
    points, how = tm.model.embedding_2d()
    st.plotly_chart(embedding_scatter(points.tolist(), tm.model.vocab.itos, how), width="stretch", key="names_emb")


def compare_tab(corpus: Corpus, corpus_key: str, settings: BigramNamesState) -> None:
    ours = {f"Counts bigram, add-{settings.smoothing:g}": {**corpus.counts_losses(settings.smoothing),
                                                            "note": "counted on the training words"}}
    for kind, tm in _trained().items():
        if tm.corpus_key != corpus_key:
            continue
        if kind == "mlp":
            cfg = tm.model.config
            label = f"MLP, block {cfg.block_size}, emb {cfg.n_embd}, {cfg.n_hidden} tanh" + (", BN" if cfg.batchnorm else "")
            note = f"{tm.result.steps_done:,} steps, {tm.model.num_parameters():,} parameters"
        else:
            label, note = "Neural bigram", f"{tm.result.steps_done:,} steps"
        ours[label] = {**tm.result.losses, "note": note}
    st.dataframe(pd.DataFrame(comparison_rows(ours)), hide_index=True, width="stretch", key="names_compare")
    st.caption("makemore's figures are for its 32,033-name list (2018 SSA data); ours use the word list "
               "chosen in the sidebar, so expect close but not identical values. Lower is better; "
               "ln 27 ≈ 3.30 is a uniform guess.")
