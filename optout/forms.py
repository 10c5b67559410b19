"""Objection forms: fill each field the way a person would, submit, and read the confirmation.

A form is verified only by what the platform shows after it accepted the form: the recipe's
confirmation target. Its text, and the reference the recipe's pattern finds in it, are the proof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from optout.failures import SecurityError, SettingFailure
from optout.locate import ControlNotFound, describe, find
from optout.pages import is_allowed
from optout.recipe import FormField, Setting

CONFIRMATION_CHARS = 500  # enough for a thank-you sentence and its reference


@dataclass(frozen=True)
class Confirmation:
    text: str
    reference: str | None


async def fill(page: Page, field: FormField, value: str | None, timeout_ms: float) -> None:
    """Put a value in one field: type into a text box, pick a <select> option, or tick a box."""
    element = await find(page, [field.target], timeout_ms)
    tag, kind = await element.evaluate("el => [el.tagName.toLowerCase(), el.type || '']")
    if field.check is not None:
        await element.set_checked(field.check, timeout=timeout_ms)
    elif tag == "select":
        await _choose(element, value or "", field, timeout_ms)
    elif kind in ("checkbox", "radio"):
        raise SettingFailure(f"{field.target.describe()} is a {kind}; the recipe must say "
                             "`check: true` for it. The recipe needs an update.")
    else:
        await element.fill(value or "", timeout=timeout_ms)


async def _choose(select: Locator, value: str, field: FormField, timeout_ms: float) -> None:
    try:
        await select.select_option(label=value, timeout=timeout_ms)
    except PlaywrightError as exc:
        choices = await select.evaluate("el => Array.from(el.options).map(o => o.label)")
        shown = ", ".join(c for c in choices[:8] if c)
        raise SettingFailure(
            f"{value!r} is not one of the choices of {field.target.describe()} ({shown}"
            f"{', …' if len(choices) > 8 else ''}); set it as the form words it with "
            "`optout profile`.") from exc


class Unconfirmed(Exception):
    """The form left the page, but the platform's confirmation was not seen."""


async def require_form_stays(submit: Locator, origins: list[str], timeout_ms: float) -> str | None:
    """The address the form posts to (the button's own formaction first); SecurityError if it
    is outside the platform's origins. None for a form sent by script."""
    action = await submit.evaluate(
        "el => el.form ? (el.getAttribute('formaction') ? el.formAction : el.form.action) : null",
        timeout=timeout_ms)
    if action and not is_allowed(action, origins):
        raise SecurityError(f"The form would send your details to {urlsplit(action).netloc}, "
                            "outside the platform's allowed origins; nothing was sent.")
    return action


async def confirmation(page: Page, setting: Setting, timeout_ms: float) -> Confirmation:
    """What the platform shows once it accepted the form; Unconfirmed if nothing shows."""
    try:
        shown = await find(page, setting.confirmation, timeout_ms)
    except ControlNotFound as exc:
        raise Unconfirmed(
            f"No confirmation ({describe(setting.confirmation)}) appeared within "
            f"{timeout_ms / 1000:g} s of submitting {setting.title}, so it is not counted as "
            "confirmed (see the evidence)") from exc
    text = " ".join((await shown.inner_text()).split())[:CONFIRMATION_CHARS]
    reference = None
    if setting.reference:
        body = await page.locator("body").inner_text()
        match = re.search(setting.reference, body)
        reference = match.group(1) if match else None
    return Confirmation(text, reference)
