"""The bookmark page's import against the command line's, and what an import costs the MLP trainer.

Run: ``.venv/bin/python -m bench.bookmark_page [--limit N] [--window 15] [--skip-page] [--skip-mlp]``

1. The same file (the link collections in ``../shared/data/bookmarks/*.jsonl``, merged into one
   JSON-lines file in a temporary folder; never committed) is imported twice, in this run:
   - ``cli``: ``python -m core.bookmarks import FILE --store DIR``, the whole process timed (start,
     model load, reading, embedding, commit), as a user runs it;
   - ``page``: a fresh ``streamlit run app.py`` (as `make run` starts it) driven by headless
     Chromium: the file is attached to the uploader, then the clock runs from the click on
     "Import uploaded file" until the page shows "Imported …". The page starts loading the model
     in the background when it opens, so ``page_open_to_imported_s`` (from opening the page) is
     printed as well. The page's phases ("Loading the embedding model", "Embedding bookmarks")
     are sampled and their first appearance printed. The import job runs at the page's lowered
     priority (``STUDIO_IMPORT_NICE``, default +10), the CLI at the bench's own.
   Target: ``page_vs_cli`` <= 1.3.
2. MLP trainer epochs/s (the page's default spiral run, trained tick by tick in this thread the
   way the page trains) alone, then while a page-style import runs as a heavy `core.jobs` job
   (`JobRegistry.submit`: the thread cap the studio gives it) in another thread of this process,
   as on the server. Target: ``mlp_with_import_vs_alone`` >= 0.5.

Prints ``name: value`` lines, with the load average and the thread settings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("BM_SHARED_DATA", ROOT.parent / "shared" / "data" / "bookmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # as the page's server sets it


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def merged_file(folder: Path, limit: int | None) -> Path | None:
    """The shared link collections as one JSON-lines file (None when the data is absent)."""
    files = sorted(DATA.glob("*.jsonl")) if DATA.is_dir() else []
    if not files:
        return None
    lines = [line for f in files for line in f.read_text("utf-8").splitlines() if line.strip()]
    out = folder / "bookmarks.jsonl"
    out.write_text("\n".join(lines[:limit] if limit else lines) + "\n", "utf-8")
    return out


def cli_import(file: Path, store: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "core.bookmarks", "import", str(file), "--store", str(store)],
                          cwd=ROOT, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"the CLI import failed: {done.stderr[-500:]}")
    return seconds, done.stdout.strip().splitlines()[-1]


def page_import(file: Path, data_dir: Path) -> tuple[float, str, dict[str, float]]:
    """Seconds from the click to the page's "Imported" message, its result line, and when each
    phase first showed (seconds after the click). The page starts loading the model when it opens
    (`ui.bookmark_chat.store.warm_up`), so the time from opening the page is printed too."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, chromium_path, open_page, start_server, stop_server, wait_until_idle

    exe = chromium_path()
    if exe is None:
        raise RuntimeError("chromium is not installed")
    server = start_server(ROOT, data_dir, log_name="bench-bookmark-page")
    phases: dict[str, float] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.app_url = server.url
            opened = time.perf_counter()
            open_page(page, "bookmark_chat", 180)
            page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(file))
            wait_until_idle(page, 180)
            start = time.perf_counter()
            page.get_by_role("button", name="Import uploaded file").click()
            done = page.get_by_text(f"Imported {file.name}")
            bar = page.locator('[data-testid="stProgress"]')
            while not done.count():
                if time.perf_counter() - start > 3600:
                    raise RuntimeError("the page import did not finish within an hour")
                try:
                    text = bar.first.inner_text(timeout=200) if bar.count() else ""
                except Exception:  # the bar went away between count and read
                    text = ""
                for phase in ("Waiting for a free slot", "Preparing the import", "Loading the embedding model",
                              "Embedding bookmarks"):
                    if phase in text and phase not in phases:
                        phases[phase] = time.perf_counter() - start
                time.sleep(0.2)
            seconds = time.perf_counter() - start
            phases["(from opening the page)"] = time.perf_counter() - opened
            line = page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="Imported").first.inner_text()
            browser.close()
    finally:
        stop_server(server)
    return seconds, " ".join(line.split()), phases


def mlp_with_import(file: Path, store: Path, window: float) -> dict[str, float | str]:
    """MLP epochs/s alone and during the page's import job (its own function, `sync_job`) in this process."""
    from bench.fair_share import mlp_rate
    from core.bookmarks import collections
    from core.bookmarks.embeddings import MiniLMEmbedder
    from core.bookmarks.importers import load_bookmarks
    from core.bookmarks.profiles import Keys, Profile
    from core.jobs import JobRegistry
    from ui.bookmark_chat.importing import AREA, sync_job
    from ui.bookmark_chat.store import Target

    result = load_bookmarks(file)
    target = Target(collections.at_path(store), Profile(), Keys(), MiniLMEmbedder())
    alone = mlp_rate(window)
    registry = JobRegistry()  # the server's caps (STUDIO_MAX_JOBS, STUDIO_MAX_JOBS_PER_USER)
    job = registry.submit(AREA, "browser:bench", lambda job: sync_job(job, target, result, label=file.name, mirror=False,
                                                                      force=False, enrich=False, secrets=()),
                          name="bench import", background=True)  # as the page submits it
    while not any(e.get("phase") == "embedding" for e in job.events) and not job.finished:
        time.sleep(0.2)  # measure while it embeds, not while the model loads
    during = mlp_rate(window)
    embedded = max([e.get("embedded", 0) for e in job.events] or [0])
    job.stop()
    job.join(600)
    return {"alone": alone, "during": during, "job_threads": job.threads, "embedded_in_window": embedded}


def main() -> None:
    import torch

    from core.threads import cpu_count

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use only the first N links")
    parser.add_argument("--window", type=float, default=15.0, help="seconds per MLP measurement")
    parser.add_argument("--skip-page", action="store_true")
    parser.add_argument("--skip-mlp", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bm-page-bench-"))
    file = merged_file(tmp, args.limit)
    if file is None:
        print(f"skipped: no link collections in {DATA}")
        return
    links = sum(1 for _ in file.open(encoding="utf-8"))
    print(f"links_in_file: {links}")
    print(f"cpu_count: {cpu_count()}  torch_threads_main: {torch.get_num_threads()}  "
          f"TOKENIZERS_PARALLELISM: {os.environ.get('TOKENIZERS_PARALLELISM')}  "
          f"STUDIO_MAX_JOBS: {os.environ.get('STUDIO_MAX_JOBS', '2 (default)')}  "
          f"STUDIO_IMPORT_NICE: {os.environ.get('STUDIO_IMPORT_NICE', '10 (default)')}  bench niceness: {os.nice(0)}")
    print(f"load_average_start: {load_average()}")
    if not args.skip_page:
        cli_s, cli_line = cli_import(file, tmp / "cli-store")
        print(f"cli_import_s: {cli_s:.1f}  ({cli_line})")
        print(f"load_average_after_cli: {load_average()}")
        page_s, page_line, phases = page_import(file, tmp / "page-data")
        print(f"page_import_s: {page_s:.1f}  ({page_line})")
        for phase, at in phases.items():
            if phase.startswith("("):
                print(f"page_open_to_imported_s: {at:.1f}  (the page opened, the file attached, the click, the result)")
            else:
                print(f"page_phase_first_seen_s: {at:.1f}  {phase}")
        print(f"load_average_after_page: {load_average()}")
        print(f"page_vs_cli: {page_s / cli_s:.2f}  (target <= 1.3)")
    if not args.skip_mlp:
        m = mlp_with_import(file, tmp / "mlp-store", args.window)
        print(f"mlp_epochs_per_s_alone: {m['alone']:.1f}")
        print(f"mlp_epochs_per_s_with_import: {m['during']:.1f}  (import job: {m['job_threads']} torch thread(s), "
              f"{m['embedded_in_window']} bookmarks embedded by the end of the window, in steps of 256)")
        print(f"mlp_with_import_vs_alone: {m['during'] / m['alone']:.2f}  (target >= 0.5)")
    print(f"load_average_end: {load_average()}")
    print(json.dumps({"tmp": str(tmp)}))


if __name__ == "__main__":
    main()
