"""The studio's Streamlit views: one package per page, plus the pieces every page shares.

``pages/<page>.py`` is a short table of contents that calls into ``ui/<page>/``, where that
page's state dataclass, widgets, charts and panels live. The shared modules provide each
common piece once:

- ``catalogue``  -- the list of pages (navigation groups, Home cards)
- ``navigation`` -- the app's navigation and the guard that keeps a first direct visit on it
- ``state``      -- `PageState`: a page's dataclass <-> widget keys <-> the URL (`core.urlstate`)
- ``jobs``       -- the background-job panel: queue place, progress, pause/resume/stop, re-attach
- ``playback``   -- play / pause, step and reset controls
- ``session``    -- who is looking (signed-in user or browser) and how the server is served
- ``device``     -- the session's torch device

Untrusted text reaches the page only through `core.text.escape_markdown`.
Nothing under ``core/`` imports this package.
"""
