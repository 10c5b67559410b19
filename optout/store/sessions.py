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

from optout.domain.accounts import Account
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
        path = session_path(account, origin)
        if not path.exists():
            return None
        try:
            return json.loads(self._cipher().decrypt(path.read_bytes()))
        except (InvalidToken, ValueError):
            log.info("saved session for %s/%s cannot be read; signing in again",
                     account.platform, account.name)
            return None

    def save(self, account: Account, origin: str, state: dict[str, Any]) -> None:
        """Keep the session; on a full disk, say so and go on: the account is signed in, and the
        next run signs in again."""
        try:
            write_private(session_path(account, origin),
                          self._cipher().encrypt(json.dumps(state).encode()))
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            log.warning("The disk is full: the %s session of account %r was not kept (the next "
                        "run signs in again). Free some space.", account.platform, account.name)


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
        return self._kept.get((account.platform, account.name, origin))

    def save(self, account: Account, origin: str, state: dict[str, Any]) -> None:
        self._kept[(account.platform, account.name, origin)] = state


def delete_sessions(account: Account) -> bool:
    """Delete every saved session of the account; True if there was one."""
    folder = _account_dir(account)
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True
