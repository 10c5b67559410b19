"""What an account's run keeps of each setting: its result, and evidence of the page it was
read on (screenshot with the control outlined, accessibility snapshot, the facts of the read),
with the recipe's sensitive fields and a form's fields masked."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

import jmespath
from playwright.async_api import BrowserContext, Locator, Page
from playwright.async_api import Error as PlaywrightError

from optout.browser import evidence
from optout.browser.locate import locator_for
from optout.browser.own import close_tab, tab_id
from optout.browser.pages import goto, is_allowed
from optout.browser.readiness import Readiness
from optout.domain.accounts import Account
from optout.domain.decisions import Outcome
from optout.domain.errors import (
    AccountFailure,
    RecipeMismatch,
    SettingFailure,
    WaitTimedOut,
    first_line,
)
from optout.domain.identity import Identity
from optout.domain.results import Result, Status
from optout.domain.targets import Target
from optout.domain.timings import phase
from optout.domain.waits import bounded
from optout.domain.witness import Witness
from optout.engine.view import OnePage, locator
from optout.engine.witness import WitnessLog, weigh
from optout.kinds import SettingBase as Setting
from optout.kinds import kind_of
from optout.recipe.job import Resources
from optout.recipe.schema import Recipe
from optout.redact import redact

log = logging.getLogger(__name__)

IDENTITY_MS = 2_000  # the identity is on the page read: it is there at once, or not at all
IDENTITY_PAGE_MS = 15_000  # the page that shows it, where a recipe names one
WENT_OFF = "The page went off"  # how a read refused off the platform begins
CookieJar = frozenset[tuple[object, ...]]  # a context's cookies, as a key


def jar_of(cookies: list[Any]) -> CookieJar:
    """Cookies as a key: what a request carries of each (its name, value, domain and path)."""
    return frozenset((c.get("name"), c.get("value"), c.get("domain"), c.get("path"))
                     for c in cookies)


class Proof:
    """Results and evidence, for the account run that mixes this in (engine/account.py)."""

    recipe: Recipe
    account: Account
    own_browser: bool
    resources: Resources
    evidence_dir: Path
    readiness: Readiness | None
    consent_answers: list[str]
    _fresh: BrowserContext | None
    _started: float
    witnesses: WitnessLog
    identity_seen: str | None
    _identities: dict[BrowserContext, str | None]  # read on a recipe's identity page, by context
    _identity_of_cookies: dict[CookieJar, str | None]  # and by the cookies it was read with
    context: BrowserContext  # the working context

    @property
    def page(self) -> Page:
        raise NotImplementedError

    def stay_on_platform(self, doing: str) -> None:
        """SettingFailure if the page has gone off the recipe's origins (a timer, a redirect
        after the last check): nothing read, clicked or kept as evidence there counts."""
        url = self.page.url
        if not is_allowed(url, self.recipe.origins):
            raise SettingFailure(
                f"{WENT_OFF} {self.recipe.name}'s origins ({', '.join(self.recipe.origins)}), "
                f"to {redact(url)}, before optout could {doing}; nothing there is taken as an "
                "answer.")

    async def capture(self, setting: Setting, label: str,
                      facts: dict[str, Any]) -> dict[str, str] | None:
        """Evidence of the page as it is, with the form's fields masked; None if it failed."""
        self.stay_on_platform("keep evidence of it")
        try:
            return await evidence.capture(
                self.page, self.evidence_dir, label,
                {"platform": self.recipe.platform, "account": self.account.name,
                 "setting": setting.id, **self._page_facts(), **facts}, self._masks(setting),
                await self._outline(setting))
        except (PlaywrightError, OSError, WaitTimedOut) as exc:
            log.warning("evidence not saved: %s", exc)
            return None

    async def _outline(self, setting: Setting) -> Locator | None:
        """The control to outline in the evidence; None if it cannot be found at once (the
        evidence is kept all the same: the outline only points at what was read)."""
        try:
            found = await kind_of(setting).outlined(OnePage(self.page), setting)
            return None if found is None else locator(found)
        except (PlaywrightError, WaitTimedOut) as exc:
            log.info("no outline in the evidence: %s", exc)
            return None

    def _masks(self, setting: Setting) -> list[Target]:
        """What screenshots and snapshots hide: the recipe's sensitive fields, a form's fields."""
        return [*self.recipe.sensitive, *kind_of(setting).masked(setting)]

    async def mismatch(self, setting: Setting, problem: str) -> RecipeMismatch:
        """Never guess: keep a redacted snapshot of the page and name its AI-related controls,
        so whoever fixes the recipe starts from evidence."""
        # A page that left the platform while optout looked for a control is that, not a mismatch.
        self.stay_on_platform("match the recipe to it")
        message = f"The recipe no longer matches the page: {problem}. The recipe needs an update."
        try:
            paths = await evidence.capture(self.page, self.evidence_dir, f"{setting.id}-mismatch",
                                           {"setting": setting.id, "problem": problem},
                                           self._masks(setting))
            controls = evidence.ai_controls(Path(paths["snapshot"]).read_text())
        except (PlaywrightError, OSError, ValueError, WaitTimedOut) as exc:
            log.warning("no evidence of the mismatch: %s", exc)
            return RecipeMismatch(message)
        if controls:
            message += f" Controls on the page that speak of AI or training: {', '.join(controls)}."
        return RecipeMismatch(f"{message} Snapshot: {paths['snapshot']}", paths)

    async def _whose_page(self) -> tuple[dict[str, Any], str | None, str]:
        """Who the page says is signed in, as the recipe's `identity` reads it: the evidence's
        facts, the disagreement if it is another person, and a note for the message."""
        identity = self.recipe.identity
        if identity is None:
            return {"identity": "not checked: the recipe names no place it is shown"}, None, ""
        text = await self._identity_shown(identity)
        who = identity.read(text) if text else None
        self.identity_seen = who or self.identity_seen
        if who is None:
            return ({"identity": "not found"}, None,
                    " (Whose account the page showed was not found on it, so not checked.)")
        same = identity.compare(who, self.account.username)
        facts = {"identity": {"shown": who, "kind": identity.kind, "matches": same}}
        if same is False:
            return facts, (f"the page is signed in as {who}, and the account is for "
                           f"{self.account.username}: nothing read there is this account's"), ""
        if same is None:
            return facts, None, (f" (Signed in as {who}; not compared: the account has no "
                                 f"{identity.kind} to compare with.)")
        return facts, None, ""

    async def _identity_shown(self, identity: Identity) -> str | None:
        """What the page shows of who is signed in, or, where the recipe names the platform's
        page that shows it, what that page shows (opened once per context, beside the page)."""
        if identity.path is None:
            return await self._identity_on(self.page, identity)
        return await self._identity_at(self.page.context, identity)

    async def _identity_at(self, context: BrowserContext, identity: Identity) -> str | None:
        """What the recipe's identity page shows in `context`, read there once. In a cookie-only
        context (every context but the working one), what the very same cookies were shown to
        be, where a cookie-only context read them before (a re-read after a change): such a
        context sends nothing but its cookies, so the same cookies are the same session and the
        same person. (The working context also carries the saved session's storage, which a
        page may choose its account by: it is always read itself, and never vouches for another.)"""
        if context not in self._identities:
            jar = jar_of(await self._cookies(context)) if context is not self.context else None
            if jar is not None and jar in self._identity_of_cookies:
                self._identities[context] = self._identity_of_cookies[jar]
            else:
                self._identities[context] = await self._read_identity_page(context, identity)
                if jar is not None and self._identities[context] is not None:
                    self._identity_of_cookies[jar] = self._identities[context]
        return self._identities[context]

    async def _read_identity_page(self, context: BrowserContext,
                                  identity: Identity) -> str | None:
        """What the recipe's identity page shows in `context` (None if not found)."""
        assert identity.path is not None
        page = await bounded(context.new_page(), IDENTITY_PAGE_MS, "opening a tab")
        tab = await tab_id(page) if self.own_browser else None
        self.witnesses.listen(page)
        try:
            status = await goto(page, self.recipe.url(identity.path), limit_ms=IDENTITY_PAGE_MS,
                                step="open the page that shows who is signed in")
            shown = (status or 200) < 400 and is_allowed(page.url, self.recipe.origins)
            return await self._identity_on(page, identity) if shown else None
        except (PlaywrightError, WaitTimedOut, SettingFailure, AccountFailure) as exc:
            log.info("who is signed in could not be read: %s", first_line(exc))
            return None
        finally:
            await close_tab(page, tab, IDENTITY_MS)

    async def _cookies(self, context: BrowserContext) -> list[Any]:
        try:
            return list(await bounded(context.cookies(), IDENTITY_MS, "reading cookies"))
        except (PlaywrightError, WaitTimedOut):
            return []

    async def _identity_on(self, page: Page, identity: Identity) -> str | None:
        """An element's text or attribute on `page`, or a value in a JSON answer it loaded
        (heard, never asked for; a page asks after loading, so its answer is waited for, at
        most IDENTITY_MS: a wait that ends without it is "not found", never a match)."""
        if identity.shown_by is None:
            # Listening before looking: an answer arriving in between is not missed.
            answer = asyncio.ensure_future(page.wait_for_event(
                "response", lambda response: identity.answers(response.url),
                timeout=IDENTITY_MS))
            try:
                heard = await self.witnesses.last(identity, page)
                if heard is None:
                    with contextlib.suppress(PlaywrightError):
                        await answer
                    heard = await self.witnesses.last(identity, page)
            finally:
                answer.cancel()
                with contextlib.suppress(asyncio.CancelledError, PlaywrightError):
                    await answer
            value = jmespath.search(identity.value or "", heard.body) if heard else None
            return value if isinstance(value, str) else None
        shown = locator_for(page, identity.shown_by).first
        try:
            return await (shown.get_attribute(identity.attribute, timeout=IDENTITY_MS)
                          if identity.attribute else shown.inner_text(timeout=IDENTITY_MS))
        except PlaywrightError:
            return None

    def _page_facts(self) -> dict[str, Any]:
        """How the page that was read was reached: readiness, freshness, consent answered."""
        return {"fresh_context": self._fresh is not None and self.page in self._fresh.pages,
                "ready": self.readiness.how if self.readiness else None,
                "consent_answered": list(self.consent_answers)}

    def result(self, setting: Setting, status: Status, before: str | None = None,
                after: str | None = None, verified: bool = False,
                evidence_paths: dict[str, str] | None = None, message: str = "") -> Result:
        return Result(
            platform=self.recipe.platform, account=self.account.name, setting=setting.id,
            desired=setting.desired, status=status, before=before, after=after,
            verified=verified, evidence=evidence_paths, message=message, title=setting.title,
            seconds=round(time.monotonic() - self._started, 3), identity=self.identity_seen,
        )

    async def finish(self, setting: Setting, outcome: Outcome, before: str, after: str) -> Result:
        """The result of a setting read on its page, with evidence of the page as last read."""
        self.stay_on_platform("keep evidence of what it read")
        status, verified = outcome.status, outcome.verified
        message = outcome.message or {
            Status.CHANGED: f"Switched {after}; a fresh load confirms it.",
            Status.ALREADY: f"Already {after}; left untouched.",
            Status.OK: f"{after}, as desired.",
            Status.DRIFT: f"{before}, but should be {setting.desired}.",
        }.get(status, "")
        page_facts = self._page_facts()
        witness: Witness | None = getattr(setting, "witness", None)
        heard: dict[str, Any] = {}
        if witness is not None and verified and page_facts["fresh_context"]:
            heard, disagreement = weigh(witness, await self.witnesses.last(witness, self.page),
                                        after)
            if disagreement:
                status, verified = Status.FAILED, False
                message = f"Not verified: {disagreement}."
            elif heard["witness"] == "absent":
                message += (" The platform's own answer (the recipe's witness) did not come; the "
                            "page alone was read.")
        whose: dict[str, Any] = {}
        if page_facts["fresh_context"]:  # whatever it found, for whom it found it
            with phase("identity"):
                whose, other_person, note = await self._whose_page()
            if other_person:
                status, verified = Status.FAILED, False
                message = f"Not verified: {other_person}."
            message += note
        facts = {"platform": self.recipe.platform, "account": self.account.name,
                 "setting": setting.id, "status": status.value, "desired": setting.desired,
                 "before": before, "after": after, "verified": verified, **page_facts, **heard,
                 **whose}
        try:
            with phase("evidence"):
                paths = await evidence.capture(self.page, self.evidence_dir, setting.id, facts,
                                               self.recipe.sensitive, await self._outline(setting),
                                               region=self.resources.guide_pictures)
        except (PlaywrightError, OSError, WaitTimedOut) as exc:
            # The state was read all the same; say that its evidence is missing, keep the result.
            log.warning("evidence not saved: %s", exc)
            paths = None
            message += f" (Evidence could not be saved: {first_line(exc)}.)"
        return self.result(setting, status, before, after, verified, paths, redact(message))
