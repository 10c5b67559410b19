"""A button and a menu choice: a setting the page shows as words or buttons rather than a switch
(Google's "Keep Activity": a "Turn off" button opening a menu of "Turn off" and "Turn off and
delete activity"; once off, the page offers "Turn on"). Its state is read from what the page
shows; it is changed by opening the menu and choosing; it is verified, like every setting, on a
fresh load."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from optout.domain.errors import ControlNotFound, SettingFailure
from optout.domain.targets import Strict, Target, Targets, as_targets, describe
from optout.kinds.base import OUTLINE_FIND_MS, SettingBase
from optout.kinds.toggle import Stateful, Toggle, TwoStates
from optout.kinds.words import target_words

if TYPE_CHECKING:
    from optout.kinds.page import Control, PageView, SettingPage


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

    def switched(self, setting: SettingBase) -> list[Target]:
        assert isinstance(setting, MenuSetting)
        return list(setting.button)

    def clicked(self, setting: SettingBase) -> list[Target]:
        assert isinstance(setting, MenuSetting)
        return [*super().clicked(setting), *setting.choice, *setting.confirm]

    async def outlined(self, page: PageView, setting: SettingBase) -> Control | None:
        assert isinstance(setting, MenuSetting)
        try:  # the words showing the state, in the setting's own row
            row = await row_of(page, setting, OUTLINE_FIND_MS)
            return await page.find([*setting.shows.on, *setting.shows.off], OUTLINE_FIND_MS, row)
        except ControlNotFound:
            return None

    async def read(self, page: SettingPage, setting: Stateful) -> tuple[Control, str]:
        assert isinstance(setting, MenuSetting)
        either = [*setting.shows.on, *setting.shows.off]
        try:
            row = await row_of(page, setting, page.limits.control_ms)
            shown = await page.find(either, page.limits.control_ms, row)
        except ControlNotFound as exc:
            raise await page.mismatch(setting, str(exc)) from exc

        async def state() -> str:
            on, off = (await page.showing(setting.shows.on, row),
                       await page.showing(setting.shows.off, row))
            return UNCLEAR if on == off else "on" if on else "off"

        read = await self._settled_read(page, setting, state, describe(either))
        if read == UNCLEAR:
            raise SettingFailure(
                f"{page.url} shows both or neither of {describe(setting.shows.on)} (on) and "
                f"{describe(setting.shows.off)} (off); the recipe needs an update.")
        return shown, read

    async def change(self, page: SettingPage, setting: Stateful, control: Control) -> None:
        assert isinstance(setting, MenuSetting)
        row = await row_of(page, setting, page.limits.control_ms)
        button = await page.find(setting.button, page.limits.control_ms, row)
        await page.click(button, describe(setting.button))
        # The menu may open anywhere (menus are often drawn at the end of the page).
        choice = await page.find(setting.choice, page.limits.control_ms)
        await page.click(choice, describe(setting.choice))

    def afterwards(self, setting: Stateful) -> list[list[Target]]:
        assert isinstance(setting, MenuSetting)
        return [t for t in (setting.confirm, setting.save.button) if t]

    async def covers(self, page: PageView, setting: SettingBase,
                     timeout_ms: float) -> list[tuple[str, str]]:
        assert isinstance(setting, MenuSetting)
        try:
            row = await row_of(page, setting, timeout_ms)
            shown = await page.find([*setting.shows.on, *setting.shows.off], timeout_ms, row)
        except ControlNotFound:
            return []  # scan reports what is there; `run` reports the mismatch
        # The button itself, whatever its role (scan lists switches by their role).
        return (await page.roles_and_names(shown))[:1]

    def control_words(self, setting: SettingBase) -> str:
        return "button + menu"

    def guide_steps(self, platform_name: str, platform: str, setting: SettingBase) -> list[str]:
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


async def row_of(page: PageView, setting: MenuSetting, timeout_ms: float) -> Control | None:
    """Where the setting's button and state are: the innermost part of the page holding the
    `within` words and one of them; None (the whole page) when the recipe names no row."""
    if setting.within is None:
        return None
    return await page.row(setting.within, [*setting.shows.on, *setting.shows.off], timeout_ms)


KIND = Menu()
