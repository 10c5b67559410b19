"""A fake of the kinds' page interface (optout/kinds/page.py): a platform with one setting, a
working page that may show a stale copy, and fresh reads that show what the "server" holds.

Controls are found by the words of their targets; a click is recorded by what it says it clicks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from optout.domain.decisions import Outcome
from optout.domain.errors import ControlNotFound, RecipeMismatch, SecurityError
from optout.domain.job import Limits, Submitted
from optout.domain.profile import Profile
from optout.domain.results import Mode, Result, Status
from optout.domain.targets import Target, describe
from optout.kinds import kind_of
from optout.kinds.base import SettingBase
from optout.kinds.page import Control, SaveSeen

QUICK = Limits(navigation_ms=100, control_ms=100, save_ms=100, sign_in_ms=100)


@dataclass(frozen=True)
class Found:
    """A control the fake found: the words of the target that found it."""

    words: str


@dataclass
class Sending:
    earlier: Submitted | None = None
    notes: list[str] = field(default_factory=list)

    async def left(self) -> None:
        self.notes.append("left")

    async def answered(self, *, confirmed: bool, reference: str | None = None) -> None:
        self.notes.append(f"answered confirmed={confirmed} reference={reference}")


@dataclass
class Ledger:
    sent: Sending = field(default_factory=Sending)

    @asynccontextmanager
    async def sending(self, platform: str, account: str, origin: str, person: str,
                      setting: str) -> AsyncIterator[Sending]:
        yield self.sent


class SentForm:
    def __init__(self, status: int | None):
        self._status = status

    async def status(self) -> int | None:
        return self._status


def words(target: Target) -> str:
    value = target.name or target.label or target.text or target.placeholder or target.css or ""
    return value if isinstance(value, str) else value[0]


def run(page: FakePage, setting: SettingBase) -> Result:
    """The setting's kind handling it on the fake page, in a thread of its own: a test worker
    may already have a running loop (pytest-playwright's)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, kind_of(setting).handle(page, setting)).result()


class FakePage:
    """One setting on a fake platform.

    `server` is what the platform holds; the working page shows `shown` (default: the same);
    a fresh read (reach(fresh=True)) always shows the server's. `on_page` lists the words that
    can be found (None: anything). Clicking `toggle` flips what the page shows; clicking
    `choices[word]` sets it to that state. A save keeps the shown state unless `save_status`
    is 400 or more or `keeps` is False.
    """

    def __init__(self, *, server: str = "on", shown: str | None = None, mode: Mode = Mode.RUN,
                 toggle: str | None = None, choices: dict[str, str] | None = None,
                 shows: dict[str, str] | None = None, on_page: set[str] | None = None,
                 save_status: int | None = 200, keeps: bool = True, platform_name: str = "Fake",
                 profile: Profile | None = None, submitted: Submitted | None = None,
                 forms: Ledger | None = None, form_status: int | None = 200,
                 body: str = "") -> None:
        self.server = server
        self.shown = shown or server
        self.mode = mode
        self.limits = QUICK
        self.toggle = toggle
        self.choices = choices or {}
        self.shows = shows or {}  # words shown -> the state they show
        self.on_page = on_page
        self.save_status = save_status
        self.keeps = keeps
        self._platform_name = platform_name
        self._profile = profile or Profile()
        self._submitted = submitted
        self._forms = forms
        self.form_status = form_status
        self.body = body
        self.fresh = False
        self.clicks: list[str] = []
        self.pressed: list[str] = []
        self.filled: list[tuple[str, str | None, bool | None]] = []
        self.reached: list[bool] = []
        self.sent = False
        self.progress_lines: list[str] = []

    # --- what the page shows -----------------------------------------------------------------

    @property
    def state(self) -> str:
        return self.server if self.fresh else self.shown

    def _there(self, word: str) -> bool:
        if word in self.shows:
            return self.shows[word] == self.state
        return self.on_page is None or word in self.on_page

    @property
    def url(self) -> str:
        return "https://fake.example/settings"

    async def find(self, targets: Sequence[Target], timeout_ms: float,
                   within: Control | None = None) -> Control:
        for target in targets:
            if self._there(words(target)):
                return Found(words(target))
        raise ControlNotFound(f"no {describe(targets)} appeared on {self.url}")

    async def showing(self, targets: Sequence[Target], within: Control | None = None) -> bool:
        return any(self._there(words(t)) for t in targets)

    async def visible_one(self, targets: Sequence[Target]) -> Control | None:
        found = [words(t) for t in targets if self._there(words(t))]
        return Found(found[0]) if len(found) == 1 else None

    async def is_on(self, control: Control, timeout_ms: float, what: str = "the control") -> bool:
        return self.state == "on"

    async def row(self, words: Target, holding: Sequence[Target], timeout_ms: float) -> Control:
        return Found("row")

    async def roles_and_names(self, control: Control) -> list[tuple[str, str]]:
        assert isinstance(control, Found)
        return [("button", control.words)]

    async def named_controls(self, targets: Sequence[Target],
                             timeout_ms: float) -> list[tuple[str, str]]:
        return [(targets[0].role or "", words(targets[0]))]

    async def forms_holding(self, targets: Sequence[Target]) -> list[tuple[str, str]]:
        return [("form", "Objection")]

    async def press_once(self, control: Control, timeout_ms: float) -> None:
        self.clicks.append(f"once {control}")

    # --- the run -----------------------------------------------------------------------------

    @property
    def platform_name(self) -> str:
        return self._platform_name

    @property
    def form_place(self) -> tuple[str, str, str, str]:
        return ("fake", "default", "https://fake.example", "ada@example.com")

    @property
    def forms(self) -> Ledger | None:
        return self._forms

    @property
    def profile(self) -> Profile:
        return self._profile

    @property
    def resubmit(self) -> bool:
        return False

    may_send_forms = True  # the person said yes (the tests of not asking set it False)

    def submitted(self, setting_id: str) -> Submitted | None:
        return self._submitted

    def progress(self, message: str) -> None:
        self.progress_lines.append(message)

    async def reach(self, setting: SettingBase, *, fresh: bool = False) -> None:
        self.fresh = fresh
        self.reached.append(fresh)
        if not fresh:
            self.shown = self.shown  # the working page keeps what it drew

    async def open_path(self, path: str) -> None:
        self.reached.append(False)

    async def settled(self, read: Callable[[], Awaitable[str]] | None = None,
                      ready_response: str | None = None) -> str | None:
        return await read() if read else None

    async def click(self, control: Control, what: str) -> None:
        assert isinstance(control, Found)
        self.clicks.append(control.words)
        if control.words == self.toggle:
            self.shown = "off" if self.shown == "on" else "on"
            self._changed = True
        elif control.words in self.choices:
            self.shown = self.choices[control.words]
            self._changed = True

    async def press(self, key: str) -> None:
        self.pressed.append(key)

    @asynccontextmanager
    async def saving(self, url_contains: str | None) -> AsyncIterator[SaveSeen]:
        seen = SaveSeen()
        self._changed = False
        yield seen
        if self._changed and self.save_status is not None:
            seen.status = self.save_status
            if self.save_status < 400 and self.keeps:
                self.server = self.shown

    def require_on_platform(self) -> None:
        if not self.url.startswith("https://fake.example"):
            raise SecurityError("off the platform")

    async def fill(self, target: Target, value: str | None, check: bool | None, *,
                   fixed: bool = False) -> None:
        self.filled.append((words(target), value, check))

    async def form_destination(self, submit: Control) -> str | None:
        return "https://fake.example/objection"

    async def send_form(self, submit: Control, action: str | None) -> SentForm | None:
        if self.form_status is None:
            return None
        self.sent = True
        if self.form_status < 400:
            self.shown = "sent"
        return SentForm(self.form_status)

    async def text_of(self, control: Control) -> str:
        assert isinstance(control, Found)
        return f"  {control.words}  "

    async def body_text(self, limit: int) -> str:
        return self.body[:limit]

    async def mismatch(self, setting: SettingBase, problem: str) -> Exception:
        return RecipeMismatch(f"The recipe no longer matches the page: {problem}.")

    async def capture(self, setting: SettingBase, label: str,
                      facts: dict[str, Any]) -> dict[str, str] | None:
        return {"snapshot": f"{label}.yml"}

    async def finish(self, setting: SettingBase, outcome: Outcome, before: str,
                     after: str) -> Result:
        return self.result(setting, outcome.status, before, after, outcome.verified,
                           message=outcome.message)

    def result(self, setting: SettingBase, status: Status, before: str | None = None,
               after: str | None = None, verified: bool = False,
               evidence_paths: dict[str, str] | None = None, message: str = "") -> Result:
        return Result("fake", "default", setting.id, setting.desired, status, before, after,
                      verified, evidence_paths, message, setting.title)
