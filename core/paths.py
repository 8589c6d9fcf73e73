"""Where the studio writes: one data directory for runs, checkpoints, stores and caches.

Default: ``$XDG_DATA_HOME/dl-studio`` (``~/.local/share/dl-studio``) on Linux,
``~/Library/Application Support/dl-studio`` on macOS, ``%LOCALAPPDATA%\\dl-studio`` on
Windows. ``STUDIO_DATA_DIR`` overrides it (the tests always point it at a temporary folder).
Nothing is ever written into the source tree at run time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_VAR = "STUDIO_DATA_DIR"
APP_NAME = "dl-studio"


def default_data_dir() -> Path:
    """The per-user default location, before any override."""
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / APP_NAME
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / APP_NAME
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / APP_NAME


def data_dir(*parts: str, create: bool = True) -> Path:
    """The data directory (or a sub-folder of it), created on first use."""
    override = os.environ.get(ENV_VAR)
    root = Path(override).expanduser() if override else default_data_dir()
    path = root.joinpath(*parts)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
