"""Working where people already are: the person's own signed-in browser, attached with --cdp.

The "person's browser" is a real Chromium started with remote debugging and a profile folder of
its own; the test signs in to the practice twin there first, as the person would by hand.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator

import pytest
from flask import Flask, jsonify
from playwright.async_api import async_playwright

from optout.app.runner import run_sync
from optout.browser.launch import find_browser
from optout.domain.accounts import Account
from optout.practice.linkedin import GEN_AI
from optout.practice.server import Served
from optout.store import credentials
from tests.conftest import invoke, results_of

pytestmark = pytest.mark.usefixtures("linkedin_toggle_only")

PASSWORD = "pw-typed-by-the-person"


@pytest.fixture
def own_browser(tmp_path) -> Iterator[tuple[subprocess.Popen, str]]:
    """A Chromium with remote debugging on a free port; (its process, its --cdp address)."""
    process = subprocess.Popen(
        [find_browser(None), "--headless=new", "--remote-debugging-port=0",
         f"--user-data-dir={tmp_path / 'profile'}", "--no-first-run", "--no-sandbox",
         "about:blank"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert process.stderr is not None
    for line in process.stderr:
        found = re.search(r"DevTools listening on ws://([^/]+)/", line)
        if found:
            break
    else:
        pytest.fail("the browser never said where it listens")
    yield process, f"http://{found[1]}"
    process.kill()
    process.wait()


async def _as_the_person(cdp: str, practice, *, sign_in: bool) -> dict:
    """Sign in by hand in the person's browser (or only look); what their browser shows."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.connect_over_cdp(cdp)
        profile = browser.contexts[0]
        page = await profile.new_page()
        if sign_in:
            await page.goto(practice.origin + "/login")
            await page.get_by_label("Email or phone").fill("ada@example.com")
            await page.get_by_label("Password", exact=True).fill(PASSWORD)
            await page.get_by_role("button", name="Sign in", exact=True).click()
            await page.wait_for_url(lambda url: "/login" not in url)
        await page.goto(practice.origin + "/mypreferences/d/settings/data-for-ai-improvement")
        seen = {"url": page.url, "tabs": len(profile.pages)}
        await page.close()
        await browser.close()  # disconnects; the person's browser keeps running
        return seen


def test_a_run_in_the_person_s_own_browser(practice, own_browser, optout_home):
    process, cdp = own_browser
    practice.world.add_user("ada@example.com", PASSWORD, settings={GEN_AI: True})
    before = run_sync(_as_the_person(cdp, practice, sign_in=True))
    attempts = len(practice.world.sign_in_attempts)
    result = invoke("run", "linkedin", "--cdp", cdp, "--origin", practice.origin, "--json")
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    # Filed under whom LinkedIn's page shows signed in, not under one name for everyone.
    assert (row["status"], row["verified"], row["account"]) == ("changed", True, "ada@example.com")
    assert practice.world.setting("ada@example.com", GEN_AI) is False
    assert len(practice.world.sign_in_attempts) == attempts  # nothing typed by optout
    # Nothing of the person's stored by optout, and their browser still running, signed in,
    # with only their own tabs.
    assert credentials.accounts("linkedin") == []
    assert not (optout_home / "sessions").exists()
    assert process.poll() is None
    after = run_sync(_as_the_person(cdp, practice, sign_in=False))
    assert "/login" not in after["url"] and after["tabs"] == before["tabs"]
    check = invoke("check", "linkedin", "--cdp", cdp, "--origin", practice.origin, "--json")
    assert check.exit_code == 0 and results_of(check)[0]["status"] == "ok", check.output


def test_a_browser_that_is_not_signed_in_is_the_person_s_to_sign_in(practice, own_browser):
    _, cdp = own_browser
    practice.world.add_user("ada@example.com", PASSWORD)
    result = invoke("run", "linkedin", "--cdp", cdp, "--origin", practice.origin, "--json")
    assert result.exit_code == 3, result.output
    [row] = results_of(result)
    assert row["status"] == "needs_human" and "sign in to LinkedIn there yourself" in row["message"]
    assert practice.world.sign_in_attempts == []


@pytest.mark.parametrize(("cdp", "problem"), [
    ("http://127.0.0.1:9", "No browser answered"),
    ("practice", "No browser answered"),  # a web server, but not a browser
    ("http://192.0.2.1:9222", "not on this machine"),
    ("ftp://127.0.0.1:9222", "--cdp must be an address"),
])
def test_a_cdp_address_that_is_no_browser_is_bad_input(practice, cdp, problem):
    cdp = practice.origin if cdp == "practice" else cdp
    result = invoke("run", "linkedin", "--cdp", cdp, "--origin", practice.origin)
    assert result.exit_code == 2, result.output
    assert problem in result.stderr and "Traceback" not in result.output


def test_a_local_answer_naming_a_websocket_elsewhere_is_not_followed(practice):
    """A local port answered /json/version with a ws:// address on another machine: connecting
    there would send the browser's control over the network in clear."""
    app = Flask("not-quite-a-browser")
    app.add_url_rule("/json/version", "version", lambda: jsonify(
        webSocketDebuggerUrl="ws://192.0.2.1:9222/devtools/browser/x"))
    with Served(app) as local:
        result = invoke("run", "linkedin", "--cdp", local.origin, "--origin", practice.origin)
    assert result.exit_code == 2, result.output
    assert "ws://192.0.2.1:9222 is not on this machine" in result.stderr


def test_login_with_cdp_checks_the_person_s_browser_and_stores_nothing(practice, own_browser):
    _, cdp = own_browser
    practice.world.add_user("ada@example.com", PASSWORD)
    signed_out = invoke("login", "linkedin", "--cdp", cdp, "--origin", practice.origin)
    assert signed_out.exit_code == 3 and "not signed in to LinkedIn" in signed_out.stderr
    run_sync(_as_the_person(cdp, practice, sign_in=True))
    signed_in = invoke("login", "linkedin", "--cdp", cdp, "--origin", practice.origin)
    assert signed_in.exit_code == 0, signed_in.output
    assert "signed in to LinkedIn; nothing was stored" in signed_in.stdout
    # The run it suggests goes to the same place, not to the real site.
    assert f"optout run linkedin --origin {practice.origin} --cdp {cdp}" in signed_in.stdout
    assert credentials.accounts("linkedin") == []


def test_a_trace_replays_the_run_and_holds_no_secret(practice, member, tmp_path):
    """--trace writes one Playwright trace per account; the password typed at sign-in (an action
    argument, an input's value in the DOM snapshots) is in none of its entries, in any form."""
    import zipfile
    from urllib.parse import quote_plus

    ada = member(on=True)
    traces = tmp_path / "traces"
    result = invoke("run", "linkedin", "--origin", practice.origin, "--trace", str(traces),
                    "--json")
    assert result.exit_code == 0, result.output
    [trace] = list(traces.iterdir())
    assert trace.name == "linkedin-default.zip" and trace.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(trace) as archive:
        names = archive.namelist()
        assert any(name.endswith(".trace") for name in names)
        everything = b"".join(archive.read(name) for name in names)
    assert b'"fill"' in everything or b"fill" in everything  # the sign-in was recorded…
    for form in (ada.password, quote_plus(ada.password)):
        assert form.encode() not in everything  # …without the password
    # …and without the session: no cookie value the run ended with, in any encoding.
    from optout.domain.accounts import Account
    from optout.redact import encoded_forms
    from optout.store.sessions import EncryptedSessions
    kept = EncryptedSessions().load(Account("linkedin", "default", ada.username), practice.origin)
    values = [c["value"] for c in kept["cookies"] if len(c["value"]) >= 8]
    assert values  # the twin's session cookies (li_at, the app's session)
    for value in values:
        for form in encoded_forms(value):
            assert form.encode() not in everything, form


def test_a_profile_folder_signed_in_by_hand_is_used_as_it_is(practice, tmp_path):
    """`login --profile DIR` opens the sign-in page on that folder for the person (here a
    script); runs with --profile then work there, and optout stores nothing."""
    practice.world.add_user("ada@example.com", PASSWORD, settings={GEN_AI: True})
    folder = tmp_path / "optout-profile"

    class Person:
        present = True

        async def finish_by_hand(self, page, reason):
            await page.get_by_label("Email or phone").fill("ada@example.com")
            await page.get_by_label("Password", exact=True).fill(PASSWORD)
            await page.get_by_role("button", name="Sign in", exact=True).click()

    from optout.app.runner import RunOptions, sign_in_to_profile
    from optout.domain.accounts import Account
    from optout.recipe import load_recipes
    from optout.recipe.job import Job

    recipe = load_recipes()["linkedin"].with_origin(practice.origin)
    job = Job(recipe, Account("linkedin", "browser", None, (practice.origin,)), [])
    run_sync(sign_in_to_profile(job, RunOptions(profile_dir=folder, hand_off_headless=True),
                                Person()))
    attempts = len(practice.world.sign_in_attempts)
    result = invoke("run", "linkedin", "--profile", str(folder), "--origin", practice.origin,
                    "--json")
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert (row["status"], row["verified"]) == ("changed", True)
    assert practice.world.setting("ada@example.com", GEN_AI) is False
    assert len(practice.world.sign_in_attempts) == attempts
    assert credentials.accounts("linkedin") == []


def test_live_confirmations_count_only_the_real_site(optout_home):
    """A setting verified on the origin the shipped recipe uses is a live confirmation of that
    recipe; one verified on the practice platform or a test server is not."""
    from optout.domain.results import Result, Status
    from optout.recipe import load_recipes
    from optout.store.history import History

    def verified(platform: str, setting: str) -> Result:
        return Result(platform=platform, account="ada-private", setting=setting, desired="off",
                      status=Status.CHANGED, before="on", after="off", verified=True)

    x_setting = load_recipes()["x"].settings[0].id
    with History() as history:
        run = history.start_run("run")
        history.record(run, verified("linkedin", "data-for-generative-ai-improvement"),
                       "abc123def456", "https://www.linkedin.com")
        history.record(run, verified("x", x_setting), "abc123def456", "http://127.0.0.1:5000")
    listed = {p["platform"]: {s["id"]: s for s in p["settings"]}
              for p in json.loads(invoke("list", "--json").stdout)["platforms"]}
    gen_ai = listed["linkedin"]["data-for-generative-ai-improvement"]
    assert gen_ai["confirmed_live_by_you"] is not None
    assert gen_ai["live_verified"] is None  # the maintainers' own, untouched
    assert listed["x"][x_setting]["confirmed_live_by_you"] is None  # a test server
    lines = invoke("report", "--live").stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "linkedin/data-for-generative-ai-improvement: verified live on ")
    assert "recipe abc123def456" in lines[0]
    assert "ada" not in lines[0] and "127.0.0.1" not in lines[0]


def test_a_browser_closed_mid_run_records_nothing_as_failed(practice, own_browser, optout_home):
    """The person closes their browser while a page is loading: that account was not read to the
    end, so it is neither failed nor kept; the run says so and exits 3."""
    import sqlite3
    import threading
    import time

    process, cdp = own_browser
    practice.world.add_user("ada@example.com", PASSWORD)
    run_sync(_as_the_person(cdp, practice, sign_in=True))
    loads = practice.world.user("ada@example.com").settings_loads
    practice.world.user("ada@example.com").faults.add("hang")
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(result=invoke(
        "run", "linkedin", "--cdp", cdp, "--origin", practice.origin, "--json")))
    runner.start()
    deadline = time.monotonic() + 30
    while practice.world.user("ada@example.com").settings_loads == loads:
        assert time.monotonic() < deadline, "the run never loaded the page"
        time.sleep(0.05)
    process.kill()  # the person closes the browser
    runner.join(timeout=60)
    result = outcome["result"]
    assert result.exit_code == 3, result.output
    assert "Your browser closed: 0 of 1 accounts finished" in result.stderr
    history = sqlite3.connect(optout_home / "history.sqlite3")
    assert history.execute("SELECT count(*) FROM observations").fetchone()[0] == 0


async def _signed_in_to_x(cdp: str, origin: str, username: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.connect_over_cdp(cdp)
        page = await browser.contexts[0].new_page()
        await page.goto(origin + "/i/flow/login")
        await page.get_by_label("Phone, email, or username").fill(username)
        await page.get_by_role("button", name="Next").click()
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Log in", exact=True).click()
        await page.wait_for_url(lambda url: "/i/flow" not in url)
        await page.close()
        await browser.close()


def test_results_in_the_person_s_browser_are_filed_under_whom_the_page_shows(practice,
                                                                             own_browser):
    """--cdp results were filed under `browser` whoever was signed in: the browser switched to
    another account, and `check` reported a reset that was really another person."""
    _, cdp = own_browser
    origin = practice.origin_of("x")
    practice.world.add_user("@ada_lovelace", PASSWORD)
    run_sync(_signed_in_to_x(cdp, origin, "@ada_lovelace"))
    args = ["x", "--cdp", cdp, "--origin", origin, "--setting", "grok-training", "--json"]
    [row] = results_of(invoke("run", *args))
    assert (row["account"], row["status"], row["verified"]) == ("ada_lovelace", "changed", True)
    # The browser now shows another person (its state on): theirs, not a reset of Ada's.
    practice.world.user("@ada_lovelace").faults.add("switched_account")
    practice.world.user("@ada_lovelace").settings["grok-training"] = True
    check = invoke("check", *args)
    [row] = results_of(check)
    assert (row["account"], row["status"]) == ("someone_else", "drift"), row
    assert "turned back on" not in row["message"].lower() and "reset" not in row["message"]
    # Named with --account, the name is the person's choice; the reading is still someone_else's.
    [row] = results_of(invoke("check", *args, "--account", "home"))
    assert row["account"] == "home"


def test_a_form_is_sent_once_per_person_whatever_name_it_runs_under(practice, own_browser,
                                                                     monkeypatch):
    """One person's LinkedIn objection went out again from their own browser (`browser`),
    though it had been sent under a named account: the person is whom the page shows."""
    monkeypatch.delenv("OPTOUT_RECIPE_PATH")  # optout's own recipe, with its objection form
    _, cdp = own_browser
    assert invoke("profile", "--name", "Ada Lovelace", "--email", "ada.home@example.org",
                  "--country", "United Kingdom").exit_code == 0
    practice.world.add_user("ada@example.com", PASSWORD)
    credentials.store(Account("linkedin", "work", "ada@example.com", (practice.origin,)),
                      PASSWORD)
    form = ["--origin", practice.origin, "--setting", "data-processing-objection", "--json",
            "--send-forms"]
    [row] = results_of(invoke("run", "linkedin", "--account", "work", *form))
    assert row["status"] == "changed", row
    run_sync(_as_the_person(cdp, practice, sign_in=True))
    [row] = results_of(invoke("run", "linkedin", "--cdp", cdp, *form))
    assert row["account"] == "ada@example.com" and row["status"] != "changed", row
    assert len(practice.world.user("ada@example.com").submissions) == 1


@pytest.mark.parametrize("nowhere", [
    "http://127.0.0.1:9",  # refused: the tab stays on about:blank
    "https://nowhere.invalid",  # never resolves: the browser's error page, shown twice (a retry)
])
def test_a_page_that_cannot_be_opened_in_the_person_s_browser_ends_in_seconds(practice,
                                                                                own_browser,
                                                                                nowhere):
    """`run --cdp` logged the failure, then sat for ever closing the browser's error tab, and
    left it open in the person's browser."""
    _, cdp = own_browser
    before = run_sync(_as_the_person(cdp, practice, sign_in=False))
    started = time.monotonic()
    result = invoke("run", "linkedin", "--cdp", cdp, "--origin", nowhere,
                    "--timeout", "5", "--json")
    assert time.monotonic() - started < 60
    assert result.exit_code == 1, result.output
    assert "Could not open" in results_of(result)[0]["message"]
    after = run_sync(_as_the_person(cdp, practice, sign_in=False))
    assert after["tabs"] == before["tabs"]  # optout's tabs closed, the person's left alone


def test_run_all_in_the_person_s_browser_runs_only_where_it_is_signed_in(practice, own_browser):
    """`run --all --cdp` runs the platforms that browser is signed in to and skips the rest with
    one line: here LinkedIn's twin (signed in), X's twin (visited, not signed in) and every real
    site (never visited: no cookies, so not even opened)."""
    _, cdp = own_browser
    practice.world.add_user("ada@example.com", PASSWORD, settings={GEN_AI: True})
    before = run_sync(_as_the_person(cdp, practice, sign_in=True))
    result = invoke("run", "--all", "--cdp", cdp, "--origin", f"linkedin={practice.origin}",
                    "--origin", f"x={practice.origin_of('x')}", "--origin",
                    "squarespace=https://ada.squarespace.com", "--origin",
                    "substack=https://ada.substack.com", "--json")
    assert "results" in result.stdout, (result.stdout, result.stderr)
    rows = results_of(result)
    ran = {r["platform"] for r in rows if r["status"] != "needs_human"}
    assert ran == {"linkedin"}, rows
    assert practice.world.setting("ada@example.com", GEN_AI) is False
    line = " ".join(result.stderr.split())
    assert "Not signed in to" in line and "X," in line and "so they are skipped" in line
    assert "LinkedIn" not in line.split("skipped:")[1].split(".")[0]
    # Done by hand, whatever the browser: still given, as steps for the person.
    assert {"slack", "whatsapp"} <= {r["platform"] for r in rows if r["status"] == "needs_human"}
    after = run_sync(_as_the_person(cdp, practice, sign_in=False))
    assert after["tabs"] == before["tabs"]  # every tab optout opened is closed


def test_the_one_command_opt_out_in_the_person_s_browser(practice, own_browser, monkeypatch):
    """`optout start` (what `optout` alone runs at a terminal): where are you signed in (here, the person's
    running browser, signed in to LinkedIn's twin and not X's), runs those it is signed in to
    (asking before the form), ticks off the steps done by hand, writes the proof page and says
    how to re-check."""
    monkeypatch.setattr("optout.cli.consent.at_a_terminal", lambda: True)
    _, cdp = own_browser
    practice.world.add_user("ada@example.com", PASSWORD, settings={GEN_AI: True})
    run_sync(_as_the_person(cdp, practice, sign_in=True))
    assert invoke("profile", "--name", "Ada Lovelace", "--email", "ada@example.com",
                  "--country", "United Kingdom").exit_code == 0
    answers = ["1", cdp,  # where: the running browser, at this address
               "",  # sign in to no more now (LinkedIn's form is left out in this module)
               "1"]  # of the steps done by hand, the first is done
    twins = [arg for platform in ("linkedin", "x") for arg in
             ("--origin", f"{platform}={practice.origin_of(platform)}")]
    sites = ["--origin", "squarespace=https://ada.squarespace.com",
             "--origin", "substack=https://ada.substack.com"]
    result = invoke("start", *twins, *sites, input="\n".join(answers) + "\n")
    out = " ".join((result.stdout + result.stderr).split())
    assert "Where are you signed in to your accounts?" in out
    assert "Signed in: LinkedIn; not signed in:" in out
    assert practice.world.setting("ada@example.com", GEN_AI) is False
    assert "so they are skipped" in out and "X," in out
    assert re.search(r"\d+ steps optout cannot take for you", out)
    assert "Recorded" in out and "as done by you" in out
    assert "Wrote " in out and "report.html" in out
    assert "optout check --all --origin linkedin=" in out
    # What could not be looked at is never called "not signed in".
    assert "Could not tell" not in out
    assert result.exit_code == 3, result.output  # steps done by hand are left: a person's turn


def test_optout_alone_asks_at_a_terminal_and_prints_help_elsewhere(monkeypatch):
    alone = invoke()
    assert alone.exit_code == 0 and "Usage: " in alone.stdout and "start" in alone.stdout
    monkeypatch.setattr("optout.cli.consent.at_a_terminal", lambda: True)
    asked = invoke(input="3\n\n")  # stored passwords; store none now
    assert "Where are you signed in to your accounts?" in asked.stdout
    assert "Passwords stored for: none yet" in asked.stdout
    assert asked.exit_code == 2 and "optout login" in asked.stderr  # nothing to run yet
