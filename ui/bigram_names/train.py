"""Train tab: the neural bigram, the MLP (with the learning-rate sweep) and the WaveNet, each a
background job of the viewer's (`ui.bigram_names.runs`) with live curves, and its result."""

from __future__ import annotations

import streamlit as st

from core.names.compare import probability_difference
from core.names.mlp import CharMLPConfig
from core.names.neural_bigram import NeuralBigramConfig
from core.names.runs import build_model, run_lr_sweep, run_model, run_neural_bigram
from core.names.training import TrainConfig, lecture_decay_step
from core.names.wavenet import WaveNetConfig
from ui import jobs
from ui.bigram_names import runs
from ui.bigram_names.charts import embedding_scatter, loss_curves, lr_sweep_figure, prob_difference
from ui.bigram_names.data import WordList
from ui.bigram_names.state import STATE, BigramNamesState
from ui.device import session_device

INITS = {"kaiming": "Kaiming (gain / √fan-in)", "randn": "plain randn"}


# --- configs from the state (also used by the Diagnostics tab) ------------------------------------
def mlp_config(state: BigramNamesState) -> CharMLPConfig:
    return CharMLPConfig(block_size=state.block_size, n_embd=state.n_embd, n_hidden=state.n_hidden,
                         n_layers=state.n_layers, activation=state.activation, batchnorm=state.batchnorm,
                         init=state.init)


def wavenet_config(state: BigramNamesState) -> WaveNetConfig:
    return WaveNetConfig(block_size=state.wn_block_size, n_embd=state.wn_n_embd, n_hidden=state.wn_n_hidden)


def train_config(state: BigramNamesState, kind: str) -> TrainConfig:
    """The page's schedule: the lecture's step decay (÷10) at half (MLP) or three quarters (WaveNet)
    of the steps; about 40 evaluations and 200 diagnostics snapshots per run."""
    steps, batch, lr = ((state.mlp_steps, state.batch_size, state.lr) if kind == "mlp"
                        else (state.wn_steps, state.wn_batch_size, state.wn_lr))
    return TrainConfig(steps=steps, batch_size=batch, lr=lr, lr_late=lr / 10,
                       lr_decay_step=lecture_decay_step(kind, steps), eval_every=max(500, steps // 40),
                       log_every=200,  # Pause and Stop act between chunks of this many steps
                       diagnostics_every=max(1, steps // 200) if state.diagnostics else 0)


# --- the tab ----------------------------------------------------------------------------------------
def train_tab(words: WordList) -> None:
    st.markdown("Each model trains in the background on the 80% training words; the page stays usable, and "
                "the trained model stays with this browser (sample from it in the **Sample** tab, look inside "
                "it in **Diagnostics**).")
    bigram, mlp, wavenet = st.tabs(["Neural bigram", "MLP", "WaveNet"])
    with bigram:
        _bigram_section(words)
    with mlp:
        _mlp_section(words)
    with wavenet:
        _wavenet_section(words)


def _train_button(kind: str, target, state: BigramNamesState, label: str = "Train") -> None:
    st.button(label, key=f"names_train_{kind}", type="primary", icon=":material/play_arrow:",
              disabled=runs.busy(kind), on_click=runs.start, args=(kind, target, state))


def _panel(kind: str, steps_field: str | None, reference: float | None) -> None:
    def curves(job) -> None:
        history = [e for e in job.events if "step" in e and "diagnostics" not in e]
        st.plotly_chart(loss_curves(history, "Loss", reference), width="stretch", key=f"names_curve_{kind}")

    jobs.panel(runs.AREAS[kind], key=f"names_{kind}_job", what=f"Training the {runs.NAMES[kind]}",
               progress=runs.step_progress(steps_field) if steps_field else None,
               body=curves if reference is not None else None, on_finish=runs.remember)


def _bigram_section(words: WordList) -> None:
    corpus, key = words.corpus, words.key
    st.caption("one-hot(current char) → one linear layer → softmax; full-batch gradient descent with an L2 "
               "penalty on the weights (the neural counterpart of smoothing).")
    c = st.columns(3)
    c[0].number_input("Steps", 1, 20_000, key=STATE.key("bigram_steps"))
    c[1].number_input("Learning rate", 0.01, 500.0, key=STATE.key("bigram_lr"))
    c[2].number_input("Regularization", 0.0, 10.0, step=0.01, format="%.3f", key=STATE.key("regularization"))
    state = STATE.current()
    cfg = NeuralBigramConfig(steps=state.bigram_steps, lr=state.bigram_lr, regularization=state.regularization)
    _train_button("bigram", lambda job: run_neural_bigram(corpus, key, cfg, job), state)
    _panel("bigram", "bigram_steps", corpus.counts_losses(state.smoothing)["dev"])
    trained = runs.trained("bigram", key)
    if trained is None:
        return
    counts = corpus.counts_model(state.smoothing)
    losses, ref = trained.result.losses, corpus.counts_losses(state.smoothing)
    c = st.columns(3)
    c[0].metric("Neural train NLL", f"{losses['train']:.4f}", f"{losses['train'] - ref['train']:+.4f} vs counts",
                delta_color="off")
    c[1].metric("Neural dev NLL", f"{losses['dev']:.4f}", f"{losses['dev'] - ref['dev']:+.4f} vs counts",
                delta_color="off")
    diff, largest = probability_difference(trained.model, counts)
    c[2].metric("Largest |ΔP|", f"{largest:.4f}")
    st.plotly_chart(prob_difference(diff, corpus.vocab.itos, f"P(neural) − P(counts, k = {state.smoothing:g})"),
                    width="stretch", key="names_diff")


def _mlp_section(words: WordList) -> None:
    st.caption("Bengio et al. (2003) as in makemore parts 2–3: embeddings of the last characters → hidden "
               "layers → softmax; minibatch SGD, learning rate ÷10 halfway. The initialisation, BatchNorm "
               "and depth switches are the fixes of part 3: see their effect in the **Diagnostics** tab.")
    c = st.columns(4)
    c[0].number_input("Context", 1, 16, key=STATE.key("block_size"))
    c[1].number_input("Embedding", 1, 64, key=STATE.key("n_embd"))
    c[2].number_input("Hidden units", 1, 1024, key=STATE.key("n_hidden"))
    c[3].number_input("Hidden layers", 1, 6, key=STATE.key("n_layers"))
    c = st.columns(4)
    c[0].selectbox("Activation", ["tanh", "relu"], key=STATE.key("activation"))
    c[1].selectbox("Initialisation", list(INITS), format_func=INITS.get, key=STATE.key("init"))
    c[2].toggle("BatchNorm", key=STATE.key("batchnorm"))
    c[3].toggle("Record diagnostics", key=STATE.key("diagnostics"),
                help="Every 1/200 of the run: activation and gradient histograms, saturation and update ratios. "
                     "Off, training runs the bare model.")
    c = st.columns(3)
    c[0].number_input("Steps", 100, 400_000, step=1000, key=STATE.key("mlp_steps"),
                      help="makemore: 200,000 (a few minutes).")
    c[1].number_input("Batch", 1, 4096, key=STATE.key("batch_size"))
    c[2].number_input("Learning rate", 1e-4, 10.0, format="%.4f", key=STATE.key("lr"))
    state = STATE.current()
    _run(words, "mlp", mlp_config(state), train_config(state, "mlp"), "mlp_steps")
    with st.expander("Find a learning rate (makemore part 2)", icon=":material/search:"):
        _lr_sweep(words, state)


def _wavenet_section(words: WordList) -> None:
    st.caption("makemore part 5: neighbouring characters are fused in pairs, level after level "
               "(FlattenConsecutive → Linear → BatchNorm → tanh), so a context of 8 takes three levels. "
               "The lecture trains 200,000 steps (dev 1.993); the default here is shorter.")
    c = st.columns(3)
    c[0].selectbox("Context", [2, 4, 8, 16], key=STATE.key("wn_block_size"))
    c[1].number_input("Embedding", 1, 64, key=STATE.key("wn_n_embd"))
    c[2].number_input("Hidden units", 1, 512, key=STATE.key("wn_n_hidden"))
    c = st.columns(3)
    c[0].number_input("Steps", 100, 400_000, step=1000, key=STATE.key("wn_steps"))
    c[1].number_input("Batch", 2, 4096, key=STATE.key("wn_batch_size"))
    c[2].number_input("Learning rate", 1e-4, 10.0, format="%.4f", key=STATE.key("wn_lr"))
    state = STATE.current()
    st.caption(f"Diagnostics: recorded while **Record diagnostics** is on (MLP tab), now "
               f"{'on' if state.diagnostics else 'off'}.")
    _run(words, "wavenet", wavenet_config(state), train_config(state, "wavenet"), "wn_steps")


def _run(words: WordList, kind: str, model_cfg, train_cfg: TrainConfig, steps_field: str) -> None:
    """Size and schedule, the Train button, the job panel and the result of an MLP or a WaveNet."""
    corpus, key, device = words.corpus, words.key, session_device()
    st.caption(f"{build_model(corpus, model_cfg).num_parameters():,} parameters · learning rate "
               f"{train_cfg.lr:g} until step {train_cfg.lr_decay_step:,}, then {train_cfg.lr_late:g}")
    _train_button(kind, lambda job: run_model(corpus, key, model_cfg, train_cfg, device, job), STATE.current())
    _panel(kind, steps_field, corpus.counts_losses(float(STATE.get("smoothing")))["dev"])
    _result(kind, key)


def _result(kind: str, corpus_key: str) -> None:
    trained = runs.trained(kind, corpus_key)
    if trained is None:
        return
    r = trained.result
    if r.diverged:
        st.warning("The loss became NaN/inf: the run diverged. Lower the learning rate and train again.",
                   icon=":material/warning:")
        return
    c = st.columns(4)
    c[0].metric("Train NLL", f"{r.losses['train']:.4f}")
    c[1].metric("Dev NLL", f"{r.losses['dev']:.4f}")
    c[2].metric("Parameters", f"{trained.model.num_parameters():,}")
    c[3].metric("Steps/s", f"{r.steps_per_second:,.0f}")
    points, how = trained.model.embedding_2d()
    st.plotly_chart(embedding_scatter(points.tolist(), trained.model.vocab.itos, how), width="stretch",
                    key=f"names_emb_{kind}")


def _use_rate(rate: float) -> None:
    STATE.set(lr=float(f"{rate:.3g}"))


def _lr_sweep(words: WordList, state: BigramNamesState) -> None:
    st.caption("One short run whose learning rate grows exponentially from 0.001 to 1, step after step, on the "
               "MLP set above: the loss falls faster as the rate grows, bottoms out, then blows up. The chosen "
               "rate is the bottom of the smoothed curve; the green band is every rate nearly as good (the "
               "same rule as the gradient descent page's LR finder).")
    c = st.columns([1, 1, 2])
    c[0].number_input("Sweep steps", 100, 5000, step=100, key=STATE.key("sweep_steps"))
    corpus, cfg = words.corpus, mlp_config(state)
    with c[1]:
        _train_button("lr", lambda job: run_lr_sweep(corpus, cfg, state.sweep_steps, state.batch_size, job),
                      state, label="Run the sweep")
    jobs.panel(runs.AREAS["lr"], key="names_lr_job", what="The sweep", progress=runs.step_progress("sweep_steps"))
    found = runs.job("lr")
    sweep = found.result if found is not None and found.finished else None
    if sweep is None or not sweep.losses:
        return
    st.plotly_chart(lr_sweep_figure(sweep.lrs, sweep.losses, sweep.smoothed, sweep.best_lr, sweep.region),
                    width="stretch", key="names_lr_chart")
    if sweep.best_lr is not None:
        lo, hi = sweep.region
        st.markdown(f"Chosen rate **{sweep.best_lr:.3g}** (nearly as good: {lo:.3g} – {hi:.3g}), after "
                    f"{len(sweep.losses):,} of {sweep.steps_planned:,} steps.")
        c[2].button(f"Use {sweep.best_lr:.3g} for the MLP", key="names_use_lr", on_click=_use_rate,
                    args=(sweep.best_lr,))
