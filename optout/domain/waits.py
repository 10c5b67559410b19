"""Bounded waits: every wait in optout waits for something, and for a limited time.

One poll-with-back-off helper serves every "read again until" loop; `bounded` limits page scripts
(which Playwright does not time out); `first_of` races several waits for the first that succeeds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from optout.domain.errors import WaitTimedOut

T = TypeVar("T")


async def poll(read: Callable[[], Awaitable[T]], until: Callable[[T], bool], *, within_s: float,
               first_pause_s: float = 0.25, longest_pause_s: float = 2.0) -> T:
    """Read until `until` holds or `within_s` has passed; the last reading either way.

    The pauses between reads grow (0.25 s, 0.5 s, 1 s, 2 s …): cheap when the answer comes at
    once, polite when it does not. The caller decides what a last reading that fails means.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    pause = first_pause_s
    while True:
        value = await read()
        remaining = deadline - loop.time()
        if until(value) or remaining <= 0:
            return value
        await asyncio.sleep(min(pause, remaining))
        pause = min(pause * 2, longest_pause_s)


async def bounded(awaitable: Awaitable[T], limit_ms: float, what: str) -> T:
    """Await a page script for at most `limit_ms`; WaitTimedOut after that."""
    try:
        return await asyncio.wait_for(awaitable, limit_ms / 1000)
    except asyncio.TimeoutError as exc:
        raise WaitTimedOut(f"{what} took longer than {limit_ms / 1000:g} s") from exc


async def first_of(waits: Sequence[Awaitable[Any]], limit_ms: float) -> list[int]:
    """Indices of the waits that succeed first (several if together); [] if none in time.

    A wait that fails (a locator that timed out, a page that closed) is never a success.
    """
    tasks = [asyncio.ensure_future(w) for w in waits]
    pending = set(tasks)
    succeeded: list[int] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_ms / 1000
    try:
        while pending and not succeeded:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            done, pending = await asyncio.wait(pending, timeout=remaining,
                                               return_when=asyncio.FIRST_COMPLETED)
            succeeded = sorted(tasks.index(t) for t in done if t.exception() is None)
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return succeeded
