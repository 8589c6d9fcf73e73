"""PyTorch's own distributed engine for the trainer: DistributedDataParallel under ``torchrun``.

``torchrun --nproc_per_node N -m core.alexnet train ...`` sets RANK / WORLD_SIZE / LOCAL_RANK;
`setup` then joins the process group with NCCL on CUDA GPUs and Gloo on CPUs. Each process
trains on its own shard (``DistributedSampler``); gradients are averaged by DDP, metrics are
summed with `all_reduce_sum`, and only rank 0 writes checkpoints and logs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str | None = None

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup(device: torch.device) -> tuple[DistInfo, torch.device]:
    """Join the process group when launched by torchrun; returns (info, this process's device)."""
    if not launched_by_torchrun():
        return DistInfo(), device
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        backend = "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return DistInfo(dist.get_rank(), dist.get_world_size(), local_rank, backend), device


def all_reduce_sum(tensor: torch.Tensor, info: DistInfo) -> torch.Tensor:
    """Sum ``tensor`` over all processes (in place); a no-op on a single process."""
    if info.enabled:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def cleanup(info: DistInfo) -> None:
    """Leave the process group together: a rank that tears it down while rank 0 still evaluates
    makes Gloo abort that rank ("terminate called without an active exception")."""
    if info.enabled and dist.is_initialized():
        try:
            dist.barrier()
        finally:
            dist.destroy_process_group()
