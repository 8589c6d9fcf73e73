"""Command line: ``python -m core.bookmarks import|undo|search|stats``.

    python -m core.bookmarks import PATH [--store DIR] [--mirror [--force]] [--dry-run] [--no-descriptions] [--enrich] [--watch]
    python -m core.bookmarks undo [--store DIR]
    python -m core.bookmarks search "QUERY" [--store DIR] [-k 5] [--mode MODE] [--json] [--queries FILE]
    python -m core.bookmarks stats [--store DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _index(args):
    """The index the flags ask for, through the same profiles as the page (`core.bookmarks.profiles`):
    without ``--store`` the local studio's default collection, with the store folder of the chosen
    embedding model and backend; ``--store DIR`` names the folder itself. Keys from the environment."""
    from core.bookmarks import collections, profiles

    profile = profiles.Profile(embeddings=getattr(args, "embeddings", "minilm"),
                               backend=getattr(args, "backend", "chroma"),
                               pinecone_index=getattr(args, "pinecone_index", profiles.DEFAULT_PINECONE_INDEX),
                               with_descriptions=not getattr(args, "no_descriptions", False))
    collection = collections.at_path(args.store) if args.store else collections.local_default()
    return profiles.open_index(collection, profile, profiles.configured_keys())


def _enrich(bookmarks) -> None:
    """Fill empty descriptions from the pages themselves (online; cached in the data directory)."""
    from core.bookmarks.enrich import PageCache, enrich
    from core.bookmarks.sync import default_store_dir

    results = enrich(bookmarks, PageCache(default_store_dir("page-cache") / "pages.json"), concurrency=8)
    failed = sum(not r.ok for r in results.values())
    print(f"enriched: {len(results) - failed} pages fetched or cached, {failed} failed", file=sys.stderr)


def cmd_import(args) -> int:
    """Import a file: adds and updates; removes only with --mirror (refused, exit 3, when it
    would remove more than half of the collection or the file has no valid bookmark, unless
    --force). Exit codes: 0 done, 1 nothing to import, 2 error, 3 refused (nothing changed)."""
    from core.bookmarks.importers import BookmarkImportError, load_bookmarks
    from core.bookmarks.sync import SyncRefused

    def once() -> int:
        try:
            result = load_bookmarks(args.path)
        except BookmarkImportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        _print_skips(result)
        if not result.bookmarks and not args.mirror:
            print(f"nothing imported: {result.source} holds no valid bookmark; the collection is unchanged",
                  file=sys.stderr)
            return 1
        if args.enrich:
            _enrich(result.bookmarks)
        index = _index(args)
        options = {"mirror": args.mirror, "force": args.force, "skipped": sum(result.skipped.values())}
        if args.dry_run:
            plan = index.plan(result.bookmarks, **options)
            print(f"would: {plan.line()}; {plan.unchanged:,} unchanged; {plan.total_after:,} bookmarks after")
            if plan.refusal:
                print(f"refused: {plan.refusal}{_force_hint(args, plan.refusal)}", file=sys.stderr)
                return 3
            return 0
        if args.reindex and getattr(args, "backend", "chroma") == "pinecone":
            print("note: --reindex empties the Pinecone namespace first; if it is interrupted, run it again",
                  file=sys.stderr)
        try:
            report = index.sync(result.bookmarks, reindex=args.reindex, **options)
        except SyncRefused as exc:
            print(f"refused: {exc}{_force_hint(args, str(exc))}", file=sys.stderr)
            return 3
        print(report.line())
        encoding = f" ({result.encoding})" if result.encoding not in ("", "utf-8") else ""
        print(f"format: {result.format}{encoding}  time: {report.seconds:.2f} s", file=sys.stderr)
        if report.added or report.updated or report.removed:
            print("undo: python -m core.bookmarks undo (with the same --store/--embeddings/--backend)", file=sys.stderr)
        return 0

    code = once()
    if not args.watch:
        return code
    from core.bookmarks.watch import watch_file

    print(f"watching {args.path} (Ctrl+C to stop)", file=sys.stderr)
    try:
        watch_file(args.path, lambda: once(), interval=args.interval)
    except KeyboardInterrupt:
        pass
    return code


def _force_hint(args, refusal: str) -> str:
    if args.mirror and not args.force and "mirror sync" in refusal:
        return ". Pass --force to remove them anyway, or import without --mirror to only add and update"
    return ""


def _print_skips(result, examples: int = 5) -> None:
    """What was skipped (with where, for the first few) and what was shortened, on stderr."""
    if result.skipped:
        print(f"skipped: {result.skip_summary()}", file=sys.stderr)
        for title, url, reason in result.skipped_examples[:examples]:
            print(f"  {reason}: {url or title!r}"[:300], file=sys.stderr)
    if result.notes:
        print(f"notes: {result.notes_summary()}", file=sys.stderr)


def cmd_undo(args) -> int:
    """Put the collection back as it was before the last import that changed it."""
    from core.bookmarks.sync import SyncRefused

    index = _index(args)
    try:
        report = index.undo()
    except SyncRefused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 3
    print(f"undone: {report.total_after:,} bookmarks now ({report.added:,} back, {report.removed:,} taken out, "
          f"{report.updated:,} changed back); undo again to redo")
    return 0


def cmd_search(args) -> int:
    from core.bookmarks.retrieval import search

    index = _index(args)
    if not index.records:
        print("error: the store is empty; import bookmarks first", file=sys.stderr)
        return 2
    queries = [args.query] if args.queries is None else [
        q.strip() for q in Path(args.queries).read_text("utf-8").splitlines() if q.strip()]
    for q in queries:
        hits = search(index, q, k=args.k, mode=args.mode)
        rows = [{"title": h.bookmark.title, "url": h.bookmark.url, "folder": h.bookmark.folder,
                 "score": round(float(h.score), 6)} for h in hits]
        if args.queries is not None:
            print(json.dumps({"query": q, "results": rows}, ensure_ascii=False))
        elif args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            if not rows:
                print("no bookmark matches")
            for i, (h, row) in enumerate(zip(hits, rows), 1):
                print(f"{i}. {row['title']}  [{row['folder']}]  score={row['score']:.3f}\n   {row['url']}\n   {h.reason}")
    return 0


def cmd_stats(args) -> int:
    index = _index(args)
    for key, value in index.stats().items():
        print(f"{key}: {value}")
    return 0


def main(argv=None) -> int:
    from core.bookmarks.retrieval import DEFAULT_MODE, MODES

    p = argparse.ArgumentParser(prog="python -m core.bookmarks", description="Import and search bookmarks offline.")
    sub = p.add_subparsers(dest="cmd", required=True)
    imp = sub.add_parser("import", help="import or re-sync a bookmarks file")
    imp.add_argument("path")
    imp.add_argument("--store", help="store directory (default: the app's data directory)")
    imp.add_argument("--no-descriptions", action="store_true", help="embed titles only, ignore <DD> descriptions")
    imp.add_argument("--mirror", action="store_true",
                     help="also remove bookmarks that are not in this file (refused when that would remove "
                          "more than half of the collection or the file has no valid bookmark)")
    imp.add_argument("--force", action="store_true", help="with --mirror: remove even when it would be refused")
    imp.add_argument("--dry-run", action="store_true", help="say what the import would add, update and remove")
    imp.add_argument("--keep-missing", action="store_true",
                     help="accepted for compatibility; does nothing (an import keeps bookmarks missing from "
                          "the file unless --mirror)")
    imp.add_argument("--reindex", action="store_true",
                     help="embed everything again into a fresh collection (switches over when done)")
    imp.add_argument("--enrich", action="store_true",
                     help="online: fetch each page's title and description for bookmarks that have none")
    imp.add_argument("--watch", action="store_true", help="re-sync whenever the file changes")
    imp.add_argument("--interval", type=float, default=2.0, help="watch polling interval in seconds")
    se = sub.add_parser("search", help="search the store")
    se.add_argument("query", nargs="?", default="")
    se.add_argument("--store")
    se.add_argument("-k", type=int, default=5)
    se.add_argument("--mode", choices=MODES, default=DEFAULT_MODE)
    se.add_argument("--json", action="store_true")
    se.add_argument("--queries", help="file with one query a line; prints one JSON line per query")
    st = sub.add_parser("stats", help="describe the store")
    st.add_argument("--store")
    un = sub.add_parser("undo", help="undo the last import that changed the collection (again: redo)")
    un.add_argument("--store")
    for sp in (imp, se, st, un):
        sp.add_argument("--embeddings", choices=["minilm", "openai"], default="minilm",
                        help="minilm (offline, default) or openai (needs OPENAI_API_KEY)")
        sp.add_argument("--backend", choices=["chroma", "pinecone"], default="chroma",
                        help="chroma (local, default) or pinecone (needs PINECONE_API_KEY)")
        sp.add_argument("--pinecone-index", default="bookmarks")
    args = p.parse_args(argv)
    if args.cmd == "search" and not args.query and args.queries is None:
        p.error("search needs a QUERY or --queries FILE")
    try:
        return {"import": cmd_import, "search": cmd_search, "stats": cmd_stats, "undo": cmd_undo}[args.cmd](args)
    except (ValueError, OSError) as exc:  # clear one-line messages, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
