"""Watch mode: re-sync when a bookmarks file changes (polls its mtime and size)."""

from __future__ import annotations

import os
import time
from typing import Callable


def file_signature(path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def watch_file(path, on_change: Callable[[], object], interval: float = 2.0,
               should_continue: Callable[[], bool] = lambda: True, settle: float = 0.5,
               max_checks: int | None = None) -> int:
    """Call ``on_change`` each time the file's signature changes; returns how many times it ran.

    Waits ``settle`` seconds after a change so a browser finishing its write is read whole.
    """
    last = file_signature(path)
    runs = checks = 0
    while should_continue() and (max_checks is None or checks < max_checks):
        time.sleep(interval)
        checks += 1
        sig = file_signature(path)
        if sig is not None and sig != last:
            time.sleep(settle)
            sig2 = file_signature(path)
            if sig2 != sig:
                continue  # still being written
            last = sig
            on_change()
            runs += 1
    return runs
