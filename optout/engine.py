"""The engine: for one account, sign in if needed and bring each setting to its desired state.

Nothing here knows a particular platform; everything platform-specific comes from the recipe.
A setting is verified only when a fresh load of its page, after any change, reads the desired state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Locator, Page, Request, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from optout import evidence, forms, scan
from optout.errors import first_line
from optout.failures import AccountFailure, RecipeMismatch, SecurityError, SettingFailure
from optout.job import Job, Limits, Resources
from optout.locate import ControlNotFound, describe, find, locator_for
from optout.pages import bounded, goto, is_allowed
from optout.recipe import Setting, Target
from optout.redact import redact
from optout.results import Mode, Result, Status
from optout.scan import Finding, ScanReport
from optout.signin import LaunchVisible, SignInFlow

log = logging.getLogger(__name__)

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Requests that can carry a save; beacons and pings (analytics) cannot.
_SAVE_TYPES = {"fetch", "xhr", "document", "other"}


class AccountRun:
    """Everything the engine does for one account, in its own browser context."""

    def __init__(self, context: BrowserContext, job: Job, mode: Mode, resources: Resources, *,
                 limits: Limits | None = None, launch_visible: LaunchVisible | None = None):
        self.context = context
        self.job = job
        self.recipe = job.recipe
        self.account = job.account
        self.mode = mode
        self.resources = resources
        self.evidence_dir = resources.evidence_dir / job.recipe.platform / job.account.name
        self.limits = limits = limits or Limits()
        self.signer = SignInFlow(context, job.recipe, job.account, resources, limits,
                                 launch_visible or _no_visible_browser)
        self.page: Page | None = None
        self._last_document_status: int | None = None
        self.step = "starting"
        self._started = time.monotonic()

    # --- the flow ------------------------------------------------------------------------------

    async def _new_page(self) -> Page:
        page = await self.context.new_page()
        page.on("response", self._note_document)
        return page

    def _note_document(self, response: Response) -> None:
        """Remember how the platform answered the latest page load."""
        if response.request.is_navigation_request() and response.frame == self.page.main_frame:
            self._last_document_status = response.status

    async def run(self) -> list[Result]:
        """A result for every setting of the job; never raises for a platform's behaviour."""
        self.context.set_default_timeout(self.limits.control_ms)
        self.context.set_default_navigation_timeout(self.limits.navigation_ms)
        self.page = await self._new_page()
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
                results.append(self._result(setting, Status.FAILED, message=redact(str(exc)),
                                            evidence_paths=exc.evidence))
            except PlaywrightError as exc:
                log.debug("browser error", exc_info=True)
                results.append(self._result(
                    setting, Status.FAILED, message=redact(f"The browser reported: {first_line(exc)}")
                ))
        return results

    async def check_sign_in(self) -> AccountFailure | None:
        """Sign in from scratch; None on success, else how it failed (login --verify)."""
        self.page = await self._new_page()
        try:
            await self._goto(self.recipe.sign_in_url())
            await self.signer.sign_in(self.page)
        except AccountFailure as exc:
            return exc
        except SettingFailure as exc:
            return AccountFailure(str(exc))
        return None

    async def _setting(self, setting: Setting) -> Result:
        if setting.is_form:
            return await self._form(setting)
        self.progress(f"reading {setting.title}")
        await self.reach(setting)
        control, before = await self.read(setting)
        desired = setting.desired

        if self.mode is Mode.CHECK:
            status = Status.OK if before == desired else Status.DRIFT
            return await self._finish(setting, status, before, before, before == desired)
        if before == desired:
            status = Status.OK if self.mode is Mode.FIX else Status.ALREADY
            return await self._finish(setting, status, before, before, True)
        if self.mode is Mode.DRY_RUN:
            return await self._finish(setting, Status.WOULD_CHANGE, before, before, False,
                                      f"{setting.title} is {before}; a run would switch it {desired}.")

        self.progress(f"switching {setting.title} {desired}")
        save_status = await self.switch(setting, control)
        name = self.recipe.name
        if save_status is not None and save_status >= 400:
            # The platform said no: one fresh load records what it kept, no need to wait.
            await self.reach(setting)
            _, after = await self.read(setting)
            if after == desired:
                return await self._finish(
                    setting, Status.CHANGED, before, after, True,
                    f"{name} answered the save with HTTP {save_status}, yet a fresh load shows it "
                    f"{after}.")
            return await self._finish(setting, Status.FAILED, before, after, False,
                                      f"{name} refused the change (HTTP {save_status}); a fresh "
                                      f"load shows it {after}.")
        self.progress(f"verifying {setting.title} on a fresh load")
        after = await self.reread(setting)
        if after != desired:
            what = (f"{name} showed the change, but" if save_status is not None
                    else "No save request was seen after switching it, and")
            return await self._finish(
                setting, Status.FAILED, before, after, False,
                f"{what} a fresh load still shows it {after} after {setting.verify_within:g} s: "
                "the platform did not keep it.",
            )
        return await self._finish(setting, Status.CHANGED, before, after, True)

    # --- forms ----------------------------------------------------------------------------------

    async def _form(self, setting: Setting) -> Result:
        """Send an objection form once: filled from the profile, verified by its confirmation."""
        earlier = self.job.submitted.get(setting.id)
        resend = self.resources.resubmit and self.mode is Mode.RUN
        if earlier and earlier.confirmed and not resend:
            status = Status.OK if self.mode in (Mode.CHECK, Mode.FIX) else Status.ALREADY
            again = " Use --resubmit to send it again." if self.mode is Mode.RUN else ""
            return self._result(setting, status, "submitted", "submitted", False,
                                message=f"Sent {earlier.when}; not sent again.{again}")
        if earlier and not resend:
            # Sent, but the platform's confirmation was never seen: a person must look, since
            # sending it again could file a second objection.
            return self._result(setting, Status.NEEDS_HUMAN, "unconfirmed", None, False,
                                message=f"Sent {earlier.when}, but {self.recipe.name} showed no "
                                "confirmation; check your email and the evidence. Not sent "
                                "again (--resubmit sends it again).")
        if self.mode in (Mode.CHECK, Mode.FIX):
            # Forms go only with `optout run`: an unattended check never files an objection.
            return self._result(setting, Status.DRIFT, "not submitted", "not submitted",
                                message="Not sent yet; `optout run` sends it.")
        if self.mode is Mode.DRY_RUN:
            return self._result(setting, Status.WOULD_CHANGE, "not submitted", "not submitted",
                                message="Not sent yet; a run would send it.")
        profile = self.job.profile or self.resources.profile
        missing = profile.missing_for(setting)
        if missing:
            flags = " ".join(f"--{k} ..." for k in missing)
            return self._result(setting, Status.NEEDS_HUMAN, message=(
                f"{setting.title} asks for your {' and '.join(missing)}, which your profile "
                f"lacks; set {'it' if len(missing) == 1 else 'them'} with `optout profile "
                f"{flags}` (in a bulk roster: its {', '.join(missing)} columns). Nothing was sent."))
        self.progress(f"filling in {setting.title}")
        await self.reach(setting)
        try:
            if await self._showing(setting.confirmation):
                raise ControlNotFound(f"the confirmation ({describe(setting.confirmation)}) is on "
                                      "the page before anything was sent, so it cannot prove a "
                                      "sending")
            for field in setting.fields:
                value = None if field.check is not None else field.value
                if field.from_:
                    value = profile.value(field.from_, platform_name=self.recipe.name,
                                          username=self.account.username, setting=setting)
                self._require_allowed(self.page.url)
                await forms.fill(self.page, field, value, self.limits.control_ms)
            submit = await find(self.page, setting.submit, self.limits.control_ms)
            action = await forms.require_form_stays(submit, self.recipe.origins,
                                                    self.limits.control_ms)
        except ControlNotFound as exc:
            raise await self._mismatch(setting, str(exc)) from exc
        self._require_allowed(self.page.url)
        self.progress(f"sending {setting.title}")
        before = ("not submitted" if not earlier else
                  "submitted" if earlier.confirmed else "unconfirmed")
        request = await self._send(setting, submit, action)
        if request is None:
            why = (f"no request left the page within {self.limits.save_ms / 1000:g} s (a field "
                   "the page did not accept?)")
            raise SettingFailure(f"{setting.title} was not sent: {why}. See the evidence.",
                                 await self._capture(setting, f"{setting.id}-not-sent",
                                                     {"problem": why}))
        # From here the form has left: whatever goes wrong, it is never sent again by itself.
        try:
            response = await bounded(request.response(), self.limits.save_ms, "the form's answer")
            status = response.status if response else None
            if status is not None and 400 <= status < 500:
                why = f"{self.recipe.name} refused it (HTTP {status})"
                raise SettingFailure(f"{setting.title} was not sent: {why}. See the evidence.",
                                     await self._capture(setting, f"{setting.id}-not-sent",
                                                         {"problem": why}))
            if status is None or status >= 500:
                raise forms.Unconfirmed(f"{self.recipe.name} gave no answer to {setting.title} "
                                        f"(HTTP {status or 'none'})")
            confirmed = await forms.confirmation(self.page, setting, self.limits.save_ms)
        except (forms.Unconfirmed, PlaywrightError) as exc:
            paths = await self._capture(setting, f"{setting.id}-unconfirmed", {"problem": str(exc)})
            return self._result(setting, Status.NEEDS_HUMAN, before, "unconfirmed", False, paths,
                                f"{redact(first_line(exc))}. It was sent, so it will not be sent "
                                "again unless you pass --resubmit.")
        facts = {"confirmation": confirmed.text, "reference": confirmed.reference}
        paths = await self._capture(setting, setting.id, {"status": "changed", **facts})
        reference = f" Reference: {confirmed.reference}." if confirmed.reference else ""
        return self._result(setting, Status.CHANGED, before, "submitted", True,
                            {**(paths or {}), **{k: v for k, v in facts.items() if v}},
                            f"Sent; {self.recipe.name} confirmed: \"{confirmed.text}\".{reference}")

    async def _showing(self, targets: list[Target]) -> bool:
        for target in targets:
            if await locator_for(self.page, target).filter(visible=True).count():
                return True
        return False

    async def _send(self, setting: Setting, submit: Locator, action: str | None) -> Request | None:
        """Click submit; the request that carried the form (to its action, when it has one), or
        None if none left the page."""
        is_save = self._is_save(setting)

        def carries_the_form(request: Request) -> bool:
            if action and request.url.split("#")[0].split("?")[0] != action.split("?")[0]:
                return False
            return is_save(request)

        try:
            async with self.page.expect_request(carries_the_form,
                                                timeout=self.limits.save_ms) as sent:
                try:
                    await submit.click(timeout=self.limits.control_ms)
                except PlaywrightTimeout:
                    log.info("the click on submit did not settle; waiting for the request")
            return await sent.value
        except PlaywrightTimeout:
            return None

    async def _capture(self, setting: Setting, label: str, facts: dict) -> dict[str, str] | None:
        """Evidence of the page as it is, with the form's fields masked; None if it failed."""
        try:
            return await evidence.capture(
                self.page, self.evidence_dir, label,
                {"platform": self.recipe.platform, "account": self.account.name,
                 "setting": setting.id, **facts}, self._masks(setting))
        except (PlaywrightError, OSError) as exc:
            log.warning("evidence not saved: %s", exc)
            return None

    def _masks(self, setting: Setting) -> list[Target]:
        """What screenshots and snapshots hide: the recipe's sensitive fields, a form's fields."""
        return [*self.recipe.sensitive, *(f.target for f in setting.fields)]

    # --- scanning -------------------------------------------------------------------------------

    async def scan(self) -> list[ScanReport]:
        """Every AI-related control on the pages the recipe knows, and which setting covers it.

        A page that cannot be read is reported and the others are still scanned.
        """
        self.context.set_default_timeout(self.limits.control_ms)
        self.context.set_default_navigation_timeout(self.limits.navigation_ms)
        self.page = await self._new_page()
        report = ScanReport(self.recipe.platform, self.account.name)
        places: dict[str, list[Setting]] = {}
        for setting in self.job.settings:
            places.setdefault(setting.place(), []).append(setting)
        problems = []
        for where, here in places.items():
            try:
                report.findings += await self._scan_place(where, here)
            except AccountFailure as exc:  # signed out, refused: no page can be read
                problems.append(redact(str(exc)))
                report.status = exc.status
                break
            except (SettingFailure, PlaywrightError, ValueError) as exc:
                problems.append(f"{where}: {redact(first_line(exc))}")
                report.status = Status.FAILED
        report.problem = " ".join(problems) or None
        return [report]

    async def _scan_place(self, where: str, here: list[Setting]) -> list[Finding]:
        self.progress(f"scanning {where}")
        await self.reach(here[0])
        await self._quiet()
        handled = await scan.covered(self.page, here, self.limits.control_ms / 3)
        known = await scan.left_alone(self.page, self.recipe.left_alone)
        found = []
        for role, name, state in scan.controls(await self.page.locator("body").aria_snapshot(),
                                               only_ai=False):
            setting_id = handled.get((role, name))
            if setting_id or evidence.AI_WORDS.search(name):
                found.append(Finding(self.recipe.platform, self.account.name, where, role, name,
                                     state, setting_id, known.get((role, name))))
        return found

    # --- steps ----------------------------------------------------------------------------------

    async def reach(self, setting: Setting) -> None:
        """Load the setting's page afresh, then make the clicks that lead to its control."""
        await self.open(self.recipe.url(setting.path))
        for step in setting.steps:
            await self._quiet()
            try:
                element = await find(self.page, [step.click], self.limits.control_ms)
            except ControlNotFound as exc:
                raise await self._mismatch(setting, str(exc)) from exc
            await self._click(element, step.click.describe())
            self._require_allowed(self.page.url)

    def _require_allowed(self, url: str) -> None:
        if not is_allowed(url, self.recipe.origins):
            raise SecurityError(
                f"{self.recipe.name} sent the browser to {redact(url)}, outside its "
                f"allowed origins ({', '.join(self.recipe.origins)}); optout stopped there.")

    async def open(self, url: str) -> None:
        """Load `url` afresh, signing in first if the platform sends us to its sign-in page."""
        await self._goto(url)
        log.debug("opened %s, now at %s", url, self.page.url)
        self._require_allowed(self.page.url)
        if not self.signer.is_sign_in_url(self.page.url):
            return
        self.progress("signing in")
        await self.signer.sign_in(self.page)
        # The sign-in usually lands on the page asked for; load it again only if it did not, or
        # if the platform answered that landing with an error (it gets goto's retries then).
        landed_ok = self._last_document_status is not None and self._last_document_status < 400
        if urlsplit(self.page.url).path != urlsplit(url).path or not landed_ok:
            await self._goto(url)
        self._require_allowed(self.page.url)
        if self.signer.is_sign_in_url(self.page.url):
            raise AccountFailure(
                f"{self.recipe.name} sent the browser back to its sign-in page after signing in; "
                "the recipe's sign-in steps may need an update."
            )

    async def read(self, setting: Setting) -> tuple[Locator, str]:
        """The setting's control and its state, 'on' or 'off'."""
        try:
            control = await find(self.page, setting.control, self.limits.control_ms)
            await self._settled(setting)
            checked = await control.is_checked()
        except ControlNotFound as exc:
            raise await self._mismatch(setting, str(exc)) from exc
        except PlaywrightError as exc:
            raise SettingFailure(
                f"{describe(setting.control)} on {self.page.url} has no on/off state; "
                "the recipe needs an update."
            ) from exc
        state = "on" if checked else "off"
        log.debug("%s reads %s", describe(setting.control), state)
        return control, state

    async def _mismatch(self, setting: Setting, problem: str) -> RecipeMismatch:
        """Never guess: keep a redacted snapshot of the page and name its AI-related controls,
        so whoever fixes the recipe starts from evidence."""
        message = f"The recipe no longer matches the page: {problem}. The recipe needs an update."
        try:
            paths = await evidence.capture(self.page, self.evidence_dir, f"{setting.id}-mismatch",
                                           {"setting": setting.id, "problem": problem},
                                           self._masks(setting))
            controls = evidence.ai_controls(Path(paths["snapshot"]).read_text())
        except (PlaywrightError, OSError, ValueError) as exc:
            log.warning("no evidence of the mismatch: %s", exc)
            return RecipeMismatch(message)
        if controls:
            message += f" Controls on the page that speak of AI or training: {', '.join(controls)}."
        return RecipeMismatch(f"{message} Snapshot: {paths['snapshot']}", paths)

    async def _settled(self, setting: Setting) -> None:
        """Wait (bounded) until the page has finished drawing, so the state read is the stored one.

        Platforms often draw a switch first and fill in its stored state from a later request.
        """
        if setting.ready:
            await find(self.page, setting.ready, self.limits.control_ms)
        await self._quiet()

    async def _quiet(self) -> None:
        """Wait (bounded) until nothing on the page is busy and the network is quiet."""
        limit = self.limits.control_ms
        try:
            await self.page.locator("[aria-busy=true]").first.wait_for(state="hidden", timeout=limit)
            await self.page.wait_for_load_state("networkidle", timeout=limit)
        except PlaywrightTimeout:
            log.debug("%s kept busy for %s ms; reading it anyway", self.page.url, limit)

    def _is_save(self, setting: Setting):
        """Which requests save: a non-GET request from the page to an allowed origin."""

        def is_save(request: Request) -> bool:
            if (request.method in _SAFE_METHODS or request.resource_type not in _SAVE_TYPES
                    or not is_allowed(request.url, self.recipe.origins)):
                return False
            return setting.save.url_contains is None or setting.save.url_contains in request.url

        return is_save

    async def switch(self, setting: Setting, control: Locator) -> int | None:
        """Flip the control and wait for the platform's save; its HTTP status, None if none seen."""
        try:
            is_save = self._is_save(setting)
            async with self.page.expect_response(lambda response: is_save(response.request),
                                                 timeout=self.limits.save_ms) as saved:
                await self._click(control, describe(setting.control))
                if setting.save.button:
                    button = await find(self.page, setting.save.button, self.limits.control_ms)
                    await self._click(button, describe(setting.save.button))
            response = await saved.value
        except PlaywrightTimeout:
            # No save request seen: the fresh re-read decides whether anything was kept.
            log.info("no save request seen within %s ms", self.limits.save_ms)
            return None
        except ControlNotFound as exc:
            raise SettingFailure(f"Could not save: {exc}. The recipe needs an update.") from exc
        log.info("save answered HTTP %s", response.status)
        return response.status

    async def _click(self, element: Locator, what: str) -> None:
        try:
            await element.click(timeout=self.limits.control_ms)
        except PlaywrightTimeout as exc:
            raise SettingFailure(
                f"Could not click {what} on {self.page.url} within "
                f"{self.limits.control_ms / 1000:g} s; it may be disabled or covered."
            ) from exc

    async def reread(self, setting: Setting) -> str:
        """Load the page afresh until it reads the desired state, for at most verify_within s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + setting.verify_within
        pause = 0.25
        while True:
            await self.reach(setting)
            _, state = await self.read(setting)
            remaining = deadline - loop.time()
            if state == setting.desired or remaining <= 0:
                return state
            # Some platforms store a change a moment after acknowledging it: poll with back-off,
            # each poll a full fresh load, until the bounded window closes.
            await asyncio.sleep(min(pause, remaining))
            pause = min(pause * 2, 2.0)

    # --- helpers --------------------------------------------------------------------------------

    async def _goto(self, url: str) -> None:
        await goto(self.page, url, limit_ms=self.limits.navigation_ms, step=self.step)

    def progress(self, message: str) -> None:
        self.step = message
        log.info("%s/%s: %s", self.recipe.platform, self.account.name, message)
        if self.resources.progress:
            self.resources.progress(self.job, message)

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
            paths = await evidence.capture(self.page, self.evidence_dir, setting.id, facts,
                                           self.recipe.sensitive)
        except (PlaywrightError, OSError) as exc:
            # The state was read all the same; say that its evidence is missing, keep the result.
            log.warning("evidence not saved: %s", exc)
            paths = None
            message += f" (Evidence could not be saved: {first_line(exc)}.)"
        return self._result(setting, status, before, after, verified, paths, redact(message))


async def _no_visible_browser():
    raise AccountFailure("No visible browser can be opened in this run.")
