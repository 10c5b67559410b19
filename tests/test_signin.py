"""Sign-in as real accounts meet it: authenticator codes, emailed codes, security checks, sessions
that expire, signing in by hand, and hostile recipes that try to send the password elsewhere."""

from __future__ import annotations

import time
from pathlib import Path

import pyotp
import pytest
from flask import Flask, redirect

from optout.app.runner import RunOptions, execute, run_sync, sign_in_by_hand
from optout.domain.accounts import Account
from optout.domain.results import Mode
from optout.practice.linkedin import GEN_AI
from optout.practice.server import Served
from optout.recipe import load_recipes
from optout.recipe.job import Job, Resources
from optout.store import credentials
from optout.store.credentials import KeyringSecrets
from optout.store.files import data_dir
from optout.store.sessions import EncryptedSessions
from tests.attacker import hostile_recipe
from tests.conftest import approved, invoke, results_of

# LinkedIn's toggle and sign-in; its objection form is tested in test_catalogue.
pytestmark = pytest.mark.usefixtures("linkedin_toggle_only")

PASSWORD = "pw-correct-horse-battery"
SECRET = pyotp.random_base32()


class Person:
    """Stands in for the person at the terminal; acts through the world or the visible page."""

    present = True

    def __init__(self, *, code=None, agree=True, act=None):
        self.code, self.agree, self.act = code, agree, act
        self.asked: list[str] = []
        self.handed: list[str] = []

    async def ask_code(self, prompt: str, account=None) -> str | None:
        self.asked.append(prompt)
        return self.code() if self.code else None

    async def agrees_to_finish_by_hand(self, reason: str) -> bool:
        return self.agree

    async def finish_by_hand(self, page, reason: str) -> None:
        self.handed.append(reason)
        if self.act:
            await self.act(page)


def store(practice, *, password=PASSWORD, totp=None, username="ada@example.com"):
    credentials.store(Account("linkedin", "default", username, (practice.origin,)), password, totp)


def engine_run(practice, person, mode=Mode.RUN):
    recipe = load_recipes()["linkedin"].with_origin(practice.origin)
    [account] = credentials.accounts("linkedin")
    resources = Resources(secrets=KeyringSecrets(), sessions=EncryptedSessions(),
                          evidence_dir=data_dir() / "evidence", person=person)
    job = Job(recipe, account, list(recipe.settings))
    return run_sync(execute([job], mode, resources, RunOptions(hand_off_headless=True)))


def cli_run(practice, *args):
    started = time.monotonic()
    result = invoke("run", "linkedin", "--origin", practice.origin, "--json", *args)
    return result, time.monotonic() - started


# --- authenticator codes -------------------------------------------------------------------------


def test_authenticator_accounts_opt_out_unattended(practice, memory_keyring):
    practice.world.add_user("ada@example.com", PASSWORD, totp_secret=SECRET)
    login = invoke("login", "linkedin", "--username", "ada@example.com", "--origin",
                   practice.origin, "--password-stdin", "--totp-stdin",
                   input=f"{PASSWORD}\notpauth://totp/LinkedIn:ada?secret={SECRET}&issuer=LinkedIn\n")
    assert login.exit_code == 0, login.output
    assert "authenticator secret" in login.stdout
    assert memory_keyring.items[("optout:linkedin:totp", "default")].endswith("issuer=LinkedIn")
    result, _ = cli_run(practice)
    assert result.exit_code == 0, result.output
    assert results_of(result)[0]["status"] == "changed"
    assert practice.world.user("ada@example.com").sign_ins == 1


def test_a_wrong_authenticator_secret_is_reported(practice):
    practice.world.add_user("ada@example.com", PASSWORD, totp_secret=SECRET)
    store(practice, totp=pyotp.random_base32())
    result, _ = cli_run(practice)
    assert result.exit_code == 1
    [row] = results_of(result)
    assert row["status"] == "failed" and "rejected the authenticator code" in row["message"]
    assert practice.world.setting("ada@example.com", GEN_AI) is True


def test_an_authenticator_page_without_a_stored_secret_needs_a_person(practice):
    practice.world.add_user("ada@example.com", PASSWORD, totp_secret=SECRET)
    store(practice)
    result, _ = cli_run(practice)
    assert result.exit_code == 3
    [row] = results_of(result)
    assert row["status"] == "needs_human" and "--totp" in row["message"]


def test_login_refuses_a_secret_that_is_not_one(memory_keyring):
    result = invoke("login", "linkedin", "--username", "ada", "--password-stdin", "--totp-stdin",
                    input="pw-123456\nnot a secret!\n")
    assert result.exit_code == 2 and "not an authenticator secret" in result.stderr
    assert memory_keyring.items == {}


# --- codes sent by email -------------------------------------------------------------------------


def test_an_emailed_code_without_a_terminal_stops_at_once(practice):
    practice.world.add_user("ada@example.com", PASSWORD, faults={"unusual_sign_in"})
    store(practice)
    result, seconds = cli_run(practice)
    assert result.exit_code == 3
    [row] = results_of(result)
    assert row["status"] == "needs_human" and "in a terminal" in row["message"]
    assert seconds < 20  # the requirement: at once, never hang without a terminal
    assert practice.world.setting("ada@example.com", GEN_AI) is True


def test_an_emailed_code_is_asked_from_the_person(practice):
    practice.world.add_user("ada@example.com", PASSWORD, faults={"unusual_sign_in"})
    store(practice)
    person = Person(code=lambda: practice.world.user("ada@example.com").sent_codes[-1])
    [row] = engine_run(practice, person)
    assert row.status.value == "changed" and row.verified
    assert person.asked == ["LinkedIn (default): LinkedIn sent a verification code. Enter the code"]


def test_a_wrong_emailed_code_is_reported(practice):
    practice.world.add_user("ada@example.com", PASSWORD, faults={"unusual_sign_in"})
    store(practice)
    [row] = engine_run(practice, Person(code=lambda: "000000x"))
    assert row.status.value == "failed" and "rejected the verification code" in row.message


# --- security checks -----------------------------------------------------------------------------


def test_a_security_check_without_a_terminal_needs_a_person_quickly(practice):
    practice.world.add_user("ada@example.com", PASSWORD, faults={"security_check"})
    store(practice)
    result, seconds = cli_run(practice)
    assert result.exit_code == 3
    [row] = results_of(result)
    assert row["status"] == "needs_human" and "security check" in row["message"]
    assert "never solves" in row["message"]
    assert seconds < 20
    assert practice.world.setting("ada@example.com", GEN_AI) is True


def test_a_security_check_is_finished_by_the_person_in_a_visible_browser(practice, optout_home):
    practice.world.add_user("ada@example.com", PASSWORD, faults={"security_check"})
    store(practice)

    async def solve(page):  # the person solves it, in the visible browser only
        await page.get_by_role("button", name="I'm not a robot").click()

    person = Person(act=solve)
    [row] = engine_run(practice, person)
    assert person.handed == ["LinkedIn is showing a security check."]
    assert row.status.value == "changed" and row.verified
    assert practice.world.setting("ada@example.com", GEN_AI) is False
    # The session the person finished is kept: the next run signs in no more.
    sign_ins = practice.world.user("ada@example.com").sign_ins
    [again] = engine_run(practice, Person(agree=False), mode=Mode.CHECK)
    assert again.status.value == "ok"
    assert practice.world.user("ada@example.com").sign_ins == sign_ins


def test_a_person_may_decline_the_security_check(practice):
    practice.world.add_user("ada@example.com", PASSWORD, faults={"security_check"})
    store(practice)
    [row] = engine_run(practice, Person(agree=False))
    assert row.status.value == "needs_human"


# --- signing in by hand, and sessions that expire ------------------------------------------------


def sign_in_yourself(practice):
    async def act(page):
        await page.get_by_label("Email or phone").fill("ada@example.com")
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Sign in", exact=True).click()

    return act


def test_signing_in_by_hand_keeps_the_session_and_no_password(practice, memory_keyring):
    practice.world.add_user("ada@example.com", PASSWORD)
    recipe = load_recipes()["linkedin"].with_origin(practice.origin)
    account = Account("linkedin", "default", None, (practice.origin,))
    resources = Resources(secrets=KeyringSecrets(), sessions=EncryptedSessions(),
                          evidence_dir=data_dir() / "evidence",
                          person=Person(act=sign_in_yourself(practice)))
    credentials.store(Account("linkedin", "default", "ada@example.com", (practice.origin,)),
                      "an-old-password")
    run_sync(sign_in_by_hand(Job(recipe, account, []), resources, RunOptions(hand_off_headless=True)))
    credentials.store(account, None)  # what `login --by-hand` does once the person is in
    assert ("optout:linkedin", "default") not in memory_keyring.items
    assert practice.world.sign_in_attempts == [("ada@example.com", PASSWORD)]  # typed by the person
    result, _ = cli_run(practice)
    assert result.exit_code == 0, result.output
    assert results_of(result)[0]["status"] == "changed"


def test_login_by_hand_without_a_terminal_says_so():
    result = invoke("login", "linkedin", "--by-hand")
    assert result.exit_code == 3 and "needs a person" in result.stderr


def test_an_expired_session_signs_in_again_with_stored_credentials(practice):
    practice.world.add_user("ada@example.com", PASSWORD)
    store(practice)
    assert cli_run(practice)[0].exit_code == 0
    practice.world.expire_sessions("ada@example.com")
    check = invoke("check", "linkedin", "--origin", practice.origin, "--json")
    assert check.exit_code == 0, check.output
    assert results_of(check)[0]["status"] == "ok"
    assert practice.world.user("ada@example.com").sign_ins == 2


def test_an_expired_session_without_a_password_says_how_to_renew(practice):
    practice.world.add_user("ada@example.com", PASSWORD)
    store(practice)
    assert cli_run(practice)[0].exit_code == 0
    credentials.store(Account("linkedin", "default", None, (practice.origin,)), None)
    practice.world.expire_sessions("ada@example.com")
    check = invoke("check", "linkedin", "--origin", practice.origin, "--json")
    assert check.exit_code == 3
    [row] = results_of(check)
    assert row["status"] == "needs_human" and "expired" in row["message"]
    assert "--by-hand" in row["message"]


# --- bounded waits -------------------------------------------------------------------------------


def test_a_page_that_never_finishes_fails_naming_the_step_and_page(practice):
    ada = practice.world.add_user("ada@example.com", PASSWORD)
    store(practice)
    assert cli_run(practice, "--dry-run")[0].exit_code == 4  # signed in, session saved
    ada.faults.add("hang")
    result, seconds = cli_run(practice, "--timeout", "3")
    assert result.exit_code == 1
    [row] = results_of(result)
    assert row["status"] == "failed"
    page = "/mypreferences/d/settings/data-for-ai-improvement"
    assert f"{page} did not finish loading within 3 s" in row["message"]
    assert "while reading Data for Generative AI Improvement" in row["message"]
    assert seconds < 30


def test_a_flaky_page_is_retried(practice):
    practice.world.add_user("ada@example.com", PASSWORD, faults={"flaky"})
    store(practice)
    result, _ = cli_run(practice)
    assert result.exit_code == 0, result.output
    assert results_of(result)[0]["status"] == "changed"


# --- origin binding ------------------------------------------------------------------------------


@pytest.fixture
def redirector(recorder):
    """The 'platform' of a hostile recipe: every page redirects to the recorder's sign-in form."""
    app = Flask("redirector")
    app.add_url_rule("/<path:anything>", "out", lambda anything: redirect(recorder.origin + "/login"))
    with Served(app) as served:
        yield served


def test_a_redirect_to_another_origin_stops_before_anything_is_typed(tmp_path, recorder, redirector):
    folder = hostile_recipe(tmp_path / "hostile", redirector.origin)
    credentials.store(Account("linkedin", "default", "ada@example.com", (redirector.origin,)), PASSWORD)
    result = invoke("--recipes", str(approved(folder)), "run", "linkedin", "--json")
    assert result.exit_code == 1
    [row] = results_of(result)
    assert row["status"] == "failed" and "went off LinkedIn's allowed origins" in row["message"]
    # Even with its origin approved by name, the redirect elsewhere is caught.
    verify = invoke("--recipes", str(folder), "login", "linkedin", "--account", "other",
                    "--username", "ada@example.com", "--password-stdin", "--verify",
                    "--trust-origin", redirector.origin, input=f"{PASSWORD}\n")
    assert verify.exit_code == 1
    assert "Refused to type credentials" in verify.stderr and "Nothing was stored" in verify.stderr
    assert not recorder.saw(PASSWORD) and {r["method"] for r in recorder.received} <= {"GET"}


def test_a_sign_in_form_posting_elsewhere_is_refused(tmp_path, practice, recorder):
    """The allowed origin serves a sign-in form whose action is another origin."""
    app = Flask("crossposter")
    form = ('<form method="post" action="{}/login"><label for="u">Email or phone</label>'
            '<input id="u" name="u"><label for="p">Password</label>'
            '<input id="p" name="p" type="password"><button>Sign in</button></form>')
    app.add_url_rule("/login", "login", lambda: form.format(recorder.origin))
    app.add_url_rule("/mypreferences/d/settings/data-for-ai-improvement", "s",
                     lambda: redirect("/login"))
    with Served(app) as platform:
        folder = hostile_recipe(tmp_path / "hostile", platform.origin)
        credentials.store(Account("linkedin", "default", "ada@example.com", (platform.origin,)),
                          PASSWORD)
        result = invoke("--recipes", str(approved(folder)), "run", "linkedin", "--json")
    assert result.exit_code == 1
    [row] = results_of(result)
    assert "sign-in form would send the" in row["message"] and "nothing was typed" in row["message"]
    assert recorder.received == []


# --- secret hygiene ------------------------------------------------------------------------------


def test_no_secret_appears_in_anything_written_or_printed(practice, optout_home):
    practice.world.add_user("ada@example.com", PASSWORD, totp_secret=SECRET)
    outputs = [invoke("login", "linkedin", "--username", "ada@example.com", "--origin",
                      practice.origin, "--password-stdin", "--totp-stdin",
                      input=f"{PASSWORD}\n{SECRET}\n").output]
    for args in (["--debug", "run"], ["check"], ["--debug", "check"]):
        outputs.append(invoke(*args, "linkedin", "--origin", practice.origin, "--json").output)
    practice.world.expire_sessions("ada@example.com")  # the next run signs in again, under --debug
    outputs.append(invoke("--debug", "run", "linkedin", "--origin", practice.origin).output)
    assert practice.world.user("ada@example.com").sign_ins == 2
    secrets = [PASSWORD, SECRET, *practice.world.issued_cookies]
    for text in outputs:
        for secret in secrets:
            assert secret not in text
    files = [p for p in optout_home.rglob("*")]
    assert any(p.suffix == ".png" for p in files) and any(p.suffix == ".session" for p in files)
    for path in files:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), path
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, path


def test_screenshots_mask_password_and_sensitive_fields(tmp_path):
    """Playwright paints masked elements in one colour; read the pixels back in the browser."""
    from playwright.async_api import async_playwright

    from optout.browser.evidence import capture
    from optout.browser.launch import launch
    from optout.recipe import Target

    html = ('<input type="password" id="p" value="hunter2hunter2" style="width:200px;height:40px">'
            '<input id="e" value="ada@example.com" style="width:200px;height:40px">'
            '<input id="plain" value="nothing secret" style="width:200px;height:40px">')

    async def go():
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await browser.new_page()
            await page.set_content(html)
            paths = await capture(page, tmp_path, "masks", {}, [Target(css="#e")])
            png = Path(paths["screenshot"]).read_bytes()
            colours = {}
            for element in ("p", "e", "plain"):
                box = await page.locator(f"#{element}").bounding_box()
                colours[element] = await page.evaluate(
                    """async ([png, x, y]) => {
                        const image = new Image();
                        image.src = URL.createObjectURL(new Blob([new Uint8Array(png)]));
                        await image.decode();
                        const canvas = document.createElement("canvas");
                        canvas.width = image.width; canvas.height = image.height;
                        const context = canvas.getContext("2d");
                        context.drawImage(image, 0, 0);
                        return Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3));
                    }""", [list(png), box["x"] + 20, box["y"] + box["height"] / 2])
            await browser.close()
            return colours, Path(paths["snapshot"]).read_text()

    colours, snapshot = run_sync(go())
    assert colours["p"] == colours["e"] == [255, 0, 255]  # Playwright's mask colour
    assert colours["plain"] != [255, 0, 255]
    assert "hunter2hunter2" not in snapshot and "ada@example.com" not in snapshot
    assert "nothing secret" in snapshot


def test_login_verify_needing_a_person_exits_3(practice):
    practice.world.add_user("ada@example.com", PASSWORD, faults={"unusual_sign_in"})
    result = invoke("login", "linkedin", "--username", "ada@example.com", "--origin",
                    practice.origin, "--password-stdin", "--verify", input=f"{PASSWORD}\n")
    assert result.exit_code == 3
    assert "in a terminal" in result.stderr and "Nothing was stored" in result.stderr


def test_an_account_stored_without_origins_is_never_typed_anywhere(practice):
    practice.world.add_user("ada@example.com", PASSWORD)
    credentials.store(Account("linkedin", "default", "ada@example.com"), PASSWORD)
    result, _ = cli_run(practice)
    assert result.exit_code == 1
    assert "no record of the origins" in results_of(result)[0]["message"]
    assert practice.world.sign_in_attempts == []


def test_a_saved_session_sent_to_a_challenge_answers_it_without_the_password(practice):
    ada = practice.world.add_user("ada@example.com", PASSWORD)
    store(practice)
    assert cli_run(practice, "--dry-run")[0].exit_code == 4  # signed in, session saved
    ada.faults.add("recheck")
    attempts = len(practice.world.sign_in_attempts)
    person = Person(code=lambda: ada.sent_codes[-1])
    [row] = engine_run(practice, person)
    assert row.status.value == "changed" and row.verified
    assert len(person.asked) == 1
    assert len(practice.world.sign_in_attempts) == attempts  # no password typed again


def test_an_otpauth_address_in_capitals_still_makes_codes():
    from optout.signin.totp import current_code, normalise_secret

    secret = normalise_secret("OTPAUTH://totp/LinkedIn:ada?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert current_code(secret).isdigit() and len(current_code(secret)) == 6


def test_a_recipe_not_pointed_at_a_twins_sign_in_origin_types_nothing_there(practice, profile):
    """The platform's sign-in is on another origin: a run that points only the platform's own
    origin at the twin (as every run did before twins had two) is refused at the second."""
    username, password = "ada@chatgpt.example", "pw-chatgpt-secret"
    practice.world.add_user(username, password)
    origin = practice.origin_of("chatgpt")
    credentials.store(Account("chatgpt", "default", username, (origin,)), password)
    result = invoke("run", "chatgpt", "--origin", origin, "--json")
    assert result.exit_code != 0
    assert "went off ChatGPT's allowed origins" in result.output, result.output
    assert "to http://localhost:" in result.output
    assert practice.world.sign_in_attempts == [] and practice.world.handovers == []


def test_a_twins_sign_in_origin_given_with_origin_from_to_signs_in_across_both(practice,
                                                                              profile):
    username, password = "ada@adobe.example", "pw-adobe-secret"
    practice.world.add_user(username, password)
    origin, sign_in = practice.origin_of("adobe"), practice.sign_in_origins["adobe"]
    stand_in = f"https://auth.services.adobe.com={sign_in}"
    stdin = f"{password}\n"
    stored = invoke("login", "adobe", "--username", username, "--password-stdin",
                    "--origin", origin, "--origin", stand_in, input=stdin)
    assert stored.exit_code == 0, stored.output
    assert sign_in in stored.output  # its credentials go only to both origins, named
    result = invoke("run", "adobe", "--origin", origin, "--json")
    assert result.exit_code == 0, result.output
    assert practice.world.handovers == [username]
