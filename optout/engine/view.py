"""The browser side of the kinds' page interface (optout/kinds/page.py): finding and reading
controls with Playwright, the way a person finds them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from optout.browser.evidence import controls, snapshot_nodes
from optout.browser.locate import any_of, find, locator_for
from optout.domain.errors import ControlNotFound, PageError, SettingFailure, first_line
from optout.domain.targets import Target, describe
from optout.domain.timings import phase
from optout.kinds.page import Control


def locator(control: Control) -> Locator:
    """A control the view found is a Playwright locator."""
    return cast(Locator, control)


class BrowserView:
    """PageView over whatever page `page` is now (an account's run moves between pages)."""

    @property
    def page(self) -> Page:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return self.page.url

    def _scope(self, within: Control | None) -> Page | Locator:
        return self.page if within is None else locator(within)

    async def find(self, targets: Sequence[Target], timeout_ms: float,
                   within: Control | None = None) -> Control:
        """ControlNotFound when nothing shows in time; PageError when the page itself failed
        (closed, crashed): a kind can tell a missing control from a lost page."""
        try:
            with phase("find"):
                return await find(self._scope(within), targets, timeout_ms)
        except PlaywrightError as exc:
            raise PageError(f"{first_line(exc)} (on {self.page.url})") from exc

    async def showing(self, targets: Sequence[Target], within: Control | None = None) -> bool:
        """Any match of the targets visible now (a hidden copy earlier in the page, a closed
        dialog's, does not hide a visible one)."""
        return bool(await any_of(self._scope(within), targets).filter(visible=True).count())

    async def visible_one(self, targets: Sequence[Target]) -> Control | None:
        shown = any_of(self.page, targets).filter(visible=True)
        return shown if await shown.count() == 1 else None

    async def is_on(self, control: Control, timeout_ms: float, what: str = "the control") -> bool:
        """Checked (or, for a toggle button, pressed) is on. SettingFailure if the element has
        no on/off state; any other browser error (the element redrawn or gone) is left to the
        caller, which reads again while the page settles (browser/readiness.py)."""
        try:
            return await locator(control).is_checked(timeout=timeout_ms)
        except PlaywrightTimeout:
            raise
        except PlaywrightError as exc:
            if "Not a checkbox or radio button" not in str(exc):
                raise
        # A toggle button says its state in aria-pressed ("mixed" is neither state).
        pressed = await locator(control).get_attribute("aria-pressed", timeout=timeout_ms)
        if pressed in ("true", "false"):
            return pressed == "true"
        raise SettingFailure(f"{what} on {self.page.url} has no on/off state; the recipe "
                             "needs an update.")

    async def row(self, words: Target, holding: Sequence[Target], timeout_ms: float) -> Control:
        await find(self.page, [words], timeout_ms)
        rows = self.page.locator("div, li, section, fieldset, form, tr",
                                 has=locator_for(self.page, words)).filter(
                                     has=any_of(self.page, holding))
        if not await rows.count():
            raise ControlNotFound(f"no {describe(holding)} beside {words.describe()} on "
                                  f"{self.page.url}")
        return rows.last

    async def roles_and_names(self, control: Control) -> list[tuple[str, str]]:
        snapshot = await locator(control).aria_snapshot()
        return [(role, name) for role, name, _ in snapshot_nodes(snapshot)]

    async def named_controls(self, targets: Sequence[Target],
                             timeout_ms: float) -> list[tuple[str, str]]:
        try:
            control = await find(self.page, targets, timeout_ms)
        except ControlNotFound:
            return []  # scan reports what is there; `run` reports the mismatch
        return [(role, name) for role, name, _ in
                controls(await control.aria_snapshot(), only_ai=False)]

    async def forms_holding(self, targets: Sequence[Target]) -> list[tuple[str, str]]:
        handled = []
        snapshot = await self.page.locator("body").aria_snapshot()
        for role, name, _ in controls(snapshot, only_ai=False):
            form = self.page.get_by_role("form", name=name, exact=True)
            if role == "form" and all([await locator_for(form, t).count() for t in targets]):
                handled.append((role, name))
        return handled

    async def press_once(self, control: Control, timeout_ms: float) -> None:
        try:
            await locator(control).click(timeout=timeout_ms)
        except PlaywrightTimeout as exc:
            raise SettingFailure(f"could not click {first_line(exc)}") from exc

    async def text_of(self, control: Control) -> str:
        try:
            return await locator(control).inner_text()
        except PlaywrightError as exc:
            raise PageError(first_line(exc)) from exc

    async def body_text(self, limit: int) -> str:
        try:
            return (await self.page.locator("body").inner_text())[:limit]
        except PlaywrightError as exc:
            raise PageError(first_line(exc)) from exc


class OnePage(BrowserView):
    """PageView over one page (scan, evidence outlines)."""

    def __init__(self, page: Page):
        self._page = page

    @property
    def page(self) -> Page:
        return self._page
