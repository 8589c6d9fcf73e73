"""Bookmark chat: import browser bookmarks, search them offline, chat with them with a model key.

The search settings live in the link (see `pages._bm_ui.SearchLink` for what is shared and what
never is); each embedding model has its own store (`pages._bm_ui.store_name`).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.bookmarks.chat import answer
from core.bookmarks.demo import demo_bookmarks
from core.bookmarks.importers import BookmarkImportError, ImportResult, detect_profiles, load_bookmarks
from core.bookmarks.safety import escape_markdown
from core.bookmarks.stores import EmbeddingMismatch
from core.bookmarks.sync import BookmarkIndex, default_store_dir
from core.jobs import registry
from pages._bm_ui import (EMBEDDING_NAMES, answer_sources, describe_error, filters_from_state, hits_frame,
                          make_embedder, other_model_bookmarks, page_state, render_history, render_sources,
                          sidebar_settings, store_for, store_name, sync_url)

JOB_KEY = "bookmarks-import"
st.title(":material/bookmarks: Bookmark chat")
st.caption("Import your browser bookmarks, search them by meaning offline (all-MiniLM-L6-v2, local "
           "Chroma store), and chat with them through a language model when you configure one.")

state = page_state()
llm = sidebar_settings(state)
for message in st.session_state.pop("bm_url_messages", []):
    st.warning(escape_markdown(message, 500), icon=":material/link_off:")


def store_dir():
    return default_store_dir(store_name(state))


def start_import(label: str, load) -> None:
    """Read the file now (fast, clear errors), embed in a background job (slow)."""
    try:
        result = load()
    except BookmarkImportError as exc:
        st.error(f"Could not import {escape_markdown(label)}: {escape_markdown(exc, 500)}", icon=":material/error:")
        return
    except OSError as exc:
        st.error(f"Could not read {escape_markdown(label)}: {escape_markdown(exc.strerror or exc)}", icon=":material/error:")
        return
    try:
        embedder = make_embedder(state, llm)
        with_desc, remove, folder, store = (state.with_descriptions, state.remove_missing, store_dir(),
                                            store_for(state, embedder))
    except Exception as exc:  # e.g. a malformed base URL, Pinecone unreachable: say so, keep the page alive
        st.error(f"The embedding model or vector store is not available: "
                 f"{escape_markdown(describe_error(exc, llm.api_key), 500)}", icon=":material/error:")
        return

    fetch_pages, secret = st.session_state.get("bm_enrich", False), llm.api_key

    def work(job):
        try:
            return sync(job)
        except Exception as exc:  # reported by import_progress; the store keeps its last complete state
            job.emit({"phase": "failed", "message": describe_error(exc, secret)})
            raise

    def sync(job):
        index = BookmarkIndex(folder, embedder=embedder, store=store, with_description=with_desc)
        if fetch_pages:  # online and opt-in: fill empty descriptions from the pages themselves
            from core.bookmarks.enrich import PageCache, enrich

            cache = PageCache(default_store_dir("page-cache") / "pages.json")
            enrich(result.bookmarks, cache, progress=lambda i, n: job.emit({"phase": "fetching", "fetched": i, "to_fetch": n}))
        job.emit({"phase": "embedding", "embedded": 0, "to_embed": None, "total": len(result.bookmarks)})
        report = index.sync(result.bookmarks, skipped=sum(result.skipped.values()), remove_missing=remove,
                            progress=lambda p: job.emit({"phase": "embedding", **p}), should_continue=job.checkpoint)
        job.emit({"phase": "done", "report": report.to_dict(), "line": report.line(), "format": result.format,
                  "skips": result.skip_summary(), "source": label})
        return report

    try:
        registry.start(JOB_KEY, work, name="bookmark import")
    except RuntimeError as exc:
        st.warning(str(exc), icon=":material/hourglass:")


try:
    has_records = bool(BookmarkIndex(store_dir()).records)  # the manifest alone: no model, no network
except Exception:  # reported once below; the import panel stays usable
    has_records = False
with st.expander("Import bookmarks", icon=":material/upload_file:", expanded=not has_records):
    st.caption("Chrome/Edge/Brave `Bookmarks` JSON, any browser's HTML export (Netscape format), Firefox "
               "`places.sqlite` or JSON backup, CSV with `id,title,url`, or a plain list of URLs. Re-importing "
               "embeds only new or changed bookmarks.")
    c1, c2 = st.columns(2)
    state.with_descriptions = c1.checkbox("Embed descriptions (<DD>) when present", state.with_descriptions, key="bm_desc")
    state.remove_missing = c2.checkbox("Remove bookmarks missing from the file", state.remove_missing, key="bm_remove")
    st.checkbox("Fetch page titles and descriptions (online, slow; improves search for bare titles)",
                False, key="bm_enrich")
    upload = st.file_uploader("Bookmarks file", key="bm_upload", max_upload_size=200)
    if upload is not None and st.button("Import uploaded file", icon=":material/upload:", key="bm_import_upload"):
        data = upload.getvalue()
        start_import(upload.name, lambda: load_bookmarks(Path(upload.name), data=data, source=upload.name))
    profiles = detect_profiles()
    if profiles:
        choice = st.selectbox("Detected browser profiles", profiles, format_func=lambda p: p.label, key="bm_profile")
        if st.button("Import from this browser profile", icon=":material/public:", key="bm_import_profile"):
            start_import(choice.label, lambda: load_bookmarks(choice.path, source=choice.label))
    path = st.text_input("...or a path on this machine", key="bm_path", placeholder="~/Downloads/bookmarks.html")
    if path and st.button("Import from path", icon=":material/folder_open:", key="bm_import_path"):
        start_import(Path(path).name, lambda: load_bookmarks(Path(path).expanduser()))
    if st.button(f"Load the demo collection ({len(demo_bookmarks())} bookmarks)", icon=":material/auto_awesome:", key="bm_demo"):
        start_import("demo", lambda: ImportResult(demo_bookmarks(), "demo", "demo"))

sync_url(state)


@st.fragment(run_every=1.0)
def import_progress() -> None:
    job = registry.get(JOB_KEY)
    if job is None:
        return
    events = job.events
    last = events[-1] if events else {}
    if not job.finished and last.get("phase") == "fetching":
        st.progress(last["fetched"] / max(last["to_fetch"], 1), text=f"Fetching pages: {last['fetched']} / {last['to_fetch']}")
        st.session_state["bm_watching"] = id(job)
        return
    if not job.finished:
        done, todo = last.get("embedded", 0), last.get("to_embed") or 0
        st.progress(min(done / todo, 1.0) if todo else 0.0,
                    text=f"Embedding bookmarks: {done} / {todo or '?'} (the page stays usable)")
        if st.button("Stop import", icon=":material/stop:", key="bm_stop"):
            job.stop()
        st.session_state["bm_watching"] = id(job)
        return
    if st.session_state.get("bm_watching") == id(job):  # it just finished: refresh the whole page
        st.session_state["bm_watching"] = None
        st.rerun(scope="app")
    if job.error:
        msg = last.get("message") or job.error
        st.error(f"Import failed: {escape_markdown(msg, 500)}. The store keeps what it held before.",
                 icon=":material/error:")
    elif last.get("phase") == "done":
        st.success(f"Imported {escape_markdown(last['source'])} ({last['format']}): {last['line']}",
                   icon=":material/check_circle:")
        if last.get("skips") and last["skips"] != "none":
            st.caption(f"Skipped entries: {last['skips']}")


import_progress()

try:
    embedder = make_embedder(state, llm)
    index = BookmarkIndex(store_dir(), embedder=embedder, store=store_for(state, embedder),
                          with_description=state.with_descriptions)
    records = index.records
except Exception as exc:  # unreadable manifest, unreachable Pinecone, malformed base URL, ...
    st.error(f"The bookmark store cannot be opened: {escape_markdown(describe_error(exc, llm.api_key), 500)}",
             icon=":material/error:")
    st.stop()

other, seed = other_model_bookmarks(state) if not records else ("", [])
if not records and seed:  # the other model's store can be re-embedded with this one
    here, there = EMBEDDING_NAMES[state.embeddings], EMBEDDING_NAMES[other]
    st.info(f"No bookmarks embedded with {here} yet. The {there} store keeps its {len(seed)} bookmarks "
            "(switch back in the sidebar), or embed them with this model:", icon=":material/info:")
    if st.button(f"Embed the {len(seed)} bookmarks with {here}", icon=":material/sync:", key="bm_reembed"):
        start_import(f"the {there} store", lambda: ImportResult(seed, "store", there))
elif not records:
    st.info("No bookmarks yet: import a file above or load the demo collection.", icon=":material/info:")
else:
    stats = index.stats()
    st.caption(f"{stats['bookmarks']} bookmarks in {stats['folders']} folders from {stats['domains']} sites; "
               f"embeddings: {stats['embedding_model']} ({stats['dim']}-d), store: {stats['store']}.")
    with st.expander("Filters", icon=":material/filter_alt:"):
        folders = sorted({r["bookmark"].get("folder", "") for r in records.values()} - {""})
        domains = sorted({index.bookmark(i).domain for i in list(records)[:20000]})
        state.folders = st.multiselect("Folders", folders, [f for f in state.folders if f in folders], key="bm_folders")
        state.domains = st.multiselect("Sites", domains, [d for d in state.domains if d in domains], key="bm_domains")
        if st.checkbox("Only bookmarks added in a date range", bool(state.date_range), key="bm_use_dates"):
            dr = st.date_input("Added between", value=state.date_range or (), key="bm_dates")
            state.date_range = tuple(dr) if isinstance(dr, (list, tuple)) and len(dr) == 2 else ()
        else:
            state.date_range = ()

    render_history(state)
    question = st.chat_input("Ask about your bookmarks, e.g. 'that tutorial about dropout'", key="bm_chat")
    if question:
        state.history.append({"role": "user", "content": question})
        with st.chat_message("user"):
            st.text(question)
        with st.chat_message("assistant"):
            try:
                turn = answer(index, question, state.history[:-1], llm, k=state.k, mode=state.mode,
                              filters=filters_from_state(state), use_self_query=state.self_query,
                              threshold=state.threshold)
                text = st.write_stream(turn.stream)
                text = text if isinstance(text, str) else "".join(map(str, text))
                note = turn.error or (f"searched for: {turn.query}" if turn.query != question else "")
                sources, table = answer_sources(turn, text), hits_frame(turn.hits)
                render_sources(sources, table, note)
            except EmbeddingMismatch as exc:
                text, sources, table, note = f"The store needs re-indexing: {escape_markdown(exc, 500)}", "", None, ""
                st.error(text)
            except Exception as exc:  # never a traceback in the page (nor the key)
                text = f"Search failed: {escape_markdown(describe_error(exc, llm.api_key), 500)}"
                sources, table, note = "", None, ""
                st.error(text)
        state.history.append({"role": "assistant", "content": text, "sources": sources, "hits": table, "note": note})
    if state.history and st.button("Clear conversation", icon=":material/delete:", key="bm_clear"):
        state.history.clear()
        st.rerun()
