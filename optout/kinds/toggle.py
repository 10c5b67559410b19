"""A toggle: a switch or checkbox, switched to its desired state and verified on a fresh load.

Clicks happen in the account's working page; every state a result reports comes from a fresh
load in a cookie-only context (`AccountRun.fresh_page`), so a page that draws from a copy kept in
the browser cannot vouch for itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pydantic import Field, field_validator, model_validator

from optout.browser.locate import ControlNotFound, describe, find, locator_for
from optout.browser.waits import poll
from optout.domain import decisions
from optout.domain.results import Mode
from optout.domain.targets import Strict, Target, Targets, as_targets
from optout.engine.scan import named_controls
from optout.errors import SettingFailure
from optout.kinds.base import OUTLINE_FIND_MS, SettingBase, SettingKind

if TYPE_CHECKING:
    from optout.domain.results import Result
    from optout.engine.account import AccountRun
    from optout.recipe.schema import Recipe

log = logging.getLogger(__name__)


class Save(Strict):
    """Which request saves the change; by default any non-GET request to an allowed origin."""

    url_contains: str | None = None
    button: list[Target] = Field(default_factory=list)

    _single = field_validator("button", mode="before")(as_targets)


class TwoStates(SettingBase):
    """What every setting with an on/off state has: how its page shows it is ready, how its
    change is saved, how long a change may take to show."""

    desired: Literal["on", "off"]
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

    async def outlined(self, page: Page, setting: SettingBase) -> Locator | None:
        assert isinstance(setting, ToggleSetting)
        try:
            return await find(page, setting.control, OUTLINE_FIND_MS)
        except ControlNotFound:
            return None

    async def handle(self, run: AccountRun, setting: SettingBase) -> Result:
        assert isinstance(setting, TwoStates)
        run.progress(f"reading {setting.title}")
        desired = setting.desired
        if run.mode is Mode.CHECK:  # nothing to click: the fresh read is the only read
            before = await self.fresh_state(run, setting)
            first = decisions.on_reading(run.mode, before, desired, setting.title)
            assert first is not None, "a check never changes anything"
            return await run.finish(setting, first, before, before)
        await run.reach(setting)
        control, shown = await self.read(run, setting)
        if shown == desired or run.mode is Mode.DRY_RUN:
            before = await self.fresh_state(run, setting)
            first = (decisions.on_reading(run.mode, before, desired, setting.title)
                     if before == shown else
                     decisions.page_and_server_disagree(shown, before, run.recipe.name))
            assert first is not None, "the desired state, or a dry run: nothing to click"
            return await run.finish(setting, first, before, before)
        before = shown

        run.progress(f"switching {setting.title} {desired}")
        save_status = await self.switch(run, setting, control)
        if save_status is not None and save_status >= 400:
            # The platform said no: one fresh load records what it kept, no need to wait.
            after = await self.fresh_state(run, setting)
            return await run.finish(setting, decisions.after_refusal(
                save_status, after, desired, run.recipe.name), before, after)
        run.progress(f"verifying {setting.title} on a fresh load")
        after = await self.reread(run, setting)
        return await run.finish(setting, decisions.after_change(
            save_status is not None, after, desired, run.recipe.name, setting.verify_within),
            before, after)

    async def read(self, run: AccountRun, setting: TwoStates) -> tuple[Locator, str]:
        """The setting's control and its state, 'on' or 'off'."""
        assert isinstance(setting, ToggleSetting)
        try:
            if setting.dialog:  # the control is drawn only once its dialog is open
                await run.settled()
                opener = await find(run.page, [setting.dialog.open], run.limits.control_ms)
                await run.click(opener, describe([setting.dialog.open]))
            control = await find(run.page, setting.control, run.limits.control_ms)
            if setting.ready:
                await find(run.page, setting.ready, run.limits.control_ms)
            # A control with no on/off state is a recipe problem (below), ready or not.
            await control.is_checked(timeout=run.limits.control_ms)
        except ControlNotFound as exc:
            raise await run.mismatch(setting, str(exc)) from exc
        except PlaywrightError as exc:
            raise SettingFailure(
                f"{describe(setting.control)} on {run.page.url} has no on/off state; "
                "the recipe needs an update."
            ) from exc

        async def state() -> str:
            # The locator, not an element: a page that redraws the switch is read anew.
            return "on" if await control.is_checked(timeout=1000) else "off"

        return control, await self._settled_read(run, setting, state, describe(setting.control))

    async def _settled_read(self, run: AccountRun, setting: TwoStates,
                            state: Callable[[], Awaitable[str]], what: str) -> str:
        read = await run.settled(state, setting.ready_response)
        assert read is not None, "settled() with a read returns what it read"
        log.debug("%s reads %s (%s)", what, read, run.readiness.how if run.readiness else "")
        return read

    async def fresh_state(self, run: AccountRun, setting: TwoStates) -> str:
        """The setting's state on a fresh load in a cookie-only context: what the server holds."""
        await run.reach(setting, fresh=True)
        return (await self.read(run, setting))[1]

    async def switch(self, run: AccountRun, setting: TwoStates, control: Locator) -> int | None:
        """Flip the control and wait for the platform's save; its HTTP status, None if none seen."""
        is_save = run.save_filter(setting.save.url_contains)
        try:
            async with run.page.expect_response(lambda response: is_save(response.request),
                                                timeout=run.limits.save_ms) as saved:
                await self.change(run, setting, control)
                # Then what the page asks for to keep it: its save button, its dialog's "Done".
                for targets in self.afterwards(setting):
                    button = await find(run.page, targets, run.limits.control_ms)
                    await run.click(button, describe(targets))
                await self.close_dialog(run, setting)
            response = await saved.value
        except PlaywrightTimeout:
            # No save request seen: the fresh re-read decides whether anything was kept.
            log.info("no save request seen within %s ms", run.limits.save_ms)
            return None
        except ControlNotFound as exc:
            raise SettingFailure(f"Could not save: {exc}. The recipe needs an update.") from exc
        log.info("save answered HTTP %s", response.status)
        return response.status

    async def change(self, run: AccountRun, setting: TwoStates, control: Locator) -> None:
        """The click that changes the state."""
        assert isinstance(setting, ToggleSetting)
        await run.click(control, describe(setting.control))

    def afterwards(self, setting: TwoStates) -> list[list[Target]]:
        """The buttons clicked after the change, in order (the save button)."""
        return [setting.save.button] if setting.save.button else []

    async def close_dialog(self, run: AccountRun, setting: TwoStates) -> None:
        """Close the control's dialog with its button ("Done"), or Escape where the page shows
        none: guides name the button, public scripts press Escape."""
        dialog = getattr(setting, "dialog", None)
        if dialog is None:
            return
        closing = locator_for(run.page, dialog.close[0])
        for target in dialog.close[1:]:
            closing = closing.or_(locator_for(run.page, target))
        shown = closing.filter(visible=True)
        if await shown.count() == 1:
            await run.click(shown, describe(dialog.close))
        else:
            await run.page.keyboard.press("Escape")

    async def reread(self, run: AccountRun, setting: TwoStates) -> str:
        """Load the page afresh until it reads the desired state, for at most verify_within s.

        Some platforms store a change a moment after acknowledging it; each poll is a full load.
        """
        return await poll(lambda: self.fresh_state(run, setting),
                          lambda state: state == setting.desired, within_s=setting.verify_within)

    async def covers(self, page: Page, setting: SettingBase,
                     timeout_ms: float) -> list[tuple[str, str]]:
        assert isinstance(setting, ToggleSetting)
        if setting.dialog:  # opening a dialog changes nothing: scan looks inside
            try:
                opener = await find(page, [setting.dialog.open], timeout_ms)
                await opener.click(timeout=timeout_ms)
            except (ControlNotFound, PlaywrightTimeout):
                return []
        return await named_controls(page, setting.control, timeout_ms)

    def guide_steps(self, recipe: Recipe, setting: SettingBase) -> list[str]:
        from optout.output.guide import state_words, target_words

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

    def stays_words(self, setting: TwoStates) -> list[str]:
        if setting.verify_it_stays:
            return [f"It is {setting.desired} by default: look again now and then, since a "
                    f"platform can turn it {'on' if setting.desired == 'off' else 'off'}; "
                    "`optout check` does that for you."]
        return ["Reload the page and check that it still shows "
                f"{setting.desired}: a change the platform did not keep shows up only on a "
                "fresh load."]


KIND = Toggle()
