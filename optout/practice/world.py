"""The practice platform's server-side state: users, their settings, and injected faults."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

FAULTS = {
    "reject_password": "every password is refused",
    "save_rejected": "saving a setting answers HTTP 500 and the page says so",
    "save_lost": "saving answers 200 and the page shows the change, but nothing is stored",
    "slow_save": "the save request takes `slow_seconds` to answer, then the change is stored",
    "late_store": "the save answers at once; the change is stored `slow_seconds` later",
    "late_draw": "the settings page draws the switch off first and its stored state a moment later",
}


@dataclass
class PracticeUser:
    username: str
    password: str
    settings: dict[str, bool] = field(default_factory=dict)
    faults: set[str] = field(default_factory=set)
    # What the platform saw, so tests can tell "left alone" from "changed back".
    sign_ins: int = 0
    save_requests: int = 0


class World:
    """Every practice user and their settings; safe to use from the server's threads."""

    def __init__(self, slow_seconds: float = 2.0):
        self.slow_seconds = slow_seconds
        self._users: dict[str, PracticeUser] = {}
        # Session cookie values handed out, so tests can search for them where they must not be.
        self.issued_cookies: list[str] = []
        # Every (username, password) posted to the sign-in form, accepted or not.
        self.sign_in_attempts: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def add_user(self, username: str, password: str, *, settings: dict[str, bool] | None = None,
                 faults: set[str] | frozenset[str] = frozenset()) -> PracticeUser:
        unknown = set(faults) - FAULTS.keys()
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(sorted(unknown))}")
        user = PracticeUser(username, password, dict(settings or {}), set(faults))
        with self._lock:
            self._users[username] = user
        return user

    def user(self, username: str) -> PracticeUser | None:
        with self._lock:
            return self._users.get(username)

    def check_password(self, username: str, password: str) -> bool:
        with self._lock:
            self.sign_in_attempts.append((username, password))
        user = self.user(username)
        accepted = bool(user and "reject_password" not in user.faults and user.password == password)
        if accepted:
            with self._lock:
                user.sign_ins += 1
        return accepted

    def has_fault(self, username: str, fault: str) -> bool:
        user = self.user(username)
        return bool(user and fault in user.faults)

    def setting(self, username: str, key: str, default: bool = True) -> bool:
        """A setting's stored value; platforms ship these switched on by default."""
        with self._lock:
            return self._users[username].settings.get(key, default)

    def count_save_request(self, username: str) -> None:
        with self._lock:
            self._users[username].save_requests += 1

    def store(self, username: str, key: str, value: bool) -> None:
        with self._lock:
            self._users[username].settings[key] = value
