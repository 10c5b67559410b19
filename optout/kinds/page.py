"""The one narrow interface a setting kind talks to the page through.

Kinds decide; the engine (optout/engine/) does the browser work behind these protocols. So a kind
imports no Playwright, and its whole decision table can be tested against a fake page
(tests/fake_page.py) without a browser.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

from optout.domain.job import Limits, Submitted
from optout.domain.profile import Profile
from optout.domain.results import Mode, Result, Status
from optout.domain.targets import Target

if TYPE_CHECKING:
    from optout.domain.decisions import Outcome
    from optout.kinds.base import SettingBase


class Control(Protocol):
    """A control found on the page: opaque to the kinds, handed back to the page to use."""


class SaveSeen:
    """What a change's save request came to: its HTTP status, None while none was seen."""

    status: int | None = None


class SentForm(Protocol):
    """A request that carried a form off the page."""

    async def status(self) -> int | None:
        """The platform's answer (HTTP status), bounded by the save limit; None if none came."""
        ...


class FormSending(Protocol):
    """One form under its lock (store/sending.py): how it went before, and what it comes to."""

    earlier: Submitted | None

    async def left(self) -> None: ...
    async def answered(self, *, confirmed: bool, reference: str | None = None) -> None: ...


class FormLedger(Protocol):
    def sending(self, platform: str, account: str, origin: str, person: str,
                setting: str) -> AbstractAsyncContextManager[FormSending]: ...


class PageView(Protocol):
    """What any page offers a kind: finding controls the way a person does, and reading them.

    `within` narrows a search to part of the page (a row found by `row`). Every wait is bounded
    by `timeout_ms`; ControlNotFound (a SettingFailure) when nothing, or more than one, matches.
    """

    @property
    def url(self) -> str: ...

    async def find(self, targets: Sequence[Target], timeout_ms: float,
                   within: Control | None = None) -> Control: ...

    async def showing(self, targets: Sequence[Target], within: Control | None = None) -> bool:
        """Whether any of the targets is visible now (no wait)."""
        ...

    async def visible_one(self, targets: Sequence[Target]) -> Control | None:
        """The one visible match of any of the targets now, None if none or several (no wait)."""
        ...

    async def is_on(self, control: Control, timeout_ms: float, what: str = "the control") -> bool:
        """The control's on/off state; SettingFailure naming `what` if it has none."""
        ...

    async def row(self, words: Target, holding: Sequence[Target], timeout_ms: float) -> Control:
        """The innermost part of the page holding `words` and one of `holding`."""
        ...

    async def roles_and_names(self, control: Control) -> list[tuple[str, str]]:
        """(role, name) of the switches, checkboxes and buttons in the control's snapshot."""
        ...

    async def named_controls(self, targets: Sequence[Target],
                             timeout_ms: float) -> list[tuple[str, str]]:
        """(role, name) of the control the targets find; [] if it is not on the page."""
        ...

    async def forms_holding(self, targets: Sequence[Target]) -> list[tuple[str, str]]:
        """(role, name) of the named forms holding every one of the targets."""
        ...

    async def press_once(self, control: Control, timeout_ms: float) -> None:
        """A plain click (scan opening a dialog): no consent, no waiting for a save."""
        ...


class SettingPage(PageView, Protocol):
    """An account's run, as a kind sees it: its page, its mode and limits, and the engine's
    steps (reach, settle, click, fresh reads, evidence, results)."""

    mode: Mode
    limits: Limits

    @property
    def platform_name(self) -> str: ...


    @property
    def form_place(self) -> tuple[str, str, str, str]:
        """(platform, account, origin, person): what a sent form is noted under."""
        ...

    @property
    def forms(self) -> FormLedger | None: ...

    @property
    def profile(self) -> Profile: ...

    @property
    def resubmit(self) -> bool: ...

    @property
    def may_send_forms(self) -> bool:
        """Whether the person agreed that objection forms go in their name."""
        ...

    def submitted(self, setting_id: str) -> Submitted | None: ...

    def progress(self, message: str) -> None: ...

    async def reach(self, setting: SettingBase, *, fresh: bool = False) -> None:
        """Load the setting's page (afresh in a cookie-only context with `fresh`) and make the
        steps that lead to its control."""
        ...

    async def open_path(self, path: str) -> None:
        """A deep link on the platform's own origin; signs in first if the platform asks."""
        ...

    async def settled(self, read: Callable[[], Awaitable[str]] | None = None,
                      ready_response: str | None = None) -> str | None:
        """Wait until the page is ready by its own signals; with `read`, until it reads the
        same over a short window, and return that."""
        ...

    async def click(self, control: Control, what: str) -> None: ...

    async def press(self, key: str) -> None: ...

    def saving(self, url_contains: str | None) -> AbstractAsyncContextManager[SaveSeen]:
        """Watch for the save request of what is done inside; its status once the block ends."""
        ...

    def require_on_platform(self) -> None:
        """SecurityError if the page is off the recipe's (or the account's bound) origins."""
        ...

    async def fill(self, target: Target, value: str | None, check: bool | None, *,
                   fixed: bool = False) -> None:
        """Type, choose or tick one form field, only in a frame on the account's origins."""
        ...

    async def form_destination(self, submit: Control) -> str | None:
        """Where the form posts; SecurityError if outside the account's origins."""
        ...

    async def send_form(self, submit: Control, action: str | None) -> SentForm | None:
        """Click submit; the request that carried the form, None if none left the page."""
        ...

    async def text_of(self, control: Control) -> str: ...

    async def body_text(self, limit: int) -> str: ...

    async def mismatch(self, setting: SettingBase, problem: str) -> Exception:
        """The error to raise when the recipe no longer matches the page (evidence kept)."""
        ...

    async def capture(self, setting: SettingBase, label: str,
                      facts: dict[str, Any]) -> dict[str, str] | None: ...

    async def finish(self, setting: SettingBase, outcome: Outcome, before: str,
                     after: str) -> Result:
        """The result of a setting read on its page, with evidence of the page as last read."""
        ...

    def result(self, setting: SettingBase, status: Status, before: str | None = None,
               after: str | None = None, verified: bool = False,
               evidence_paths: dict[str, str] | None = None, message: str = "") -> Result: ...
