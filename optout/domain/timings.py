"""Where the time goes: seconds by phase, for the process and for each account.

Each account's phases are its own time: a phase started inside another (a sign-in inside a page
load) is taken out of the outer one, so an account's phases add up to its time. Collecting costs a
clock read per phase; the figures are written only where OPTOUT_TIMINGS names a file (one JSON line
per account and one for the process), which is how benchmarks/phases.py reads them.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

ENV = "OPTOUT_TIMINGS"


class Timings:
    """Seconds spent in each phase, by whatever runs in one asyncio task (or the process)."""

    def __init__(self, **labels: str):
        self.labels = labels
        self.seconds: dict[str, float] = {}
        self.points: dict[str, float] = {}  # seconds from the start to a moment of note
        self._stack: list[str] = []
        self._mark = self.started = time.perf_counter()
        self.ended: float | None = None

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._switch()
        self._stack.append(name)
        try:
            yield
        finally:
            self._switch()
            self._stack.pop()

    def add(self, name: str, *, since_start: bool = False) -> None:
        """Count the time until now (since the start, with `since_start`) as `name`."""
        now = time.perf_counter()
        self.seconds[name] = now - (self.started if since_start else self._mark)
        self._mark = now

    def point(self, name: str) -> None:
        """Note that `name` happens now."""
        self.points.setdefault(name, time.perf_counter() - self.started)

    def _switch(self) -> None:
        """Give the time since the last switch to the phase under way."""
        now = time.perf_counter()
        if self._stack:
            name = self._stack[-1]
            self.seconds[name] = self.seconds.get(name, 0.0) + now - self._mark
        self._mark = now

    def end(self) -> None:
        self._switch()
        self.ended = time.perf_counter()

    def as_json(self) -> dict[str, object]:
        total = (self.ended or time.perf_counter()) - self.started
        return {**self.labels, "total": round(total, 4),
                "phases": {name: round(s, 4) for name, s in self.seconds.items()},
                "points": {name: round(s, 4) for name, s in self.points.items()}}


PROCESS = Timings(kind="process")
_current: ContextVar[Timings] = ContextVar("optout_timings", default=PROCESS)
_accounts: list[Timings] = []


def phase(name: str) -> contextlib.AbstractContextManager[None]:
    """Count what is done inside as `name`, for the account (or process) under way."""
    return _current.get().phase(name)


@contextlib.contextmanager
def for_account(platform: str, account: str) -> Iterator[None]:
    """Count what is done inside as an account's own (its task's)."""
    timings = Timings(kind="account", platform=platform, account=account)
    _accounts.append(timings)
    token = _current.set(timings)
    try:
        yield
    finally:
        timings.end()
        _current.reset(token)


def write() -> None:
    """Append this process's figures to the file OPTOUT_TIMINGS names, if it names one; the
    process's own line says when its main code began (time.time), for the interpreter's start."""
    where = os.environ.get(ENV)
    if not where:
        return
    lines = [{**account.as_json()} for account in _accounts]
    lines.append({**PROCESS.as_json(), "main_at": time.time() - (time.perf_counter()
                                                                  - PROCESS.started)})
    with Path(where).open("a", encoding="utf-8") as out:
        out.writelines(json.dumps(line) + "\n" for line in lines)
