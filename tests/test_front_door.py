"""What a new user types from the README: hints that name only flags the command has."""

from __future__ import annotations

import pytest

from tests.conftest import invoke


@pytest.mark.parametrize("command", ["status", "remove"])
def test_schedule_without_its_tool_suggests_only_what_the_command_has(monkeypatch, command):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = invoke("schedule", command, "--system", "cron")
    assert result.exit_code == 2
    assert "--target DIR" in result.stderr and "--dry-run" not in result.stderr


def test_forget_names_a_platform_or_practice():
    assert invoke("forget").exit_code == 2
    both = invoke("forget", "linkedin", "--practice")
    assert both.exit_code == 2 and "no platform" in both.stderr


def test_a_roster_names_every_problem_at_once_with_what_was_meant(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("platfrom,account,username\nlinkedin,a,a@example.com\n")
    result = invoke("bulk", str(roster))
    assert result.exit_code == 2 and "Did you mean 'platform'?" in result.stderr
    roster.write_text("platform,account,username\nlinkedn,a,a@example.com\nTwitter,b,b@example.com\n"
                      "facebok,c,c@example.com\n")
    result = invoke("bulk", str(roster), "--dry-run")
    assert result.exit_code == 2
    assert "row 2, column 'platform'" in result.stderr and "'linkedin'" in result.stderr
    assert "row 4, column 'platform'" in result.stderr and "'facebook'" in result.stderr
    assert "row 3" not in result.stderr  # Twitter is X, as on the command line


def test_results_read_at_80_columns_each_said_once(monkeypatch):
    from rich.console import Console

    from optout.cli import render
    from optout.domain.results import Result, Status

    wide = "Data for Generative AI Improvement and a very long title that used to wrap"
    failed = "Could not open https://www.linkedin.com/mypreferences: the page did not load."
    results = [
        Result("linkedin", "default", "data-for-generative-ai-improvement", "off",
               Status.CHANGED, "on", "off", True, title=wide),
        Result("x", "default", "grok-training", "off", Status.FAILED, message=failed,
               title="Grok & Third-party Collaborators"),
        Result("x", "default", "business-partners", "off", Status.FAILED, message=failed,
               title="Allow additional information sharing with business partners"),
    ]
    console = Console(width=80, record=True, soft_wrap=False)
    monkeypatch.setattr(render, "stdout", console)
    render.results_table(results)
    out = console.export_text()
    rows = [line for line in out.splitlines() if "Data for Generative AI" in line]
    assert len(rows) == 1 and "changed" in rows[0] and "on → off" in rows[0]
    assert out.count("Could not open") == 1 and "x (default), 2 settings:" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_the_live_board_marks_each_account_done():
    from rich.console import Console

    from optout.cli.render import Board
    from optout.domain.accounts import Account
    from optout.domain.results import Result, Status
    from optout.recipe import load_recipes
    from optout.recipe.job import Job

    recipes = load_recipes()
    board = Board(Console(width=80, record=True))
    jobs = [Job(recipes[p], Account(p, "default")) for p in ("linkedin", "x")]
    for job in jobs:
        board(job, "signing in")
    board.done([Result("x", "default", "grok-training", "off", Status.CHANGED, verified=True),
                Result("x", "default", "business-partners", "off", Status.FAILED)])
    board(jobs[1], "a late step")  # a line done stays done
    lines = Console(width=80, record=True)
    lines.print(board._table())
    text = lines.export_text()
    lines = {line.split("  ", 1)[0]: line.split("  ", 1)[1].strip() for line in text.splitlines()}
    assert lines == {"LinkedIn (default)": "signing in", "X (default)": "done: 1 verified, 1 failed"}


def test_a_keyring_on_this_terminal_s_own_bus_is_named_for_the_second_terminal(monkeypatch):
    import keyring

    from optout.store import credentials

    class SecretService:
        pass
    SecretService.__module__ = "keyring.backends.SecretService"
    monkeypatch.setattr(keyring, "get_keyring", lambda: SecretService())
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/tmp/dbus-abc,guid=1")
    assert credentials.private_session_bus() == "unix:path=/tmp/dbus-abc,guid=1"
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus")
    assert credentials.private_session_bus() is None  # the desktop's: every terminal has it


def test_the_guided_run_goes_on_to_the_proof_page_whatever_a_step_meets(monkeypatch):
    monkeypatch.setattr("optout.cli.consent.at_a_terminal", lambda: True)
    both = invoke("start", "--stored", "--cdp", "http://127.0.0.1:9222")
    assert both.exit_code == 2 and "one place" in both.stderr
    ended = invoke("start", "--stored", input="")  # input ends at the first question
    assert "No credentials are stored" in ended.stderr  # the run said why it had nothing to do
    assert "(no answer: skipped)" in ended.stderr
    assert "report" in ended.stdout.lower()  # and the proof page step still came
    assert ended.exit_code == 2


def test_the_guided_run_checks_the_browser_address_it_is_given(monkeypatch):
    monkeypatch.setattr("optout.cli.consent.at_a_terminal", lambda: True)
    far = invoke("start", input="1\nhttp://192.0.2.1:9222\n")
    assert far.exit_code == 2 and "not on this machine" in far.stderr


def test_a_reset_while_the_practice_platform_serves_is_refused_not_undone(optout_home):
    """`practice --reset` typed in the second terminal was undone when the server stopped."""
    from optout.practice.kept import kept_practice, settings_file
    settings_file().parent.mkdir(parents=True, exist_ok=True)
    settings_file().write_text('{"practice@x.practice.invalid": {"grok-training": false}}')
    with kept_practice(any_port_if_taken=True):
        refused = invoke("practice", "--reset")
        assert refused.exit_code == 2 and "Stop it first" in refused.stderr
    done = invoke("practice", "--reset")
    assert done.exit_code == 0 and "back to their defaults" in done.stdout
    assert not settings_file().exists()


def test_keyring_advice_follows_what_is_there(monkeypatch):
    """Doctor repeated "install gnome-keyring" once it was installed, and said sudo to root."""
    import os
    import sys

    from optout.store import credentials
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(credentials.shutil, "which",
                        lambda tool: "/usr/bin/" + tool if tool == "gnome-keyring-daemon" else None)
    installed = credentials.keyring_advice()
    assert "installed but not reachable" in installed and "install gnome-keyring`" not in installed
    assert "PASSPHRASE=..." in installed and "practice --setup" in installed
    monkeypatch.setattr(credentials.shutil, "which",
                        lambda tool: "/usr/bin/apt-get" if tool == "apt-get" else None)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert "`apt-get install gnome-keyring`" in credentials.keyring_advice()  # root: no sudo
