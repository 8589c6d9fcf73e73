"""The studio's pages, described once for the navigation (`app.py`) and the Home cards."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to the repository root; the file name is the page's URL path
    title: str
    icon: str
    group: str
    blurb: str

    @property
    def url_path(self) -> str:
        return Path(self.path).stem

    @property
    def exists(self) -> bool:
        return (ROOT / self.path).is_file()


HOME = PageSpec("pages/home.py", "Home", ":material/home:", "", "What the studio is, and the device panel.")

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
