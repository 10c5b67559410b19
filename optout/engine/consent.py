"""Consent banners, refused for the account run that mixes this in (engine/account.py): optout's
own heuristics (browser/consent.py) and DuckDuckGo's autoconsent rules (browser/autoconsent.py).
Never accepted."""

from __future__ import annotations

from playwright.async_api import Page

from optout.browser import autoconsent, consent
from optout.browser.readiness import RequestWatch, settle
from optout.domain.errors import SettingFailure
from optout.domain.job import Limits
from optout.domain.timings import phase
from optout.recipe.schema import Recipe
from optout.redact import redact
from optout.signin.flow import SignInFlow


class ConsentAnswers:
    """How an account run answers consent banners, and what it answered (for evidence)."""

    recipe: Recipe
    limits: Limits
    signer: SignInFlow
    consent_answers: list[str]
    _consent_ran: set[Page]  # pages whose document autoconsent ran in
    _watches: dict[Page, RequestWatch]

    @property
    def page(self) -> Page:
        raise NotImplementedError

    async def answer_consent(self, loaded: bool = False) -> None:
        """Refuse a cookie or consent banner on the page, if one shows (never accept). A modal
        dialog already covering the page, by optout's own heuristics at once (pages open dialogs
        over it); then, on a page just `loaded`, the banner DuckDuckGo's autoconsent has a rule
        for (once per page, as privacy browsers run it; never on a sign-in page or in a document
        a secret went into: browser/autoconsent.py); then the heuristics, for what none knew."""
        with phase("consent"):
            await self._answer_consent(loaded)

    async def _answer_consent(self, loaded: bool) -> None:
        await self._own_consent_answer()
        url = self.page.url
        if not loaded or self.signer.is_sign_in_url(url):
            return
        if self.page in self.signer.typed_in:  # never in a document a secret went into
            return
        self._consent_ran.add(self.page)
        # Once the page is ready by its own signals, its banner is drawn if it has one.
        with phase("settle"):
            await settle(self.page, self._watches[self.page], None, window_ms=0,
                         limit_ms=self.limits.control_ms)
        ruled = await autoconsent.refuse(self.page, autoconsent.standing_for(
            url, self.recipe.origin, autoconsent.live_origin(self.recipe.platform)),
            self.limits.control_ms)
        if ruled is None:
            await self._own_consent_answer()
            return
        self.consent_answers.append(f"{ruled.describe()} on {redact(url)}")
        if not ruled.refused or ruled.test is False:
            raise SettingFailure(f"A cookie banner on {redact(url)} was not refused "
                                 f"({ruled.describe()}); optout never accepts on your behalf.")

    async def _own_consent_answer(self) -> None:
        try:
            words = await consent.answer(self.page, self.recipe.consent)
        except consent.ConsentUnanswerable as exc:
            raise SettingFailure(str(exc)) from exc
        if words:
            self.consent_answers.append(f"optout's own: {words!r} on {redact(self.page.url)}")

