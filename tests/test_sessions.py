"""Saved sessions answer only for the username they were made for."""

from __future__ import annotations

import json

import pytest

from optout.domain.accounts import Account
from optout.store.sessions import EncryptedSessions, MemorySessions, session_path

ORIGIN = "https://www.linkedin.com"
STATE = {"cookies": [{"name": "li_at", "value": "x"}], "origins": []}


@pytest.mark.parametrize("store", [EncryptedSessions, MemorySessions])
def test_a_session_is_for_its_username_only(store, memory_keyring, caplog):
    sessions = store()
    alice = Account("linkedin", "member1", "Alice@Example.com", (ORIGIN,))
    sessions.save(alice, ORIGIN, STATE)
    assert sessions.load(Account("linkedin", "member1", " alice@example.com", (ORIGIN,)),
                         ORIGIN) == STATE  # the same person, written otherwise
    bob = Account("linkedin", "member1", "bob@example.com", (ORIGIN,))
    assert sessions.load(bob, ORIGIN) is None
    assert "made for a different username" in caplog.text
    if store is EncryptedSessions:
        assert not session_path(bob, ORIGIN).exists()  # discarded, not kept for later


def test_a_session_kept_before_sessions_named_their_person(memory_keyring):
    sessions = EncryptedSessions()
    named = Account("linkedin", "member1", "alice@example.com", (ORIGIN,))
    by_hand = Account("linkedin", "member1", None, (ORIGIN,))
    for account, expected in ((by_hand, STATE), (named, None)):
        path = session_path(account, ORIGIN)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sessions._cipher().encrypt(json.dumps(STATE).encode()))
        assert sessions.load(account, ORIGIN) == expected
