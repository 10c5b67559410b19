"""What a sign-in page asks, known by its structure whatever its words: a code box, a security
check. A recipe's challenge wording is a hint and a test; these are what hold across builds."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from optout.browser import evidence
from optout.browser.locate import any_of
from optout.browser.readiness import RequestWatch, settle
from optout.domain.errors import WaitTimedOut, first_line
from optout.domain.targets import Target
from optout.domain.waits import bounded, first_of

CodeKind = Literal["totp", "code"]  # an authenticator's code, or one sent to the person

# Generic signs of a security check, whatever the recipe says: CAPTCHA frames and headings.
SECURITY_FRAMES = ", ".join(
    f"iframe[{attribute}*='{word}' i]"
    for attribute in ("src", "title")
    for word in ("captcha", "arkoselabs", "challenges.cloudflare")
)
SECURITY_HEADING = re.compile(
    r"security check|are you a robot|verify (that )?you.?re (a )?human|confirm you.?re (a )?human",
    re.IGNORECASE,
)
# A code box by its structure, whatever the page's words: the one-time-code autofill hint, a
# numeric box of 6-8 characters, or a label meaning code in the recipes' languages.
CODE_BOXES = ", ".join([
    "input[autocomplete='one-time-code' i]",
    *(f"input[inputmode='numeric' i][maxlength='{n}']" for n in (6, 7, 8)),
])
CODE_WORDS = re.compile(
    r"\b(code|pin|otp|one-time|verification|verify|security code|codice|código|verificación"
    r"|vérification|bestätigungscode|sicherheitscode)\b|कोड", re.IGNORECASE)
# A page that says where its code went: asked from the person, even with a secret stored.
SENT_WORDS = re.compile(r"\b(sent|emailed|e-mail|email|sms|text message|inbox|gesendet"
                        r"|envoyé|enviado|inviato)\b", re.IGNORECASE)
AUTHENTICATOR_WORDS = re.compile(r"authenticat|authentifi|autenticaz|autenticaci", re.IGNORECASE)


# Sign-in fields as password managers find them: by autofill hints and input types, whatever
# the words around them. Never a box for a new password (a sign-up form beside the sign-in).
USERNAME_BOXES = ("input[autocomplete~='username' i]:not([type=password]), "
                  "input[autocomplete~='email' i]:not([type=password]), "
                  "input[autocomplete*='webauthn' i]:not([type=password]), input[type=email]")
PASSWORD_BOXES = "input[type=password]:not([autocomplete~='new-password' i])"
TYPED_BOXES = "input[type=text], input[type=email], input[type=tel], input:not([type])"
SUBMITS = "button[type=submit], button:not([type]), input[type=submit]"


def username_boxes(page: Page) -> Locator:
    """The visible username boxes by their autofill hint or type; where none has one, the one
    text box in the form that holds the password box."""
    hinted = page.locator(USERNAME_BOXES).filter(visible=True)
    beside = page.locator("form").filter(has=password_boxes(page)).locator(TYPED_BOXES)
    return hinted.or_(beside.filter(visible=True))


ONE_PAGE_MS = 1000  # how long a password box may take to show beside the username, where expected


def password_boxes(page: Page) -> Locator:
    return page.locator(PASSWORD_BOXES).filter(visible=True)


async def password_beside(username_box: Locator, wait_ms: float = 0) -> bool:
    """Whether a password box shows beside the username box (in its form, or, on a page without
    one, in its document), looking for up to `wait_ms` (a page may draw it a moment later). A
    box kept hidden for password managers never counts: invisible, transparent, a pixel wide,
    aria-hidden or out of the tab order."""
    return bool(await username_box.evaluate("""(box, waitMs) => new Promise(resolve => {
        const started = performance.now();
        const look = () => {
            const scope = box.form || box.ownerDocument;
            const shown = Array.from(scope.querySelectorAll("input[type=password]")).some(input =>
                !/new-password/i.test(input.autocomplete) && input.tabIndex !== -1
                && input.getAttribute("aria-hidden") !== "true"
                && input.offsetWidth > 1 && input.offsetHeight > 1
                && input.checkVisibility({opacityProperty: true, visibilityProperty: true}));
            if (shown || performance.now() - started >= waitMs) resolve(shown);
            else setTimeout(look, 50);
        };
        look();
    })""", wait_ms))


def submit_of(page: Page, field: Locator) -> Locator:
    """The visible submit buttons of the form holding `field`."""
    return page.locator("form").filter(has=field).locator(SUBMITS).filter(visible=True)


async def the_one(page: Page, by_structure: Locator, targets: list[Target],
                  limit_ms: float) -> Locator | None:
    """The element `by_structure` points at, as a password manager finds it, when it is one;
    None when it is none or several (the recipe's words decide then). Waits (bounded) for it or
    the recipe's words to show: sign-in pages are drawn by script."""
    waits = [by_structure.first.wait_for(state="visible", timeout=limit_ms)]
    if targets:
        words = any_of(page, targets).filter(visible=True)
        waits.append(words.first.wait_for(state="visible", timeout=limit_ms))
    await first_of(waits, limit_ms)
    return by_structure if await by_structure.count() == 1 else None


def security_check(page: Page) -> Locator:
    """A CAPTCHA-like frame or a security-check heading."""
    return page.locator(SECURITY_FRAMES).or_(page.get_by_role("heading", name=SECURITY_HEADING))


def code_boxes(page: Page) -> Locator:
    """Visible boxes that are a code box by their structure (`CODE_BOXES`) or their label; never
    a password box by its label alone (some sites call a password a PIN)."""
    labelled = page.get_by_label(CODE_WORDS).and_(
        page.locator("input:not([type=password]):not([type=hidden])"))
    return page.locator(CODE_BOXES).or_(labelled).filter(visible=True)


async def code_step(page: Page, secret: str | None,
                    limit_ms: float) -> tuple[CodeKind, Locator, Locator] | None:
    """The code step the page shows: whose code it asks (the authenticator's when a secret is
    stored and the page does not say it sent one; else one sent to the person), its one code box
    and the one button of the box's form. None when the page has no single such box and button:
    a person must look."""
    boxes = code_boxes(page)
    if await boxes.count() != 1:
        return None
    form = page.locator("form").filter(has=boxes)
    buttons = form.get_by_role("button").filter(visible=True)
    if await buttons.count() != 1:
        buttons = form.locator("button[type=submit], input[type=submit]").filter(visible=True)
    if await buttons.count() != 1:
        return None
    words = await bounded(page.locator("body").inner_text(), limit_ms, "reading the code page")
    sent = bool(SENT_WORDS.search(words)) and not AUTHENTICATOR_WORDS.search(words)
    return ("totp" if secret and not sent else "code"), boxes, buttons


async def unexplained(page: Page, is_own: Callable[[str], bool], held_ms: float,
                      limit_ms: float) -> None:
    """Done once the page has loaded and is ready by its own signals (nothing busy, its data
    requests answered, no timer of its own due: browser/readiness.py), raced against the signs
    of every step optout knows: when this ends first, the page has drawn what it draws and none
    showed. A page never ready within `limit_ms` never ends it (WaitTimedOut)."""
    await page.wait_for_load_state("load", timeout=limit_ms)
    watch = RequestWatch(page, is_own, held_ms)
    try:
        _, readiness = await settle(page, watch, None, window_ms=0, limit_ms=limit_ms)
    finally:
        watch.stop()
    if not readiness.ready:
        raise WaitTimedOut(f"the sign-in page {readiness.how}")


async def visible(sign: Locator) -> bool:
    """Whether the sign shows now (a page gone meanwhile shows nothing)."""
    try:
        return await sign.first.is_visible()
    except PlaywrightError:
        return False


async def screenshot(page: Page, folder: Path, reason: str) -> str:
    """A screenshot of a page handed to a person, kept with the evidence; what to say of it."""
    try:
        shot = await evidence.capture(page, folder, "sign-in-unexplained", {"reason": reason})
    except (PlaywrightError, OSError, WaitTimedOut) as exc:
        return f"no screenshot ({first_line(exc)})."
    return f"screenshot: {shot['screenshot']} ."
