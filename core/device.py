"""Which torch device the studio computes on.

`pick_device("auto")` prefers CUDA, then Apple MPS (available and built), then the CPU.
An explicit preference ("cpu", "cuda", "cuda:1", "mps") is honoured or refused with a
`ValueError` that lists what this machine has. The environment variable ``STUDIO_DEVICE``
sets the default preference for every caller that does not pass one.
"""

from __future__ import annotations

import os
import platform
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import torch

ENV_VAR = "STUDIO_DEVICE"
_PREFERENCE = re.compile(r"^(auto|cpu|mps|cuda)(?::(\d+))?$")


def _mps_usable() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_built() and mps.is_available())


def available_devices() -> list[str]:
    """Names of every device torch can use here, best first (e.g. ``["cuda:0", "cpu"]``)."""
    names = [f"cuda:{i}" for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    if _mps_usable():
        names.append("mps")
    names.append("cpu")
    return names


def default_preference() -> str:
    """The preference used when none is given: ``$STUDIO_DEVICE`` or ``"auto"``."""
    return (os.environ.get(ENV_VAR) or "auto").strip().lower() or "auto"


def preference_choices() -> list[str]:
    """Values a device override control can offer on this machine."""
    return ["auto", *available_devices()]


def pick_device(preference: str | None = None) -> torch.device:
    """Return the torch device for ``preference`` (default: ``$STUDIO_DEVICE`` or "auto").

    Raises ValueError when the preference is malformed or this machine cannot serve it.
    """
    pref = (preference if preference is not None else default_preference()).strip().lower()
    match = _PREFERENCE.match(pref)
    have = ", ".join(available_devices())
    if not match:
        raise ValueError(
            f"Unknown device preference {preference!r}; use auto, cpu, mps, cuda or cuda:N "
            f"(this machine has: {have})."
        )
    kind, index = match.group(1), match.group(2)
    if kind == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", 0)
        return torch.device("mps") if _mps_usable() else torch.device("cpu")
    if kind == "cpu":
        return torch.device("cpu")
    if kind == "mps":
        if not _mps_usable():
            raise ValueError(f"Apple MPS is not available on this machine (available: {have}).")
        return torch.device("mps")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    i = int(index or 0)
    if i >= count:
        what = "no CUDA GPU" if count == 0 else f"{count} CUDA GPU(s)"
        raise ValueError(f"Cannot use {pref!r}: this machine has {what} (available: {have}).")
    return torch.device("cuda", i)


@dataclass
class DeviceInfo:
    """One usable device, described in plain data."""

    name: str  # torch device string, e.g. "cuda:0"
    kind: str  # "cuda" | "mps" | "cpu"
    label: str  # human-readable model name
    details: dict = field(default_factory=dict)


def describe_devices() -> dict:
    """Plain data about torch and every usable device (no UI), for panels and logs."""
    devices: list[DeviceInfo] = []
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            devices.append(DeviceInfo(
                name=f"cuda:{i}", kind="cuda", label=props.name,
                details={
                    "memory_gib": round(props.total_memory / 2**30, 1),
                    "compute_capability": f"{props.major}.{props.minor}",
                    "multiprocessors": props.multi_processor_count,
                },
            ))
    if _mps_usable():
        devices.append(DeviceInfo(name="mps", kind="mps", label="Apple Metal (MPS)",
                                  details={"machine": platform.machine()}))
    devices.append(DeviceInfo(
        name="cpu", kind="cpu", label=platform.processor() or platform.machine() or "CPU",
        details={"threads": torch.get_num_threads(), "logical_cores": os.cpu_count()},
    ))
    try:
        chosen = str(pick_device())
        error = None
    except ValueError as exc:  # a bad $STUDIO_DEVICE must not hide the rest of the panel
        chosen, error = str(pick_device("auto")), str(exc)
    return {
        "torch_version": torch.__version__,
        "cuda_build": torch.version.cuda,
        "mps_built": bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_built()),
        "default_preference": default_preference(),
        "preference_error": error,
        "selected": chosen,
        "devices": [asdict(d) for d in devices],
    }


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels on ``device`` (no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def matmul_probe(
    device: torch.device | str,
    size: int = 1024,
    repeats: int = 10,
    dtype: torch.dtype = torch.float32,
    progress: Callable[[float], None] | None = None,
) -> dict:
    """Time ``repeats`` square matrix multiplies of ``size`` on ``device``; report GFLOP/s.

    One warm-up multiply runs first so that kernel selection and allocation are not timed.
    """
    if not 16 <= size <= 16384:
        raise ValueError("size must be between 16 and 16384")
    if not 1 <= repeats <= 1000:
        raise ValueError("repeats must be between 1 and 1000")
    device = torch.device(device)
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=gen).to(device=device, dtype=dtype)
    b = torch.randn(size, size, generator=gen).to(device=device, dtype=dtype)
    torch.matmul(a, b)
    synchronize(device)
    start = time.perf_counter()
    for i in range(repeats):
        torch.matmul(a, b)
        if progress is not None:
            synchronize(device)
            progress((i + 1) / repeats)
    synchronize(device)
    seconds = time.perf_counter() - start
    flops = 2.0 * size**3 * repeats
    return {
        "device": str(device), "size": size, "repeats": repeats, "dtype": str(dtype).replace("torch.", ""),
        "seconds": seconds, "gflops": flops / seconds / 1e9,
    }
