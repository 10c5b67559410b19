"""A toggle: a switch or checkbox, switched to its desired state and verified on a fresh load.

Clicks happen in the account's working page; every state a result reports comes from a fresh
load in a cookie-only context (`AccountRun.fresh_page`), so a page that draws from a copy kept in
the browser cannot vouch for itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from optout.domain import decisions
from optout.domain.errors import ControlNotFound, SettingFailure
from optout.domain.results import Mode
from optout.domain.targets import Strict, Target, Targets, as_targets, describe
from optout.domain.waits import poll
from optout.domain.witness import Witness
from optout.kinds.base import OUTLINE_FIND_MS, SettingBase, SettingKind
from optout.kinds.words import state_words, target_words

if TYPE_CHECKING:
    from optout.domain.results import Result
    from optout.kinds.page import Control, PageView, SettingPage

log = logging.getLogger(__name__)


class Save(Strict):
    """Which request saves the change; by default any non-GET request to an allowed origin."""

    url_contains: str | None = None
    button: list[Target] = Field(default_factory=list)

    _single = field_validator("button", mode="before")(as_targets)


class Stateful(SettingBase):
    """What every setting with a state read from its page has (on/off, or one of several
    options): how its page shows it is ready, how its change is saved, how long a change may
    take to show. Each is read, changed and verified on a fresh load the same way (`Toggle`)."""

    ready: list[Target] = Field(
        default_factory=list,
        description="What shows that the page has finished drawing the setting's state.",
    )
    ready_response: str | None = Field(
        default=None, description="Part of the address of the request that loads the setting's "
        "state; its answer is waited for before the switch is read.")
    save: Save = Save()
    verify_within: float = Field(
        default=10.0, gt=0, le=120, description="Seconds to keep re-reading after a change."
    )

    _ready = field_validator("ready", mode="before")(as_targets)


class TwoStates(Stateful):
    """A setting that is on or off."""

    desired: Literal["on", "off"]

    @field_validator("desired", mode="before")
    @classmethod
    def _yaml_booleans(cls, value: Any) -> Any:
        # YAML 1.1 reads a bare `off` as false; accept it as the word the author wrote.
        if isinstance(value, bool):
            return "on" if value else "off"
        return value


class Dialog(Strict):
    """A control that lives in a dialog: the button (in a row of the page) that opens it, and
    the button that closes it once the control is switched ("Done")."""

    open: Target
    close: Targets

    _single = field_validator("close", mode="before")(as_targets)


class ToggleSetting(TwoStates):
    """A switch or checkbox with an on/off state (read the same way: checked is on)."""

    type: Literal["toggle"] = "toggle"
    control: Targets
    dialog: Dialog | None = None
    witness: Witness | None = Field(
        default=None, description="The platform's own answer a fresh read is checked against, "
        "where public evidence names the request its page loads the state from.")

    _single = field_validator("control", mode="before")(as_targets)

    @model_validator(mode="before")
    @classmethod
    def _a_toggle(cls, data: Any) -> Any:
        if isinstance(data, dict) and (not data.get("control") or data.get("desired") is None):
            raise ValueError('a toggle needs a control and desired "on" or "off"')
        return data


class Toggle(SettingKind):
    name = "toggle"
    model: ClassVar[type[SettingBase]] = ToggleSetting

    async def outlined(self, page: PageView, setting: SettingBase) -> Control | None:
        assert isinstance(setting, ToggleSetting)
        try:
            return await page.find(setting.control, OUTLINE_FIND_MS)
        except ControlNotFound:
            return None

    async def handle(self, page: SettingPage, setting: SettingBase) -> Result:
        assert isinstance(setting, Stateful)
        page.progress(f"reading {setting.title}")
        desired = setting.desired
        if page.mode is Mode.CHECK:  # nothing to click: the fresh read is the only read
            before = await self.fresh_state(page, setting)
            first = decisions.on_reading(page.mode, before, desired, setting.title)
            assert first is not None, "a check never changes anything"
            return await page.finish(setting, first, before, before)
        await page.reach(setting)
        control, shown = await self.read(page, setting)
        if shown == desired or page.mode is Mode.DRY_RUN:
            before = await self.fresh_state(page, setting)
            first = (decisions.on_reading(page.mode, before, desired, setting.title)
                     if before == shown else
                     decisions.page_and_server_disagree(shown, before, page.platform_name))
            assert first is not None, "the desired state, or a dry run: nothing to click"
            return await page.finish(setting, first, before, before)
        before = shown

        page.progress(f"switching {setting.title} {desired}")
        save_status = await self.switch(page, setting, control)
        if save_status is not None and save_status >= 400:
            # The platform said no: one fresh load records what it kept, no need to wait.
            after = await self.fresh_state(page, setting)
            return await page.finish(setting, decisions.after_refusal(
                save_status, after, desired, page.platform_name), before, after)
        page.progress(f"verifying {setting.title} on a fresh load")
        after = await self.reread(page, setting)
        return await page.finish(setting, decisions.after_change(
            save_status is not None, after, desired, page.platform_name, setting.verify_within),
            before, after)

    async def read(self, page: SettingPage, setting: Stateful) -> tuple[Control, str]:
        """The setting's control and its state, 'on' or 'off'."""
        assert isinstance(setting, ToggleSetting)
        limit = page.limits.control_ms
        try:
            if setting.dialog:  # the control is drawn only once its dialog is open
                await page.settled()
                opener = await page.find([setting.dialog.open], limit)
                await page.click(opener, describe([setting.dialog.open]))
            control = await page.find(setting.control, limit)
            if setting.ready:
                await page.find(setting.ready, limit)
            # A control with no on/off state is a recipe problem (is_on says so), ready or not.
            await page.is_on(control, limit, describe(setting.control))
        except ControlNotFound as exc:
            raise await page.mismatch(setting, str(exc)) from exc

        async def state() -> str:
            # Read anew each time: a page that redraws the switch is read as it is now.
            return "on" if await page.is_on(control, 1000) else "off"

        return control, await self._settled_read(page, setting, state, describe(setting.control))

    async def _settled_read(self, page: SettingPage, setting: Stateful,
                            state: Callable[[], Awaitable[str]], what: str) -> str:
        read = await page.settled(state, setting.ready_response)
        assert read is not None, "settled() with a read returns what it read"
        log.debug("%s reads %s", what, read)
        return read

    async def fresh_state(self, page: SettingPage, setting: Stateful) -> str:
        """The setting's state on a fresh load in a cookie-only context: what the server holds."""
        await page.reach(setting, fresh=True)
        return (await self.read(page, setting))[1]

    async def switch(self, page: SettingPage, setting: Stateful, control: Control) -> int | None:
        """Flip the control and wait for the platform's save; its HTTP status, None if none seen."""
        try:
            async with page.saving(setting.save.url_contains) as saved:
                await self.change(page, setting, control)
                # Then what the page asks for to keep it: its save button, its dialog's "Done".
                for targets in self.afterwards(setting):
                    button = await page.find(targets, page.limits.control_ms)
                    await page.click(button, describe(targets))
                await self.close_dialog(page, setting)
        except ControlNotFound as exc:
            raise SettingFailure(f"Could not save: {exc}. The recipe needs an update.") from exc
        if saved.status is None:
            # No save request seen: the fresh re-read decides whether anything was kept.
            log.info("no save request seen within %s ms", page.limits.save_ms)
        else:
            log.info("save answered HTTP %s", saved.status)
        return saved.status

    async def change(self, page: SettingPage, setting: Stateful, control: Control) -> None:
        """The click that changes the state."""
        assert isinstance(setting, ToggleSetting)
        await page.click(control, describe(setting.control))

    def afterwards(self, setting: Stateful) -> list[list[Target]]:
        """The buttons clicked after the change, in order (the save button)."""
        return [setting.save.button] if setting.save.button else []

    async def close_dialog(self, page: SettingPage, setting: Stateful) -> None:
        """Close the control's dialog with its button ("Done"), or Escape where the page shows
        none: guides name the button, public scripts press Escape."""
        if not isinstance(setting, ToggleSetting) or setting.dialog is None:
            return
        closing = await page.visible_one(setting.dialog.close)
        if closing is not None:
            await page.click(closing, describe(setting.dialog.close))
        else:
            await page.press("Escape")

    async def reread(self, page: SettingPage, setting: Stateful) -> str:
        """Load the page afresh until it reads the desired state, for at most verify_within s.

        Some platforms store a change a moment after acknowledging it; each poll is a full load.
        """
        return await poll(lambda: self.fresh_state(page, setting),
                          lambda state: state == setting.desired, within_s=setting.verify_within)

    async def covers(self, page: PageView, setting: SettingBase,
                     timeout_ms: float) -> list[tuple[str, str]]:
        assert isinstance(setting, ToggleSetting)
        if setting.dialog:  # opening a dialog changes nothing: scan looks inside
            try:
                opener = await page.find([setting.dialog.open], timeout_ms)
                await page.press_once(opener, timeout_ms)
            except SettingFailure:
                return []
        return await page.named_controls(setting.control, timeout_ms)

    def switched(self, setting: SettingBase) -> list[Target]:
        assert isinstance(setting, ToggleSetting)
        return list(setting.control)

    def landmarks(self, setting: SettingBase) -> list[Target]:
        """The control, or the button opening its dialog where it lives in one."""
        assert isinstance(setting, ToggleSetting)
        return [setting.dialog.open] if setting.dialog else list(setting.control)

    def clicked(self, setting: SettingBase) -> list[Target]:
        assert isinstance(setting, Stateful)
        dialog = getattr(setting, "dialog", None)
        return [*super().clicked(setting), *setting.save.button,
                *([dialog.open, *dialog.close] if dialog else [])]

    def catalogue_words(self, setting: SettingBase) -> str:
        return self.control_words(setting) + (", verify it stays" if setting.verify_it_stays
                                              else "")

    def control_words(self, setting: SettingBase) -> str:
        """What the control is ("switch", "checkbox in a dialog")."""
        assert isinstance(setting, ToggleSetting)
        control = setting.control[0]
        words = control.role if control.role in ("switch", "checkbox") else "switch"
        return words + (" in a dialog" if setting.dialog else "")

    def guide_steps(self, platform_name: str, platform: str, setting: SettingBase) -> list[str]:
        assert isinstance(setting, ToggleSetting)
        opens = ([f"Click {target_words(setting.dialog.open)} to open the dialog that holds it."]
                 if setting.dialog else [])
        closing = [setting.dialog.close] if setting.dialog else []
        then = "".join(f" and then {target_words(targets[0])}"
                       for targets in [*self.afterwards(setting), *closing])
        return [
            *opens,
            f"Find {target_words(setting.control[0])}.",
            f"Make sure it is {state_words(setting.control[0], setting.desired)}. If it is not, "
            f"click it once{then}.",
            *self.stays_words(setting),
        ]

    def stays_words(self, setting: Stateful) -> list[str]:
        if setting.verify_it_stays:
            return [f"It is {setting.desired} by default: look again now and then, since a "
                    f"platform can turn it {'on' if setting.desired == 'off' else 'off'}; "
                    "`optout check` does that for you."]
        return ["Reload the page and check that it still shows "
                f"{setting.desired}: a change the platform did not keep shows up only on a "
                "fresh load."]


KIND = Toggle()
