"""The engine: for one account, sign in if needed and bring each setting to its desired state.

Nothing here knows a particular platform; everything platform-specific comes from the recipe.
A setting is verified only when a fresh load of its page, in a browser context that carries the
session's cookies and nothing else, reads the desired state; pages are read once they are ready by
their own signals (browser/readiness.py), never by network quiet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page, Request, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from optout.browser.contexts import empty_sibling
from optout.browser.own import close_tab, same_site, tab_id
from optout.browser.pages import goto, is_allowed
from optout.browser.readiness import WATCH_SCRIPT, Readiness, RequestWatch, settle
from optout.domain.accounts import person_of
from optout.domain.errors import (
    AccountFailure,
    ControlNotFound,
    SecurityError,
    SettingFailure,
    first_line,
)
from optout.domain.job import Limits, Submitted
from optout.domain.profile import Profile
from optout.domain.results import Mode, Result, Status
from optout.domain.targets import Target
from optout.domain.timings import phase
from optout.domain.waits import bounded
from optout.engine import addresses, scan
from optout.engine import forms as form_io
from optout.engine.consent import ConsentAnswers
from optout.engine.proof import WENT_OFF, CookieJar, Proof
from optout.engine.scan import ScanReport
from optout.engine.view import BrowserView, locator
from optout.engine.witness import WitnessLog
from optout.kinds import SettingBase as Setting
from optout.kinds import kind_of
from optout.kinds.page import Control, FormLedger, SaveSeen
from optout.kinds.steps import Step
from optout.recipe.job import Job, Resources
from optout.redact import redact
from optout.signin.flow import LaunchVisible, SignInFlow

log = logging.getLogger(__name__)

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TAB_CLOSE_MS = 5_000  # closing a tab of optout's in the person's browser
# Requests that can carry a save; beacons and pings (analytics) cannot.
_SAVE_TYPES = {"fetch", "xhr", "document", "other"}


class AccountRun(BrowserView, Proof, ConsentAnswers):
    """Everything the engine does for one account, in its own browser context: to the setting
    kinds, their page (optout/kinds/page.py's SettingPage)."""

    def __init__(self, context: BrowserContext, job: Job, mode: Mode, resources: Resources, *,
                 limits: Limits | None = None, launch_visible: LaunchVisible | None = None,
                 own_browser: bool = False, fresh_browser: Browser | None = None):
        self.context = context
        # Working in a profile the person signed in to themselves (--cdp, --profile): its own
        # tabs only, no typing; fresh reads in `fresh_browser` when the profile has no browser
        # to open another context in.
        self.own_browser = own_browser
        self.fresh_browser = fresh_browser
        self.identity_seen: str | None = None  # who the page showed signed in, once read
        self._identities: dict[BrowserContext, str | None] = {}
        self._identity_of_cookies: dict[CookieJar, str | None] = {}
        self.job = job
        self.recipe = job.recipe
        self.account = job.account
        self.mode = mode
        self.resources = resources
        self.evidence_dir = resources.evidence_dir / job.recipe.platform / job.account.name
        self.limits = limits = limits or Limits()
        self.signer = SignInFlow(context, job.recipe, job.account, resources, limits,
                                 launch_visible or _no_visible_browser, own_browser=own_browser)
        self._page: Page | None = None
        self._working: Page | None = None  # the page clicks happen in
        self._fresh: BrowserContext | None = None  # the cookie-only context of deciding reads
        self._closing: list[asyncio.Future[None]] = []
        self._watches: dict[Page, RequestWatch] = {}
        self._found_at: dict[str, str] = {}  # the address that showed each setting (addresses.py)
        self._tab_ids: dict[Page, str | None] = {}  # optout's tabs in the person's browser
        identity = self.recipe.identity
        self.witnesses = WitnessLog(
            [*(w for s in job.settings if (w := getattr(s, "witness", None)) is not None),
             *([identity] if identity and identity.response else [])], self.recipe.origins)
        self._last_document_status: int | None = None
        self.consent_answers: list[str] = []  # how consent dialogs were answered, for evidence
        self._consent_ran: set[Page] = set()  # pages whose document autoconsent ran in
        self.readiness: Readiness | None = None  # how the last settled page settled
        self.step = "starting"
        self._started = time.monotonic()

    # --- the flow ------------------------------------------------------------------------------

    @property
    def page(self) -> Page:
        """The page the account works in; there is one from the start of `run` or `scan`."""
        if self._page is None:
            raise RuntimeError("no page yet: call run(), scan() or check_sign_in() first")
        return self._page

    # --- what a kind knows of the run ---------------------------------------------------------

    @property
    def platform_name(self) -> str:
        return self.recipe.name


    @property
    def form_place(self) -> tuple[str, str, str, str]:
        # In the person's own browser, whom the page showed signed in (read before any click).
        person = (person_of(self.account, self.identity_seen)
                  if self.account.username is None and self.identity_seen
                  else self.job.person(self.resources.profile))
        return self.recipe.platform, self.account.name, self.recipe.origin, person

    @property
    def forms(self) -> FormLedger | None:
        return self.resources.forms

    @property
    def profile(self) -> Profile:
        return self.job.profile or self.resources.profile

    @property
    def resubmit(self) -> bool:
        return self.resources.resubmit

    @property
    def may_send_forms(self) -> bool:
        return self.resources.send_forms

    def submitted(self, setting_id: str) -> Submitted | None:
        return self.job.submitted.get(setting_id)

    async def _new_page(self, context: BrowserContext | None = None) -> Page:
        limit = self.limits.control_ms  # every step bounded, in the person's browser above all
        page = await bounded((context or self.context).new_page(), limit, "opening a tab")
        if self.own_browser and context is None:
            # The person's profile gets no script of ours: only the tabs optout opens do.
            self._tab_ids[page] = await tab_id(page)
            await bounded(page.add_init_script(WATCH_SCRIPT), limit, "preparing optout's tab")
        page.on("response", self._note_document)
        page.on("domcontentloaded", self._new_document)
        self.witnesses.listen(page)  # before the page asks the platform for anything
        self._watches[page] = RequestWatch(
            page, lambda url: is_allowed(url, self.recipe.origins), self.limits.held_ms)
        return page

    def _new_document(self, page: Page) -> None:
        self._consent_ran.discard(page)
        self.signer.typed_in.discard(page)

    def _note_document(self, response: Response) -> None:
        """Remember how the platform answered the latest page load."""
        frame = response.frame
        if response.request.is_navigation_request() and frame == frame.page.main_frame:
            self._last_document_status = response.status

    async def _start(self) -> None:
        self.context.set_default_timeout(self.limits.control_ms)
        self.context.set_default_navigation_timeout(self.limits.navigation_ms)
        self._page = self._working = await self._new_page()

    # --- fresh reads ----------------------------------------------------------------------------

    async def fresh_page(self) -> Page:
        """Work from now on in a new page of a new context carrying the session's cookies only:
        its pages show what the server holds, no copy kept in the browser's storage or cache.
        `working_page` goes back to the page clicks happen in."""
        await self._close_fresh()
        if self._working is not None:
            # Closed rather than two live pages of the platform side by side (scripts, beacons,
            # a renderer's memory); the context keeps its cookies and storage for the next.
            working, self._working = self._working, None
            self._watches.pop(working, None)
            await (close_tab(working, self._tab_ids.pop(working, None), TAB_CLOSE_MS)
                   if self.own_browser else working.close())
        self._fresh, page = await self._empty_context()
        # Cookies as they are now (a sign-in or a save may have just changed them).
        cookies = await bounded(self.context.cookies(), self.limits.control_ms, "reading cookies")
        if self.own_browser:  # the platform's cookies only, never the rest of the person's
            cookies = [c for c in cookies if same_site(c.get("domain", ""), self.recipe.origins)]
        await bounded(self._fresh.add_cookies(cast(Any, cookies)), self.limits.control_ms,
                      "giving the fresh read its cookies")
        self._page = page
        return page

    async def _empty_context(self) -> tuple[BrowserContext, Page]:
        context = await bounded(empty_sibling(self.context, self.fresh_browser),
                                self.limits.control_ms, "opening a fresh context")
        context.set_default_timeout(self.limits.control_ms)
        context.set_default_navigation_timeout(self.limits.navigation_ms)
        return context, await self._new_page(context)

    async def working_page(self) -> None:
        """Back to the working context; its page is opened anew by `open` if a fresh read
        closed it."""
        await self._close_fresh()
        self._page = self._working

    async def _close_fresh(self) -> None:
        """Close the fresh context in the background; `close` waits for it."""
        if self._fresh is not None:
            for page in self._fresh.pages:
                self._watches.pop(page, None)
            fresh, self._fresh = self._fresh, None
            self._closing.append(asyncio.ensure_future(fresh.close()))

    async def close(self) -> None:
        """Close every context the account opened besides its working one; in the person's own
        browser, every tab it opened too (theirs stay as they were)."""
        await self.working_page()
        await asyncio.gather(*self._closing, return_exceptions=True)
        self._closing.clear()
        if self.own_browser:
            for page in list(self._watches):  # bounded, and closed even if stuck (own.py)
                await close_tab(page, self._tab_ids.pop(page, None), TAB_CLOSE_MS)
            self._watches.clear()
            self._page = self._working = None

    async def run(self) -> list[Result]:
        """A result for every setting of the job; never raises for a platform's behaviour."""
        await self._start()
        try:
            return await self._settings()
        finally:
            await self.close()

    async def _settings(self) -> list[Result]:
        results: list[Result] = []
        identity = self.recipe.identity
        if self.own_browser and identity is not None and identity.path is not None:
            # Whose browser it is, before a form is weighed as sent or not: its person.
            self.identity_seen = await self._identity_at(self.context, identity)
        for index, setting in enumerate(self.job.settings):
            self._started = time.monotonic()
            try:
                results.append(await self._setting(setting))
            except AccountFailure as exc:
                message = redact(str(exc))
                log.info("%s/%s stopped: %s", self.recipe.platform, self.account.name, message)
                results += [self.result(s, exc.status, message=message)
                            for s in self.job.settings[index:]]
                break
            except SettingFailure as exc:
                results.append(self.result(setting, Status.FAILED, message=redact(str(exc)),
                                            evidence_paths=exc.evidence))
            except PlaywrightError as exc:
                log.debug("browser error", exc_info=True)
                results.append(self.result(
                    setting, Status.FAILED, message=redact(f"The browser reported: {first_line(exc)}")
                ))
        return results

    async def check_sign_in(self) -> AccountFailure | None:
        """Sign in from scratch; None on success, else how it failed (login --verify)."""
        self._page = self._working = await self._new_page()
        try:
            await self._goto(self.recipe.sign_in_url())
            await self.signer.sign_in(self.page)
        except AccountFailure as exc:
            return exc
        except SettingFailure as exc:
            return AccountFailure(str(exc))
        return None

    async def _setting(self, setting: Setting) -> Result:
        try:
            return await kind_of(setting).handle(self, setting)
        except (SettingFailure, PlaywrightError):
            # A page that left the platform meanwhile is why, whatever broke on the way (a page
            # that never loaded is still about:blank: the failure says why itself).
            if self._page is not None and self._page.url != "about:blank":
                self.stay_on_platform("finish with it")
            raise
        finally:
            await self.working_page()

    async def scan(self) -> list[ScanReport]:
        """Every AI-related control on the pages the recipe knows (engine/scan.py)."""
        await self._start()
        return [await scan.scan_account(self)]

    async def reach(self, setting: Setting, *, fresh: bool = False) -> None:
        """Load the setting's page afresh (with `fresh`, in a new cookie-only context: see
        `fresh_page`), then make the clicks to its control; or its other addresses (addresses.py)."""
        await addresses.reach(self, setting, fresh=fresh, found_at=self._found_at)
        if not fresh and self.recipe.identity is not None:
            # Before anything is clicked: never change another person's setting.
            with phase("identity"):
                _, other_person, _ = await self._whose_page()
            if other_person:
                raise SettingFailure(f"Nothing was changed: {other_person}.")

    async def load(self, path: str, steps: list[Step], setting: Setting, fresh: bool) -> None:
        url = self.recipe.url(path)
        await (self._open_fresh(url) if fresh else self.open(url))
        for step in steps:
            await self.settled()
            try:
                await step.perform(self)
            except ControlNotFound as exc:
                raise await self.mismatch(setting, str(exc)) from exc
            self.require_allowed(self.page.url)

    def require_allowed(self, url: str) -> None:
        """Stop on a page outside the recipe's origins or the ones the account is bound to."""
        if not is_allowed(url, self.recipe.origins):
            raise SecurityError(
                f"{WENT_OFF} {self.recipe.name}'s allowed origins "
                f"({', '.join(self.recipe.origins)}), to {redact(url)}; optout stopped there.")
        self.signer.require_bound(url)

    @property
    def bound_origins(self) -> list[str]:
        """Where this account's session and details may go: the recipe's origins that the
        account's credentials were bound to when stored."""
        return self.signer.typing_origins()

    async def open(self, url: str) -> None:
        """Load `url` afresh, signing in first if the platform sends us to its sign-in page."""
        self.require_allowed(url)  # before loading: a session goes only where it belongs
        if self._page is None:
            self._page = self._working = await self._new_page()
        await self._goto(url)
        log.debug("opened %s, now at %s", url, self.page.url)
        self.require_allowed(self.page.url)
        await self.answer_consent(loaded=True)
        if not self.signer.is_sign_in_url(self.page.url):
            return
        self.progress("signing in")
        with phase("sign-in"):
            await self.signer.sign_in(self.page, fresh=self.page in self._consent_ran)
        # The sign-in usually lands on the page asked for; load it again only if it did not, or
        # if the platform answered that landing with an error (it gets goto's retries then).
        landed_ok = self._last_document_status is not None and self._last_document_status < 400
        # (A deep link's fragment, #settings/DataControls, is lost on the way through sign-in.)
        landed, asked = urlsplit(self.page.url), urlsplit(url)
        if (landed.path, landed.fragment) != (asked.path, asked.fragment) or not landed_ok:
            await self.answer_consent(loaded=True)  # before a same-page move opens a dialog on it
            await self._goto(url)
        self.require_allowed(self.page.url)
        if self.signer.is_sign_in_url(self.page.url):
            raise AccountFailure(
                f"{self.recipe.name} sent the browser back to its sign-in page after signing in; "
                "the recipe's sign-in steps may need an update."
            )
        await self.answer_consent(loaded=True)

    async def _open_fresh(self, url: str) -> None:
        """Load `url` in a fresh page; sign in first (in the working page) if it takes that."""
        self.require_allowed(url)
        for attempt in (1, 2):
            with phase("fresh context"):
                await self.fresh_page()
            await self._goto(url)
            self.require_allowed(self.page.url)
            if not self.signer.is_sign_in_url(self.page.url):
                await self.answer_consent(loaded=True)
                return
            await self.working_page()
            if attempt == 2:
                raise SettingFailure(
                    f"{self.recipe.name} asks to sign in again when its page is loaded with the "
                    "session's cookies alone, so optout cannot read it fresh from the server.")
            await self.open(url)  # signs in, in the working page; its cookies go along next time

    async def settled(self, read: Callable[[], Awaitable[str]] | None = None,
                      ready_response: str | None = None) -> str | None:
        """Wait until the page is ready by its own signals (see browser/readiness.py); with
        `read`, until what it reads stays the same, and return that. SettingFailure if the page
        never became ready within the control limit: a read from it would not be an answer."""
        await self.answer_consent()
        self.stay_on_platform("read it")
        with phase("settle"):
            state, readiness = await settle(
                self.page, self._watches[self.page], read, window_ms=self.limits.steady_ms,
                limit_ms=self.limits.control_ms, ready_response=ready_response)
        self.stay_on_platform("read it")  # a page may leave while it settles
        if not readiness.ready:
            raise SettingFailure(f"{self.page.url} never became ready to read ({readiness.how}); "
                                 "what it showed is not taken as an answer.")
        self.readiness = readiness
        return state

    def save_filter(self, url_contains: str | None) -> Callable[[Request], bool]:
        """Which requests save: a non-GET request from the page to an allowed origin (whose
        address holds `url_contains`, when the recipe names it)."""

        def is_save(request: Request) -> bool:
            if (request.method in _SAFE_METHODS or request.resource_type not in _SAVE_TYPES
                    or not is_allowed(request.url, self.recipe.origins)):
                return False
            return url_contains is None or url_contains in request.url

        return is_save

    async def click(self, control: Control, what: str) -> None:
        await self.answer_consent()
        self.stay_on_platform(f"click {what}")
        try:
            with phase("act"):
                await locator(control).click(timeout=self.limits.control_ms)
            self._watches[self.page].touched()
        except PlaywrightTimeout as exc:
            raise SettingFailure(
                f"Could not click {what} on {self.page.url} within "
                f"{self.limits.control_ms / 1000:g} s; it may be disabled or covered."
            ) from exc

    async def press(self, key: str) -> None:
        await self.page.keyboard.press(key)

    @contextlib.asynccontextmanager
    async def saving(self, url_contains: str | None) -> AsyncIterator[SaveSeen]:
        """Watch for the save request of what is done inside; its status once the block ends
        (None when no save request came within the save limit)."""
        seen = SaveSeen()
        is_save = self.save_filter(url_contains)
        try:
            async with self.page.expect_response(lambda response: is_save(response.request),
                                                 timeout=self.limits.save_ms) as saved:
                yield seen
            with phase("act"):
                seen.status = (await saved.value).status
        except PlaywrightTimeout:
            seen.status = None

    def require_on_platform(self) -> None:
        self.require_allowed(self.page.url)

    async def open_path(self, path: str) -> None:
        await self.open(self.recipe.url(path))

    async def fill(self, target: Target, value: str | None, check: bool | None, *,
                   fixed: bool = False) -> None:
        await form_io.fill(self.page, target, value, check, self.limits.control_ms,
                           self.bound_origins, fixed=fixed)

    async def form_destination(self, submit: Control) -> str | None:
        return await form_io.destination(locator(submit), self.bound_origins,
                                       self.limits.control_ms)

    async def send_form(self, submit: Control, action: str | None) -> form_io.Sent | None:
        return await form_io.send(self.page, locator(submit), action, self.save_filter(None),
                                save_ms=self.limits.save_ms, control_ms=self.limits.control_ms)

    # --- helpers --------------------------------------------------------------------------------

    async def _goto(self, url: str) -> None:
        fresh = self._fresh is not None and self.page in self._fresh.pages
        with phase("fresh load" if fresh else "open"):
            await goto(self.page, url, limit_ms=self.limits.navigation_ms, step=self.step)

    def progress(self, message: str) -> None:
        self.step = message
        log.info("%s/%s: %s", self.recipe.platform, self.account.name, message)
        if self.resources.progress:
            self.resources.progress(self.job, message)


async def _no_visible_browser() -> Browser:
    raise AccountFailure("No visible browser can be opened in this run.")
