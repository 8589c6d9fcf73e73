"""The AlexNet trainer's sidebar: recipe, dataset and every training setting.

While the viewer's run is going, the settings are shown but locked: they describe that run
(restored from the job after a reload), and a change could not reach it anyway.
"""

from __future__ import annotations

import streamlit as st

from core.alexnet import RECIPES, get_recipe
from core.device import preference_choices
from ui.alexnet_trainer.state import (BATCH_SIZES, DATASETS, HIDDEN_WIDTHS, INITS, STATE, AlexNetTrainerState,
                                      apply_recipe)
from ui.device import device_preference
from ui.session import server_paths_allowed

OPTIMIZER_LABELS = {"adamw": "AdamW", "adam": "Adam", "sgd": "SGD + momentum 0.9"}
SCHEDULE_LABELS = {"onecycle": "One-cycle (warm-up, cosine)", "plateau": "ReduceLROnPlateau"}


def dataset_choices() -> list[str]:
    """Image folders on the server only where this server allows its paths (`ui.session`)."""
    return [d for d in DATASETS if d != "folder" or server_paths_allowed()]


def prepare(state: AlexNetTrainerState) -> None:
    """Before any widget is drawn: fix values the widgets cannot show on this server."""
    if state.dataset not in dataset_choices():
        STATE.set(dataset="mnist")
        st.warning("Image folders on this machine are not offered on a shared server; using the MNIST sample.",
                   icon=":material/folder_off:")
    choices = preference_choices()
    if state.device not in choices:
        preference = device_preference()
        STATE.set(device=preference if preference in choices else choices[0])


def draw(locked: bool) -> None:
    """Every setting, bound to the page state; ``locked`` while the viewer's run is going."""
    sb = st.sidebar
    sb.header("Run settings")
    if locked:
        sb.caption("Settings of your run in progress (stop it to change them).")
    sb.selectbox("Recipe", list(RECIPES), format_func=lambda r: RECIPES[r].label, key=STATE.key("recipe"),
                 on_change=apply_recipe, disabled=locked,
                 help="Choosing a recipe sets every training value below; each can then be changed.")
    recipe = get_recipe(STATE.get("recipe"))
    sb.caption(recipe.summary)
    with sb.expander("Why this recipe"):
        st.markdown(recipe.why)
    dataset = sb.selectbox("Dataset", dataset_choices(), format_func=DATASETS.get, key=STATE.key("dataset"),
                           disabled=locked)
    if dataset == "folder":
        sb.text_input("Image folder path", key=STATE.key("folder"), disabled=locked,
                      help="PATH/<class>/*.png|jpg, or PATH/train/<class>/… plus PATH/test/<class>/…")
    sb.radio("Variant", ["cifar", "imagenet"], key=STATE.key("variant"), horizontal=True, disabled=locked,
             format_func={"cifar": "32×32 (CIFAR-sized)", "imagenet": "224×224 (original)"}.get)
    sb.slider("Epochs", 1, 60, key=STATE.key("epochs"), disabled=locked)
    sb.select_slider("Batch size", BATCH_SIZES, key=STATE.key("batch_size"), disabled=locked)
    sb.radio("Optimizer", list(OPTIMIZER_LABELS), key=STATE.key("optimizer"), horizontal=True,
             format_func=OPTIMIZER_LABELS.get, disabled=locked)
    sb.number_input("Learning rate", 1e-6, 1.0, key=STATE.key("lr"), format="%.6f", disabled=locked,
                    help="With the one-cycle schedule: the peak, reached after the warm-up.")
    sb.radio("Schedule", list(SCHEDULE_LABELS), key=STATE.key("schedule"), format_func=SCHEDULE_LABELS.get,
             disabled=locked, help="ReduceLROnPlateau halves the rate after 3 epochs without a better validation "
                                   "loss (the article); one-cycle warms up over 15 % of the steps, then decays.")
    sb.number_input("Weight decay", 0.0, 0.5, key=STATE.key("weight_decay"), format="%.5f", disabled=locked)
    sb.slider("Label smoothing", 0.0, 0.5, step=0.05, key=STATE.key("label_smoothing"), disabled=locked)
    sb.slider("Early-stopping patience (epochs)", 1, 20, key=STATE.key("patience"), disabled=locked,
              help="The best epoch's weights are restored at the end, whatever stopped the run.")
    with sb.expander("Model and speed"):
        st.checkbox("BatchNorm after each convolution (a modern change)", key=STATE.key("batchnorm"), disabled=locked)
        st.checkbox("Augmentation (random crop, + flip where a mirror image keeps its class; on whole batches)", key=STATE.key("augment"), disabled=locked)
        st.select_slider("Hidden FC width", HIDDEN_WIDTHS, key=STATE.key("hidden"), disabled=locked,
                         help="The paper uses 4096; narrower trains faster on a CPU.")
        st.selectbox("Initialization", INITS, key=STATE.key("init"), disabled=locked,
                     help="kaiming: He normal for the convolutions; paper: N(0, 0.01) weights, bias 1 in "
                          "conv2/4/5 and the hidden FC layers; pytorch: the framework's default.")
        st.checkbox("Local response normalization", key=STATE.key("lrn"), disabled=locked)
        st.number_input("Use at most N images (0 = all)", 0, 1_000_000, step=100, key=STATE.key("limit"),
                        disabled=locked)
        st.selectbox("Device", preference_choices(), key=STATE.key("device"), disabled=locked,
                     help="Defaults to the Home page's choice.")
        st.checkbox("Mixed precision (bf16/fp16 autocast)", key=STATE.key("amp"), disabled=locked,
                    help="Pays off on CUDA GPUs; on a CPU it is usually slower.")
