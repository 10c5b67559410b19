"""The engine: for one account, sign in if needed and bring each setting to its desired state.

Nothing here knows a particular platform; everything platform-specific comes from the recipe.
A setting is verified only when a fresh load of its page, after any change, reads the desired state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Locator, Page, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from optout import evidence
from optout.credentials import Account, PasswordSource
from optout.locate import ControlNotFound, describe, find, locator_for
from optout.recipe import Recipe, Setting, normalise_origin
from optout.redact import redact
from optout.results import Mode, Result, Status
from optout.sessions import SessionStore

log = logging.getLogger(__name__)

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Limits:
    """Upper bounds, in milliseconds, for every wait the engine makes."""

    navigation_ms: float = 30_000
    control_ms: float = 15_000
    save_ms: float = 15_000
    sign_in_ms: float = 20_000


@dataclass
class Job:
    """One account on one platform, and the settings to handle for it."""

    recipe: Recipe
    account: Account
    settings: list[Setting] = field(default_factory=list)


# Progress callback: (job, message) -> None. Messages never contain secrets.
Progress = Callable[[Job, str], None]


class AccountFailure(Exception):
    """Stops every remaining setting of the account (sign-in refused, security problem, …)."""

    status = Status.FAILED


class NeedsHuman(AccountFailure):
    status = Status.NEEDS_HUMAN


class SecurityError(AccountFailure):
    """A page outside the recipe's allowed origins asked for credentials."""


class SettingFailure(Exception):
    """Stops one setting; the others go on."""


class AccountRun:
    """Everything the engine does for one account, in its own browser context."""

    def __init__(
        self,
        context: BrowserContext,
        job: Job,
        mode: Mode,
        *,
        passwords: PasswordSource,
        sessions: SessionStore,
        evidence_dir: Path,
        limits: Limits = Limits(),
        progress: Progress | None = None,
    ):
        self.context = context
        self.job = job
        self.recipe = job.recipe
        self.account = job.account
        self.mode = mode
        self.passwords = passwords
        self.sessions = sessions
        self.evidence_dir = evidence_dir / job.recipe.platform / job.account.name
        self.limits = limits
        self._progress = progress
        self.page: Page | None = None
        self._started = time.monotonic()

    # --- the flow ------------------------------------------------------------------------------

    async def run(self) -> list[Result]:
        """A result for every setting of the job; never raises for a platform's behaviour."""
        self.context.set_default_timeout(self.limits.control_ms)
        self.context.set_default_navigation_timeout(self.limits.navigation_ms)
        self.page = await self.context.new_page()
        results: list[Result] = []
        for index, setting in enumerate(self.job.settings):
            self._started = time.monotonic()
            try:
                results.append(await self._setting(setting))
            except AccountFailure as exc:
                message = redact(str(exc))
                log.info("%s/%s stopped: %s", self.recipe.platform, self.account.name, message)
                results += [self._result(s, exc.status, message=message)
                            for s in self.job.settings[index:]]
                break
            except SettingFailure as exc:
                results.append(self._result(setting, Status.FAILED, message=redact(str(exc))))
            except PlaywrightError as exc:
                log.debug("browser error", exc_info=True)
                first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                results.append(self._result(
                    setting, Status.FAILED, message=redact(f"The browser reported: {first_line}")
                ))
        return results

    async def check_sign_in(self) -> str | None:
        """Sign in from scratch; None on success, else what went wrong (login --verify)."""
        self.page = await self.context.new_page()
        try:
            await self._goto(self.recipe.url(self.recipe.sign_in.path))
            await self.sign_in()
        except (AccountFailure, SettingFailure) as exc:
            return redact(str(exc))
        return None

    async def _setting(self, setting: Setting) -> Result:
        url = self.recipe.url(setting.path)
        self.progress(f"reading {setting.title}")
        await self.open(url)
        control, before = await self.read(setting)
        desired = setting.desired

        if self.mode is Mode.CHECK:
            status = Status.OK if before == desired else Status.DRIFT
            return await self._finish(setting, status, before, before, before == desired)
        if before == desired:
            return await self._finish(setting, Status.ALREADY, before, before, True)
        if self.mode is Mode.DRY_RUN:
            return await self._finish(setting, Status.WOULD_CHANGE, before, before, False,
                                      f"{setting.title} is {before}; a run would switch it {desired}.")

        self.progress(f"switching {setting.title} {desired}")
        refused = await self.switch(setting, control)
        if refused:
            # The platform said no: one fresh load records what it kept, no need to wait.
            await self.open(url)
            _, after = await self.read(setting)
            return await self._finish(setting, Status.FAILED, before, after, False,
                                      f"{self.recipe.name} {refused}; a fresh load shows it {after}.")
        self.progress(f"verifying {setting.title} on a fresh load")
        after = await self.reread(setting, url)
        if after != desired:
            return await self._finish(
                setting, Status.FAILED, before, after, False,
                f"{self.recipe.name} showed the change, but a fresh load still shows it {after} "
                f"after {setting.verify_within:g} s: the platform did not keep it.",
            )
        return await self._finish(setting, Status.CHANGED, before, after, True)

    # --- steps ----------------------------------------------------------------------------------

    async def open(self, url: str) -> None:
        """Load `url` afresh, signing in first if the platform sends us to its sign-in page."""
        await self._goto(url)
        log.debug("opened %s, now at %s", url, self.page.url)
        if not self._on_sign_in_page():
            return
        await self.sign_in()
        if urlsplit(self.page.url).path != urlsplit(url).path:
            await self._goto(url)
        if self._on_sign_in_page():
            raise AccountFailure(
                f"{self.recipe.name} sent the browser back to its sign-in page after signing in; "
                "the recipe's sign-in steps may need an update."
            )

    async def read(self, setting: Setting) -> tuple[Locator, str]:
        """The setting's control and its state, 'on' or 'off'."""
        try:
            control = await find(self.page, setting.control, self.limits.control_ms)
            checked = await control.is_checked()
        except ControlNotFound as exc:
            raise SettingFailure(
                f"The recipe no longer matches the page: {exc}. The recipe needs an update."
            ) from exc
        except PlaywrightError as exc:
            raise SettingFailure(
                f"{describe(setting.control)} on {self.page.url} has no on/off state; "
                "the recipe needs an update."
            ) from exc
        state = "on" if checked else "off"
        log.debug("%s reads %s", describe(setting.control), state)
        return control, state

    async def switch(self, setting: Setting, control: Locator) -> str | None:
        """Flip the control and wait for the platform's save; say how it refused, if it did."""

        def is_save(response: Response) -> bool:
            request = response.request
            if request.method in _SAFE_METHODS or not self._allowed(request.url):
                return False
            return setting.save.url_contains is None or setting.save.url_contains in request.url

        try:
            async with self.page.expect_response(is_save, timeout=self.limits.save_ms) as saved:
                await self._click(control, describe(setting.control))
                if setting.save.button:
                    button = await find(self.page, setting.save.button, self.limits.control_ms)
                    await self._click(button, describe(setting.save.button))
            response = await saved.value
        except PlaywrightTimeout:
            # No save request seen: the fresh re-read below decides whether anything was kept.
            log.info("no save request seen within %s ms", self.limits.save_ms)
            return None
        except ControlNotFound as exc:
            raise SettingFailure(f"Could not save: {exc}. The recipe needs an update.") from exc
        log.info("save answered HTTP %s", response.status)
        return None if response.ok else f"refused the change (HTTP {response.status})"

    async def _click(self, element: Locator, what: str) -> None:
        try:
            await element.click(timeout=self.limits.control_ms)
        except PlaywrightTimeout as exc:
            raise SettingFailure(
                f"Could not click {what} on {self.page.url} within "
                f"{self.limits.control_ms / 1000:g} s; it may be disabled or covered."
            ) from exc

    async def reread(self, setting: Setting, url: str) -> str:
        """Load the page afresh until it reads the desired state, for at most verify_within s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + setting.verify_within
        pause = 0.25
        while True:
            await self.open(url)
            _, state = await self.read(setting)
            remaining = deadline - loop.time()
            if state == setting.desired or remaining <= 0:
                return state
            # Some platforms store a change a moment after acknowledging it: poll with back-off,
            # each poll a full fresh load, until the bounded window closes.
            await asyncio.sleep(min(pause, remaining))
            pause = min(pause * 2, 2.0)

    async def sign_in(self) -> None:
        sign_in = self.recipe.sign_in
        if not self.account.username:
            raise NeedsHuman(
                f"{self.recipe.name} asks to sign in again and no username is stored for account "
                f"{self.account.name!r}; run `optout login {self.recipe.platform} "
                f"--account {self.account.name}`."
            )
        password = self.passwords.password(self.account)
        if not password:
            raise NeedsHuman(
                f"{self.recipe.name} asks to sign in again and no password is stored for account "
                f"{self.account.name!r}; run `optout login {self.recipe.platform} "
                f"--account {self.account.name}`."
            )
        redact.add(password)
        self.progress("signing in")
        if not self._on_sign_in_page():
            await self._goto(self.recipe.url(sign_in.path))
        try:
            username_box = await find(self.page, sign_in.username, self.limits.control_ms)
            password_box = await find(self.page, sign_in.password, self.limits.control_ms)
            submit = await find(self.page, sign_in.submit, self.limits.control_ms)
        except ControlNotFound as exc:
            raise AccountFailure(
                f"The sign-in page no longer matches the recipe: {exc}. The recipe needs an update."
            ) from exc
        self._require_allowed_origin()
        await username_box.fill(self.account.username)
        self._require_allowed_origin()
        await password_box.fill(password)
        await submit.click()
        await self._sign_in_outcome()
        self.sessions.save(self.account, self.recipe.origin, await self.context.storage_state())

    async def _sign_in_outcome(self) -> None:
        """Wait (bounded) until the browser leaves the sign-in pages or the password is refused."""
        page, limit = self.page, self.limits.sign_in_ms
        waits = {asyncio.ensure_future(page.wait_for_url(
            lambda url: not self._is_sign_in_url(url), timeout=limit)): "signed_in"}
        rejected_targets = self.recipe.sign_in.rejected
        if rejected_targets:
            rejected = locator_for(page, rejected_targets[0])
            for target in rejected_targets[1:]:
                rejected = rejected.or_(locator_for(page, target))
            waits[asyncio.ensure_future(
                rejected.first.wait_for(state="visible", timeout=limit))] = "rejected"
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        outcomes = {waits[task] for task in done if task.exception() is None}
        if "rejected" in outcomes:
            raise AccountFailure(
                f"{self.recipe.name} rejected the password for account {self.account.name!r}. "
                f"Store the right one with `optout login {self.recipe.platform} "
                f"--account {self.account.name}`."
            )
        if "signed_in" not in outcomes:
            raise AccountFailure(
                f"Signing in to {self.recipe.name} gave no result within {limit / 1000:g} s "
                f"(still at {redact(page.url)})."
            )

    # --- helpers --------------------------------------------------------------------------------

    async def _goto(self, url: str) -> None:
        try:
            await self.page.goto(url, wait_until="load")
        except PlaywrightTimeout as exc:
            raise SettingFailure(
                f"{url} did not finish loading within {self.limits.navigation_ms / 1000:g} s."
            ) from exc
        except PlaywrightError as exc:
            reason = str(exc).strip().splitlines()[0]
            raise AccountFailure(f"Could not open {url}: {reason}") from exc

    def _is_sign_in_url(self, url: str) -> bool:
        parts = urlsplit(url)
        if not self._allowed(url):
            return False
        return any(parts.path == p or parts.path.startswith(p.rstrip("/") + "/")
                   for p in self.recipe.sign_in.sign_in_paths())

    def _on_sign_in_page(self) -> bool:
        return self._is_sign_in_url(self.page.url)

    def _allowed(self, url: str) -> bool:
        try:
            return normalise_origin(url) in self.recipe.origins
        except Exception:  # about:blank, data: and other non-web addresses
            return False

    def _require_allowed_origin(self) -> None:
        if not self._allowed(self.page.url):
            raise SecurityError(
                f"Refused to type credentials into {urlsplit(self.page.url).netloc or self.page.url}: "
                f"it is not one of {self.recipe.name}'s allowed origins "
                f"({', '.join(self.recipe.origins)})."
            )

    def progress(self, message: str) -> None:
        log.info("%s/%s: %s", self.recipe.platform, self.account.name, message)
        if self._progress:
            self._progress(self.job, message)

    def _result(self, setting: Setting, status: Status, before: str | None = None,
                after: str | None = None, verified: bool = False,
                evidence_paths: dict[str, str] | None = None, message: str = "") -> Result:
        return Result(
            platform=self.recipe.platform, account=self.account.name, setting=setting.id,
            desired=setting.desired, status=status, before=before, after=after,
            verified=verified, evidence=evidence_paths, message=message, title=setting.title,
            seconds=round(time.monotonic() - self._started, 3),
        )

    async def _finish(self, setting: Setting, status: Status, before: str, after: str,
                      verified: bool, message: str = "") -> Result:
        """The result, with evidence of the page as last read."""
        if not message:
            message = {
                Status.CHANGED: f"Switched {after}; a fresh load confirms it.",
                Status.ALREADY: f"Already {after}; left untouched.",
                Status.OK: f"{after}, as desired.",
                Status.DRIFT: f"{before}, but should be {setting.desired}.",
            }.get(status, "")
        facts = {"platform": self.recipe.platform, "account": self.account.name,
                 "setting": setting.id, "status": status.value, "desired": setting.desired,
                 "before": before, "after": after, "verified": verified}
        try:
            paths = await evidence.capture(self.page, self.evidence_dir, setting.id, facts)
        except (PlaywrightError, OSError) as exc:
            # The state was read all the same; say that its evidence is missing, keep the result.
            log.warning("evidence not saved: %s", exc)
            paths = None
            message += f" (Evidence could not be saved: {str(exc).splitlines()[0]}.)"
        return self._result(setting, status, before, after, verified, paths, redact(message))
