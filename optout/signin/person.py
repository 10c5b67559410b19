"""The person behind the run, when there is one: for codes sent to them and security checks.

With no terminal (cron, CI) nobody can answer, and the engine stops that account with
`needs_human` at once instead of waiting.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import click
from playwright.async_api import Page

from optout.domain.accounts import Absent, Account, Person

__all__ = ["Absent", "AtTerminal", "Person", "from_terminal"]


class AtTerminal:
    """A person at the terminal that started optout."""

    present = True

    def __init__(self, answer_within_s: float = 300):
        self.answer_within_s = answer_within_s
        self._lock = asyncio.Lock()  # one question at a time, even with accounts in parallel
        # What clears the screen for a question (a live progress board pauses).
        self.quiet_while_asking: Callable[[], AbstractContextManager[object]] = nullcontext

    async def _ask(self, question: str) -> str | None:
        """One line typed by the person, or None if nothing comes within answer_within_s."""
        async with self._lock:
            with self.quiet_while_asking():
                return await self._answer(question)

    async def _answer(self, question: str) -> str | None:
        click.echo(f"{question}: ", err=True, nl=False)
        try:
            line = await asyncio.wait_for(_read_line(), self.answer_within_s)
        except asyncio.TimeoutError:
            click.echo("\nNo answer; going on without one.", err=True)
            return None
        return line.strip() if line else None

    async def ask_code(self, prompt: str, account: Account | None = None) -> str | None:
        return await self._ask(prompt) or None

    async def agrees_to_finish_by_hand(self, reason: str) -> bool:
        answer = await self._ask(f"{reason} Finish it yourself in a browser window? [Y/n]")
        return answer is not None and answer.lower() in ("", "y", "yes")

    async def finish_by_hand(self, page: Page, reason: str) -> None:
        click.echo(f"{reason} Finish it in the browser window that opened; optout goes on "
                   "once you are through.", err=True)

    async def point_at(self, page: Page, what: str) -> None:
        """`optout teach`: the person clicks in the browser window; the click is awaited."""
        click.echo(f"In the browser window, click {what}.", err=True)


async def _read_line() -> str:
    """A line from stdin without a blocked thread, so an unanswered question never keeps the
    process alive (POSIX: the event loop watches stdin; elsewhere a worker thread reads it)."""
    loop = asyncio.get_running_loop()
    fd = sys.stdin.fileno()
    line: asyncio.Future[str] = loop.create_future()

    def ready() -> None:
        if not line.done():
            line.set_result(sys.stdin.readline())

    try:
        loop.add_reader(fd, ready)
    except (NotImplementedError, ValueError):  # Windows' event loop cannot watch stdin
        return await asyncio.to_thread(sys.stdin.readline)
    try:
        return await line
    finally:
        loop.remove_reader(fd)


def from_terminal() -> Person:
    """AtTerminal when both stdin and stderr are a terminal, else Absent."""
    return AtTerminal() if sys.stdin.isatty() and sys.stderr.isatty() else Absent()
