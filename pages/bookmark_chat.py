"""Bookmark chat: import browser bookmarks, search them offline, chat with them with a model key.

The page's parts live in `ui/bookmark_chat/` (state and link rules, sidebar, import panel, chat,
rendering); the policy (collections per serving mode, store profiles, errors) in
`core/bookmarks/`. Deep dive: docs/bookmark_chat.md.
"""

from __future__ import annotations

import streamlit as st

from core.bookmarks.profiles import describe_error
from core.text import escape_markdown
from ui.bookmark_chat import chat_view, importing, state as page_state, store
from ui.bookmark_chat.sidebar import sidebar
from ui.navigation import enter_page

enter_page()

st.title(":material/bookmarks: Bookmark chat")
st.caption("Import your browser bookmarks, search them by meaning offline (all-MiniLM-L6-v2, local "
           "Chroma store), and chat with them through a language model when you configure one.")

# 1. Whose collection, which settings (the link restores the search settings, nothing private).
configured = store.server_keys()
state = page_state.load(configured)
llm, keys = sidebar(state, configured)
state = page_state.STATE.current()
page_state.show_link_messages()
collection = store.viewer_collection()
store.describe(collection)

# 2. The store of the chosen embedding model and backend in that collection.
try:
    target = store.target(collection, state.profile(), keys)
    store.warm_up(target.embedder)
    index = target.open()
    records = index.records
except Exception as exc:  # unreadable manifest, unreachable Pinecone, malformed base URL, ...
    st.error(f"The bookmark store cannot be opened: {escape_markdown(describe_error(exc, *keys.secrets()), 500)}",
             icon=":material/error:")
    page_state.STATE.sync_url()
    st.stop()

# 3. Import (reading at once, embedding in this viewer's background job), progress and result.
importing.import_panel(target, expanded=not records)
importing.job_panel()
page_state.STATE.sync_url()

# 4. Search and chat.
if not records:
    if not importing.reembed_offer(target):
        st.info("No bookmarks yet: import a file above or load the demo collection.", icon=":material/info:")
    st.stop()
chat_view.summary(index)
chosen = chat_view.filters(index, state)
chat_view.conversation(index, page_state.STATE.current(), llm, chosen, keys.secrets())
