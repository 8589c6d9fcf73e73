"""Start the studio's Streamlit server: ``python scripts/serve.py [streamlit run options]``.

`make run` and the browser tests start the app through this file rather than plain
``streamlit run app.py``. The reason: Streamlit treats a ``pages/`` folder beside the main
script as an old-style (v1) multipage app until the first session calls ``st.navigation``,
so the very first visitor after a start, when landing directly on a page URL, would get
every file of ``pages/`` listed in the sidebar and skip ``app.py``. The studio always
navigates with ``st.navigation``, so we say so before the server starts. Plain
``streamlit run app.py`` still works; only that first direct visit looks different.
"""

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web.cli import main

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    sys.exit(main())
