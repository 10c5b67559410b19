"""Scanning: every switch, checkbox and form on a settings page whose name speaks of AI or of
data used for training, and which recipe setting (if any) already covers it.

A platform that adds a new AI toggle next to the ones a recipe knows shows up here uncovered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from optout.browser.evidence import AI_WORDS, controls
from optout.browser.locate import locator_for
from optout.domain.errors import AccountFailure, SettingFailure, first_line
from optout.domain.results import Status
from optout.engine.view import OnePage
from optout.kinds import SettingBase as Setting
from optout.kinds import kind_of
from optout.redact import redact

if TYPE_CHECKING:
    from optout.engine.account import AccountRun
    from optout.recipe.schema import LeftAlone

__all__ = ["Finding", "ScanReport", "controls", "covered", "left_alone", "scan_account"]


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


async def covered(page: Page, settings: list[Setting],
                  timeout_ms: float) -> dict[tuple[str, str], str]:
    """(role, name) of the controls on the page that the settings handle, to the setting's id."""
    handled: dict[tuple[str, str], str] = {}
    for setting in settings:
        for control in await kind_of(setting).covers(OnePage(page), setting, timeout_ms):
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


async def scan_account(run: AccountRun) -> ScanReport:
    """Every AI-related control on the pages the recipe knows, and which setting covers it.

    A page that cannot be read is reported and the others are still scanned.
    """
    report = ScanReport(run.recipe.platform, run.account.name)
    places: dict[str, list[Setting]] = {}
    for setting in run.job.settings:
        if setting.needs_browser:
            places.setdefault(setting.place(), []).append(setting)
    problems = []
    for where, here in places.items():
        try:
            report.findings += await _scan_place(run, where, here)
        except AccountFailure as exc:  # signed out, refused: no page can be read
            problems.append(redact(str(exc)))
            report.status = exc.status
            break
        except (SettingFailure, PlaywrightError, ValueError) as exc:
            problems.append(f"{where}: {redact(first_line(exc))}")
            report.status = Status.FAILED
    report.problem = " ".join(problems) or None
    return report


async def _scan_place(run: AccountRun, where: str, here: list[Setting]) -> list[Finding]:
    run.progress(f"scanning {where}")
    await run.reach(here[0])
    await run.settled()
    handled = await covered(run.page, here, run.limits.control_ms / 3)
    known = await left_alone(run.page, run.recipe.left_alone)
    found = []
    for role, name, state in controls(await run.page.locator("body").aria_snapshot(),
                                           only_ai=False):
        setting_id = handled.get((role, name))
        if setting_id or AI_WORDS.search(name):
            found.append(Finding(run.recipe.platform, run.account.name, where, role, name,
                                 state, setting_id, known.get((role, name))))
    # A setting read from a button (a menu) is found by its setting, not by its role.
    listed = {(f.role, f.name) for f in found}
    found += [Finding(run.recipe.platform, run.account.name, where, role, name, None,
                      setting_id, None)
              for (role, name), setting_id in handled.items() if (role, name) not in listed]
    return found
