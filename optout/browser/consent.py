"""Cookie and consent dialogs: recognised, and always answered the privacy-preserving way.

Most people in Europe meet one on a first visit, and a modal one keeps every click off the page.
optout answers "reject" or "necessary only", never "accept": it must not consent on a person's
behalf to what they are busy refusing.
"""

from __future__ import annotations

import logging
import re

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from optout.browser.locate import locator_for
from optout.domain.targets import Target

log = logging.getLogger(__name__)

DIALOGS = "dialog[open], [role=dialog], [role=alertdialog], [aria-modal=true]"
# A dialog about cookies or consent, in the recipes' languages (en, de, fr, es, it, nl, pt, pl, sv).
ABOUT_CONSENT = re.compile(
    r"cookie|consent|einwillig|zustimm|consentement|consentimiento|consenso|toestemming"
    r"|consentimento|zgod|samtycke|tracking|traceurs", re.IGNORECASE)
# The privacy-preserving answers.
REJECT = re.compile(
    r"^\W*(reject|decline|refuse|deny|disagree|do not accept|don't accept"
    r"|(use |allow )?(only |strictly )?(necessary|essential|required)( cookies)?( only)?"
    r"|ablehnen|alle ablehnen|nur (notwendige|erforderliche|essenzielle)"
    r"|tout refuser|refuser|continuer sans accepter|uniquement (les )?(cookies )?nécessaires"
    r"|rechazar|rechazar todo|solo (las )?(cookies )?necesarias|rifiuta|rifiuta tutto"
    r"|solo (i )?(cookie )?necessari|weigeren|alles weigeren|alleen (noodzakelijke|functionele)"
    r"|rejeitar|rejeitar tudo|apenas (os )?necessários|odrzuć|odrzuć wszystkie|avvisa|avvisa alla"
    r"|endast nödvändiga)\b", re.IGNORECASE)


CLOSING_MS = 5000  # how long a dialog may take to close once answered


class ConsentUnanswerable(Exception):
    """A consent dialog offers no way to refuse."""


async def answer(page: Page, declared: list[Target]) -> str | None:
    """Refuse the consent dialog covering `page`, if one does; the words of the button clicked.

    The recipe's own reject buttons come first; then any open dialog that speaks of cookies or
    consent and has a button that refuses. Raises ConsentUnanswerable for such a dialog with no
    way to refuse (optout never accepts).
    """
    for target in declared:
        button = locator_for(page, target).first
        if await _visible(button):
            return await _press(button)
    dialogs = page.locator(DIALOGS).filter(has_text=ABOUT_CONSENT).filter(visible=True)
    for index in range(await dialogs.count()):
        dialog = dialogs.nth(index)
        refuse = dialog.get_by_role("button", name=REJECT).or_(
            dialog.get_by_role("link", name=REJECT)).filter(visible=True)
        if await refuse.count():
            return await _press(refuse.first)
        raise ConsentUnanswerable(
            "A cookie or consent dialog covers the page and offers no button that rejects or "
            "keeps only necessary cookies; optout never accepts on your behalf. Name its reject "
            "button in the recipe's `consent`.")
    return None


async def _visible(locator: Locator) -> bool:
    try:
        return await locator.is_visible()
    except PlaywrightError:
        return False


async def _press(button: Locator) -> str:
    words = " ".join((await button.inner_text()).split())
    # Many dialogs close only once the answer is saved; a modal one still open makes the page
    # inert, and text typed there is lost. A dialog is given a moment to go (no signal if it
    # does not); a recipe's reject link that stays on the page (a footer's) is not waited for.
    in_dialog = await button.evaluate(f"el => !!el.closest({DIALOGS!r})")
    await button.click()
    log.info("answered a consent dialog: %s", words)
    if in_dialog:
        try:
            await button.wait_for(state="hidden", timeout=CLOSING_MS)
        except PlaywrightError:
            log.info("the consent dialog stayed open after %s", words)
    return words
