"""A choice: one of several options, each a radio button (or a checkbox-like option), where the
setting's state is the option chosen ("Who can use your content to train AI: Everyone / Only
partners / No one"). Read from which option is checked; changed by choosing the desired one;
verified, like every setting, on a fresh load. Never a guess: a page showing none or several of
the options chosen is a failure, and the recipe names every option so none is taken for another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from optout.domain.errors import ControlNotFound, SettingFailure
from optout.domain.targets import Target, Targets, as_targets, describe
from optout.kinds.base import OUTLINE_FIND_MS, SettingBase
from optout.kinds.toggle import Stateful, Toggle
from optout.kinds.words import target_words

if TYPE_CHECKING:
    from optout.kinds.page import Control, PageView, SettingPage

UNCLEAR = "unclear"
OPTION_READ_MS = 1000  # the options are drawn together: one is there at once or the read fails


class ChoiceSetting(Stateful):
    """One option among several; `desired` names the option to choose."""

    type: Literal["choice"] = "choice"
    options: dict[str, Targets] = Field(
        min_length=2, description="Every option the page offers, by a short name of its own: "
        "the control (a radio button) that chooses it.")

    @field_validator("options", mode="before")
    @classmethod
    def _single(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {name: as_targets(targets) for name, targets in value.items()}
        return value

    @model_validator(mode="after")
    def _desired_is_an_option(self) -> ChoiceSetting:
        if self.desired not in self.options:
            raise ValueError(f"desired must be one of the options: {', '.join(self.options)}")
        return self


class Choice(Toggle):
    name = "choice"
    model = ChoiceSetting

    def switched(self, setting: SettingBase) -> list[Target]:
        assert isinstance(setting, ChoiceSetting)
        return [target for targets in setting.options.values() for target in targets]

    async def outlined(self, page: PageView, setting: SettingBase) -> Control | None:
        assert isinstance(setting, ChoiceSetting)
        try:  # the option the setting wants, chosen or not: the read looked at it
            return await page.find(setting.options[setting.desired], OUTLINE_FIND_MS)
        except ControlNotFound:
            return None

    async def read(self, page: SettingPage, setting: Stateful) -> tuple[Control, str]:
        assert isinstance(setting, ChoiceSetting)
        limit = page.limits.control_ms
        wanted = setting.options[setting.desired]
        try:
            control = await page.find(wanted, limit)
            if setting.ready:
                await page.find(setting.ready, limit)
        except ControlNotFound as exc:
            raise await page.mismatch(setting, str(exc)) from exc

        async def state() -> str:
            chosen = []
            for option, targets in setting.options.items():
                try:
                    found = await page.find(targets, OPTION_READ_MS)
                except ControlNotFound:
                    return UNCLEAR  # an option the recipe names is gone: not a reading
                if await page.is_on(found, OPTION_READ_MS):
                    chosen.append(option)
            return chosen[0] if len(chosen) == 1 else UNCLEAR

        read = await self._settled_read(page, setting, state, describe(wanted))
        if read == UNCLEAR:
            raise SettingFailure(
                f"{page.url} shows none, or more than one, of the options of {setting.title} "
                f"({', '.join(setting.options)}) chosen, or not all of them; the recipe needs an "
                "update.")
        return control, read

    async def change(self, page: SettingPage, setting: Stateful, control: Control) -> None:
        assert isinstance(setting, ChoiceSetting)
        await page.click(control, describe(setting.options[setting.desired]))

    async def covers(self, page: PageView, setting: SettingBase,
                     timeout_ms: float) -> list[tuple[str, str]]:
        assert isinstance(setting, ChoiceSetting)
        found = []
        for targets in setting.options.values():
            found += await page.named_controls(targets, timeout_ms)
        return found

    def control_words(self, setting: SettingBase) -> str:
        return "choice"

    def guide_steps(self, platform_name: str, platform: str, setting: SettingBase) -> list[str]:
        assert isinstance(setting, ChoiceSetting)
        return [f"Choose {target_words(setting.options[setting.desired][0])}.",
                *self.afterwards_words(setting), *self.stays_words(setting)]

    def afterwards_words(self, setting: Stateful) -> list[str]:
        return [f"Then click {target_words(targets[0])}." for targets in self.afterwards(setting)]

    def stays_words(self, setting: Stateful) -> list[str]:
        if setting.verify_it_stays:
            return [f"It is {setting.desired} by default: look again now and then, since a "
                    "platform can change it; `optout check` does that for you."]
        return [f"Reload the page and check that {setting.desired} is still the one chosen: a "
                "change the platform did not keep shows up only on a fresh load."]


KIND = Choice()
