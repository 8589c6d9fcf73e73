"""Command line: ``python -m core.bookmarks import|search|stats``.

    python -m core.bookmarks import PATH [--store DIR] [--no-descriptions] [--keep-missing] [--enrich] [--watch]
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
    """The store directory's index, with the embedder and vector store the flags ask for."""
    from core.bookmarks.sync import BookmarkIndex, default_store_dir

    store_dir = Path(args.store) if args.store else default_store_dir()
    embedder = store = None
    if getattr(args, "embeddings", "minilm") == "openai":
        key = os.environ.get("OPENAI_API_KEY")
        if not key:
            raise ValueError("--embeddings openai needs OPENAI_API_KEY in the environment")
        from core.bookmarks.embeddings import OpenAIEmbedder

        embedder = OpenAIEmbedder(key, base_url=os.environ.get("OPENAI_BASE_URL"))
    if getattr(args, "backend", "chroma") == "pinecone":
        key = os.environ.get("PINECONE_API_KEY")
        if not key:
            raise ValueError("--backend pinecone needs PINECONE_API_KEY in the environment")
        from core.bookmarks.embeddings import default_embedder
        from core.bookmarks.stores import open_pinecone

        embedder = embedder or default_embedder()
        # one namespace per bookmark source (the store directory's name)
        store = open_pinecone(key, args.pinecone_index, embedder.name, embedder.dim, namespace=store_dir.name, embedder=embedder)
    return BookmarkIndex(store_dir, embedder=embedder, store=store,
                         with_description=not getattr(args, "no_descriptions", False))


def _enrich(bookmarks) -> None:
    """Fill empty descriptions from the pages themselves (online; cached in the data directory)."""
    from core.bookmarks.enrich import PageCache, enrich
    from core.bookmarks.sync import default_store_dir

    results = enrich(bookmarks, PageCache(default_store_dir("page-cache") / "pages.json"), concurrency=8)
    failed = sum(not r.ok for r in results.values())
    print(f"enriched: {len(results) - failed} pages fetched or cached, {failed} failed", file=sys.stderr)


def cmd_import(args) -> int:
    from core.bookmarks.importers import BookmarkImportError, load_bookmarks

    def once() -> int:
        try:
            result = load_bookmarks(args.path)
        except BookmarkImportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if args.enrich:
            _enrich(result.bookmarks)
        index = _index(args)
        report = index.sync(result.bookmarks, skipped=sum(result.skipped.values()),
                            remove_missing=not args.keep_missing, reindex=args.reindex)
        print(report.line())
        if result.skipped:
            print(f"skipped: {result.skip_summary()}", file=sys.stderr)
        print(f"format: {result.format}  time: {report.seconds:.2f} s", file=sys.stderr)
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
    imp.add_argument("--keep-missing", action="store_true", help="keep bookmarks that are not in this file")
    imp.add_argument("--reindex", action="store_true", help="drop the store and embed everything again")
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
    for sp in (imp, se, st):
        sp.add_argument("--embeddings", choices=["minilm", "openai"], default="minilm",
                        help="minilm (offline, default) or openai (needs OPENAI_API_KEY)")
        sp.add_argument("--backend", choices=["chroma", "pinecone"], default="chroma",
                        help="chroma (local, default) or pinecone (needs PINECONE_API_KEY)")
        sp.add_argument("--pinecone-index", default="bookmarks")
    args = p.parse_args(argv)
    if args.cmd == "search" and not args.query and args.queries is None:
        p.error("search needs a QUERY or --queries FILE")
    try:
        return {"import": cmd_import, "search": cmd_search, "stats": cmd_stats}[args.cmd](args)
    except (ValueError, OSError) as exc:  # clear one-line messages, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
