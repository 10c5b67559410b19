"""The decisions a run makes, as pure functions: what a mode does with a state read, what a change
came to, whether a form may be sent, and what counts as a reset. No browser, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from optout.domain.job import Submitted
from optout.domain.results import Mode, Status


@dataclass(frozen=True)
class Outcome:
    """What a setting came to: its status, whether a fresh read backs it, what to tell."""

    status: Status
    verified: bool
    message: str = ""


def on_reading(mode: Mode, before: str, desired: str, title: str) -> Outcome | None:
    """What a first reading of a setting means; None when the setting must be changed."""
    if mode is Mode.CHECK:
        return Outcome(Status.OK if before == desired else Status.DRIFT, before == desired)
    if before == desired:
        return Outcome(Status.OK if mode is Mode.FIX else Status.ALREADY, True)
    if mode is Mode.DRY_RUN:
        return Outcome(Status.WOULD_CHANGE, False,
                       f"{title} is {before}; a run would switch it {desired}.")
    return None


def page_and_server_disagree(shown: str, stored: str, platform: str) -> Outcome:
    """The working page showed `shown`, a fresh cookie-only load shows `stored`: the page drew a
    copy kept in the browser, and no answer can be given from it."""
    return Outcome(Status.FAILED, False, f"The page showed it {shown}, but a fresh load that sees "
                   f"only what {platform} holds shows it {stored}: the page draws from a copy kept "
                   "in the browser. Nothing was changed; run again to switch it.")


def after_refusal(http_status: int, after: str, desired: str, platform: str) -> Outcome:
    """The platform answered the save with an error; `after` is what a fresh load shows."""
    if after == desired:
        return Outcome(Status.CHANGED, True, f"{platform} answered the save with HTTP "
                       f"{http_status}, yet a fresh load shows it {after}.")
    return Outcome(Status.FAILED, False, f"{platform} refused the change (HTTP {http_status}); "
                   f"a fresh load shows it {after}.")


def after_change(saw_save: bool, after: str, desired: str, platform: str,
                 within_s: float) -> Outcome:
    """A change was made; `after` is the last fresh read within the verification window."""
    if after == desired:
        return Outcome(Status.CHANGED, True)
    what = (f"{platform} showed the change, but" if saw_save
            else "No save request was seen after switching it, and")
    return Outcome(Status.FAILED, False, f"{what} a fresh load still shows it {after} after "
                   f"{within_s:g} s: the platform did not keep it.")


@dataclass(frozen=True)
class FormPlan:
    """Whether to send a form now; if not, the outcome and the states to record."""

    send: bool
    outcome: Outcome | None = None
    before: str | None = None
    after: str | None = None


def form_plan(mode: Mode, earlier: Submitted | None, resend: bool, platform: str) -> FormPlan:
    """A form goes only with `optout run`, once: a second objection must be asked for."""
    resend = resend and mode is Mode.RUN
    if earlier and earlier.confirmed and not resend:
        status = Status.OK if mode in (Mode.CHECK, Mode.FIX) else Status.ALREADY
        again = " Use --resubmit to send it again." if mode is Mode.RUN else ""
        return FormPlan(False, Outcome(status, False, f"Sent {earlier.when}; not sent again.{again}"),
                        "submitted", "submitted")
    if earlier and not resend:
        # Sent, but the confirmation was never seen: sending again could file a second objection.
        return FormPlan(False, Outcome(
            Status.NEEDS_HUMAN, False, f"Sent {earlier.when}, but {platform} showed no "
            "confirmation; check your email and the evidence. Not sent again (--resubmit sends "
            "it again)."), "unconfirmed", None)
    if mode in (Mode.CHECK, Mode.FIX):
        # An unattended check never files an objection.
        return FormPlan(False, Outcome(Status.DRIFT, False, "Not sent yet; `optout run` sends it."),
                        "not submitted", "not submitted")
    if mode is Mode.DRY_RUN:
        return FormPlan(False, Outcome(Status.WOULD_CHANGE, False,
                                       "Not sent yet; a run would send it."),
                        "not submitted", "not submitted")
    before = "not submitted" if not earlier else "submitted" if earlier.confirmed else "unconfirmed"
    return FormPlan(True, before=before)


def is_reset(previous_verified: bool, previous_after: str | None, previous_desired: str | None,
             found: str | None, desired: str) -> bool:
    """A reset: the last reading verified the setting in its desired state, and it is now found
    out of it. A form is sent, not switched: the platform cannot turn it back."""
    was_desired = (previous_verified and previous_after == previous_desired == desired
                   and desired != "submitted")
    return was_desired and found is not None and found != desired
