"""An objection form goes in the person's name, so it is sent only when they said so: at a
terminal after seeing it, or with --send-forms (or the config's send_forms) elsewhere."""

from __future__ import annotations

import pytest

from tests.conftest import invoke, results_of, say_yes_to_forms
from tests.twin_accounts import store

FORM = ["--setting", "data-processing-objection", "--json"]


@pytest.fixture
def profile() -> None:
    """The person's profile, and no word yet about sending forms."""
    assert invoke("profile", "--name", "Ada Lovelace", "--email", "ada@example.com",
                  "--country", "United Kingdom").exit_code == 0


def test_a_run_nobody_watches_sends_no_form_without_being_told_to(practice, profile):
    username = store(practice, "linkedin")
    result = invoke("run", "linkedin", "--origin", practice.origin, *FORM)
    assert result.exit_code == 3, result.output
    [row] = results_of(result)
    assert row["status"] == "needs_human" and "--send-forms" in row["message"]
    assert practice.world.user(username).submissions == []

    told = invoke("run", "linkedin", "--origin", practice.origin, "--send-forms", *FORM)
    assert told.exit_code == 0, told.output
    assert len(practice.world.user(username).submissions) == 1


@pytest.mark.parametrize(("answer", "sent"), [("n\n", 0), ("y\n", 1)])
def test_at_a_terminal_the_forms_are_shown_and_asked_about(practice, profile, monkeypatch,
                                                           answer, sent):
    monkeypatch.setattr("optout.cli.consent.at_a_terminal", lambda: True)
    username = store(practice, "linkedin")
    result = invoke("run", "linkedin", "--origin", practice.origin, *FORM[:-1], input=answer)
    assert "These objection forms would go in your name, filled from your profile (Ada " \
           "Lovelace, ada@example.com, United Kingdom)" in result.output
    assert "LinkedIn (default): " in result.output and '"I object to LinkedIn' in result.output
    assert len(practice.world.user(username).submissions) == sent


def test_the_config_may_say_yes_once_for_all(practice, profile):
    say_yes_to_forms()
    username = store(practice, "linkedin")
    result = invoke("run", "linkedin", "--origin", practice.origin, *FORM)
    assert result.exit_code == 0, result.output
    assert len(practice.world.user(username).submissions) == 1
