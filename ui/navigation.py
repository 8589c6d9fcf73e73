"""The studio's navigation (Home plus the page groups), and the guard that keeps every visit on it.

Why the guard: Streamlit treats a ``pages/`` folder beside the main script as an old-style (v1)
multipage app until some session calls ``st.navigation``. So after a fresh start, a first visit
straight to a page URL (``/gradient_descent``) would run that page script alone, under a plain
list of the files in ``pages/``, skipping `app.py`. Each page script therefore begins with
`enter_page()`: run outside `app.py`'s navigation, it declares the studio's navigation (which
switches this server to ``st.navigation`` for good, through public API only) and reruns, so the
same URL is served by `app.py` with the Home page and the groups. Under `app.py` it does nothing.
It acts at most once per session, so a page file run on its own (Streamlit's AppTest) costs one
extra, empty run and then renders normally. Pages are given by absolute path so that the
navigation means the same files whichever script declares it.
"""

from __future__ import annotations

import threading

import streamlit as st

from ui.catalogue import HOME, ROOT, existing_pages
from ui.session import account_panel

FAVICON = ROOT / "ui" / "assets" / "favicon.png"

_local = threading.local()  # each browser session runs its script in a thread of its own
_DECLARED = "_studio_navigation_declared"


def sections() -> dict[str, list]:
    """The navigation's sections: Home on its own, then one group per area."""
    out: dict[str, list] = {"": [st.Page(ROOT / HOME.path, title=HOME.title, icon=HOME.icon, default=True)]}
    for spec in existing_pages():
        out.setdefault(spec.group, []).append(st.Page(ROOT / spec.path, title=spec.title, icon=spec.icon))
    return out


def page_config() -> None:
    """Title, layout and a local icon: a material-symbol or emoji icon makes the browser fetch it
    from fonts.gstatic.com."""
    st.set_page_config(page_title="Deep-learning studio", page_icon=str(FAVICON), layout="wide")


def run_app() -> None:
    """`app.py`: page config, the navigation, and the chosen page."""
    page_config()
    page = st.navigation(sections())
    account_panel()
    _local.inside_app = True
    try:
        page.run()
    finally:
        _local.inside_app = False


def enter_page() -> None:
    """First line of every page script: make sure the page runs under the studio's navigation."""
    if getattr(_local, "inside_app", False) or st.session_state.get(_DECLARED):
        return
    st.session_state[_DECLARED] = True
    page_config()  # before the navigation, or the browser takes the page's material icon as favicon
    st.navigation(sections())
    st.rerun()
