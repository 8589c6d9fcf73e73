"""Who may see what on a studio server: the three serving modes and what each allows.

- ``local``: bound to a loopback address (the default, ``localhost``). One person's studio: the
  default bookmark collection persists across restarts and files on this machine may be imported
  by path.
- ``network``: bound to any other address without sign-in. Visitors are strangers to each other:
  each browser session gets a private, temporary bookmark collection, and the server's files
  cannot be imported by path (unless `SERVER_PATHS_ENV` says so explicitly).
- ``signed-in``: sign-in is configured (Streamlit's built-in OIDC authentication, an ``[auth]``
  section in ``.streamlit/secrets.toml``). Each signed-in user has a default collection of their
  own, which nobody else can read or change.

Nothing here imports streamlit: the page passes in the bound address and whether sign-in is
configured; the same rules serve the CLI and tests.
"""

from __future__ import annotations

import ipaddress
import os

LOCAL, NETWORK, SIGNED_IN = "local", "network", "signed-in"
MODES = (LOCAL, NETWORK, SIGNED_IN)
SERVER_PATHS_ENV = "STUDIO_ALLOW_SERVER_PATHS"
_TRUE = ("1", "true", "yes", "on")


def is_loopback(address: str | None) -> bool:
    """Whether a bind address only accepts connections from this machine.

    An empty address means "every interface" to Streamlit, so it is not loopback.
    """
    host = (address or "").strip().strip("[]").lower()
    if host in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serving_mode(address: str | None, sign_in_configured: bool) -> str:
    """``signed-in`` when sign-in is configured, else ``local`` on loopback, else ``network``."""
    if sign_in_configured:
        return SIGNED_IN
    return LOCAL if is_loopback(address) else NETWORK


def server_paths_allowed(address: str | None, setting: str | bool | None = None) -> bool:
    """Whether visitors may import a file by its path on the server.

    Only on a loopback bind, unless ``setting`` (or ``$STUDIO_ALLOW_SERVER_PATHS``) explicitly
    says ``1``/``true``. An explicit ``0``/``false`` turns it off even on loopback.
    """
    if setting is None:
        setting = os.environ.get(SERVER_PATHS_ENV)
    if isinstance(setting, str) and setting.strip():
        return setting.strip().lower() in _TRUE
    if isinstance(setting, bool):
        return setting
    return is_loopback(address)
