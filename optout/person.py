"""The person behind the run, when there is one: for codes sent to them and security checks.

With no terminal (cron, CI) nobody can answer, and the engine stops that account with
`needs_human` at once instead of waiting.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Protocol

import click
from playwright.async_api import Page


class Person(Protocol):
    present: bool

    async def ask_code(self, prompt: str) -> str | None:
        """The code the person types, or None if nobody answers."""
        ...

    async def agrees_to_finish_by_hand(self, reason: str) -> bool: ...

    async def finish_by_hand(self, page: Page, reason: str) -> None:
        """Called with the visible page; the engine then waits until the sign-in is through."""
        ...


class Absent:
    """Nobody at a terminal."""

    present = False

    async def ask_code(self, prompt: str) -> str | None:
        return None

    async def agrees_to_finish_by_hand(self, reason: str) -> bool:
        return False

    async def finish_by_hand(self, page: Page, reason: str) -> None:
        return None


class AtTerminal:
    """A person at the terminal that started optout."""

    present = True

    def __init__(self, answer_within_s: float = 300):
        self.answer_within_s = answer_within_s
        self._lock = asyncio.Lock()  # one question at a time, even with accounts in parallel

    async def _ask(self, question: str, *, confirm: bool = False) -> str | bool | None:
        def prompt() -> str | bool:
            if confirm:
                return click.confirm(question, default=True, err=True)
            return click.prompt(question, err=True).strip()

        async with self._lock:
            try:
                return await asyncio.wait_for(asyncio.to_thread(prompt), self.answer_within_s)
            except (asyncio.TimeoutError, click.Abort, EOFError):
                return None

    async def ask_code(self, prompt: str) -> str | None:
        answer = await self._ask(prompt)
        return answer if isinstance(answer, str) and answer else None

    async def agrees_to_finish_by_hand(self, reason: str) -> bool:
        return bool(await self._ask(f"{reason} Finish it yourself in a browser window?",
                                    confirm=True))

    async def finish_by_hand(self, page: Page, reason: str) -> None:
        click.echo(f"{reason} Finish it in the browser window that opened; optout goes on "
                   "once you are through.", err=True)


def from_terminal() -> Person:
    """AtTerminal when both stdin and stderr are a terminal, else Absent."""
    return AtTerminal() if sys.stdin.isatty() and sys.stderr.isatty() else Absent()
