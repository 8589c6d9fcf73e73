"""The serving modes and the server-path rule (`core.access`)."""

import pytest

from core.access import LOCAL, NETWORK, SIGNED_IN, is_loopback, server_paths_allowed, serving_mode


@pytest.mark.parametrize("address", ["localhost", "127.0.0.1", "127.0.0.2", "::1", "[::1]", "LOCALHOST"])
def test_loopback_addresses(address):
    assert is_loopback(address)
    assert serving_mode(address, False) == LOCAL


@pytest.mark.parametrize("address", ["0.0.0.0", "", None, "192.168.1.20", "::", "studio.example.org"])
def test_network_addresses(address):
    assert not is_loopback(address)
    assert serving_mode(address, False) == NETWORK


def test_sign_in_wins_over_the_address():
    assert serving_mode("0.0.0.0", True) == SIGNED_IN
    assert serving_mode("localhost", True) == SIGNED_IN


def test_server_paths_only_on_loopback_unless_set_explicitly(monkeypatch):
    monkeypatch.delenv("STUDIO_ALLOW_SERVER_PATHS", raising=False)
    assert server_paths_allowed("localhost") and not server_paths_allowed("0.0.0.0")
    assert server_paths_allowed("0.0.0.0", "1") and server_paths_allowed("0.0.0.0", True)
    assert not server_paths_allowed("localhost", "0")
    monkeypatch.setenv("STUDIO_ALLOW_SERVER_PATHS", "true")
    assert server_paths_allowed("0.0.0.0")
    monkeypatch.setenv("STUDIO_ALLOW_SERVER_PATHS", "off")
    assert not server_paths_allowed("localhost")
