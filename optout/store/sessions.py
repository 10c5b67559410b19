"""Saved browser sessions (Playwright storage state), encrypted at rest.

The Fernet key lives in the keyring; the encrypted file is mode 0600 in the data folder, one per
account and origin (so a run against a test server never replaces the real site's session). A
session that cannot be decrypted (the key was replaced) is treated as absent: the engine signs in
again.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import shutil
from pathlib import Path
from typing import Any

import keyring
from cryptography.fernet import Fernet, InvalidToken

from optout.domain.accounts import Account, person_of
from optout.domain.errors import BadInput
from optout.store.credentials import require_keyring
from optout.store.files import data_dir, write_private

log = logging.getLogger(__name__)

_KEY_SERVICE = "optout"
_KEY_NAME = "session-key"


def _account_dir(account: Account) -> Path:
    root = data_dir() / "sessions"
    folder = root / account.platform / account.name
    # Names are checked by the CLI; this keeps a bad one from reaching outside the folder anyway.
    if root.resolve() not in folder.resolve().parents:
        raise BadInput(f"Account name {account.name!r} is not usable as a folder name.")
    return folder


def session_path(account: Account, origin: str) -> Path:
    return _account_dir(account) / (re.sub(r"[^A-Za-z0-9.-]+", "_", origin) + ".session")


class EncryptedSessions:
    """Sessions in the data folder, encrypted with a key kept in the keyring."""

    def __init__(self) -> None:
        self._fernet: Fernet | None = None

    def _cipher(self) -> Fernet:
        if self._fernet is None:
            require_keyring()
            key = keyring.get_password(_KEY_SERVICE, _KEY_NAME)
            if key is None:
                key = Fernet.generate_key().decode("ascii")
                keyring.set_password(_KEY_SERVICE, _KEY_NAME, key)
            self._fernet = Fernet(key.encode("ascii"))
        return self._fernet

    def load(self, account: Account, origin: str) -> dict[str, Any] | None:
        """The session saved for this account, origin and username; None (and a discarded file)
        when it was made for someone else."""
        path = session_path(account, origin)
        if not path.exists():
            return None
        try:
            kept = json.loads(self._cipher().decrypt(path.read_bytes()))
        except (InvalidToken, ValueError):
            log.info("saved session for %s/%s cannot be read; signing in again",
                     account.platform, account.name)
            return None
        state = for_person(account, kept)
        if state is None:
            path.unlink(missing_ok=True)
        return state

    def save(self, account: Account, origin: str, state: dict[str, Any]) -> None:
        """Keep the session, with whom it was made for; on a full disk, say so and go on: the
        account is signed in, and the next run signs in again."""
        kept = {"for": person_of(account), "state": state}
        try:
            write_private(session_path(account, origin),
                          self._cipher().encrypt(json.dumps(kept).encode()))
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            log.warning("The disk is full: the %s session of account %r was not kept (the next "
                        "run signs in again). Free some space.", account.platform, account.name)


def for_person(account: Account, kept: dict[str, Any]) -> dict[str, Any] | None:
    """The kept session's state if it was made for the account's username; else None, said in
    a line: another person under the same account name (a roster slot taken over) never
    inherits it. A session kept before sessions named their person counts as someone else's
    once the account has a username."""
    made_for = kept.get("for") if "state" in kept else None
    if made_for is not None and made_for == person_of(account):
        return dict(kept["state"])
    if made_for is None and not account.username and "state" not in kept:
        return kept  # an older session of an account signed in by hand: no one to compare
    log.warning("The saved %s session of account %r was made for a different username; it was "
                "discarded, and the account signs in as its own username.", account.platform,
                account.name)
    return None


class NoSessions:
    """Keep nothing between runs (the demo)."""

    def load(self, account: Account, origin: str) -> dict[str, Any] | None:
        return None

    def save(self, account: Account, origin: str, state: dict[str, Any]) -> None:
        return None


class MemorySessions:
    """Keep sessions for the life of one process only, never on disk (the demo's sign-ins by
    hand on the practice platform)."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, str, str], dict[str, Any]] = {}

    def load(self, account: Account, origin: str) -> dict[str, Any] | None:
        kept = self._kept.get((account.platform, account.name, origin))
        return None if kept is None else for_person(account, kept)

    def save(self, account: Account, origin: str, state: dict[str, Any]) -> None:
        self._kept[(account.platform, account.name, origin)] = {"for": person_of(account),
                                                                "state": state}


def delete_sessions(account: Account) -> bool:
    """Delete every saved session of the account; True if there was one."""
    folder = _account_dir(account)
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True
