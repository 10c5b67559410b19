"""An objection form goes in the person's name, so it is sent only when they said so: at a
terminal after seeing it, or with --send-forms (or the config's send_forms) elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert "These objection forms would go in your name, each once:" in result.output
    assert "LinkedIn (default), as Ada Lovelace, ada@example.com, United Kingdom: " \
           in result.output and '"I object to LinkedIn' in result.output
    assert len(practice.world.user(username).submissions) == sent
    # Once sent, it is not sent again: nothing to ask about on the next run.
    again = invoke("run", "linkedin", "--origin", practice.origin, *FORM[:-1], input="y\n")
    assert ("These objection forms" in again.output) is (sent == 0), again.output


def test_the_config_may_say_yes_once_for_all(practice, profile):
    say_yes_to_forms()
    username = store(practice, "linkedin")
    result = invoke("run", "linkedin", "--origin", practice.origin, *FORM)
    assert result.exit_code == 0, result.output
    assert len(practice.world.user(username).submissions) == 1


def test_a_roster_resume_counts_a_form_sent_before_as_done(practice, profile, tmp_path):
    """A member's objection went out before (here by `optout run`): `bulk --resume` counts it
    done, not "to go" for ever."""
    username = store(practice, "linkedin")
    sent = invoke("run", "linkedin", "--origin", practice.origin, "--send-forms", *FORM)
    assert sent.exit_code == 0, sent.output
    path = tmp_path / "roster.csv"
    path.write_text("platform,account,username,password_command,name,email,country\n"
                    f"linkedin,default,{username},printf %s {practice.world.user(username).password},"
                    "Ada Lovelace,ada@example.com,United Kingdom\n")
    first = invoke("bulk", str(path), "--origin", practice.origin, "--send-forms", "--json")
    assert first.exit_code == 0, first.output
    assert practice.world.user(username).submissions and \
        len(practice.world.user(username).submissions) == 1  # not sent twice
    resumed = invoke("bulk", str(path), "--origin", practice.origin, "--send-forms", "--resume",
                     "--json")
    assert resumed.exit_code == 0, resumed.output
    assert results_of(resumed) == [] and "0 to go" in resumed.stderr
    assert "had their objection form sent before" in " ".join(resumed.stderr.split())


def test_a_practice_account_s_form_carries_the_made_up_person_and_is_forgotten_with_it(
        practice):
    """`practice --setup`'s accounts are the made-up person's: a form sent for one is filled
    with that profile, never the person's own (here there is none at all), and `forget
    --practice` forgets it was sent, so practising again sends it again."""
    from optout.domain.accounts import Account
    from optout.store import credentials

    username, password = "practice@linkedin.practice.invalid", "pw-practice-0001"
    practice.world.add_user(username, password)
    credentials.store(Account("linkedin", "practice", username, (practice.origin,)), password)
    result = invoke("run", "linkedin", "--account", "practice", "--send-forms", *FORM)
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert (row["status"], row["verified"]) == ("changed", True)
    [sent] = practice.world.user(username).submissions
    assert "ada@practice.invalid" in sent.answers.values()
    # The proof page shows what was sent, beside the platform's confirmation.
    report = invoke("report")
    assert report.exit_code == 0, report.output
    html = Path(report.stdout.split("Wrote ", 1)[1].split(" (", 1)[0]).read_text()
    assert "The objection sent: “I object to LinkedIn" in html
    forgot = invoke("forget", "--practice")
    assert forgot.exit_code == 0 and "Forgot the practice accounts" in forgot.stdout
    assert credentials.accounts("linkedin") == []
    assert json.loads(invoke("status", "--json").stdout) == {"settings": []}
    credentials.store(Account("linkedin", "practice", username, (practice.origin,)), password)
    again = invoke("run", "linkedin", "--account", "practice", "--send-forms", *FORM)
    assert again.exit_code == 0, again.output
    assert len(practice.world.user(username).submissions) == 2
