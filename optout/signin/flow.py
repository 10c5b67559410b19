"""Signing in as the recipe describes: credentials, then any challenges, then a saved session.

Credentials and codes are typed only into pages on the recipe's allowed origins. Authenticator
codes are entered by the engine; codes sent by email or SMS are asked from the person; security
checks (CAPTCHAs and the like) are never solved or bypassed: a person finishes them in a visible
browser, or the account stops with `needs_human`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, ElementHandle, Locator, Page, StorageState
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from optout.browser.locate import ControlNotFound, any_of, find
from optout.browser.pages import frame_chain, goto, is_allowed
from optout.domain.accounts import Account
from optout.domain.errors import (
    AccountFailure,
    NeedsHuman,
    OptoutError,
    SecurityError,
    WaitTimedOut,
    first_line,
)
from optout.domain.job import Limits
from optout.domain.waits import bounded, first_of
from optout.recipe import Challenge, Recipe, Target
from optout.recipe.job import Resources
from optout.redact import redact
from optout.signin import asks, totp

log = logging.getLogger(__name__)

MAX_STEPS = 4  # password, then at most three challenges in a row
Field = Literal["username", "password", "code", "submit"]
# The input types a person would type each into: a password only into a password box.
FIELD_TYPES = {"username": {"text", "email", "tel"}, "password": {"password"},
               "code": {"text", "tel", "number", "password"}}
# Where an element lives (its document's origin and every frame's around it) and where its form
# posts: read inside the element's own document, so a page that changed is never mistaken.
_ELEMENT_FACTS = """el => ({
    connected: el.isConnected,
    origins: [el.ownerDocument.location.origin,
              ...Array.from(el.ownerDocument.location.ancestorOrigins || [])],
    tag: el.tagName.toLowerCase(),
    type: (el.type || "").toLowerCase(),
    action: el.form ? el.form.action : null,
    formaction: el.form && el.hasAttribute("formaction") ? el.formAction : null,
})"""

LaunchVisible = Callable[[], Awaitable[Browser]]


def _any_of(page: Page, targets: list[Target]) -> Locator | None:
    """The visible elements any of the targets match (hidden templates never count)."""
    return any_of(page, targets).filter(visible=True) if targets else None


def _signs_of(page: Page, challenge: Challenge) -> Locator:
    """The visible elements showing that the challenge is asked."""
    signs = _any_of(page, challenge.when)
    assert signs is not None, "the recipe schema gives every challenge a `when` target"
    return signs


class SignInFlow:
    """Everything needed to sign one account in to one platform.

    `context` is the headless browser context being signed in; it is None when the only way in
    is by hand (`login --by-hand`).
    """

    def __init__(self, context: BrowserContext | None, recipe: Recipe, account: Account,
                 resources: Resources, limits: Limits, launch_visible: LaunchVisible, *,
                 own_browser: bool = False):
        self.context = context
        self.recipe = recipe
        self.account = account
        self.resources = resources
        self.limits = limits
        self.launch_visible = launch_visible
        self.own_browser = own_browser  # the person's browser (--cdp): they sign in, never optout
        self.typed_in: set[Page] = set()  # pages whose document a secret went into (engine clears)

    @property
    def _context(self) -> BrowserContext:
        """The headless context, for everything but `by_hand` (which opens its own browser)."""
        assert self.context is not None, "signing in by hand only: there is no headless context"
        return self.context

    # --- where we are --------------------------------------------------------------------------

    def is_sign_in_url(self, url: str) -> bool:
        if not is_allowed(url, self.recipe.origins):
            return False
        path = urlsplit(url).path
        # A sign-in at the site's root ("/") is that page only, not every page under it.
        return any(path == p or (p != "/" and path.startswith(p.rstrip("/") + "/"))
                   for p in self.recipe.signing_in.sign_in_paths())

    def is_signed_in_url(self, url: str) -> bool:
        """On the platform, and past its sign-in pages."""
        return is_allowed(url, self.recipe.origins) and not self.is_sign_in_url(url)

    # --- signing in ----------------------------------------------------------------------------

    async def sign_in(self, page: Page, fresh: bool = False) -> None:
        """Sign in with the stored credentials, through any challenges; save the session. With
        `fresh` (a script not optout's ran in the page), nothing is typed before it is reloaded."""
        name, login_hint = self.recipe.name, self._login_hint()
        if fresh and self.is_sign_in_url(page.url):
            await goto(page, page.url, limit_ms=self.limits.navigation_ms, step="reloading")
        if self.own_browser:
            raise NeedsHuman(f"{name} asks to sign in, in your own browser: sign in to {name} "
                             "there yourself, then run optout again. (optout never types a "
                             "password into your browser.)")
        if self.recipe.signing_in.by_hand:
            raise NeedsHuman(f"{name} asks to sign in, and it is signed in to by hand: run "
                             f"`{login_hint} --by-hand` (or work in your own browser with --cdp); "
                             "optout never types a password there.")
        if self.is_sign_in_url(page.url) and await self._challenge_showing(page):
            # A saved session sent straight to a challenge: answer it; no password is typed.
            await self._through_challenges(page, [], "code")
            await self._keep_session()
            return
        if not self.account.username:
            raise NeedsHuman(f"The saved {name} session for account {self.account.name!r} has "
                             f"expired and no password is stored. Sign in again with "
                             f"`{login_hint} --by-hand`.")
        password = None
        if not self.recipe.signing_in.passwordless:
            password = self.resources.secrets.password(self.account)
            if not password:
                raise NeedsHuman(f"{name} asks to sign in again and no password is stored for "
                                 f"account {self.account.name!r}; run `{login_hint}`.")
            redact.add(password)
        self.require_bound(self.recipe.origin)
        if not self.is_sign_in_url(page.url):
            await goto(page, self.recipe.sign_in_url(),
                       limit_ms=self.limits.navigation_ms, step="opening the sign-in page")
        sign_in = self.recipe.signing_in
        self._require_typing_allowed(page)
        username_box = await self._field(page, asks.username_boxes(page), sign_in.username)
        # One page or two, as a password manager tells (asks.py), whatever the recipe last saw.
        one_step = password is not None and await self._script(asks.password_beside(
            username_box, 0 if sign_in.next else asks.ONE_PAGE_MS))
        if not one_step:
            # Username first; the password (or, on passwordless sites, a code sent to the person)
            # is asked on the next step, perhaps on a new page.
            typed = await self._type(page, username_box, self.account.username, "username")
            next_button = await self._field(page, asks.submit_of(page, username_box), sign_in.next)
            await self._require_submit_safe(page, next_button, typed, "username")
            if password is None:
                # The code field may appear in place, with no new page: wait for it too.
                asked = [t for c in sign_in.challenges for t in c.when]
                await self._submit(page, next_button, sign_in.rejected, also=asked)
                await self._through_challenges(page, sign_in.rejected, "code")
                await self._keep_session()
                return
            if not await self._script(asks.password_beside(username_box)):  # (else: drawn late)
                await next_button.click(timeout=self.limits.sign_in_ms)
        password_box = await self._field(page, asks.password_boxes(page), sign_in.password)
        submit = await self._field(page, asks.submit_of(page, password_box), sign_in.submit)
        if one_step:
            typed = await self._type(page, username_box, self.account.username, "username")
        # Passwordless sign-ins (which always have `next`) have finished above.
        assert password is not None
        typed = await self._type(page, password_box, password, "password")
        await self._require_submit_safe(page, submit, typed, "password")
        await self._submit(page, submit, sign_in.rejected)
        await self._through_challenges(page, sign_in.rejected, "password")
        await self._keep_session()

    async def _keep_session(self, state: StorageState | None = None) -> None:
        """Save the signed-in session (the context's, unless given): the one place it is kept."""
        if state is None:
            state = await self._context.storage_state()
        self.resources.sessions.save(self.account, self.recipe.origin, dict(state))

    async def _through_challenges(self, page: Page, rejected: list[Target], last: str) -> None:
        asked_at: str | None = None  # where a code was last typed
        for _ in range(MAX_STEPS):
            outcome, challenge = await self._outcome(page, rejected)
            if outcome == "signed_in":
                return
            if outcome == "rejected":
                raise AccountFailure(self._rejected_message(last))
            if outcome == "unexplained":
                await self._hand_over(page, f"After the {last}, {self.recipe.name} showed a page "
                                            "optout does not recognise")
                return
            if outcome == "security_check" or (challenge and challenge.kind == "security_check"):
                self.require_bound(page.url)  # never hand the person a page elsewhere
                await self._finish_by_hand(page, f"{self.recipe.name} is showing a security check.")
                return
            if outcome == "code_step":
                if asked_at == page.url:  # the same code page again: the code was not taken
                    raise AccountFailure(self._rejected_message(last))
                step = await asks.code_step(page, self.resources.secrets.totp_secret(self.account),
                                            self.limits.control_ms)
                if step is None:
                    await self._hand_over(page, f"{self.recipe.name} asks for a code on a page "
                                                "without one code box and one button to send it")
                    return
                (kind, box, button), rejected = step, []
            else:
                box = await self._find(page, challenge.code, "code page")
                button = await self._find(page, challenge.submit, "code page")
                kind, rejected = challenge.kind, challenge.rejected
            code = await self._code_for(kind)
            typed = await self._type(page, box, code, "code")
            await self._require_submit_safe(page, button, typed, "code")
            asked_at = page.url
            await self._submit(page, button, rejected)
            last = kind
        raise AccountFailure(f"Signing in to {self.recipe.name} did not finish after {MAX_STEPS} "
                             f"steps (still at {redact(page.url)}); the recipe may need an update.")

    async def _code_for(self, kind: asks.CodeKind) -> str:
        name = self.recipe.name
        if kind == "totp":
            secret = self.resources.secrets.totp_secret(self.account)
            if not secret:
                raise NeedsHuman(f"{name} asks for an authenticator code and no authenticator "
                                 f"secret is stored; run `{self._login_hint()} --totp`.")
            redact.add(secret)
            log.info("%s/%s: entering the authenticator code", self.recipe.platform,
                     self.account.name)
            return totp.current_code(secret)
        # The engine's own words, never a recipe's: a recipe's text at the terminal could ask for
        # the password.
        code = await self.resources.person.ask_code(f"{name} ({self.account.name}): {name} sent "
                                                    "a verification code. Enter the code",
                                                    account=self.account)
        if not code:
            raise NeedsHuman(f"{name} sent a verification code to the account's email or phone; "
                             "run optout again in a terminal to type it.")
        redact.add(code)
        return code

    async def _challenge_showing(self, page: Page) -> bool:
        for challenge in self.recipe.signing_in.challenges:
            if await _signs_of(page, challenge).first.is_visible():
                return True
        return False

    def _rejected_message(self, last: str) -> str:
        name, hint = self.recipe.name, self._login_hint()
        if last == "password":
            return (f"{name} rejected the password for account {self.account.name!r}. "
                    f"Store the right one with `{hint}`.")
        if last == "totp":
            return (f"{name} rejected the authenticator code. Check the secret stored with "
                    f"`{hint} --totp` and this computer's clock.")
        return f"{name} rejected the verification code. Run again to get a new one."

    def _login_hint(self) -> str:
        return f"optout login {self.recipe.platform} --account {self.account.name}"

    # --- waiting for the platform's answer -----------------------------------------------------

    async def _submit(self, page: Page, button: Locator, rejected: list[Target],
                      also: Sequence[Target] = ()) -> None:
        """Click and wait (bounded) until the page has answered: moved, shown an error, or shown
        one of `also`."""
        url, limit = page.url, self.limits.sign_in_ms
        # A marker that a new document (after a form post) no longer has.
        await self._script(page.evaluate("window.__optoutSubmitted = true"))
        waits: list[Coroutine[Any, Any, Any]] = [
            page.wait_for_function("() => !window.__optoutSubmitted", timeout=limit),
            page.wait_for_url(lambda u: u != url, timeout=limit)]
        answer = _any_of(page, [*rejected, *also])
        if answer is not None:
            waits.append(answer.first.wait_for(state="visible", timeout=limit))
        try:
            await button.click(timeout=limit)
        except PlaywrightTimeout:
            log.info("the click on submit did not settle; waiting for the page's answer")
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM) or failed at the click: the waits never started;
            # closed, none is left behind unawaited to warn at exit.
            for wait in waits:
                wait.close()
            raise
        if not await first_of(waits, limit):
            raise AccountFailure(f"{self.recipe.name} did not answer the sign-in within "
                                 f"{self.limits.sign_in_ms / 1000:g} s (at {redact(page.url)}).")

    async def _outcome(self, page: Page, rejected: list[Target]) -> tuple[str, Any]:
        """Which of: signed in, refused, a recipe challenge, a security check, a code step known
        by its structure (`code_step`), or a page nothing explains (`unexplained`)."""
        limit = self.limits.sign_in_ms
        signs: list[tuple[str, Any, Locator | None]] = []
        refusal = _any_of(page, rejected)
        if refusal is not None:
            signs.append(("rejected", None, refusal))
        for challenge in self.recipe.signing_in.challenges:
            signs.append(("challenge", challenge, _signs_of(page, challenge)))
        signs.append(("security_check", None, asks.security_check(page)))
        signs.append(("code_step", None, asks.code_boxes(page)))
        signs.append(("signed_in", None, None))
        waits: list[Awaitable[Any]] = [
            sign.first.wait_for(state="visible", timeout=limit) if sign is not None
            else page.wait_for_url(self.is_signed_in_url, timeout=limit)
            for _, _, sign in signs]
        waits.append(asks.unexplained(page, lambda url: is_allowed(url, self.recipe.origins),
                                      self.limits.held_ms, limit))
        done = await first_of(waits, limit)
        if not done:
            raise AccountFailure(f"Signing in to {self.recipe.name} gave no result within "
                                 f"{self.limits.sign_in_ms / 1000:g} s (at {redact(page.url)}).")
        if done[0] == len(signs):  # nothing explained the page in time: one last look
            done = [i for i, (_, _, sign) in enumerate(signs)
                    if (await asks.visible(sign) if sign else self.is_signed_in_url(page.url))]
            if not done:
                return "unexplained", None
        # When several show at once, the most specific wins: the signs' order.
        kind, challenge, _ = signs[done[0]]
        if kind == "code_step" and not self.is_sign_in_url(page.url):
            kind = "signed_in"  # a code box on the platform's own pages is none of ours
        return kind, challenge

    async def _hand_over(self, page: Page, reason: str) -> None:
        """A page only a person can get past: a screenshot of it kept, then the person finishes
        it in a visible browser, or (nobody at the terminal) NeedsHuman at once."""
        where = redact(urlsplit(page.url)._replace(query="", fragment="").geturl())
        seen = await asks.screenshot(
            page, self.resources.evidence_dir / self.recipe.platform / self.account.name, reason)
        self.require_bound(page.url)  # never hand the person a page elsewhere
        await self._finish_by_hand(page, f"{reason} (at {where}); {seen}")

    # --- a person in a visible browser ---------------------------------------------------------

    async def _finish_by_hand(self, page: Page, reason: str) -> None:
        person = self.resources.person
        if not person.present:
            raise NeedsHuman(f"{reason} optout never solves these; run `optout run "
                             f"{self.recipe.platform}` in a terminal to finish it by hand.")
        if not await person.agrees_to_finish_by_hand(reason):
            raise NeedsHuman(f"{reason} It was left for later.")
        try:
            state = await self.by_hand(page.url, await self._context.storage_state(), reason)
        except OptoutError as exc:  # no display, no browser: a person is still what it takes
            raise NeedsHuman(f"{reason} No visible browser could be opened: {exc}") from exc
        # Playwright types storage_state()'s cookies apart from add_cookies' parameter (its
        # fields optional there), though add_cookies takes them as they are.
        await self._context.add_cookies(state["cookies"])  # type: ignore[arg-type]

    async def by_hand(self, url: str, state: StorageState | None, reason: str) -> StorageState:
        """Open `url` in a visible browser for the person; the session once they are through."""
        browser = await self.launch_visible()
        try:
            context = await browser.new_context(storage_state=state, locale="en-US")
            page = await context.new_page()
            await goto(page, url, limit_ms=self.limits.navigation_ms, step="handing over")
            await self.resources.person.finish_by_hand(page, reason)
            try:
                await page.wait_for_url(self.is_signed_in_url, timeout=self.limits.by_hand_ms)
            except PlaywrightTimeout as exc:
                raise NeedsHuman(f"The sign-in to {self.recipe.name} was not finished within "
                                 f"{self.limits.by_hand_ms / 60000:g} minutes.") from exc
            except PlaywrightError as exc:
                raise NeedsHuman(f"The browser window closed before the sign-in to "
                                 f"{self.recipe.name} was finished.") from exc
            new_state = await context.storage_state()
        finally:
            await browser.close()
        await self._keep_session(new_state)
        return new_state

    # --- small steps ---------------------------------------------------------------------------

    async def _field(self, page: Page, by_structure: Locator, targets: list[Target]) -> Locator:
        """A sign-in field or button by its structure (asks.py), else by the recipe's words."""
        found = await asks.the_one(page, by_structure, targets, self.limits.control_ms)
        return found or await self._find(page, targets, "sign-in page")

    async def _find(self, page: Page, targets: list[Target], where: str) -> Locator:
        try:
            return await find(page, targets, self.limits.control_ms)
        except ControlNotFound as exc:
            raise AccountFailure(f"The {self.recipe.name} {where} no longer matches the recipe: "
                                 f"{exc}. The recipe needs an update.") from exc

    def require_bound(self, url: str) -> None:
        """SecurityError unless `url` is on an origin the account's credentials are bound to:
        its password, session and profile go nowhere else, whatever the recipe says."""
        if not self.account.origins:
            raise SecurityError(
                f"Account {self.account.name!r} has no record of the origins its credentials "
                f"belong to; store them again with `{self._login_hint()}`.")
        if not is_allowed(url, self.typing_origins()):
            where = redact(urlsplit(url).netloc or url)
            raise SecurityError(
                f"Account {self.account.name!r} was stored for {', '.join(self.account.origins)}, "
                f"and this run points {self.recipe.name} at {where}: nothing of the account is "
                f"taken there. For another origin, store an account for it: `optout login "
                f"{self.recipe.platform} --account NAME --origin {self.recipe.origin}`.")

    def typing_origins(self) -> list[str]:
        """Where credentials may be typed: the recipe's origins that the account was stored for.

        An account stored without origins gets none: it must be stored again, never guessed.
        """
        return [o for o in self.recipe.origins if o in self.account.origins]

    def _require_typing_allowed(self, page: Page) -> None:
        allowed = self.typing_origins()
        if not is_allowed(page.url, allowed):
            where = urlsplit(page.url).netloc or page.url
            raise SecurityError(
                f"Refused to type credentials into {redact(where)}: it is not one of "
                f"{self.recipe.name}'s allowed origins ({', '.join(allowed)})."
            )

    async def _type(self, page: Page, box: Locator, secret: str, what: Field) -> ElementHandle:
        """Type into `box` only if it is the right kind of field, in a document on an origin the
        credentials belong to, in a form that posts there; check again once typed, so that a
        navigation raced by the typing is caught before anything is submitted. The element is
        held by handle: the text can never land in a document that replaced it."""
        self._require_typing_allowed(page)
        self.typed_in.add(page)
        try:
            element = await box.element_handle(timeout=self.limits.control_ms)
        except PlaywrightError as exc:
            raise AccountFailure(f"The {self.recipe.name} sign-in page changed before the "
                                 f"{what} was typed: {first_line(exc)}") from exc
        await self._require_safe(page, element, what, typed=False)
        try:
            await element.fill(secret, timeout=self.limits.control_ms)
        except PlaywrightError as exc:
            raise AccountFailure(f"The {what} could not be typed on {self.recipe.name}: "
                                 f"{redact(first_line(exc))}") from exc
        await self._require_safe(page, element, what, typed=True)
        return element

    async def _require_safe(self, page: Page, element: ElementHandle, what: Field, *,
                            typed: bool) -> None:
        """SecurityError unless `element` is a `what` box on the bound origins (its document and
        every frame around it), whose form and button post only there."""
        name, allowed = self.recipe.name, self.typing_origins()
        then = "nothing was submitted" if typed else "nothing was typed"
        try:
            # The frames as the browser reports them: a page's script cannot forge these.
            frames = await frame_chain(element)
            facts = await self._script(element.evaluate(_ELEMENT_FACTS))
        except PlaywrightError:  # the document went away: a navigation raced the typing
            frames, facts = [], {"connected": False}
        if not facts["connected"]:
            raise SecurityError(f"The {name} sign-in page was replaced while the {what} was being "
                                f"typed; {then}.")
        for where in (page.url, *frames, *facts["origins"]):
            if not is_allowed(where, allowed):
                raise SecurityError(
                    f"Refused to type credentials into {redact(urlsplit(where).netloc or where)}: "
                    f"it is not one of {name}'s allowed origins ({', '.join(allowed)}); {then}.")
        if what != "submit" and (facts["tag"] != "input" or facts["type"] not in FIELD_TYPES[what]):
            shown = f"{facts['tag']}{' type=' + facts['type'] if facts['tag'] == 'input' else ''}"
            raise SecurityError(
                f"The {name} recipe points the {what} at a {shown} element, not a "
                f"{' or '.join(sorted(FIELD_TYPES[what]))} box; {then}. The recipe needs an update.")
        for address in (facts["action"], facts["formaction"]):
            if address and not is_allowed(address, allowed):
                raise SecurityError(
                    f"The {name} sign-in form would send the "
                    f"{'sign-in details' if what == 'submit' else what} to "
                    f"{redact(urlsplit(address).netloc or address)}, outside its allowed origins; "
                    f"{then}.")

    async def _require_submit_safe(self, page: Page, button: Locator, field: ElementHandle,
                                   what: Field) -> None:
        """Before submitting: the typed field is still where it was typed, and the button is on
        the bound origins, posts only there, and belongs to the field's own form."""
        await self._require_safe(page, field, what, typed=True)
        try:
            handle = await button.element_handle(timeout=self.limits.control_ms)
            await self._require_safe(page, handle, "submit", typed=True)
            # A button may be a <div role=button> inside the form (it has no .form of its own).
            same_form = await self._script(handle.evaluate(
                "(button, field) => !field.form || button.form === field.form"
                " || field.form.contains(button)", field))
        except PlaywrightError:  # another frame, or gone: not the field's form either way
            same_form = False
        if not same_form:
            raise SecurityError(f"The {self.recipe.name} recipe's submit button is not in the form "
                                f"the {what} was typed into; nothing was submitted. The recipe "
                                "needs an update.")

    async def _script(self, awaitable: Awaitable[Any]) -> Any:
        try:
            return await bounded(awaitable, self.limits.control_ms, "a script on the sign-in page")
        except WaitTimedOut as exc:
            raise AccountFailure(f"The {self.recipe.name} sign-in page stopped responding: "
                                 f"{exc}.") from exc
