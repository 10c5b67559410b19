"""Accounts and what the engine needs of the world around them, as interfaces: where passwords
come from, where sessions are kept, and the person behind the run. The stores (optout/store/) and
the terminal (optout/signin/person.py) implement them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from optout.domain.targets import is_practice


@dataclass(frozen=True)
class Account:
    platform: str
    name: str
    username: str | None = None
    # The origins the credentials were stored for: they are never typed anywhere else, even if a
    # recipe (or --origin) later points the platform somewhere new.
    origins: tuple[str, ...] = ()
    # Those of `origins` the person approved with --trust-origin (a recipe not shipped uses them).
    trusted: tuple[str, ...] = ()
    # What the recipe's paths need to know of this account (a Tumblr blog's name), by name.
    details: tuple[tuple[str, str], ...] = ()
    # Of `origins` beyond the first, the platform's own origin each stands in for (a twin's or a
    # mirror's sign-in origin: ("https://auth.openai.com", "http://localhost:8001")).
    stands_in: tuple[tuple[str, str], ...] = ()


PRACTICE_ACCOUNT = "practice"  # the account `optout practice --setup` stores for each twin


def is_practice_account(account: Account) -> bool:
    """One of the accounts `optout practice --setup` stored: bound to twins on this machine."""
    return account.name == PRACTICE_ACCOUNT and bool(account.origins) and all(
        is_practice(origin) for origin in account.origins)


def person_of(account: Account, email: str | None = None) -> str:
    """Whom an account's results, sessions and forms are for: its username as the platform
    compares it (case and surrounding space aside); without one (signed in by hand), the email
    its forms are filled with; '' where neither is known."""
    return (account.username or email or "").strip().casefold()


class SecretSource(Protocol):
    def password(self, account: Account) -> str | None: ...
    def totp_secret(self, account: Account) -> str | None: ...


class SessionStore(Protocol):
    def load(self, account: Account, origin: str) -> dict[str, Any] | None: ...
    def save(self, account: Account, origin: str, state: dict[str, Any]) -> None: ...


# The person's page is the browser's (a Playwright page); the model only passes it along.
class Person(Protocol):
    present: bool

    async def ask_code(self, prompt: str, account: Account | None = None) -> str | None:
        """The code the person types (sent to `account`), or None if nobody answers."""
        ...

    async def agrees_to_finish_by_hand(self, reason: str) -> bool: ...

    async def finish_by_hand(self, page: Any, reason: str) -> None:
        """Called with the visible page; the engine then waits until the sign-in is through."""
        ...

    async def point_at(self, page: Any, what: str) -> None:
        """`optout teach`: asked to click `what` on the visible page (the click is awaited)."""
        ...


class Absent:
    """Nobody at a terminal."""

    present = False

    async def ask_code(self, prompt: str, account: Account | None = None) -> str | None:
        return None

    async def agrees_to_finish_by_hand(self, reason: str) -> bool:
        return False

    async def finish_by_hand(self, page: Any, reason: str) -> None:
        return None

    async def point_at(self, page: Any, what: str) -> None:
        return None  # `optout teach` refuses to start without a person


