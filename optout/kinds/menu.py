"""A button and a menu choice: a setting the page shows as words or buttons rather than a switch
(Google's "Keep Activity": a "Turn off" button opening a menu of "Turn off" and "Turn off and
delete activity"; once off, the page offers "Turn on"). Its state is read from what the page
shows; it is changed by opening the menu and choosing; it is verified, like every setting, on a
fresh load."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from pydantic import Field, field_validator

from optout.browser.evidence import snapshot_nodes
from optout.browser.locate import ControlNotFound, describe, find, locator_for
from optout.domain.targets import Strict, Target, Targets, as_targets
from optout.errors import SettingFailure
from optout.kinds.base import OUTLINE_FIND_MS, SettingBase
from optout.kinds.toggle import Toggle, TwoStates

if TYPE_CHECKING:
    from optout.engine.account import AccountRun
    from optout.recipe.schema import Recipe


class Shows(Strict):
    """What the page shows in each state (a button's words, a line of text)."""

    on: Targets
    off: Targets

    _single = field_validator("on", "off", mode="before")(as_targets)


class MenuSetting(TwoStates):
    """A state shown in words, changed by a button that opens a menu, and a choice in it."""

    type: Literal["menu"] = "menu"
    shows: Shows
    button: Targets = Field(description="The button that opens the menu.")
    choice: Targets = Field(description="The menu entry that sets the desired state.")
    confirm: list[Target] = Field(
        default_factory=list, description="A confirmation's button, when the page asks for one.")
    within: Target | None = Field(
        default=None, description="The words of the row holding the button and its state, "
        "when the page has several alike (GitHub's Enabled/Disabled dropdowns).")

    _single = field_validator("button", "choice", "confirm", mode="before")(as_targets)


UNCLEAR = "unclear"


class Menu(Toggle):
    name = "menu"
    model = MenuSetting

    async def outlined(self, page: Page, setting: SettingBase) -> Locator | None:
        assert isinstance(setting, MenuSetting)
        try:  # the words showing the state, in the setting's own row
            row = await row_of(page, setting, OUTLINE_FIND_MS)
            return await find(row, [*setting.shows.on, *setting.shows.off], OUTLINE_FIND_MS)
        except ControlNotFound:
            return None

    async def read(self, run: AccountRun, setting: TwoStates) -> tuple[Locator, str]:
        assert isinstance(setting, MenuSetting)
        either = [*setting.shows.on, *setting.shows.off]
        try:
            row = await _row(run, setting)
            shown = await find(row, either, run.limits.control_ms)
        except ControlNotFound as exc:
            raise await run.mismatch(setting, str(exc)) from exc

        async def state() -> str:
            on, off = (await _showing(row, setting.shows.on),
                       await _showing(row, setting.shows.off))
            return UNCLEAR if on == off else "on" if on else "off"

        read = await self._settled_read(run, setting, state, describe(either))
        if read == UNCLEAR:
            raise SettingFailure(
                f"{run.page.url} shows both or neither of {describe(setting.shows.on)} (on) and "
                f"{describe(setting.shows.off)} (off); the recipe needs an update.")
        return shown, read

    async def change(self, run: AccountRun, setting: TwoStates, control: Locator) -> None:
        assert isinstance(setting, MenuSetting)
        button = await find(await _row(run, setting), setting.button, run.limits.control_ms)
        await run.click(button, describe(setting.button))
        # The menu may open anywhere (menus are often drawn at the end of the page).
        choice = await find(run.page, setting.choice, run.limits.control_ms)
        await run.click(choice, describe(setting.choice))

    def afterwards(self, setting: TwoStates) -> list[list[Target]]:
        assert isinstance(setting, MenuSetting)
        return [t for t in (setting.confirm, setting.save.button) if t]

    async def covers(self, page: Page, setting: SettingBase,
                     timeout_ms: float) -> list[tuple[str, str]]:
        assert isinstance(setting, MenuSetting)
        try:
            row = await row_of(page, setting, timeout_ms)
        except ControlNotFound:
            return []  # scan reports what is there; `run` reports the mismatch
        try:
            shown = await find(row, [*setting.shows.on, *setting.shows.off], timeout_ms)
        except ControlNotFound:
            return []
        # The button itself, whatever its role (scan lists switches by their role).
        return [(role, name) for role, name, _ in snapshot_nodes(await shown.aria_snapshot())][:1]

    def guide_steps(self, recipe: Recipe, setting: SettingBase) -> list[str]:
        from optout.output.guide import target_words

        assert isinstance(setting, MenuSetting)
        desired_shows = setting.shows.off if setting.desired == "off" else setting.shows.on
        confirm = (f" If it asks you to confirm, click {target_words(setting.confirm[0])}."
                   if setting.confirm else "")
        return [
            f"If the page shows {target_words(desired_shows[0])}, it is already "
            f"{setting.desired}: nothing to do.",
            f"Otherwise click {target_words(setting.button[0])}, then choose "
            f"{target_words(setting.choice[0])} in the menu that opens.{confirm}",
            *self.stays_words(setting),
        ]


async def _row(run: AccountRun, setting: MenuSetting) -> Page | Locator:
    return await row_of(run.page, setting, run.limits.control_ms)


async def row_of(page: Page, setting: MenuSetting, timeout_ms: float) -> Page | Locator:
    """Where the setting's button and state are: the innermost part of the page holding the
    `within` words and one of them; the whole page when the recipe names no row."""
    if setting.within is None:
        return page
    words = locator_for(page, setting.within)
    await find(page, [setting.within], timeout_ms)
    either = [locator_for(page, t) for t in (*setting.shows.on, *setting.shows.off)]
    holds = either[0]
    for other in either[1:]:
        holds = holds.or_(other)
    rows = page.locator("div, li, section, fieldset, form, tr", has=words).filter(has=holds)
    if not await rows.count():
        raise ControlNotFound(f"no {describe([*setting.shows.on, *setting.shows.off])} beside "
                              f"{setting.within.describe()} on {page.url}")
    return rows.last


async def _showing(page: Page | Locator, targets: list[Target]) -> bool:
    for target in targets:
        try:
            if await locator_for(page, target).first.is_visible():
                return True
        except PlaywrightError:
            continue
    return False


KIND = Menu()
