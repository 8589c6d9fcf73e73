"""Evaluation of a trained classifier: loss, accuracy, confusion matrix, per-class accuracy,
and the misclassified examples (images with true and predicted labels) for inspection."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import denormalize


@dataclass
class EvalResult:
    loss: float
    accuracy: float
    confusion: np.ndarray  # [true, predicted] counts
    classes: list[str]
    misclassified: list[dict] = field(default_factory=list)  # image (H, W, 3 uint8), true, pred, confidence

    @property
    def per_class_accuracy(self) -> np.ndarray:
        totals = self.confusion.sum(axis=1)
        return np.divide(np.diag(self.confusion), totals, out=np.full(len(totals), np.nan), where=totals > 0)

    def summary(self) -> dict:
        """JSON-friendly numbers (no images)."""
        return {"test_loss": self.loss, "test_acc": self.accuracy, "classes": self.classes,
                "confusion": self.confusion.tolist(),
                "per_class_acc": [None if np.isnan(a) else float(a) for a in self.per_class_accuracy]}


@torch.inference_mode()
def evaluate(model: nn.Module, loader, device: torch.device, classes: list[str],
             max_misclassified: int = 32, channels_last: bool = False) -> EvalResult:
    """Run ``model`` over ``loader`` once; sums stay on the device until the end."""
    model.eval()
    k = len(classes)
    confusion = torch.zeros(k * k, dtype=torch.long, device=device)
    loss_sum = torch.zeros((), device=device)
    wrong: list[dict] = []
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    for images, labels in loader:
        x = images.to(device, non_blocking=True, memory_format=fmt)
        y = labels.to(device, non_blocking=True)
        logits = model(x).float()
        loss_sum += F.cross_entropy(logits, y, reduction="sum")
        pred = logits.argmax(1)
        confusion += torch.bincount(y * k + pred, minlength=k * k)
        if len(wrong) < max_misclassified:
            miss = (pred != y).nonzero().flatten()[: max_misclassified - len(wrong)].cpu()
            if len(miss):
                conf = logits.softmax(1).max(1).values
                pics = (denormalize(images[miss]).permute(0, 2, 3, 1) * 255).round().to(torch.uint8).numpy()
                for j, i in enumerate(miss.tolist()):
                    wrong.append({"image": pics[j], "true": classes[int(labels[i])],
                                  "pred": classes[int(pred[i])], "confidence": float(conf[i])})
    matrix = confusion.view(k, k).cpu().numpy()
    n = int(matrix.sum())
    if n == 0:
        raise ValueError("the evaluation set is empty")
    return EvalResult(float(loss_sum) / n, float(np.trace(matrix)) / n, matrix, list(classes), wrong)
