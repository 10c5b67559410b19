"""An objection form: filled from the person's profile, sent once, verified by the confirmation
the platform shows after it accepted the form (its text, and the reference in it, are the proof)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import regex
from pydantic import Field, field_validator, model_validator

from optout.domain import decisions
from optout.domain.errors import (
    ControlNotFound,
    PageError,
    SettingFailure,
    WaitTimedOut,
    first_line,
)
from optout.domain.job import Submitted
from optout.domain.profile import DEFAULT_OBJECTION, ProfileKey
from optout.domain.results import Mode, Status
from optout.domain.targets import Strict, Target, as_targets, describe
from optout.kinds.base import OUTLINE_FIND_MS, SettingBase, SettingKind
from optout.kinds.words import target_words
from optout.redact import redact

if TYPE_CHECKING:
    from optout.domain.results import Result
    from optout.kinds.page import Control, FormSending, PageView, SettingPage

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

    async def outlined(self, page: PageView, setting: SettingBase) -> Control | None:
        assert isinstance(setting, FormSetting)
        if not setting.confirmation:
            return None
        try:  # the platform's word that it received the form
            return await page.find(setting.confirmation, OUTLINE_FIND_MS)
        except ControlNotFound:
            return None

    async def handle(self, page: SettingPage, setting: SettingBase) -> Result:
        assert isinstance(setting, FormSetting)
        ledger = page.forms
        if ledger is None or page.mode is not Mode.RUN:  # only `run` sends: nothing to guard
            return await self._send_once(page, setting, page.submitted(setting.id), None)
        async with ledger.sending(*page.form_place, setting.id) as sending:
            earlier = sending.earlier or page.submitted(setting.id)
            return await self._send_once(page, setting, earlier, sending)

    async def _send_once(self, page: SettingPage, setting: FormSetting,
                         earlier: Submitted | None, sending: FormSending | None) -> Result:
        """Send the form unless `earlier` says it went; note it as it leaves, and its answer."""
        plan = decisions.form_plan(page.mode, earlier, page.resubmit, page.platform_name)
        profile = page.profile
        missing = profile.missing_for(setting.fields)
        if not plan.send:
            assert plan.outcome is not None
            lacks = (f" It asks for your {' and '.join(missing)}, which your profile lacks: set "
                     f"{'it' if len(missing) == 1 else 'them'} with `optout profile` first."
                     if missing and plan.outcome.status is Status.WOULD_CHANGE else "")
            return page.result(setting, plan.outcome.status, plan.before, plan.after,
                               plan.outcome.verified, message=plan.outcome.message + lacks)
        if missing:
            flags = " ".join(f"--{k} ..." for k in missing)
            return page.result(setting, Status.NEEDS_HUMAN, message=(
                f"{setting.title} asks for your {' and '.join(missing)}, which your profile "
                f"lacks; set {'it' if len(missing) == 1 else 'them'} with `optout profile "
                f"{flags}` (in a bulk roster: its {', '.join(missing)} columns). Nothing was sent."))
        if not page.may_send_forms:  # in the person's name: only when they said so
            return page.result(setting, Status.NEEDS_HUMAN, plan.before, plan.before, message=(
                f"Not sent: {setting.title} goes to {page.platform_name} in your name, so optout "
                "sends it only when you say so: run again with --send-forms (at a terminal, "
                "answer yes), or set send_forms = true in the config. `optout guide "
                f"{page.form_place[0]}` shows the form and the objection it sends."))
        page.progress(f"filling in {setting.title}")
        await page.reach(setting)
        limit = page.limits.control_ms
        try:
            if await page.showing(setting.confirmation):
                raise ControlNotFound(f"the confirmation ({describe(setting.confirmation)}) is on "
                                      "the page before anything was sent, so it cannot prove a "
                                      "sending")
            objection = None  # the text sent, kept beside the confirmation in the evidence
            for field in setting.fields:
                if field.optional and not await page.showing([field.target]):
                    log.info("%s is not on the form; it is optional", field.target.describe())
                    continue
                value = None if field.check is not None else field.value
                if field.from_:
                    value = profile.value(field.from_, platform_name=page.platform_name,
                                          objection=setting.objection)
                    objection = value if field.from_ == "objection" else objection
                page.require_on_platform()
                await page.fill(field.target, value, field.check, fixed=field.value is not None)
            submit = await page.find(setting.submit, limit)
            action = await page.form_destination(submit)
        except ControlNotFound as exc:
            raise await page.mismatch(setting, str(exc)) from exc
        page.require_on_platform()
        page.progress(f"sending {setting.title}")
        if sending:  # noted before the click: a run cut short after it never sends it again
            await sending.left()
        sent = await page.send_form(submit, action)
        if sent is None:
            if sending:
                await sending.answered(confirmed=False)  # nothing left the page
            why = (f"no request left the page within {page.limits.save_ms / 1000:g} s (a field "
                   "the page did not accept?)")
            raise SettingFailure(f"{setting.title} was not sent: {why}. See the evidence.",
                                 await page.capture(setting, f"{setting.id}-not-sent",
                                                    {"problem": why}))
        # From here the form has left: whatever goes wrong, it is never sent again by itself.
        try:
            status = await sent.status()
            if status is not None and 400 <= status < 500:
                why = f"{page.platform_name} refused it (HTTP {status})"
                if sending:
                    await sending.answered(confirmed=False)  # refused: it may be sent again later
                raise SettingFailure(f"{setting.title} was not sent: {why}. See the evidence.",
                                     await page.capture(setting, f"{setting.id}-not-sent",
                                                        {"problem": why}))
            if status is None or status >= 500:
                raise Unconfirmed(f"{page.platform_name} gave no answer to {setting.title} "
                                  f"(HTTP {status or 'none'})")
            confirmed = await _confirmation(page, setting, page.limits.save_ms)
        except (Unconfirmed, WaitTimedOut, PageError) as exc:
            paths = await page.capture(setting, f"{setting.id}-unconfirmed",
                                       {"problem": str(exc)})
            return page.result(setting, Status.NEEDS_HUMAN, plan.before, "unconfirmed", False,
                               paths, f"{redact(first_line(exc))}. It was sent, so it will not "
                               "be sent again unless you pass --resubmit.")
        if sending:
            await sending.answered(confirmed=True, reference=confirmed.reference)
        facts = {"confirmation": confirmed.text, "reference": confirmed.reference,
                 "objection": objection}
        paths = await page.capture(setting, setting.id, {"status": "changed", **facts})
        reference = f" Reference: {confirmed.reference}." if confirmed.reference else ""
        return page.result(setting, Status.CHANGED, plan.before, "submitted", True,
                           {**(paths or {}), **{k: v for k, v in facts.items() if v}},
                           f"Sent; {page.platform_name} confirmed: \"{confirmed.text}\"."
                           f"{reference}")

    async def covers(self, page: PageView, setting: SettingBase,
                     timeout_ms: float) -> list[tuple[str, str]]:
        """The form holding every field the recipe fills (one shared field is not enough)."""
        assert isinstance(setting, FormSetting)
        return await page.forms_holding([f.target for f in setting.fields])

    def catalogue_words(self, setting: SettingBase) -> str:
        return "form"

    def guide_steps(self, platform_name: str, platform: str, setting: SettingBase) -> list[str]:
        assert isinstance(setting, FormSetting)
        return [
            *(field_words(field) for field in setting.fields),
            f"Click {target_words(setting.submit[0])}.",
            f"Keep what {platform_name} shows next ({target_words(setting.confirmation[0])})"
            f"{' and its reference number' if setting.reference else ''}: it is your proof that "
            "the form was received. Send the form once; it stays in force.",
        ]

    def guide_quote(self, platform_name: str, setting: SettingBase) -> str | None:
        assert isinstance(setting, FormSetting)
        return (setting.objection or DEFAULT_OBJECTION).replace("{platform}", platform_name)

    def masked(self, setting: SettingBase) -> list[Target]:
        assert isinstance(setting, FormSetting)
        return [field.target for field in setting.fields]


KIND = Form()


def field_words(field: FormField) -> str:
    """What to put in one field of a form, in a guide's words."""
    where = target_words(field.target)
    if field.check is not None:
        return f"{'Tick' if field.check else 'Untick'} {where}."
    if field.value is not None:
        return f'In {where}, choose or type "{field.value}".'
    what = {"objection": "your objection (below)", "first_name": "your first name",
            "last_name": "your last name"}.get(field.from_ or "", f"your {field.from_}")
    return f"In {where}, give {what}."


async def _confirmation(page: SettingPage, setting: FormSetting,
                        timeout_ms: float) -> Confirmation:
    """What the platform shows once it accepted the form; Unconfirmed if nothing shows."""
    try:
        shown = await page.find(setting.confirmation, timeout_ms)
    except ControlNotFound as exc:
        raise Unconfirmed(
            f"No confirmation ({describe(setting.confirmation)}) appeared within "
            f"{timeout_ms / 1000:g} s of submitting {setting.title}, so it is not counted as "
            "confirmed (see the evidence)") from exc
    text = " ".join((await page.text_of(shown)).split())[:CONFIRMATION_CHARS]
    reference = None
    if setting.reference:
        body = await page.body_text(PAGE_TEXT_CHARS)
        try:  # a recipe's pattern may backtrack for ever: it gets a bounded time, off the page's
            match = regex.search(setting.reference, body, timeout=REFERENCE_LIMIT_S)
        except TimeoutError:
            log.warning("the recipe's reference pattern took over %g s; no reference is kept",
                        REFERENCE_LIMIT_S)
            match = None
        reference = match.group(1) if match else None
    return Confirmation(text, reference)
