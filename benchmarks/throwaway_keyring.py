"""A keyring backend for the benchmark's throwaway practice accounts only: secrets in a file
(mode 0600) in the benchmark's temporary folder, deleted with it, so that separate `optout`
processes share them. Never use it for a real account; optout itself never writes secrets in
plain text.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.errors
from keyring.backend import KeyringBackend


class ThrowawayKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _file(self) -> Path:
        return Path(os.environ["THROWAWAY_KEYRING_FILE"])

    def _items(self) -> dict[str, str]:
        return json.loads(self._file.read_text()) if self._file.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._items().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        items = self._items()
        items[f"{service}\0{username}"] = password
        self._file.touch(mode=0o600)
        self._file.write_text(json.dumps(items))

    def delete_password(self, service: str, username: str) -> None:
        items = self._items()
        if items.pop(f"{service}\0{username}", None) is None:
            raise keyring.errors.PasswordDeleteError("not found")
        self._file.write_text(json.dumps(items))
