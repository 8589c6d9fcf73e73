"""Write bookmarks back out as Netscape HTML or a Chrome ``Bookmarks`` file (escaped safely)."""

from __future__ import annotations

import html
import json

from core.bookmarks.importers import CHROME_EPOCH_OFFSET_S
from core.bookmarks.model import Bookmark


def _tree(bookmarks: list[Bookmark]) -> dict:
    root: dict = {"folders": {}, "items": []}
    for b in bookmarks:
        node = root
        for part in [p for p in b.folder.split(" / ") if p]:
            node = node["folders"].setdefault(part, {"folders": {}, "items": []})
        node["items"].append(b)
    return root


def to_netscape_html(bookmarks: list[Bookmark], with_description: bool = True) -> str:
    """The Netscape bookmark format every browser imports and exports."""
    out = ["<!DOCTYPE NETSCAPE-Bookmark-file-1>", '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">',
           "<TITLE>Bookmarks</TITLE>", "<H1>Bookmarks</H1>", "<DL><p>"]
    esc = lambda s: html.escape(str(s), quote=True)  # noqa: E731

    def emit(node, depth):
        pad = "    " * depth
        for name, sub in node["folders"].items():
            out.append(f"{pad}<DT><H3>{esc(name)}</H3>")
            out.append(f"{pad}<DL><p>")
            emit(sub, depth + 1)
            out.append(f"{pad}</DL><p>")
        for b in node["items"]:
            attrs = f'HREF="{esc(b.url)}"'
            if b.added:
                attrs += f' ADD_DATE="{int(b.added)}"'
            if b.tags:
                attrs += f' TAGS="{esc(",".join(b.tags))}"'
            out.append(f"{pad}<DT><A {attrs}>{esc(b.title)}</A>")
            if with_description and b.description:
                out.append(f"{pad}<DD>{esc(b.description)}")

    emit(_tree(bookmarks), 1)
    out.append("</DL><p>")
    return "\n".join(out) + "\n"


def to_chrome_json(bookmarks: list[Bookmark]) -> str:
    """A Chrome ``Bookmarks`` file with everything under the bookmarks bar."""
    counter = iter(range(1, 10**9))

    def folder(name, node):
        children = [folder(n, sub) for n, sub in node["folders"].items()]
        for b in node["items"]:
            added = str((int(b.added) + CHROME_EPOCH_OFFSET_S) * 1_000_000) if b.added else "0"
            children.append({"date_added": added, "id": str(next(counter)), "name": b.title,
                             "type": "url", "url": b.url})
        return {"children": children, "date_added": "0", "id": str(next(counter)), "name": name, "type": "folder"}

    tree = _tree(bookmarks)
    roots = {"bookmark_bar": folder("Bookmarks bar", tree),
             "other": folder("Other bookmarks", {"folders": {}, "items": []}),
             "synced": folder("Mobile bookmarks", {"folders": {}, "items": []})}
    return json.dumps({"checksum": "", "roots": roots, "version": 1}, ensure_ascii=False, indent=1)
