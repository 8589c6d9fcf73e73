"""The bookmark chat page's views (`pages/bookmark_chat.py` is their table of contents).

- ``state``     -- `BookmarkChatState`, its binding `STATE` (prefix ``bm_``) and the link rules
- ``store``     -- the viewer's collection and the store of the chosen profile; model warm-up
- ``sidebar``   -- search settings, embedding model, vector store, language model and key
- ``importing`` -- the import panel: read, plan, confirm a mirror sync, undo, the import job
- ``chat_view`` -- the collection summary, filters and the conversation
- ``render``    -- answers, sources and the retrieved-bookmarks table, drawn safely

The policy lives in `core.bookmarks` (`collections`, `profiles`, `sync`); see docs/bookmark_chat.md.
"""
