"""LinkedIn end to end: the real recipe, a real browser, the practice twin on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from optout.practice.linkedin import GEN_AI
from tests.conftest import approved, invoke, linkedin_toggle_recipe, results_of

# LinkedIn's toggle and sign-in; its objection form is tested in test_catalogue.
pytestmark = pytest.mark.usefixtures("linkedin_toggle_only")

RESULT_KEYS = {"platform", "account", "setting", "desired", "before", "after", "status",
               "verified", "evidence", "message"}


def run(practice, *extra: str):
    return invoke("run", "linkedin", "--origin", practice.origin, "--json", *extra)


def test_switches_on_to_off_and_verifies_on_a_fresh_load(practice, member, optout_home):
    ada = member(on=True)
    result = run(practice)
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert set(row) == RESULT_KEYS
    assert row["platform"] == "linkedin"
    assert row["account"] == "default"
    assert row["setting"] == GEN_AI
    assert (row["desired"], row["before"], row["after"]) == ("off", "on", "off")
    assert row["status"] == "changed"
    assert row["verified"] is True
    assert practice.world.setting(ada.username, GEN_AI) is False
    for kind in ("screenshot", "snapshot", "record"):
        path = Path(row["evidence"][kind])
        assert path.is_file() and optout_home in path.parents
        assert path.stat().st_mode & 0o777 == 0o600
    assert Path(row["evidence"]["screenshot"]).read_bytes().startswith(b"\x89PNG")
    assert 'switch "Use my data for training content creation AI models"' in (
        Path(row["evidence"]["snapshot"]).read_text())


def test_already_off_is_left_alone(practice, member):
    ada = member(on=False)
    result = run(practice)
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert (row["status"], row["before"], row["after"], row["verified"]) == ("already", "off", "off", True)
    assert practice.world.user(ada.username).save_requests == 0


def test_save_silently_lost_is_a_failure(practice, member):
    ada = member(faults={"save_lost"})
    result = run(practice)
    assert result.exit_code == 1
    [row] = results_of(result)
    assert (row["status"], row["verified"], row["after"]) == ("failed", False, "on")
    assert "did not keep it" in row["message"]
    assert practice.world.setting(ada.username, GEN_AI) is True
    assert practice.world.user(ada.username).save_requests == 1


def test_save_rejected_is_a_failure(practice, member):
    ada = member(faults={"save_rejected"})
    result = run(practice)
    assert result.exit_code == 1
    [row] = results_of(result)
    assert (row["status"], row["verified"], row["after"]) == ("failed", False, "on")
    assert "refused the change (HTTP 500)" in row["message"]
    assert practice.world.setting(ada.username, GEN_AI) is True


@pytest.mark.parametrize("fault", ["slow_save", "late_store"])
def test_slow_or_late_save_is_still_verified(practice, member, fault):
    ada = member(faults={fault})
    result = run(practice)
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert (row["status"], row["verified"], row["after"]) == ("changed", True, "off")
    assert practice.world.setting(ada.username, GEN_AI) is False


def test_wrong_password_fails_with_a_fix(practice, member):
    ada = member(faults={"reject_password"})
    result = run(practice)
    assert result.exit_code == 1
    [row] = results_of(result)
    assert row["status"] == "failed"
    assert "rejected the password" in row["message"]
    assert "optout login linkedin --account default" in row["message"]
    assert practice.world.setting(ada.username, GEN_AI) is True


def test_check_reports_drift_and_changes_nothing(practice, member):
    ada = member(on=True)
    result = invoke("check", "linkedin", "--origin", practice.origin, "--json")
    assert result.exit_code == 4
    [row] = results_of(result)
    assert (row["status"], row["before"], row["verified"]) == ("drift", "on", False)
    assert practice.world.setting(ada.username, GEN_AI) is True
    assert practice.world.user(ada.username).save_requests == 0


def test_check_after_run_is_ok(practice, member):
    member(on=True)
    assert run(practice).exit_code == 0
    result = invoke("check", "linkedin", "--origin", practice.origin, "--json")
    assert result.exit_code == 0, result.output
    assert results_of(result)[0]["status"] == "ok"


def test_dry_run_changes_nothing(practice, member):
    ada = member(on=True)
    result = run(practice, "--dry-run")
    assert result.exit_code == 4, result.output
    [row] = results_of(result)
    assert (row["status"], row["before"], row["after"]) == ("would_change", "on", "on")
    assert practice.world.setting(ada.username, GEN_AI) is True
    assert practice.world.user(ada.username).save_requests == 0


def test_saved_session_is_reused_and_encrypted(practice, member, optout_home, memory_keyring):
    ada = member(on=True)
    assert run(practice).exit_code == 0
    assert invoke("check", "linkedin", "--origin", practice.origin).exit_code == 0
    assert practice.world.user(ada.username).sign_ins == 1
    [session] = (optout_home / "sessions" / "linkedin" / "default").iterdir()
    assert session.name == practice.origin.replace("://", "_").replace(":", "_") + ".session"
    assert session.stat().st_mode & 0o777 == 0o600
    token = session.read_bytes()
    assert token.startswith(b"gAAAAA")  # a Fernet token, not the storage state itself
    key = memory_keyring.items[("optout", "session-key")]
    kept = json.loads(Fernet(key.encode()).decrypt(token))
    assert kept["for"] == ada.username  # whom it was made for: no one else reuses it
    assert any(cookie["name"] == "li_at" for cookie in kept["state"]["cookies"])


def test_each_stored_account_runs_in_its_own_context(practice, member):
    ada = member(on=True, account="ada", username="ada@example.com")
    bob = member(on=True, account="bob", username="bob@example.com")
    result = run(practice)
    assert result.exit_code == 0, result.output
    assert {(r["account"], r["status"]) for r in results_of(result)} == {("ada", "changed"),
                                                                          ("bob", "changed")}
    for user in (ada, bob):
        assert practice.world.setting(user.username, GEN_AI) is False
    only_bob = invoke("check", "linkedin", "--origin", practice.origin, "--account", "bob", "--json")
    assert [r["account"] for r in results_of(only_bob)] == ["bob"]


def test_human_output_is_a_readable_summary(practice, member):
    member(on=True)
    result = invoke("run", "linkedin", "--origin", practice.origin)
    assert result.exit_code == 0
    assert "Data for Generative AI Improvement" in result.stdout
    assert "changed" in result.stdout
    assert "Evidence" in result.stdout
    assert "signing in" in result.stderr


def test_state_drawn_after_the_switch_is_read_once_settled(practice, member):
    ada = member(on=True, faults={"late_draw"})
    check = invoke("check", "linkedin", "--origin", practice.origin, "--json")
    assert check.exit_code == 4, check.output
    assert results_of(check)[0]["status"] == "drift"
    result = run(practice)
    assert result.exit_code == 0, result.output
    assert results_of(result)[0]["status"] == "changed"
    assert practice.world.setting(ada.username, GEN_AI) is False


def test_a_recipe_that_no_longer_matches_keeps_evidence_and_names_ai_controls(practice, member,
                                                                             tmp_path):
    """The platform renamed its switch: report it, never guess, and start the fix from evidence."""

    ada = member(on=True)
    folder = tmp_path / "recipes"
    folder.mkdir()
    text = linkedin_toggle_recipe()
    (folder / "linkedin.yaml").write_text(text.replace(
        "name: Use my data for training content creation AI models}",
        "name: Share my data with partners}"))
    result = invoke("--recipes", str(approved(folder)), "run", "linkedin", "--origin", practice.origin,
                    "--json", "--timeout", "4")
    assert result.exit_code == 1
    [row] = results_of(result)
    assert row["status"] == "failed" and "needs an update" in row["message"]
    assert 'switch "Use my data for training content creation AI models"' in row["message"]
    snapshot = Path(row["evidence"]["snapshot"])
    assert "Use my data for training" in snapshot.read_text()
    assert ada.password not in snapshot.read_text()
    assert practice.world.setting(ada.username, GEN_AI) is True


def test_ai_controls_are_picked_out_of_a_snapshot():
    from optout.browser.evidence import ai_controls

    snapshot = ('- switch "Use my data for training content creation AI models"\n'
                '- group:\n  - checkbox "Improve the model for everyone" [checked]\n'
                '- button "Save"\n- link "Train your dragon"\n- switch "Dark mode"\n')
    assert ai_controls(snapshot) == [
        'switch "Use my data for training content creation AI models"',
        'checkbox "Improve the model for everyone"', 'link "Train your dragon"']
