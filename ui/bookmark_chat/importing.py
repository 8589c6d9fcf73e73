"""The import panel: read a file at once, show what a mirror sync would remove and ask first,
embed in a background job (`ui.jobs`), undo the last import.

Decisions (see docs/bookmark_chat.md):
- An import adds and updates; it removes only when "Mirror sync" is ticked (off by default, never
  from a link). Even then the page first shows the plan ("adds 12, updates 3, removes 4,700") and
  waits for a confirm click; a plan the library refuses (no valid bookmarks, more than half of the
  collection removed) is shown as refused, with a separate "mirror anyway" button.
- The file is read in the script run (fast, and a bad file gets its message at once); embedding
  runs as the viewer's heavy job in area ``bookmarks-import``: it waits in the server's queue
  under the caps as a *background* job (`core.jobs`: a lower CPU priority, and the cores the
  running heavy jobs leave it as its torch threads), and its progress, result, file name and
  errors are shown to that viewer only (`ui.jobs` keys jobs by viewer). Messages about reading a
  file live in this session's state, never in process-wide state.
- One writer per collection (`core.bookmarks.collections.writing`): on the local studio two
  browser sessions importing at once take turns instead of racing on the manifest.
- The "path on this machine" box and the detected browser profiles read the server's disk, so
  they exist only when `ui.session.server_paths_allowed()`; uploads work everywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import streamlit as st

from core.bookmarks import collections
from core.bookmarks.demo import demo_bookmarks
from core.bookmarks.importers import (MAX_IMPORT_BYTES, BookmarkImportError, ImportResult, detect_profiles,
                                      load_bookmarks)
from core.bookmarks.profiles import EMBEDDING_NAMES, describe_error, store_dir, stored_bookmarks
from core.bookmarks.sync import SyncRefused, default_store_dir
from core.jobs import BackgroundJob
from core.text import escape_markdown
from ui import jobs
from ui.bookmark_chat.state import STATE
from ui.bookmark_chat.store import Target
from ui.session import server_paths_allowed

# Tokenizers' Rust thread pool would take every core beside the job's capped torch threads.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

AREA = "bookmarks-import"
NOTICE = "bm__notice"  # (kind, markdown) for this session: a file that could not be read, a refusal
PENDING = "bm__pending"  # a mirror sync waiting for the confirm click (this session only)
UNDO_ASK = "bm__undo_ask"


@dataclass
class PendingImport:
    label: str
    result: ImportResult
    plan: object  # core.bookmarks.sync.SyncPlan
    mirror: bool
    store: str  # the store it was planned against; another store (model, backend) drops the plan


def _notice(kind: str, text: str) -> None:
    """Keep a message for this session (text already escaped where it quotes a file or its name)."""
    st.session_state[NOTICE] = (kind, text)


def _skipped(result: ImportResult) -> int:
    return sum(result.skipped.values())


# --- reading a file and planning ------------------------------------------------------------
def prepare(target: Target, label: str, load: Callable[[], ImportResult]) -> None:
    """Read the file, plan the sync; start it, or keep it for the confirm click when it removes."""
    mirror = bool(STATE.get("mirror"))
    st.session_state.pop(PENDING, None)
    try:
        result = load()
    except BookmarkImportError as exc:
        return _notice("error", f"Could not import {escape_markdown(label)}: {escape_markdown(exc, 500)}")
    except OSError as exc:
        return _notice("error", f"Could not read {escape_markdown(label)}: {escape_markdown(exc.strerror or exc, 300)}")
    try:
        plan = target.open().plan(result.bookmarks, mirror=mirror, skipped=_skipped(result))
    except Exception as exc:  # a store from another model, an unreadable manifest: say so
        return _notice("error", f"Cannot import into this store: {escape_markdown(describe_error(exc, *target.keys.secrets()), 500)}")
    if mirror and (plan.removed or plan.refusal):
        st.session_state[PENDING] = PendingImport(label, result, plan, mirror, str(store_dir(target.collection, target.profile)))
        return None
    if plan.refusal:
        return _notice("error", f"Nothing was imported from {escape_markdown(label)}: {escape_markdown(plan.refusal, 500)}")
    if not result.bookmarks:
        return _notice("warning", f"Nothing was imported: {escape_markdown(label)} holds no valid bookmark "
                                  f"(skipped: {escape_markdown(result.skip_summary(), 300)}). The collection is unchanged.")
    start(target, label, result, mirror=mirror, force=False)
    return None


def start(target: Target, label: str, result: ImportResult, *, mirror: bool, force: bool) -> None:
    """Submit the embedding job (the viewer's, queued under the server's caps)."""
    st.session_state.pop(PENDING, None)
    st.session_state.pop(NOTICE, None)
    enrich = bool(STATE.get("enrich"))
    secrets = target.keys.secrets()

    def work(job: BackgroundJob):
        return sync_job(job, target, result, label=label, mirror=mirror, force=force, enrich=enrich, secrets=secrets)

    jobs.submit(AREA, work, name="bookmark import", background=True,
                settings={"kind": "import", "source": label, "collection": target.collection.name, "mirror": mirror})


def sync_job(job: BackgroundJob, target: Target, result: ImportResult, *, label: str, mirror: bool, force: bool,
             enrich: bool, secrets: tuple[str, ...]):
    """The import job's body: wait for the collection, optionally fetch pages, load the model as
    its own phase, sync, and report the outcome as one event (the bench runs this same function)."""
    job.emit({"phase": "preparing"})
    try:
        with collections.writing(target.collection, job.checkpoint, wait=lambda: job.emit({"phase": "waiting"})) as ok:
            if not ok:
                return job.emit({"phase": "stopped", "source": label})
            if enrich:  # online and opt-in: fill empty descriptions from the pages themselves
                from core.bookmarks.enrich import PageCache, enrich as fetch_pages

                cache = PageCache(default_store_dir("page-cache") / "pages.json")
                fetch_pages(result.bookmarks, cache,
                            progress=lambda i, n: job.emit({"phase": "fetching", "fetched": i, "to_fetch": n}))
            if not getattr(target.embedder, "loaded", True):  # its own phase, not "0 / ?" for a minute
                job.emit({"phase": "loading-model"})
                target.embedder.load()
            report = target.open().sync(
                result.bookmarks, mirror=mirror, force=force, skipped=_skipped(result),
                progress=lambda p: job.emit({"phase": "embedding", **p}), should_continue=job.checkpoint)
    except SyncRefused as exc:
        return job.emit({"phase": "refused", "message": str(exc), "source": label})
    except Exception as exc:  # the store keeps its last complete state; the message names no key
        return job.emit({"phase": "failed", "message": describe_error(exc, *secrets), "source": label})
    job.emit({"phase": "done", "line": report.line(), "format": result.format, "source": label,
              "encoding": result.encoding, "skips": result.skip_summary(), "notes": result.notes_summary(),
              "examples": [f"{reason}: {url or title}" for title, url, reason in result.skipped_examples[:5]]})
    return report


def _undo_job(job: BackgroundJob, target: Target, secrets: tuple[str, ...]):
    job.emit({"phase": "undoing"})
    try:
        with collections.writing(target.collection, job.checkpoint, wait=lambda: job.emit({"phase": "waiting"})) as ok:
            if not ok:
                return job.emit({"phase": "stopped", "source": "undo"})
            report = target.open().undo()
    except Exception as exc:
        return job.emit({"phase": "failed", "message": describe_error(exc, *secrets), "source": "undo"})
    return job.emit({"phase": "undone", "line": f"{report.total_after:,} bookmarks now ({report.added:,} back, "
                                                f"{report.removed:,} taken out, {report.updated:,} changed back); "
                                                "undo again to redo"})


# --- the panel ------------------------------------------------------------------------------
def import_panel(target: Target, expanded: bool) -> None:
    """Upload / profile / path / demo, the mirror option, the confirmation, undo, the job."""
    busy = jobs.running(AREA)
    with st.expander("Import bookmarks", icon=":material/upload_file:", expanded=expanded or busy):
        st.caption("Chrome/Edge/Brave `Bookmarks` JSON, any browser's HTML export (Netscape format), Firefox "
                   "`places.sqlite` or JSON backup, CSV with `id,title,url`, or a plain list of URLs. An import adds "
                   "and updates; re-importing embeds only new or changed bookmarks.")
        c1, c2 = st.columns(2)
        c1.checkbox("Embed descriptions (<DD>) when present", key=STATE.key("with_descriptions"))
        c2.checkbox("Mirror sync: also remove bookmarks missing from the file", key=STATE.key("mirror"),
                    help="Off by default. When on, the page shows what would be removed and asks before anything "
                         "is removed; the last import can be undone.")
        st.checkbox("Fetch page titles and descriptions (online, slow; improves search for bare titles)",
                    key=STATE.key("enrich"))
        _sources(target, busy)
        _confirmation(target)
        _undo(target, busy)
    show_notice()


def _sources(target: Target, busy: bool) -> None:
    upload = st.file_uploader("Bookmarks file", key="bm_upload", max_upload_size=MAX_IMPORT_BYTES // 2**20)
    if upload is not None:
        st.button("Import uploaded file", icon=":material/upload:", key="bm_import_upload", disabled=busy,
                  on_click=_from_upload, args=(target,))
    if server_paths_allowed():  # the server's own files: only on a loopback bind (or when enabled)
        profiles = detect_profiles()
        if profiles:
            choice = st.selectbox("Detected browser profiles", profiles, format_func=lambda p: p.label, key="bm_profile")
            st.button("Import from this browser profile", icon=":material/public:", key="bm_import_profile",
                      disabled=busy, on_click=lambda: prepare(target, choice.label,
                                                              lambda: load_bookmarks(choice.path, source=choice.label)))
        st.text_input("...or a path on this machine", key="bm_path", placeholder="~/Downloads/bookmarks.html")
        if st.session_state.get("bm_path"):
            st.button("Import from path", icon=":material/folder_open:", key="bm_import_path", disabled=busy,
                      on_click=_from_path, args=(target,))
    st.button(f"Load the demo collection ({len(demo_bookmarks())} bookmarks)", icon=":material/auto_awesome:",
              key="bm_demo", disabled=busy,
              on_click=lambda: prepare(target, "demo", lambda: ImportResult(demo_bookmarks(), "demo", "demo")))


def _from_upload(target: Target) -> None:
    upload = st.session_state.get("bm_upload")
    if upload is None:
        return
    data = upload.getvalue()
    prepare(target, upload.name, lambda: load_bookmarks(Path(upload.name), data=data, source=upload.name))


def _from_path(target: Target) -> None:
    raw = str(st.session_state.get("bm_path") or "").strip()
    if not raw or not server_paths_allowed():
        return
    path = Path(raw).expanduser()
    prepare(target, path.name or raw, lambda: load_bookmarks(path))


def _confirmation(target: Target) -> None:
    """A mirror sync that removes waits here for the confirm click (or shows its refusal)."""
    pending: PendingImport | None = st.session_state.get(PENDING)
    if pending is None:
        return
    if pending.store != str(store_dir(target.collection, target.profile)):
        st.session_state.pop(PENDING, None)
        return
    plan, name = pending.plan, escape_markdown(pending.label)
    if plan.refusal:
        st.error(f"Mirror sync of {name} refused, nothing was changed: {escape_markdown(plan.refusal, 500)}",
                 icon=":material/block:")
        label = f"Mirror anyway: remove {plan.removed:,} bookmarks"
    else:
        st.warning(f"Mirror sync of {name} {plan.line()}. Confirm to go ahead; "
                   "the removed bookmarks can be brought back with Undo.", icon=":material/warning:")
        label = f"Confirm: remove {plan.removed:,} and import"
    c1, c2 = st.columns(2)
    c1.button(label, type="primary", icon=":material/delete_sweep:", key="bm_confirm",
              on_click=start, args=(target, pending.label, pending.result),
              kwargs={"mirror": True, "force": bool(plan.refusal)})
    c2.button("Cancel", key="bm_cancel", on_click=lambda: st.session_state.pop(PENDING, None))


def _undo(target: Target, busy: bool) -> None:
    try:
        possible = target.open().can_undo()
    except Exception:  # an unreadable snapshot: nothing to offer
        possible = False
    if not possible:
        st.session_state.pop(UNDO_ASK, None)
        return
    if not st.session_state.get(UNDO_ASK):
        st.button("Undo the last import", icon=":material/undo:", key="bm_undo", disabled=busy,
                  on_click=lambda: st.session_state.__setitem__(UNDO_ASK, True))
        return
    st.warning("Undo the last import? The collection goes back to exactly what it held before that import "
               "(bookmarks it added are removed, bookmarks it removed or changed come back). Undoing again "
               "redoes it.", icon=":material/undo:")
    c1, c2 = st.columns(2)
    c1.button("Yes, undo it", type="primary", key="bm_undo_confirm", disabled=busy, on_click=_start_undo, args=(target,))
    c2.button("Keep it", key="bm_undo_cancel", on_click=lambda: st.session_state.pop(UNDO_ASK, None))


def _start_undo(target: Target) -> None:
    st.session_state.pop(UNDO_ASK, None)
    secrets = target.keys.secrets()
    jobs.submit(AREA, lambda job: _undo_job(job, target, secrets), name="undo of the last bookmark import",
                background=True, settings={"kind": "undo", "collection": target.collection.name})


def reembed_offer(target: Target) -> bool:
    """An empty store whose other-model twin holds bookmarks offers to embed them here."""
    other = target.profile.other_model()
    seed = stored_bookmarks(target.collection, other)
    if not seed:
        return False
    here, there = EMBEDDING_NAMES[target.profile.embeddings], EMBEDDING_NAMES[other.embeddings]
    st.info(f"No bookmarks embedded with {here} yet. The {there} store keeps its {len(seed)} bookmarks "
            "(switch back in the sidebar), or embed them with this model:", icon=":material/info:")
    st.button(f"Embed the {len(seed)} bookmarks with {here}", icon=":material/sync:", key="bm_reembed",
              disabled=jobs.running(AREA),
              on_click=start, args=(target, f"the {there} store", ImportResult(seed, "store", there)),
              kwargs={"mirror": False, "force": False})
    return True


# --- progress and results (this viewer's job only) --------------------------------------------
def progress(job: BackgroundJob) -> tuple[float | None, str]:
    last = job.last_event
    phase = last.get("phase")
    if phase == "waiting":
        return None, "Waiting for another import into this collection to finish…"
    if phase == "fetching":
        return last["fetched"] / max(last["to_fetch"], 1), f"Fetching pages: {last['fetched']} / {last['to_fetch']}"
    if phase == "loading-model":
        return None, "Loading the embedding model (once per server start; this can take a minute on a busy machine)…"
    if phase == "embedding" and last.get("to_embed"):
        done, todo = last.get("embedded", 0), last["to_embed"]
        return done / todo, f"Embedding bookmarks: {done:,} / {todo:,} (the page stays usable)"
    if phase == "undoing":
        return None, "Restoring the collection as it was before the last import…"
    return None, "Preparing the import: checking what changed…"


def job_panel() -> None:
    """The viewer's import job: queue place, progress, Stop; then its result, to this viewer only."""
    job = jobs.current(AREA)
    if job is None:
        return
    if job.alive:  # the panel refreshes itself and reruns the page once when the job ends
        st.caption(running_caption(job.settings))  # after a reload too: what this viewer's job is doing
        jobs.panel(AREA, key="bm_job", progress=progress, pause=False, what="The import")
    else:  # finished before this run started: the page is already up to date
        _result(job)


def running_caption(settings: dict) -> str:
    """What the viewer's running job was started with (its file and whether it may remove), from
    the job's own settings, so a reload shows the running import's options, not the defaults."""
    if settings.get("kind") == "undo":
        return "Undoing the last import of this collection."
    mode = ("mirror sync, confirmed: bookmarks missing from the file are removed" if settings.get("mirror")
            else "adds and updates only; nothing is removed")
    return f"Importing {escape_markdown(settings.get('source', ''), 200)} ({mode})."


def _result(job: BackgroundJob) -> None:
    last = job.last_event
    phase, source = last.get("phase"), escape_markdown(last.get("source", ""))
    if phase == "done":
        st.success(f"Imported {source} ({escape_markdown(last['format'])}): {last['line']}",
                   icon=":material/check_circle:")
        if last.get("skips") and last["skips"] != "none":
            examples = "; ".join(last.get("examples", []))
            st.caption(f"Skipped entries: {escape_markdown(last['skips'], 600)}"
                       + (f". First ones: {escape_markdown(examples, 600)}" if examples else ""))
        if last.get("notes") and last["notes"] != "none":
            st.caption(f"Kept with changes: {escape_markdown(last['notes'], 400)}")
        if last.get("encoding") not in (None, "", "utf-8"):
            st.caption(f"Read as {escape_markdown(last['encoding'])}.")
    elif phase == "undone":
        st.success(f"Undid the last import: {last['line']}", icon=":material/undo:")
    elif phase == "refused":
        st.error(f"Nothing was changed by {source}: {escape_markdown(last['message'], 500)}", icon=":material/block:")
    elif phase == "failed":
        st.error(f"Import failed: {escape_markdown(last['message'], 500)}. The store keeps what it held before.",
                 icon=":material/error:")
    elif phase == "stopped" or job.status == "stopped":
        st.info("The import was stopped before it started; nothing was changed.", icon=":material/stop:")


def show_notice() -> None:
    """This session's message about the last file it tried to read (shown until the next import)."""
    notice = st.session_state.get(NOTICE)
    if notice:
        kind, text = notice
        getattr(st, kind)(text, icon=":material/error:" if kind == "error" else ":material/info:")
