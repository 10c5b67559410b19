"""The CLI contract: commands, exit codes, credentials and what reaches the disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from optout.domain.accounts import Account
from optout.practice.linkedin import GEN_AI
from optout.store import credentials
from tests.conftest import approved, invoke, results_of

# LinkedIn's toggle and sign-in; its objection form is tested in test_catalogue.
pytestmark = pytest.mark.usefixtures("linkedin_toggle_only")


def test_list_shows_linkedin_with_source_and_no_live_claim():
    result = invoke("list", "--json")
    assert result.exit_code == 0
    [linkedin] = [p for p in json.loads(result.stdout)["platforms"] if p["platform"] == "linkedin"]
    [setting] = linkedin["settings"]
    assert setting["title"] == "Data for Generative AI Improvement"
    assert setting["type"] == "toggle"
    assert setting["source"].startswith("https://www.linkedin.com/help/")
    assert setting["live_verified"] is None
    assert linkedin["accounts"] == []
    assert setting["regions"] == ["all"] and setting["kind"] == "switch"
    table = invoke("list")  # not a terminal: rich draws it 80 columns wide
    assert table.exit_code == 0
    assert "data-for-generative-ai-improvement" in table.stdout  # the id --setting takes
    assert max(map(len, table.stdout.splitlines())) <= 80


def test_login_stores_the_password_in_the_keyring_only(memory_keyring, optout_home):
    result = invoke("login", "linkedin", "--username", "ada@example.com", "--password-stdin",
                    input="s3cret-pass-phrase\n")
    assert result.exit_code == 0, result.output
    assert memory_keyring.items[("optout:linkedin", "default")] == "s3cret-pass-phrase"
    assert "s3cret-pass-phrase" not in result.output
    for path in optout_home.rglob("*"):
        if path.is_file():
            assert b"s3cret-pass-phrase" not in path.read_bytes()
            assert path.stat().st_mode & 0o077 == 0
    listed = json.loads(invoke("list", "--json").stdout)["platforms"]
    assert [p["accounts"] for p in listed if p["platform"] == "linkedin"] == [["default"]]


def test_login_verify_signs_in_before_storing(practice, memory_keyring):
    practice.world.add_user("ada@example.com", "right-password")
    wrong = invoke("login", "linkedin", "--username", "ada@example.com", "--password-stdin",
                   "--verify", "--origin", practice.origin, input="wrong-password\n")
    assert wrong.exit_code == 1
    assert "rejected the password" in wrong.stderr and "Nothing was stored" in wrong.stderr
    assert memory_keyring.items == {}
    right = invoke("login", "linkedin", "--username", "ada@example.com", "--password-stdin",
                   "--verify", "--origin", practice.origin, input="right-password\n")
    assert right.exit_code == 0, right.output
    assert memory_keyring.items[("optout:linkedin", "default")] == "right-password"


def test_forget_deletes_password_and_session(practice, member, memory_keyring, optout_home):
    member(on=True)
    assert invoke("run", "linkedin", "--origin", practice.origin).exit_code == 0
    assert list((optout_home / "sessions" / "linkedin" / "default").glob("*.session"))
    result = invoke("forget", "linkedin")
    assert result.exit_code == 0, result.output
    assert ("optout:linkedin", "default") not in memory_keyring.items
    assert not (optout_home / "sessions" / "linkedin" / "default").exists()
    again = invoke("forget", "linkedin")
    assert again.exit_code == 2 and "Nothing is stored" in again.stderr
    # Its readings stay in the history, but it is no longer an account the person has.
    assert json.loads(invoke("status", "--json").stdout) == {"settings": []}
    assert json.loads(invoke("history", "--json").stdout)["observations"]


def test_unknown_platform_is_bad_input():
    result = invoke("run", "myspace")
    assert result.exit_code == 2
    assert "Unknown platform 'myspace'" in result.stderr and "optout list" in result.stderr
    assert "Traceback" not in result.output


def test_no_stored_credentials_is_bad_input():
    result = invoke("run", "linkedin")
    assert result.exit_code == 2
    assert "No credentials stored for LinkedIn" in result.stderr
    assert "optout login linkedin" in result.stderr


def test_bad_flag_is_bad_input():
    assert invoke("run", "--no-such-flag").exit_code == 2
    assert invoke("run").exit_code == 2
    assert invoke("run", "linkedin", "--all").exit_code == 2


def test_no_keyring_backend_says_how_to_get_one():
    keyring.set_keyring(keyring.backends.fail.Keyring())
    result = invoke("login", "linkedin", "--username", "ada", "--password-stdin", input="pw-12345\n")
    assert result.exit_code == 2
    assert "No usable keyring backend" in result.stderr and "plain text" in result.stderr
    assert "Traceback" not in result.output


def test_missing_browser_is_a_clear_error(practice, member, monkeypatch):
    member(on=True)
    monkeypatch.setenv("OPTOUT_BROWSER", "/nowhere/chromium")
    result = invoke("run", "linkedin", "--origin", practice.origin)
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "OPTOUT_BROWSER" in result.stderr


def test_secrets_never_reach_output_or_disk(practice, member, optout_home):
    ada = member(on=True)
    outputs = []
    for args in (["run", "linkedin"], ["check", "linkedin"], ["--debug", "check", "linkedin"]):
        result = invoke(*args, "--origin", practice.origin, "--json")
        outputs.append(result.output)
    cookies = practice.world.issued_cookies
    assert cookies
    secrets = [ada.password, *cookies]
    for text in outputs:
        for secret in secrets:
            assert secret not in text
    for path in optout_home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, path


def test_python_dash_m_demo_ends_verified(optout_home):
    # No keyring at all: the demo needs none.
    env = {**os.environ, "OPTOUT_HOME": str(optout_home),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.pop("OPTOUT_RECIPE_PATH")  # the built-in recipe, with its objection form
    done = subprocess.run([sys.executable, "-m", "optout", "demo", "linkedin", "--json"], env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    toggle, form = json.loads(done.stdout)["results"]
    assert (toggle["setting"], toggle["status"], toggle["verified"]) == (GEN_AI, "changed", True)
    assert (form["after"], form["status"], form["verified"]) == ("submitted", "changed", True)


def test_readme_shows_the_real_help():
    from click.testing import CliRunner

    from optout.cli.group import cli

    readme = (Path(__file__).parent.parent / "docs" / "using.md").read_text()
    shown = readme.split("$ optout --help\n", 1)[1].split("```", 1)[0]
    assert shown == CliRunner().invoke(cli, ["--help"], prog_name="optout", terminal_width=100).stdout


def test_run_all_with_nothing_stored_is_bad_input():
    result = invoke("run", "--all")
    assert result.exit_code == 2 and "No credentials are stored for any platform" in result.stderr


def test_login_without_a_terminal_asks_for_stdin():
    result = invoke("login", "linkedin", "--username", "ada@example.com")
    assert result.exit_code == 2 and "--password-stdin" in result.stderr


def test_account_names_cannot_reach_outside_the_data_folder(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    for name in (str(victim), "../..", ".."):
        result = invoke("forget", "linkedin", "--account", name)
        assert result.exit_code == 2, name
        assert "Account name" in result.stderr
    assert victim.exists()


def test_debug_tracebacks_mask_the_password(tmp_path):
    """A password box that takes no typing (read-only) makes Playwright's fill() fail: --debug
    shows the traceback, never the password."""
    from tests.attacker import Recorder, hostile_recipe, serving

    password = "pw-" + "unguessable-4711"
    page = ('<form method="post"><label for="u">Email or phone</label><input id="u" name="u">'
            '<label for="p">Password</label><input id="p" name="p" type="password" readonly>'
            '<button>Sign in</button></form>')
    with serving(Recorder(page, platform=True)) as platform:
        folder = hostile_recipe(tmp_path / "recipes", platform.origin)
        credentials.store(Account("linkedin", "default", "ada@example.com", (platform.origin,)),
                          password)
        result = invoke("--debug", "--recipes", str(approved(folder)), "run", "linkedin", "--json",
                        "--timeout", "4")
    assert result.exit_code == 1
    assert "fill" in result.output  # the traceback is there…
    assert password not in result.output  # …without the password


def test_credentials_stored_for_one_origin_are_not_typed_at_another(practice, memory_keyring):
    practice.world.add_user("ada@example.com", "real-linkedin-password")
    stored = invoke("login", "linkedin", "--username", "ada@example.com", "--password-stdin",
                    input="real-linkedin-password\n")
    assert stored.exit_code == 0
    result = invoke("run", "linkedin", "--origin", practice.origin, "--json")
    assert result.exit_code == 1
    [row] = results_of(result)
    assert row["status"] == "failed"
    assert "was stored for https://www.linkedin.com" in row["message"]
    assert practice.world.sign_in_attempts == []


def test_bad_origin_and_damaged_files_are_bad_input(practice, member, optout_home, tmp_path):
    member(on=True)
    for origin in ("http://127.0.0.1:99999", "http://[::1", "ftp://example.com"):
        result = invoke("run", "linkedin", "--origin", origin)
        assert result.exit_code == 2, origin
        assert "is not a web address" in result.stderr
    folder = tmp_path / "recipes"
    folder.mkdir()
    (folder / "bad.yaml").write_bytes(b"platform: \xff\xfe\n")
    result = invoke("--recipes", str(folder), "list")
    assert result.exit_code == 2 and "not UTF-8" in result.stderr
    (optout_home / "accounts.json").write_text("{not json")
    result = invoke("run", "linkedin", "--origin", practice.origin)
    assert result.exit_code == 2 and "accounts.json cannot be read" in result.stderr


def test_page_text_is_never_read_as_markup():
    from optout.cli import render
    from optout.domain.results import Result, Status

    with render.stdout.capture() as captured:
        render.results_table([Result("linkedin", "default", "x", "off", Status.FAILED,
                                     message="no [role=switch] on page [/x]")])
    assert "no [role=switch] on page [/x]" in captured.get()


def test_an_account_stored_for_an_origin_runs_there_without_repeating_it(practice, member):
    """Stored with --origin (the practice platform): later runs go there without --origin,
    rather than to the real site."""
    ada = member(on=True)  # stored for practice.origin
    result = invoke("run", "linkedin", "--json")
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert (row["status"], row["verified"]) == ("changed", True)
    assert practice.world.setting(ada.username, GEN_AI) is False


def test_a_slip_in_a_command_name_is_answered_with_did_you_mean():
    result = invoke("rn")
    assert result.exit_code == 2 and "Did you mean 'run'?" in result.output


@pytest.mark.parametrize("command", [["run", "linkedin"], ["login", "linkedin"]])
def test_an_origin_naming_a_page_is_refused_not_dropped(command):
    result = invoke(*command, "--origin", "http://127.0.0.1:8700/feed/?x=1")
    assert result.exit_code == 2, result.output
    assert "names a page; --origin takes only where a site is (http://127.0.0.1:8700)" in \
        " ".join(result.stderr.split())
