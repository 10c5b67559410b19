"""What a sign-in page asks, known by its structure whatever its words: a code box, a security
check. A recipe's challenge wording is a hint and a test; these are what hold across builds."""

from __future__ import annotations

import re
from typing import Literal

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from optout.domain.waits import bounded

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
# After the platform answered, how long a page no step explains is given to draw one.
UNEXPLAINED_MS = 4_000


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


async def unexplained(page: Page, limit_ms: float) -> None:
    """Done once the page has loaded and had `UNEXPLAINED_MS` to show a step (raced against the
    signs of every step optout knows: when this ends first, none showed)."""
    await page.wait_for_load_state("load", timeout=limit_ms)
    await page.wait_for_timeout(UNEXPLAINED_MS)


async def visible(sign: Locator) -> bool:
    """Whether the sign shows now (a page gone meanwhile shows nothing)."""
    try:
        return await sign.first.is_visible()
    except PlaywrightError:
        return False
