"""The browser side of sending a form: filling its fields only in frames on the account's
origins, checking where it posts, and catching the request that carries it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page, Request
from playwright.async_api import TimeoutError as PlaywrightTimeout

from optout.browser.locate import find
from optout.browser.pages import frame_chain, is_allowed
from optout.domain.errors import PageError, SecurityError, SettingFailure, first_line
from optout.domain.targets import Target
from optout.domain.waits import bounded

log = logging.getLogger(__name__)


async def fill(page: Page, target: Target, value: str | None, check: bool | None,
               timeout_ms: float, origins: list[str], *, fixed: bool = False) -> None:
    """Put a value in one field: type into a text box, pick a <select> option, or tick a box;
    only in a frame on `origins` (the person's details never go into another site's frame). A
    recipe's `fixed` answer only picks an option: typed, it could say anything in your name."""
    element = await find(page, [target], timeout_ms)
    handle = await element.element_handle(timeout=timeout_ms)
    outside = [url for url in await frame_chain(handle) if not is_allowed(url, origins)]
    if outside:
        raise SecurityError(f"{target.describe()} is in a frame from "
                            f"{urlsplit(outside[0]).netloc or outside[0]}, outside the platform's "
                            "allowed origins; nothing was filled in or sent.")
    tag, kind = await element.evaluate("el => [el.tagName.toLowerCase(), el.type || '']")
    if check is not None:
        await element.set_checked(check, timeout=timeout_ms)
    elif tag == "select":
        await _choose(element, value or "", target, timeout_ms)
    elif fixed:
        raise SecurityError(f"{target.describe()} is a box to type in, and the recipe gives it a "
                            "fixed answer; a recipe's own answers only pick from a list (the "
                            "profile's fields are typed). Nothing was sent.")
    elif kind in ("checkbox", "radio"):
        raise SettingFailure(f"{target.describe()} is a {kind}; the recipe must say "
                             "`check: true` for it. The recipe needs an update.")
    else:
        await element.fill(value or "", timeout=timeout_ms)


async def _choose(select: Locator, value: str, target: Target, timeout_ms: float) -> None:
    try:
        await select.select_option(label=value, timeout=timeout_ms)
    except PlaywrightError as exc:
        choices = await select.evaluate("el => Array.from(el.options).map(o => o.label)")
        shown = ", ".join(c for c in choices[:8] if c)
        raise SettingFailure(
            f"{value!r} is not one of the choices of {target.describe()} ({shown}"
            f"{', …' if len(choices) > 8 else ''}); set it as the form words it with "
            "`optout profile`.") from exc


async def destination(submit: Locator, origins: list[str], timeout_ms: float) -> str | None:
    """The address the form posts to (the button's own formaction first); SecurityError if it
    is outside `origins` (the platform's, that the account is bound to). None for a form sent by
    script."""
    action: str | None = await submit.evaluate(
        "el => el.form ? (el.getAttribute('formaction') ? el.formAction : el.form.action) : null",
        timeout=timeout_ms)
    if action and not is_allowed(action, origins):
        raise SecurityError(f"The form would send your details to {urlsplit(action).netloc}, "
                            "outside the platform's allowed origins; nothing was sent.")
    return action


class Sent:
    """The request that carried a form; its answer waited for within the save limit."""

    def __init__(self, request: Request, limit_ms: float):
        self.request = request
        self.limit_ms = limit_ms

    async def status(self) -> int | None:
        try:
            response = await bounded(self.request.response(), self.limit_ms, "the form's answer")
        except PlaywrightError as exc:
            raise PageError(first_line(exc)) from exc
        return response.status if response else None


async def send(page: Page, submit: Locator, action: str | None, is_save: Callable[[Request], bool],
               *, save_ms: float, control_ms: float) -> Sent | None:
    """Click submit; the request that carried the form (to its action, when it has one), or
    None if none left the page."""

    def carries_the_form(request: Request) -> bool:
        if action and request.url.split("#")[0].split("?")[0] != action.split("?")[0]:
            return False
        return is_save(request)

    try:
        async with page.expect_request(carries_the_form, timeout=save_ms) as sent:
            try:
                await submit.click(timeout=control_ms)
            except PlaywrightTimeout:
                log.info("the click on submit did not settle; waiting for the request")
        return Sent(await sent.value, save_ms)
    except PlaywrightTimeout:
        return None
