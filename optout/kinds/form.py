"""An objection form: filled from the person's profile, sent once, verified by the confirmation
the platform shows after it accepted the form (its text, and the reference in it, are the proof)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import regex
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page, Request
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pydantic import Field, field_validator, model_validator

from optout.browser.locate import ControlNotFound, describe, find, locator_for
from optout.browser.pages import frame_chain, is_allowed
from optout.browser.waits import bounded
from optout.domain import decisions
from optout.domain.job import Submitted
from optout.domain.profile import DEFAULT_OBJECTION, ProfileKey
from optout.domain.results import Mode, Status
from optout.domain.targets import Strict, Target, as_targets
from optout.engine.scan import controls
from optout.errors import SecurityError, SettingFailure, WaitTimedOut, first_line
from optout.kinds.base import OUTLINE_FIND_MS, SettingBase, SettingKind
from optout.redact import redact

if TYPE_CHECKING:
    from optout.domain.results import Result
    from optout.engine.account import AccountRun
    from optout.recipe.schema import Recipe
    from optout.store.sending import FormSending

log = logging.getLogger(__name__)

CONFIRMATION_CHARS = 500  # enough for a thank-you sentence and its reference
# A recipe's reference pattern is untrusted: it reads a bounded text in a bounded time.
PAGE_TEXT_CHARS = 20_000
REFERENCE_LIMIT_S = 0.5


class FormField(Strict):
    """One field of an objection form: a value from the profile, a fixed answer, or a tick."""

    target: Target
    from_: ProfileKey | None = Field(default=None, alias="from")
    value: str | None = None
    check: bool | None = None
    optional: bool = Field(default=False, description="Filled when the form shows it, else "
                           "left out (a field the platform made optional, or dropped).")

    @model_validator(mode="after")
    def _one_source(self) -> FormField:
        if sum(x is not None for x in (self.from_, self.value, self.check)) != 1:
            raise ValueError("give exactly one of from (a profile field), value or check")
        return self


class FormSetting(SettingBase):
    """A form the platform accepts once; its desired state is "submitted"."""

    type: Literal["form"] = "form"
    desired: Literal["submitted"] = "submitted"
    fields: list[FormField] = Field(default_factory=list)
    submit: list[Target] = Field(default_factory=list)
    confirmation: list[Target] = Field(
        default_factory=list, description="What the platform shows once it has the form.")
    reference: str | None = Field(
        default=None, description="Regex over the confirmation page; group 1 is the reference.")
    objection: str | None = Field(
        default=None, description="The default objection text for this form ({platform} is "
        "replaced); the person's profile may give their own.")

    _single = field_validator("submit", "confirmation", mode="before")(as_targets)

    @model_validator(mode="before")
    @classmethod
    def _a_form(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if not (data.get("fields") and data.get("submit") and data.get("confirmation")):
                raise ValueError("a form needs fields, submit and confirmation")
            if data.get("control") or data.get("desired") not in (None, "submitted"):
                raise ValueError("a form has no control or desired state; it is submitted")
        return data

    @field_validator("reference")
    @classmethod
    def _one_group(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            groups = regex.compile(value).groups
        except regex.error as exc:
            raise ValueError(f"reference is not a valid regular expression ({exc})") from exc
        if groups < 1:
            raise ValueError("reference needs a group, in parentheses, around the reference itself")
        return value


@dataclass(frozen=True)
class Confirmation:
    text: str
    reference: str | None


class Unconfirmed(Exception):
    """The form left the page, but the platform's confirmation was not seen."""


class Form(SettingKind):
    name = "form"
    model = FormSetting

    async def outlined(self, page: Page, setting: SettingBase) -> Locator | None:
        assert isinstance(setting, FormSetting)
        if not setting.confirmation:
            return None
        try:  # the platform's word that it received the form
            return await find(page, setting.confirmation, OUTLINE_FIND_MS)
        except ControlNotFound:
            return None

    async def handle(self, run: AccountRun, setting: SettingBase) -> Result:
        assert isinstance(setting, FormSetting)
        ledger = run.resources.forms
        where = (run.recipe.platform, run.account.name, run.recipe.origin, setting.id)
        if ledger is None or run.mode is not Mode.RUN:  # only `run` sends: nothing to guard
            return await self._send_once(run, setting, run.job.submitted.get(setting.id), None)
        async with ledger.sending(*where) as sending:
            earlier = sending.earlier or run.job.submitted.get(setting.id)
            return await self._send_once(run, setting, earlier, sending)

    async def _send_once(self, run: AccountRun, setting: FormSetting, earlier: Submitted | None,
                         sending: FormSending | None) -> Result:
        """Send the form unless `earlier` says it went; note it as it leaves, and its answer."""
        plan = decisions.form_plan(run.mode, earlier, run.resources.resubmit, run.recipe.name)
        if not plan.send:
            assert plan.outcome is not None
            return run.result(setting, plan.outcome.status, plan.before, plan.after,
                              plan.outcome.verified, message=plan.outcome.message)
        profile = run.job.profile or run.resources.profile
        missing = profile.missing_for(setting)
        if missing:
            flags = " ".join(f"--{k} ..." for k in missing)
            return run.result(setting, Status.NEEDS_HUMAN, message=(
                f"{setting.title} asks for your {' and '.join(missing)}, which your profile "
                f"lacks; set {'it' if len(missing) == 1 else 'them'} with `optout profile "
                f"{flags}` (in a bulk roster: its {', '.join(missing)} columns). Nothing was sent."))
        run.progress(f"filling in {setting.title}")
        await run.reach(setting)
        page = run.page
        try:
            if await _showing(page, setting.confirmation):
                raise ControlNotFound(f"the confirmation ({describe(setting.confirmation)}) is on "
                                      "the page before anything was sent, so it cannot prove a "
                                      "sending")
            for field in setting.fields:
                if field.optional and not await _showing(page, [field.target]):
                    log.info("%s is not on the form; it is optional", field.target.describe())
                    continue
                value = None if field.check is not None else field.value
                if field.from_:
                    value = profile.value(field.from_, platform_name=run.recipe.name,
                                          username=run.account.username, setting=setting)
                run.require_allowed(page.url)
                await _fill(page, field, value, run.limits.control_ms, run.bound_origins)
            submit = await find(page, setting.submit, run.limits.control_ms)
            action = await _form_destination(submit, run.bound_origins, run.limits.control_ms)
        except ControlNotFound as exc:
            raise await run.mismatch(setting, str(exc)) from exc
        run.require_allowed(page.url)
        run.progress(f"sending {setting.title}")
        if sending:  # noted before the click: a run cut short after it never sends it again
            sending.left()
        request = await self._send(run, setting, submit, action)
        if request is None:
            if sending:
                sending.answered(confirmed=False)  # nothing left the page
            why = (f"no request left the page within {run.limits.save_ms / 1000:g} s (a field "
                   "the page did not accept?)")
            raise SettingFailure(f"{setting.title} was not sent: {why}. See the evidence.",
                                 await run.capture(setting, f"{setting.id}-not-sent",
                                                   {"problem": why}))
        # From here the form has left: whatever goes wrong, it is never sent again by itself.
        try:
            response = await bounded(request.response(), run.limits.save_ms, "the form's answer")
            status = response.status if response else None
            if status is not None and 400 <= status < 500:
                why = f"{run.recipe.name} refused it (HTTP {status})"
                if sending:
                    sending.answered(confirmed=False)  # refused: it may be sent again later
                raise SettingFailure(f"{setting.title} was not sent: {why}. See the evidence.",
                                     await run.capture(setting, f"{setting.id}-not-sent",
                                                       {"problem": why}))
            if status is None or status >= 500:
                raise Unconfirmed(f"{run.recipe.name} gave no answer to {setting.title} "
                                  f"(HTTP {status or 'none'})")
            confirmed = await _confirmation(page, setting, run.limits.save_ms)
        except (Unconfirmed, PlaywrightError, WaitTimedOut) as exc:
            paths = await run.capture(setting, f"{setting.id}-unconfirmed", {"problem": str(exc)})
            return run.result(setting, Status.NEEDS_HUMAN, plan.before, "unconfirmed", False, paths,
                              f"{redact(first_line(exc))}. It was sent, so it will not be sent "
                              "again unless you pass --resubmit.")
        if sending:
            sending.answered(confirmed=True, reference=confirmed.reference)
        facts = {"confirmation": confirmed.text, "reference": confirmed.reference}
        paths = await run.capture(setting, setting.id, {"status": "changed", **facts})
        reference = f" Reference: {confirmed.reference}." if confirmed.reference else ""
        return run.result(setting, Status.CHANGED, plan.before, "submitted", True,
                          {**(paths or {}), **{k: v for k, v in facts.items() if v}},
                          f"Sent; {run.recipe.name} confirmed: \"{confirmed.text}\".{reference}")

    async def _send(self, run: AccountRun, setting: FormSetting, submit: Locator,
                    action: str | None) -> Request | None:
        """Click submit; the request that carried the form (to its action, when it has one), or
        None if none left the page."""
        is_save = run.save_filter(None)

        def carries_the_form(request: Request) -> bool:
            if action and request.url.split("#")[0].split("?")[0] != action.split("?")[0]:
                return False
            return is_save(request)

        try:
            async with run.page.expect_request(carries_the_form,
                                               timeout=run.limits.save_ms) as sent:
                try:
                    await submit.click(timeout=run.limits.control_ms)
                except PlaywrightTimeout:
                    log.info("the click on submit did not settle; waiting for the request")
            return await sent.value
        except PlaywrightTimeout:
            return None

    async def covers(self, page: Page, setting: SettingBase,
                     timeout_ms: float) -> list[tuple[str, str]]:
        """The form holding every field the recipe fills (one shared field is not enough)."""
        assert isinstance(setting, FormSetting)
        handled = []
        snapshot = await page.locator("body").aria_snapshot()
        for role, name, _ in controls(snapshot, only_ai=False):
            form = page.get_by_role("form", name=name, exact=True)
            if role == "form" and all([await locator_for(form, f.target).count()
                                       for f in setting.fields]):
                handled.append((role, name))
        return handled

    def guide_steps(self, recipe: Recipe, setting: SettingBase) -> list[str]:
        from optout.output.guide import field_words, target_words

        assert isinstance(setting, FormSetting)
        return [
            *(field_words(field) for field in setting.fields),
            f"Click {target_words(setting.submit[0])}.",
            f"Keep what {recipe.name} shows next ({target_words(setting.confirmation[0])})"
            f"{' and its reference number' if setting.reference else ''}: it is your proof that "
            "the form was received. Send the form once; it stays in force.",
        ]

    def guide_quote(self, recipe: Recipe, setting: SettingBase) -> str | None:
        assert isinstance(setting, FormSetting)
        return (setting.objection or DEFAULT_OBJECTION).replace("{platform}", recipe.name)

    def masked(self, setting: SettingBase) -> list[Target]:
        assert isinstance(setting, FormSetting)
        return [field.target for field in setting.fields]


KIND = Form()


async def _showing(page: Page, targets: list[Target]) -> bool:
    for target in targets:
        if await locator_for(page, target).filter(visible=True).count():
            return True
    return False


async def _fill(page: Page, field: FormField, value: str | None, timeout_ms: float,
                origins: list[str]) -> None:
    """Put a value in one field: type into a text box, pick a <select> option, or tick a box;
    only in a frame on `origins` (the person's details never go into another site's frame)."""
    element = await find(page, [field.target], timeout_ms)
    handle = await element.element_handle(timeout=timeout_ms)
    outside = [url for url in await frame_chain(handle) if not is_allowed(url, origins)]
    if outside:
        raise SecurityError(f"{field.target.describe()} is in a frame from "
                            f"{urlsplit(outside[0]).netloc or outside[0]}, outside the platform's "
                            "allowed origins; nothing was filled in or sent.")
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


async def _form_destination(submit: Locator, origins: list[str], timeout_ms: float) -> str | None:
    """The address the form posts to (the button's own formaction first); SecurityError if it
    is outside `origins` (the platform's, that the account is bound to). None for a form sent by
    script."""
    action = await submit.evaluate(
        "el => el.form ? (el.getAttribute('formaction') ? el.formAction : el.form.action) : null",
        timeout=timeout_ms)
    if action and not is_allowed(action, origins):
        raise SecurityError(f"The form would send your details to {urlsplit(action).netloc}, "
                            "outside the platform's allowed origins; nothing was sent.")
    return action


async def _confirmation(page: Page, setting: FormSetting, timeout_ms: float) -> Confirmation:
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
        body = (await page.locator("body").inner_text())[:PAGE_TEXT_CHARS]
        try:  # a recipe's pattern may backtrack for ever: it gets a bounded time, off the page's
            match = regex.search(setting.reference, body, timeout=REFERENCE_LIMIT_S)
        except TimeoutError:
            log.warning("the recipe's reference pattern took over %g s; no reference is kept",
                        REFERENCE_LIMIT_S)
            match = None
        reference = match.group(1) if match else None
    return Confirmation(text, reference)
