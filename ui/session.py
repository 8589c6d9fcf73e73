"""Who is looking at the page, and how this server is served.

`viewer()` names the person a browser session acts for:
- a signed-in user (Streamlit's built-in OIDC sign-in, ``st.login``): ``user:<email or subject>``;
- otherwise the browser: ``browser:<token>``, a random token kept in a first-party cookie
  (``dl_studio_browser``, SameSite=Strict) so that a reload, which opens a new Streamlit session,
  still acts for the same browser and re-attaches to its jobs. Another browser (or another
  Playwright context) gets another token. The token is not a secret credential: it only decides
  whose jobs and messages a session sees; a server that needs real identities configures sign-in.

`serving_mode()` applies `core.access` to this server: the address it is bound to and whether an
``[auth]`` section exists in the secrets.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import streamlit as st

from core import access
from core.text import escape_markdown

COOKIE = "dl_studio_browser"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_SESSION_TOKEN = "_studio_browser_token"
_COOKIE_WRITTEN = "_studio_browser_cookie_written"
VIEWER_OVERRIDE = "_studio_viewer_override"  # tests inject an identity here (AppTest has no cookies)


@dataclass(frozen=True)
class Viewer:
    id: str  # owner id for jobs and collections
    label: str  # what the page may show ("alice@example.com", "this browser")
    signed_in: bool = False


def _cookie_token() -> str | None:
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:  # no request context (AppTest, bare mode)
        return None
    return token if isinstance(token, str) and _TOKEN.match(token) else None


def _browser_token() -> str:
    ss = st.session_state
    token = _cookie_token() or ss.get(_SESSION_TOKEN)
    if token is None:
        token = secrets.token_hex(16)
    ss[_SESSION_TOKEN] = token
    if _cookie_token() != token and not ss.get(_COOKIE_WRITTEN):
        ss[_COOKIE_WRITTEN] = True
        # A first-party cookie read back by st.context.cookies on the next session (a reload).
        st.html(f"<script>if (!document.cookie.includes('{COOKIE}=')) {{ document.cookie = "
                f"'{COOKIE}={token}; path=/; max-age=31536000; SameSite=Strict'; }}</script>",
                unsafe_allow_javascript=True)
    return token


def signed_in_user() -> tuple[str, str] | None:
    """``(id, label)`` of the signed-in user, or None."""
    try:
        user = st.user
        if not user.is_logged_in:
            return None
        subject = str(user.get("email") or user.get("sub") or "")
    except Exception:  # sign-in not configured, or AppTest
        return None
    return (f"user:{subject}", subject) if subject else None


def viewer() -> Viewer:
    """The signed-in user, else this browser."""
    override = st.session_state.get(VIEWER_OVERRIDE)
    if override:
        return Viewer(str(override), str(override), str(override).startswith("user:"))
    user = signed_in_user()
    if user is not None:
        return Viewer(user[0], user[1], signed_in=True)
    return Viewer(f"browser:{_browser_token()}", "this browser")


def bound_address() -> str:
    return str(st.get_option("server.address") or "")


def sign_in_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` (or the environment's secrets) has an ``[auth]`` section."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file
        return False


def serving_mode() -> str:
    """``local``, ``network`` or ``signed-in`` (see `core.access`)."""
    return access.serving_mode(bound_address(), sign_in_configured())


def server_paths_allowed() -> bool:
    """Whether this server may import files by their path on the server (see `core.access`)."""
    return access.server_paths_allowed(bound_address())


def account_panel() -> None:
    """Sidebar sign-in / sign-out, drawn only when sign-in is configured (see README, Serving)."""
    if not sign_in_configured():
        return
    with st.sidebar:
        user = signed_in_user()
        if user is None:
            st.caption("Sign in to keep your own bookmark collection and runs.")
            st.button("Sign in", icon=":material/login:", on_click=st.login, key="studio_sign_in")
        else:
            st.caption(f"Signed in as {escape_markdown(user[1], 120)}")
            st.button("Sign out", icon=":material/logout:", on_click=st.logout, key="studio_sign_out")
