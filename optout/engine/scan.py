"""Scanning: every switch, checkbox and form on a settings page whose name speaks of AI or of
data used for training, and which recipe setting (if any) already covers it.

A platform that adds a new AI toggle next to the ones a recipe knows shows up here uncovered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from playwright.async_api import Locator, Page

from optout.browser.evidence import AI_WORDS, snapshot_nodes
from optout.browser.locate import ControlNotFound, find, locator_for
from optout.domain.results import Status

if TYPE_CHECKING:
    from optout.domain.targets import Target
    from optout.kinds.base import SettingBase
    from optout.recipe.schema import LeftAlone

# The kinds of control a scan reports.
_ROLES = {"switch", "checkbox", "menuitemcheckbox", "form"}


@dataclass
class Finding:
    platform: str
    account: str
    page: str  # the path, and the clicks from it, where the control was seen
    role: str
    name: str
    state: str | None  # on / off for switches and checkboxes; None for forms
    covered_by: str | None  # the recipe setting that handles it, if any
    left_alone: str | None = None  # why the recipe leaves it alone on purpose, if it does

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ScanReport:
    """What a scan of one account found, or why it could not look."""

    platform: str
    account: str
    findings: list[Finding] = field(default_factory=list)
    problem: str | None = None
    status: Status | None = None  # failed or needs_human when there is a problem

    @property
    def uncovered(self) -> list[Finding]:
        return [f for f in self.findings if f.covered_by is None and f.left_alone is None]


def controls(snapshot: str, *, only_ai: bool = True) -> list[tuple[str, str, str | None]]:
    """(role, name, state) of every switch, checkbox and form in an ARIA snapshot whose name
    speaks of AI or training (of every one, with only_ai=False)."""
    found: list[tuple[str, str, str | None]] = []
    for role, name, attributes in snapshot_nodes(snapshot):
        if role not in _ROLES or (only_ai and not AI_WORDS.search(name)):
            continue
        state = None if role == "form" else ("on" if "[checked]" in attributes else "off")
        if (role, name, state) not in found:
            found.append((role, name, state))
    return found


async def covered(page: Page, settings: list[SettingBase],
                  timeout_ms: float) -> dict[tuple[str, str], str]:
    """(role, name) of the controls on the page that the settings handle, to the setting's id."""
    from optout.kinds import kind_of

    handled: dict[tuple[str, str], str] = {}
    for setting in settings:
        for control in await kind_of(setting).covers(page, setting, timeout_ms):
            handled[control] = setting.id
    return handled


async def left_alone(page: Page, known: list[LeftAlone]) -> dict[tuple[str, str], str]:
    """(role, name) of the controls the recipe leaves alone on purpose, to the reason why."""
    found: dict[tuple[str, str], str] = {}
    for entry in known:
        locator = locator_for(page, entry.control).filter(visible=True)
        for index in range(await locator.count()):
            for role, name, _ in controls(await locator.nth(index).aria_snapshot(), only_ai=False):
                found[(role, name)] = entry.why
    return found


async def named_controls(page: Page | Locator, targets: list[Target],
                         timeout_ms: float) -> list[tuple[str, str]]:
    """(role, name) of the control the targets find, if it is on the page."""
    try:
        control = await find(page, targets, timeout_ms)
    except ControlNotFound:
        return []  # scan reports what is there; `run` reports the mismatch
    return [(role, name) for role, name, _ in controls(await control.aria_snapshot(), only_ai=False)]
