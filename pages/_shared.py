"""Small Streamlit helpers shared by the pages (UI only: no math lives here).

The catalogue of pages is kept here so that `app.py` (navigation) and the Home page (cards)
describe the same pages. A page is listed in the app only when its file exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import torch

from core.device import default_preference, pick_device

ROOT = Path(__file__).resolve().parent.parent
DEVICE_KEY = "device_preference"  # session-wide device override, set on the Home page


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to the repository root
    title: str
    icon: str
    group: str
    blurb: str

    @property
    def exists(self) -> bool:
        return (ROOT / self.path).is_file()


PAGES = [
    PageSpec("pages/gradient_descent.py", "Gradient descent", ":material/show_chart:", "Foundations",
             "Watch learning rates overshoot, oscillate and diverge; race GD, Momentum, Nesterov, "
             "AdaGrad, RMSProp and Adam on classic surfaces or your own function."),
    PageSpec("pages/mlp_trainer.py", "MLP trainer", ":material/hub:", "Foundations",
             "Build a network from six plain functions, grow it to any depth, and watch its "
             "decision boundary form live on 2-D problems, real tables or digits."),
    PageSpec("pages/bigram_names.py", "Bigram names", ":material/text_fields:", "Language",
             "Count character bigrams in about 30,000 real names, sample new ones, then train a neural "
             "bigram and an MLP with learned embeddings against makemore's numbers."),
    PageSpec("pages/alexnet_trainer.py", "AlexNet trainer", ":material/image:", "Vision",
             "Train AlexNet with early stopping and ReduceLROnPlateau, follow live loss curves, "
             "and inspect the confusion matrix and misclassified images."),
    PageSpec("pages/bookmark_chat.py", "Bookmark chat", ":material/bookmarks:", "Retrieval",
             "Import your browser bookmarks, search them semantically offline, and chat with them "
             "through retrieval-augmented generation when you have a model key."),
]


def existing_pages() -> list[PageSpec]:
    return [p for p in PAGES if p.exists]


def device_preference() -> str:
    """The session's device override (Home page), else ``$STUDIO_DEVICE`` or auto."""
    return st.session_state.get(DEVICE_KEY) or default_preference()


def session_device() -> torch.device:
    """The device pages train on; a preference this machine cannot serve falls back to auto."""
    try:
        return pick_device(device_preference())
    except ValueError as exc:
        st.warning(f"{exc} Using the automatic choice instead.", icon=":material/warning:")
        return pick_device("auto")
