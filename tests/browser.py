"""Helpers for real-browser tests: start/stop the app server, drive Streamlit pages."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def chromium_path() -> str | None:
    for candidate in (os.environ.get("STUDIO_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: Path


def start_server(root: Path, data_dir: Path, timeout: float = 90, address: str = "127.0.0.1",
                 env: dict | None = None, log_name: str = "server") -> Server:
    """The app, started as `make run` starts it, on a free port; waits for ``/_stcore/health``.

    ``address`` is the bind address (a network bind such as ``0.0.0.0`` is still reached through
    127.0.0.1); ``env`` adds environment variables for the server.
    """
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"{log_name}.log"
    env = {**os.environ, "STUDIO_DATA_DIR": str(data_dir), **(env or {})}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", address,
           "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    handle = open(log, "w")
    process = subprocess.Popen(cmd, cwd=root, env=env, stdout=handle, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early (code {process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return Server(process, url, log)
        except OSError:
            time.sleep(0.3)
    stop_server(Server(process, url, log))
    raise RuntimeError(f"streamlit did not become healthy in {timeout} s; see {log}")


def stop_server(server: Server) -> None:
    """Stop the server by its PID (its whole process group), politely first."""
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)


def wait_until_idle(page, timeout: float = 60, settle: float = 0.4) -> None:
    """Wait until Streamlit's script run has finished.

    The app root carries ``data-test-script-state`` (initial -> running -> notRunning). After a
    click the rerun starts a moment later, so wait ``settle`` seconds before looking.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    page.wait_for_timeout(settle * 1000)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning';
        }""",
        timeout=timeout * 1000,
    )


def open_page(page, url_path: str = "", timeout: float = 90) -> None:
    """Open ``url_path`` of the app (e.g. "gradient_descent") and wait for its first run."""
    page.goto(f"{page.app_url}/{url_path.lstrip('/')}", wait_until="domcontentloaded")
    wait_until_idle(page, timeout)


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save ``tests/artifacts/NAME.png`` and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def select_option(page, label: str, option: str) -> None:
    """Choose ``option`` in the Streamlit selectbox labelled ``label``."""
    # Streamlit 1.67 renders selectboxes as react-aria comboboxes labelled by the widget label.
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_until_idle(page)
