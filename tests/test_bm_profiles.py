"""Bookmark policy in core: which collection a viewer gets in each serving mode (identities
injected: sign-in cannot be exercised against a real provider here), temporary collections
expiring, one writer per collection, store profiles shared by the page and the CLI, and error
messages that never hold a key."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from core.access import LOCAL, NETWORK, SIGNED_IN
from core.bookmarks import collections, profiles
from core.bookmarks.collections import Collection, collection_for
from core.bookmarks.profiles import Keys, Profile
from core.bookmarks.sync import BookmarkIndex
from tests.bm_fixtures import HashEmbedder, labelled_bookmarks


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


# --- collections per serving mode ------------------------------------------------------------
def test_local_studio_shares_the_default_collection_where_it_always_was(data_dir):
    a, b = collection_for("browser:" + "a" * 32, LOCAL), collection_for("browser:" + "b" * 32, LOCAL)
    assert a == b and a.name == "default" and not a.temporary and not a.owner
    # the stores imported before collections existed: <data>/bookmarks/default, openai-..., pinecone-...
    assert profiles.store_dir(a, Profile()) == data_dir / "bookmarks" / "default"
    assert profiles.store_dir(a, Profile(embeddings="openai")) == data_dir / "bookmarks" / "openai-text-embedding-3-small"
    assert profiles.store_dir(a, Profile(backend="pinecone", pinecone_index="ix")) == data_dir / "bookmarks" / "pinecone-ix"
    assert "kept across restarts" in a.describe()


def test_signed_in_users_each_get_their_own_persistent_collection(data_dir):
    alice = collection_for("user:alice@example.com", SIGNED_IN, signed_in=True, label="alice@example.com")
    bob = collection_for("user:bob@example.com", SIGNED_IN, signed_in=True, label="bob@example.com")
    assert alice != bob and alice.owner == "user:alice@example.com" and not alice.temporary
    assert alice == collection_for("user:alice@example.com", SIGNED_IN, signed_in=True, label="alice@example.com")
    assert "alice@example.com's bookmark collection" in alice.describe() and "only you" in alice.describe()
    # folder names and namespaces never carry the e-mail address, and live apart from the local default
    assert "alice" not in alice.name and alice.root.parent == data_dir / "bookmarks" / "collections"
    assert profiles.namespace(alice) == alice.name != profiles.namespace(bob)
    assert profiles.store_dir(alice, Profile()) != profiles.store_dir(bob, Profile())


def test_network_and_not_yet_signed_in_visitors_get_private_temporary_collections():
    a = collection_for("browser:" + "a" * 32, NETWORK)
    b = collection_for("browser:" + "b" * 32, NETWORK)
    assert a != b and a.temporary and b.temporary
    assert a == collection_for("browser:" + "a" * 32, NETWORK)  # a reload (same cookie) keeps it
    assert "aaaa" not in a.name and "temporary" in a.describe() and "nobody else" in a.describe()
    guest = collection_for("browser:" + "c" * 32, SIGNED_IN, signed_in=False)
    assert guest.temporary and guest.name.startswith("browser-")
    with pytest.raises(ValueError):
        collection_for("", NETWORK)


def test_a_spoofed_viewer_id_cannot_reach_another_folder():
    sneaky = collection_for("browser:../../default", NETWORK)
    assert "/" not in sneaky.name and ".." not in sneaky.name and sneaky.root.name == sneaky.name


def test_expired_temporary_collections_are_swept_and_others_kept(data_dir, monkeypatch):
    monkeypatch.setenv(collections.TTL_ENV, "1")
    old = collection_for("browser:" + "1" * 32, NETWORK)
    fresh = collection_for("browser:" + "2" * 32, NETWORK)
    user = collection_for("user:u@example.com", SIGNED_IN, signed_in=True)
    now = time.time()
    for c in (old, fresh, user):
        BookmarkIndex(profiles.store_dir(c, Profile()), embedder=HashEmbedder()).sync(labelled_bookmarks()[:3])
    collections.touch(old, now - 2 * 3600)
    collections.touch(fresh, now - 0.5 * 3600)
    collections.touch(user, now - 100 * 3600)  # persistent: touch does nothing, and the sweep never looks
    removed = collections.sweep_expired(now=now, force=True)
    assert removed == [old.name]
    assert not old.root.exists() and fresh.root.exists() and user.root.exists()
    # the same browser coming back gets a fresh, empty collection that works
    idx = BookmarkIndex(profiles.store_dir(old, Profile()), embedder=HashEmbedder())
    assert idx.records == {}
    idx.sync(labelled_bookmarks()[:2])
    assert len(BookmarkIndex(profiles.store_dir(old, Profile())).records) == 2
    assert collections.sweep_expired(now=now) == []  # throttled: at most every ten minutes


def test_one_writer_per_collection_and_a_waiting_writer_can_give_up():
    c = collection_for("browser:" + "d" * 32, NETWORK)
    order, waits = [], []
    with collections.writing(c) as ok:
        assert ok
        stop = threading.Event()

        def second():
            with collections.writing(c, should_continue=lambda: not stop.is_set(), wait=lambda: waits.append(1)) as got:
                order.append(got)

        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.7)
        stop.set()
        t.join(5)
    assert order == [False] and waits
    with collections.writing(c) as ok:  # released: the next writer goes straight in
        assert ok


# --- profiles: the page and the CLI agree ------------------------------------------------------
def test_cli_and_page_open_the_same_store_and_namespace(data_dir, monkeypatch):
    from core.bookmarks.__main__ import _index, main

    class Args:
        store, embeddings, backend, pinecone_index, no_descriptions = None, "minilm", "chroma", "bookmarks", False

    assert _index(Args()).dir == profiles.store_dir(collections.local_default(), Profile())
    assert profiles.namespace(collections.local_default()) == "default"
    assert profiles.namespace(collections.at_path("/x/team-links")) == "team-links"  # --store DIR, as before
    assert profiles.store_dir(collections.at_path(data_dir / "mine"), Profile(embeddings="openai")) == data_dir / "mine"
    seen = {}

    def fake_connect(key, index_name, model, dim, namespace, embedder=None):
        seen.update(key=key, index=index_name, namespace=namespace)
        return "pinecone-store"

    keys = Keys(openai="", pinecone="pc-secret")
    store = profiles.open_store(collections.local_default(), Profile(backend="pinecone"), HashEmbedder(), keys, fake_connect)
    assert store == "pinecone-store" and seen == {"key": "pc-secret", "index": "bookmarks", "namespace": "default"}
    monkeypatch.delenv("PINECONE_API_KEY", raising=False)
    assert main(["stats", "--backend", "pinecone"]) == 2  # a clear message, not a traceback


def test_keys_come_from_the_environment_then_secrets_and_never_show():
    assert profiles.secret("K", {"K": "from-secrets"}, env={}) == "from-secrets"
    assert profiles.secret("K", {"K": "from-secrets"}, env={"K": "from-env"}) == "from-env"
    assert profiles.secret("K", None, env={}) == ""

    class Broken:
        def get(self, *a):
            raise FileNotFoundError("no secrets.toml")

    assert profiles.secret("K", Broken(), env={}) == ""
    assert "sk-1" not in repr(Keys(openai="sk-1", pinecone="pc-2")) and "pc-2" not in repr(Keys("sk-1", "pc-2"))
    with pytest.raises(ValueError, match="OpenAI key"):
        profiles.make_embedder(Profile(embeddings="openai"), Keys())
    with pytest.raises(ValueError, match="unknown embedding model"):
        Profile(embeddings="word2vec")


def test_search_filters_cover_whole_days_in_either_order():
    from datetime import date

    f = profiles.search_filters(["Travel"], [], (date(2024, 1, 2), date(2024, 1, 1)))
    assert f["folders"] == ["Travel"] and "domains" not in f
    assert f["added_to"] - f["added_from"] == 2 * 86400 - 1
    assert profiles.search_filters([], [], (date(2024, 1, 1),)) == {}


def test_error_messages_name_the_host_and_never_hold_the_key():
    import httpx
    import openai

    from core.bookmarks.profiles import describe_error

    refused = openai.APIConnectionError(request=httpx.Request("POST", "http://user:pw@127.0.0.1:9/v1/embeddings"))
    text = describe_error(refused)
    assert text.startswith("could not reach 127.0.0.1:9 (") and "base URL" in text and "pw" not in text
    assert describe_error(ValueError("bad key sk-abc"), "sk-abc") == "bad key ***"
    assert describe_error(RuntimeError("boom pc-1 sk-2"), "sk-2", "pc-1") == "RuntimeError: boom *** ***"
    assert os.linesep not in describe_error(RuntimeError("two\nlines"))
