"""The decisions a run makes are pure functions: tested here without a browser."""

from __future__ import annotations

import pytest

from optout.domain.decisions import after_change, after_refusal, form_plan, is_reset, on_reading
from optout.domain.job import Submitted
from optout.domain.results import Mode, Result, Status, exit_code


@pytest.mark.parametrize(("mode", "before", "expected"), [
    (Mode.CHECK, "off", (Status.OK, True)),
    (Mode.CHECK, "on", (Status.DRIFT, False)),
    (Mode.RUN, "off", (Status.ALREADY, True)),
    (Mode.FIX, "off", (Status.OK, True)),
    (Mode.DRY_RUN, "off", (Status.ALREADY, True)),
    (Mode.DRY_RUN, "on", (Status.WOULD_CHANGE, False)),
])
def test_a_first_reading_decides_without_changing(mode, before, expected):
    outcome = on_reading(mode, before, "off", "AI training")
    assert outcome is not None and (outcome.status, outcome.verified) == expected


@pytest.mark.parametrize("mode", [Mode.RUN, Mode.FIX])
def test_a_setting_out_of_place_is_changed_only_by_run_and_fix(mode):
    assert on_reading(mode, "on", "off", "AI training") is None


def test_a_change_counts_only_when_the_fresh_read_shows_it():
    assert after_change(True, "off", "off", "LinkedIn", 10).status is Status.CHANGED
    kept_not = after_change(True, "on", "off", "LinkedIn", 10)
    assert (kept_not.status, kept_not.verified) == (Status.FAILED, False)
    assert "showed the change, but" in kept_not.message
    assert "No save request was seen" in after_change(False, "on", "off", "LinkedIn", 10).message


def test_a_refused_save_is_judged_by_what_the_server_kept():
    assert after_refusal(500, "on", "off", "X").status is Status.FAILED
    kept = after_refusal(500, "off", "off", "X")
    assert (kept.status, kept.verified) == (Status.CHANGED, True)


def test_a_form_goes_only_with_run_and_only_once():
    confirmed, unconfirmed = Submitted("2026-11-01", True), Submitted("2026-11-01", False)
    assert form_plan(Mode.RUN, None, False, "Meta").send
    assert form_plan(Mode.RUN, confirmed, True, "Meta").send  # --resubmit
    assert not form_plan(Mode.FIX, confirmed, True, "Meta").send  # never by check --fix
    for mode in (Mode.CHECK, Mode.FIX, Mode.DRY_RUN):
        assert not form_plan(mode, None, False, "Meta").send
    assert form_plan(Mode.RUN, confirmed, False, "Meta").outcome.status is Status.ALREADY
    held = form_plan(Mode.RUN, unconfirmed, False, "Meta")
    assert (held.send, held.outcome.status) == (False, Status.NEEDS_HUMAN)


def test_a_reset_needs_an_earlier_verified_desired_state():
    assert is_reset(True, "off", "off", "on", "off")
    assert not is_reset(False, "off", "off", "on", "off")  # never verified: not a reset
    assert not is_reset(True, "on", "off", "on", "off")  # it was never off
    assert not is_reset(True, "submitted", "submitted", "not submitted", "submitted")  # a form


def test_the_exit_code_is_the_first_that_applies():
    def result(status: Status) -> Result:
        return Result("x", "a", "s", "off", status)

    assert exit_code([result(Status.OK), result(Status.DRIFT)]) == 4
    assert exit_code([result(Status.NEEDS_HUMAN), result(Status.DRIFT)]) == 3
    assert exit_code([result(Status.FAILED), result(Status.NEEDS_HUMAN)]) == 1
    assert exit_code([result(Status.CHANGED), result(Status.ALREADY)]) == 0
