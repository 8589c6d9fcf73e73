"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012) as a small configurable ``nn.Module``.

Two variants share one structure: five convolutions (64-192-384-256-256 filters) with ReLU,
overlapping 3×3/stride-2 max-pooling after the first, second and fifth convolution, an
adaptive average pool, and a dropout + FC-FC-classes classifier.

* ``imagenet`` — the 224×224 network of the article and torchvision: conv1 11×11 stride 4,
  conv2 5×5, conv3-5 3×3, pooling 3×3/2 without padding, adaptive pool to 6×6, 4096-4096.
* ``cifar`` — the same layers sized for 32×32 inputs (CIFAR-10, upsampled digits). An 11×11
  stride-4 first layer would shrink a 32×32 image to 7×7 before any pooling, so conv1 is
  3×3 stride 2 (32→16) and conv2 is 3×3; the pools keep their overlapping 3×3 window with
  stride 2 and padding 1 (16→8→4→2), and the adaptive pool ends at 2×2, so the classifier
  sees 256·2·2 = 1024 features. Everything else (filters, ReLU, LRN, dropout, 4096-4096) is
  unchanged. About 23 M parameters with 10 classes (the 224 variant has 57-61 M).

Options: classes, input channels, LRN on/off (after ReLU of conv1 and conv2, n=5, k=2,
α=1e-4, β=0.75), BatchNorm after each convolution (a modern change, off in the article's recipe:
it lets a small dataset train at a high learning rate from the first epoch), the paper's
initialization (weights N(0, 0.01), biases 1 in conv2, conv4,
conv5 and the hidden FC layers, 0 elsewhere), PyTorch's default, or He (Kaiming) normal for the
convolutions; classifier width, dropout.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

VARIANTS = ("cifar", "imagenet")
INITS = ("pytorch", "paper", "kaiming")
INPUT_SIZE = {"cifar": 32, "imagenet": 224}


@dataclass
class AlexNetConfig:
    """Everything needed to rebuild the network (stored inside every checkpoint)."""

    variant: str = field(default="cifar", metadata={"choices": list(VARIANTS)})
    num_classes: int = 10
    in_channels: int = 3
    lrn: bool = False
    init: str = field(default="pytorch", metadata={"choices": list(INITS)})
    hidden: int = 4096  # width of the two hidden FC layers
    dropout: float = 0.5
    batchnorm: bool = False  # BatchNorm2d after each convolution (before its ReLU)

    def __post_init__(self):
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {self.variant!r}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {self.init!r}")
        if self.num_classes < 2 or self.in_channels < 1 or self.hidden < 1:
            raise ValueError("num_classes >= 2, in_channels >= 1 and hidden >= 1 are required")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must be in [0, 1)")

    @property
    def input_size(self) -> int:
        return INPUT_SIZE[self.variant]

    def to_dict(self) -> dict:
        return asdict(self)


def _lrn(enabled: bool) -> nn.Module:
    return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0) if enabled else nn.Identity()


def _conv(c_in: int, c_out: int, batchnorm: bool, **kw) -> list[nn.Module]:
    """A convolution and its ReLU, with BatchNorm between them when asked (then the conv needs no bias)."""
    if not batchnorm:
        return [nn.Conv2d(c_in, c_out, **kw), nn.ReLU(inplace=True)]
    return [nn.Conv2d(c_in, c_out, bias=False, **kw), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


class AlexNet(nn.Module):
    """AlexNet for ``config.variant``; input (N, in_channels, S, S) with S from the variant."""

    def __init__(self, config: AlexNetConfig | None = None, **overrides):
        super().__init__()
        self.config = config = config or AlexNetConfig(**overrides)
        c, bn = config.in_channels, config.batchnorm
        if config.variant == "imagenet":
            conv1 = dict(kernel_size=11, stride=4, padding=2)
            conv2 = dict(kernel_size=5, padding=2)
            pool = dict(kernel_size=3, stride=2)
            pooled = 6
        else:
            conv1 = dict(kernel_size=3, stride=2, padding=1)
            conv2 = dict(kernel_size=3, padding=1)
            pool = dict(kernel_size=3, stride=2, padding=1)
            pooled = 2
        self.features = nn.Sequential(
            *_conv(c, 64, bn, **conv1), _lrn(config.lrn), nn.MaxPool2d(**pool),
            *_conv(64, 192, bn, **conv2), _lrn(config.lrn), nn.MaxPool2d(**pool),
            *_conv(192, 384, bn, kernel_size=3, padding=1),
            *_conv(384, 256, bn, kernel_size=3, padding=1),
            *_conv(256, 256, bn, kernel_size=3, padding=1),
            nn.MaxPool2d(**pool),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((pooled, pooled))
        h = config.hidden
        self.classifier = nn.Sequential(
            nn.Dropout(config.dropout), nn.Linear(256 * pooled * pooled, h), nn.ReLU(inplace=True),
            nn.Dropout(config.dropout), nn.Linear(h, h), nn.ReLU(inplace=True),
            nn.Linear(h, config.num_classes),
        )
        if config.init == "paper":
            self._paper_init()
        elif config.init == "kaiming":
            self._kaiming_init()

    def _paper_init(self) -> None:
        convs = [m for m in self.features if isinstance(m, nn.Conv2d)]
        linears = [m for m in self.classifier if isinstance(m, nn.Linear)]
        for m in convs + linears:
            nn.init.normal_(m.weight, mean=0.0, std=0.01)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        # Bias 1 puts these ReLUs in their active range from the first step (paper, section 5).
        for m in (convs[1], convs[3], convs[4], linears[0], linears[1]):
            if m.bias is not None:
                nn.init.ones_(m.bias)

    def _kaiming_init(self) -> None:
        # He et al. (2015) for the ReLU convolutions, small Gaussian for the FC layers (as in
        # torchvision's VGG): trains from scratch far sooner than the paper's N(0, 0.01).
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
