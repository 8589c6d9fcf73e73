"""How many CPU threads torch may use, for one block of work.

With torch's OpenMP backend (the Linux and Windows builds) ``torch.set_num_threads`` applies to
the calling thread only, so each background job and each page script can choose its own count
without affecting the others: `torch_threads(n)` sets it for a block and restores it after.

Why a cap matters here:
- tiny matrices (the MLP trainer, the names models) run fastest on one thread: on small
  matrices OpenMP threads cost far more than they save, about 10x on a busy 2-core machine;
- several people may train on one server: `core.jobs` gives each heavy job a share of the cores
  (`fair_share`) so that two runs at once both make progress.

`core.mlp.export` inlines this module into the standalone scripts it writes, so it imports only
torch and the standard library.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager

import torch


def cpu_count() -> int:
    """Cores this process may use (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def fair_share(jobs: int) -> int:
    """Threads for each of ``jobs`` concurrent heavy jobs: an equal share of the cores, at least 1."""
    return max(1, cpu_count() // max(1, int(jobs)))


@contextmanager
def torch_threads(threads: int | None):
    """Run a block with ``threads`` torch intra-op threads (None or 0: leave as is), then restore."""
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        if threads:
            torch.set_num_threads(previous)


def lower_priority(step: int) -> None:
    """Lower the calling thread's CPU priority by ``step`` niceness levels (Linux sets niceness per
    thread; elsewhere priorities are per process, so this leaves them alone)."""
    if not sys.platform.startswith("linux") or step <= 0:
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(os.getpriority(os.PRIO_PROCESS, tid) + step, 19))
    except (AttributeError, OSError):  # no per-thread priorities here
        pass


def single_thread():
    """`torch_threads(1)`: for tiny-tensor work, where extra threads only cost."""
    return torch_threads(1)
