"""Shared fixtures: a private data directory, AppTest runs, and a live server + Chromium.

Page issues add browser tests with the ``app_server`` and ``browser_page`` fixtures and the
helpers in ``tests/browser.py``; AppTests use the ``run_page`` fixture.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"

# No test may reach a model hub or pick up a user's device override or keys.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
for var in ("STUDIO_DEVICE", "OPENAI_API_KEY", "PINECONE_API_KEY"):
    os.environ.pop(var, None)


def _tracked_changes() -> set[str]:
    """Tracked files that differ from HEAD, and untracked files git does not ignore."""
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return {line[3:] for line in out.splitlines() if line.strip()}


@pytest.fixture(scope="session", autouse=True)
def tracked_tree_guard():
    """With ``STUDIO_GUARD_TREE=1`` (set by `make test`), fail when the suite changed the work tree.

    Tests write only into temporary folders and ``tests/artifacts/`` (ignored). Off by default so a
    developer can run tests while editing.
    """
    if os.environ.get("STUDIO_GUARD_TREE") != "1" or not (ROOT / ".git").exists():
        yield
        return
    before = _tracked_changes()
    yield
    changed = sorted(_tracked_changes() - before)
    assert not changed, f"the test suite wrote into the work tree: {changed}"


@pytest.fixture(scope="session", autouse=True)
def studio_data_dir(tmp_path_factory) -> Path:
    """Every test writes into a throwaway data directory, never the user's."""
    path = tmp_path_factory.mktemp("studio-data")
    os.environ["STUDIO_DATA_DIR"] = str(path)
    return path


@pytest.fixture
def run_page():
    """Run a page script with Streamlit's AppTest: ``at = run_page("pages/x.py")``.

    Pass ``setup=callable(at)`` to seed session state or query params before the first run.
    """
    from streamlit.testing.v1 import AppTest

    def _run(path: str, timeout: float = 60, setup=None):
        at = AppTest.from_file(str(ROOT / path), default_timeout=timeout)
        if setup is not None:
            setup(at)
        return at.run()

    return _run


@pytest.fixture(scope="session")
def app_server(studio_data_dir):
    """A live ``streamlit run app.py`` on a free loopback port; yields its base URL."""
    from tests.browser import start_server, stop_server

    server = start_server(ROOT, studio_data_dir)
    try:
        yield server.url
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium driven by Playwright (skips when Chromium is missing)."""
    from tests.browser import CHROMIUM_ARGS, chromium_path

    exe = chromium_path()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: `make test` should have installed it")
        pytest.skip("Chromium not installed (see scripts/ensure_chromium.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium, app_server):
    """A fresh browser page (1400×1000) with ``page.app_url`` set to the server's base URL."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.app_url = app_server
    try:
        yield page
    finally:
        context.close()


def pytest_report_header(config):
    exe = shutil.which("chromium") or "missing"
    return f"studio: chromium={exe}"
