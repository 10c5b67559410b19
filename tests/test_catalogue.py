"""The catalogue: every recipe against its practice twin, forms, scan, run --all, languages."""

from __future__ import annotations

import json
from pathlib import Path

import pycountry
import pytest

from optout.domain.accounts import Account
from optout.domain.regions import GROUPS
from optout.domain.results import Result, Status
from optout.engine.proof import WENT_OFF
from optout.engine.scan import controls as scan_controls
from optout.engine.witness import DISAGREES
from optout.practice import TWINS
from optout.practice.inbox import PracticeInbox
from optout.practice.twin import load_specs
from optout.practice.world import BUILDS, CAUGHT, STAYED
from optout.recipe import load_recipes
from optout.store import credentials
from optout.store.history import History
from tests.conftest import approved, invoke, results_of
from tests.twin_accounts import store

RECIPES = load_recipes()
NAMED_IN_THE_ISSUE = {"linkedin", "x", "facebook", "instagram", "chatgpt", "copilot"}


AUTOMATED = sorted(p for p, r in RECIPES.items() if r.needs_account)
SPECS = load_specs()


def a_country_where_it_applies(platform: str) -> str:
    """A country where every setting of the platform applies (the profile's is the UK)."""
    regions = {r for s in RECIPES[platform].settings for r in s.regions}
    if regions & {"all", "UK"} or not regions:
        return "United Kingdom"
    region = sorted(regions)[0]
    code = sorted(GROUPS[region])[0] if region in GROUPS else region
    return pycountry.countries.get(alpha_2=code).name


def test_the_catalogue_lists_fifteen_platforms_with_sources():
    result = invoke("list", "--json")
    platforms = {p["platform"]: p for p in json.loads(result.stdout)["platforms"]}
    assert len(platforms) >= 15
    assert platforms.keys() >= NAMED_IN_THE_ISSUE
    assert {"data-for-generative-ai-improvement", "data-processing-objection"} <= {
        s["id"] for s in platforms["linkedin"]["settings"]}
    assert {s["id"] for s in platforms["copilot"]["settings"]} == {"model-training-text",
                                                                  "model-training-voice"}
    types = {s["type"] for p in platforms.values() for s in p["settings"]}
    assert types == {"toggle", "form", "menu", "manual"}
    for p in platforms.values():
        for s in p["settings"]:
            assert s["source"].startswith("https://"), (p["platform"], s["id"])
            assert s["live_verified"] is None  # nothing here can reach the live sites


def test_every_recipe_that_signs_in_has_a_twin():
    assert set(AUTOMATED) <= TWINS


def drawn_builds(platform: str) -> list[str]:
    """The builds that draw this platform's twin differently (LinkedIn's hand-written twin draws
    its switch in either form)."""
    return (["standard", "other-roles", "pressed", "wanders", "other-words", "placeholder-only",
             "email-first", "live-consent"]
            if platform == "linkedin"
            else SPECS[platform].builds())


@pytest.mark.parametrize(("platform", "build"),
                         [(p, b) for p in AUTOMATED for b in drawn_builds(p)])
def test_each_recipe_passes_against_every_build_of_its_twin(platform, build, practice, profile,
                                                             inbox):
    """The README's matrix (recipe x build) says what this finds, cell by cell; a build that
    draws a twin as its standard build does is not run again here."""
    practice.world.build = build
    username = store(practice, platform)
    origin = practice.origin_of(platform)
    assert invoke("profile", "--country", a_country_where_it_applies(platform)).exit_code == 0
    result = invoke("run", platform, "--origin", origin, "--json")
    rows = results_of(result)
    # Where the live sign-in is on another origin, the twin's is too: the person came back
    # from there with its ticket, and the credentials were typed there, never on the first.
    if platform in practice.sign_in_origins:
        assert practice.world.handovers == [username], practice.world.handovers
    settings = {s.id: s for s in RECIPES[platform].settings}
    assert [r["setting"] for r in rows] == list(settings)
    if build == "lies":  # the page shows off while the platform keeps on: never verified
        for row in rows:
            witness = getattr(settings[row["setting"]], "witness", None)
            assert not (row["verified"] and row["status"] == "changed"), row
            if witness is not None:
                assert row["status"] == "failed" and DISAGREES in row["message"], row
        assert matrix_cell(platform, build) == CAUGHT
        return
    if build == "wanders":  # every page with a state goes elsewhere once loaded: nothing read
        read = [r for r in rows if settings[r["setting"]].needs_browser
                and not settings[r["setting"]].is_form]
        assert read and all(not r["verified"] and WENT_OFF in r["message"] for r in read), [
            r["message"] for r in read]
        assert matrix_cell(platform, build) == STAYED
        return
    for row in rows:
        setting = settings[row["setting"]]
        if not setting.needs_browser:  # done by hand: never claimed
            assert row["status"] == "needs_human" and not row["verified"], row
            continue
        # A default that is already as desired is left alone, and verified on a fresh load.
        expected = "already" if setting.verify_it_stays else "changed"
        assert row["status"] == expected and row["verified"], row["message"]
        assert row["after"] == row["desired"]
    by_hand = [s for s in settings.values() if not s.needs_browser]
    assert result.exit_code == (3 if by_hand else 0), result.output
    # Every control the evidence says to switch (the twin's opt_outs) was switched.
    for key, default in (SPECS[platform].documented_defaults().items() if platform in SPECS
                         else {}.items()):
        assert practice.world.setting(username, key, default) is not default, key
    user = practice.world.user(username)
    forms = [s for s in settings.values() if s.is_form]
    assert len(user.submissions) == len(forms)
    for sent in user.submissions:  # filled from the profile, the objection text included
        assert "ada@example.com" in sent.answers.values() or "Ada Lovelace" in sent.answers.values()
        assert any("object" in v.lower() for v in sent.answers.values())
    assert practice.world.destructive_clicks == []  # never the neighbour that deletes
    assert "accepted" not in practice.world.consent_answers  # never consent on their behalf
    if build == "live-consent":  # the live banner, refused by the rule written for it
        assert "rejected" in practice.world.consent_answers
        rule = SPECS[platform].consent
        assert rule is not None and any(  # (its test passed, where the rule has one)
            f"rule {rule.rule!r}: refused, {done}" in answer for answer in consent_answered(rows)
            for done in ("its test passed", "it has no test")), rows
    assert matrix_cell(platform, build) == "verified"
    if build != "standard":
        return
    # A separate check reads every toggle afresh: the twin kept what the run switched.
    check = invoke("check", platform, "--origin", origin, "--json")
    assert {r["status"] for r in results_of(check) if settings[r["setting"]].needs_browser} == {
        "ok"}


def consent_answered(rows: list[dict]) -> list[str]:
    """How each setting's page's consent banners were answered, from its evidence record."""
    return [answer for row in rows if (row.get("evidence") or {}).get("record")
            for answer in json.loads(Path(row["evidence"]["record"]).read_text())
            .get("consent_answered", [])]


def test_the_matrix_has_every_recipe_on_every_build():
    for platform in AUTOMATED:
        for build in BUILDS:
            lied_to = build == "lies" and platform in SPECS and SPECS[platform].witnesses
            wandered = build == "wanders" and build in drawn_builds(platform)
            expected = CAUGHT if lied_to else STAYED if wandered else "verified"
            assert matrix_cell(platform, build) == expected, (platform, build)


def matrix_cell(platform: str, build: str) -> str:
    """What the README's robustness matrix says of a recipe on a build of its twin."""
    readme = (Path(__file__).parent.parent / "docs" / "catalogue.md").read_text(encoding="utf-8")
    rows = readme[readme.index("<!-- matrix:"):readme.index("<!-- end of matrix -->")]
    lines = rows.splitlines()
    header = [cell.strip(" `") for cell in lines[1].strip("|").split("|")]
    for line in lines[3:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0] == platform:
            return cells[header.index(build)]
    return "missing"


def test_a_form_is_sent_once_unless_asked_again(practice, profile, tmp_path):
    username = store(practice, "facebook")
    origin = practice.origin_of("facebook")
    first = invoke("run", "facebook", "--origin", origin, "--json")
    [sent] = results_of(first)
    assert (sent["status"], sent["verified"]) == ("changed", True)
    confirmation = sent["evidence"]["confirmation"]
    assert "your request will be applied going forward" in confirmation

    again = invoke("run", "facebook", "--origin", origin, "--json")
    assert again.exit_code == 0
    [row] = results_of(again)
    assert row["status"] == "already"
    assert "Sent on 20" in row["message"] and "--resubmit" in row["message"]
    assert len(practice.world.user(username).submissions) == 1

    check = invoke("check", "facebook", "--origin", origin, "--json")
    assert (check.exit_code, results_of(check)[0]["status"]) == (0, "ok")

    proof = tmp_path / "proof.html"
    assert invoke("report", "--html", str(proof)).exit_code == 0
    page = proof.read_text()
    assert confirmation[:40] in page and "Sent by optout and confirmed" in page

    resent = invoke("run", "facebook", "--origin", origin, "--resubmit", "--json")
    assert results_of(resent)[0]["status"] == "changed"
    assert len(practice.world.user(username).submissions) == 2
    with History() as history:
        assert history.resets() == []  # a form sent again is not a setting turned back


def test_a_form_not_yet_sent_is_drift_for_check_and_would_change_for_a_dry_run(practice):
    username = store(practice, "instagram")
    origin = practice.origin_of("instagram")
    check = invoke("check", "instagram", "--origin", origin, "--json")
    assert (check.exit_code, results_of(check)[0]["status"]) == (4, "drift")
    dry = invoke("run", "instagram", "--origin", origin, "--dry-run", "--json")
    assert (dry.exit_code, results_of(dry)[0]["status"]) == (4, "would_change")
    # A (scheduled) check --fix never files an objection: forms go only with `optout run`.
    fix = invoke("check", "instagram", "--fix", "--origin", origin, "--json")
    assert (fix.exit_code, results_of(fix)[0]["status"]) == (4, "drift")
    assert practice.world.user(username).submissions == []


def test_a_form_without_a_profile_asks_for_one_and_sends_nothing(practice):
    username = store(practice, "linkedin")
    result = invoke("run", "linkedin", "--origin", practice.origin, "--json")
    assert result.exit_code == 3
    toggle, form = results_of(result)
    assert toggle["status"] == "changed"
    assert form["status"] == "needs_human"
    assert "optout profile --name ... --email ..." in form["message"]
    assert practice.world.user(username).submissions == []


def facebook_recipe(tmp_path, *replacements: tuple[str, str]):
    """An override of the Facebook recipe with some words changed."""
    text = RECIPES["facebook"].file.read_text()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "facebook.yaml").write_text(text)
    return str(approved(tmp_path))


NO_CONFIRMATION = ('{text: ["your request will be applied going forward", "We will honour your '
                   'objection", "We\'ve received your request", "richiesta verrà applicata '
                   'd\'ora in avanti"]}')


def test_a_form_sent_without_a_confirmation_needs_a_person_and_is_not_sent_again(
        practice, profile, tmp_path):
    username = store(practice, "facebook")
    folder = facebook_recipe(tmp_path, (NO_CONFIRMATION, "{text: a confirmation never shown}"))
    origin = practice.origin_of("facebook")
    result = invoke("--recipes", folder, "run", "facebook", "--origin", origin, "--timeout", "4",
                    "--json")
    assert result.exit_code == 3
    [row] = results_of(result)
    assert (row["status"], row["verified"], row["after"]) == ("needs_human", False, "unconfirmed")
    assert "No confirmation" in row["message"] and row["evidence"]["screenshot"]
    again = invoke("--recipes", folder, "run", "facebook", "--origin", origin, "--json")
    assert again.exit_code == 3 and "Not sent again" in results_of(again)[0]["message"]
    assert len(practice.world.user(username).submissions) == 1  # the platform has it once


def test_a_form_answered_too_late_is_never_sent_twice(practice, profile):
    username = store(practice, "facebook", faults={"slow_save"})  # kept at once, answered late
    practice.world.slow_seconds = 6  # later than the click and the answer may take together
    origin = practice.origin_of("facebook")
    result = invoke("run", "facebook", "--origin", origin, "--timeout", "2", "--json")
    assert result.exit_code == 3
    [row] = results_of(result)
    assert (row["status"], row["after"]) == ("needs_human", "unconfirmed")
    assert "will not be sent again" in row["message"]
    again = invoke("run", "facebook", "--origin", origin, "--json")
    assert results_of(again)[0]["status"] == "needs_human"
    assert len(practice.world.user(username).submissions) == 1


def test_a_form_sent_again_is_not_a_reset(optout_home):
    sent = Result(platform="facebook", account="a", setting="ai-objection", desired="submitted",
                  status=Status.CHANGED, before="not submitted", after="submitted", verified=True)
    with History() as history:
        run = history.start_run("run facebook")
        assert history.record(run, sent, "v1", "https://www.facebook.com") is None
        assert history.record(run, sent, "v1", "https://www.facebook.com") is None
        assert history.resets() == []


def test_snapshot_controls_are_read_as_yaml():
    snapshot = ("- heading \"Settings\" [level=1]\n"
                "- 'switch \"AI: use my data for training\" [checked]'\n"
                "- checkbox \"Use my \\\"posts\\\" to train models\"\n"
                "- paragraph: switch \"Use AI training\" is described here\n"
                "- form \"Objection\":\n  - textbox \"Email\"\n")
    assert scan_controls(snapshot) == [("switch", "AI: use my data for training", "on"),
                                       ("checkbox", 'Use my "posts" to train models', "off")]
    assert ("form", "Objection", None) in scan_controls(snapshot, only_ai=False)


def test_a_form_the_platform_refuses_is_failed_and_may_be_sent_later(practice, profile,
                                                                      tmp_path):
    username = store(practice, "facebook")
    # An answer the twin refuses (HTTP 400: a required field left empty, by a recipe that
    # looks for the email box under another label and takes it as optional).
    folder = facebook_recipe(tmp_path, ('{label: ["Email address", "E-Mail-Adresse", "Adresse '
                                        'e-mail", "Indirizzo e-mail"]}, from: email}',
                                        '{label: "Not on this form"}, from: email, optional: true}'))
    origin = practice.origin_of("facebook")
    result = invoke("--recipes", folder, "run", "facebook", "--origin", origin, "--json")
    assert result.exit_code == 1
    [row] = results_of(result)
    assert (row["status"], row["verified"]) == ("failed", False)
    assert "was not sent" in row["message"] and "HTTP 400" in row["message"]
    assert practice.world.user(username).submissions == []
    later = invoke("run", "facebook", "--origin", origin, "--json")
    assert results_of(later)[0]["status"] == "changed"


def test_a_confirmation_already_on_the_page_proves_nothing(practice, profile, tmp_path):
    username = store(practice, "facebook")
    folder = facebook_recipe(tmp_path, (NO_CONFIRMATION, "{text: Email address}"))
    result = invoke("--recipes", folder, "run", "facebook", "--origin",
                    practice.origin_of("facebook"), "--json")
    assert result.exit_code == 1
    assert "recipe needs an update" in results_of(result)[0]["message"]
    assert practice.world.user(username).submissions == []


def test_the_browser_asks_for_english_pages(practice):
    store(practice, "x")
    assert invoke("run", "x", "--origin", practice.origin_of("x")).exit_code == 0
    assert practice.world.languages
    assert all(language.startswith("en-US") for language in practice.world.languages)


def test_run_all_mixes_toggles_and_forms_in_one_browser_and_one_summary(practice, profile, inbox):
    platforms = ["linkedin", "x", "facebook", "chatgpt", "claude"]
    for platform in platforms:
        store(practice, platform)
    origins = [arg for p in platforms for arg in ("--origin", f"{p}={practice.origin_of(p)}")]
    result = invoke("run", "--all", *origins, "--json")
    # ChatGPT's audio recordings, Codex's environments and its signed-out choice are done by
    # hand: a person is asked, nothing is claimed.
    assert result.exit_code == 3, result.output
    by_hand = [r for r in results_of(result) if r["status"] == "needs_human"]
    assert [(r["platform"], r["setting"]) for r in by_hand] == [
        ("chatgpt", "audio-recordings"), ("chatgpt", "codex-include-environments"),
        ("chatgpt", "signed-out-browser")]
    rows = [r for r in results_of(result) if r not in by_hand]
    assert {r["platform"] for r in rows} == set(platforms)
    kinds = {(r["platform"], r["after"]) for r in rows}
    assert ("facebook", "submitted") in kinds and ("linkedin", "submitted") in kinds
    assert ("x", "off") in kinds and ("claude", "off") in kinds
    assert all(r["verified"] for r in rows)


def test_scan_finds_an_ai_toggle_the_twin_has_and_the_recipe_lacks(practice):
    store(practice, "x", faults={"new_ai_toggle"})
    result = invoke("scan", "x", "--origin", practice.origin_of("x"), "--json")
    assert result.exit_code == 4, result.output
    [account] = json.loads(result.stdout)["accounts"]
    found = {(c["name"], c["covered_by"]) for c in account["controls"]}
    assert ("Use my content to train our new AI assistant", None) in found
    assert any(covered == "grok-training" for _, covered in found)
    table = invoke("scan", "x", "--origin", practice.origin_of("x"))
    assert "not covered" in table.stdout and "no recipe covers yet" in table.stdout


def test_scan_of_an_unchanged_platform_reports_covered_controls_only(practice):
    store(practice, "chatgpt")
    result = invoke("scan", "chatgpt", "--origin", practice.origin_of("chatgpt"), "--json")
    assert result.exit_code == 0, result.output
    [account] = json.loads(result.stdout)["accounts"]
    assert [(c["name"], c["covered_by"], c["state"]) for c in account["controls"]] == [
        ("Improve the model for everyone", "improve-the-model", "on")]
    assert "/settings/data-controls" in account["controls"][0]["page"]  # its own address, a dialog


def test_scan_all_finds_every_recipe_control_on_its_twin_and_nothing_uncovered(practice, inbox):
    for platform in AUTOMATED:
        store(practice, platform)
    origins = [arg for p in AUTOMATED for arg in ("--origin", f"{p}={practice.origin_of(p)}")]
    result = invoke("scan", "--all", *origins, "--json")
    assert result.exit_code == 0, result.output
    found = [(a["platform"], c) for a in json.loads(result.stdout)["accounts"]
             for c in a["controls"]]
    assert {(p, c["covered_by"]) for p, c in found if c["covered_by"]} == {
        (p, s.id) for p, r in RECIPES.items() for s in r.settings if s.needs_browser}
    # What is not covered is known and left alone on purpose, with the reason (Figma's switch
    # for its AI features, which is not about training; an ads box on Pinterest's page).
    assert [(p, c["name"]) for p, c in found if not c["covered_by"]] == [
        ("figma", "AI features"),
        ("pinterest", "Use info from our partners to improve which ads you see")]
    assert all(c["left_alone"] for _, c in found if not c["covered_by"])


def test_scan_keeps_what_it_found_when_one_page_does_not_match(practice, tmp_path):
    store(practice, "x", faults={"new_ai_toggle"})
    text = RECIPES["x"].file.read_text() + """
  - id: extra
    title: Extra
    path: /settings
    steps:
      - click: {role: link, name: Gone}
    control: {role: switch, name: Whatever the AI does}
    desired: "off"
    source: https://help.x.com/en/using-x/about-grok
    live_verified: null
"""
    (tmp_path / "x.yaml").write_text(text)
    result = invoke("--recipes", str(tmp_path), "scan", "x", "--origin",
                    practice.origin_of("x"), "--timeout", "3", "--json")
    assert result.exit_code == 1
    [account] = json.loads(result.stdout)["accounts"]
    assert "Use my content to train our new AI assistant" in {c["name"] for c in account["controls"]}
    assert 'link "Gone"' in account["problem"]


def test_a_step_that_is_gone_is_a_recipe_mismatch_with_evidence(practice, tmp_path):
    store(practice, "dropbox")
    recipe = RECIPES["dropbox"].file.read_text().replace(
        "{role: tab, name: Third-party AI}", "{role: tab, name: Data and privacy}")
    (tmp_path / "dropbox.yaml").write_text(recipe)
    result = invoke("--recipes", str(approved(tmp_path)), "run", "dropbox", "--origin",
                    practice.origin_of("dropbox"), "--timeout", "4", "--json")
    assert result.exit_code == 1
    [row] = results_of(result)
    assert "recipe needs an update" in row["message"] and 'tab "Data and privacy"' in row["message"]
    assert row["evidence"]["snapshot"]


def test_only_the_settings_asked_for(practice, profile):
    username = store(practice, "linkedin")
    result = invoke("run", "linkedin", "--origin", practice.origin, "--setting",
                    "data-processing-objection", "--json")
    [form] = results_of(result)
    assert form["setting"] == "data-processing-objection"
    # LinkedIn's confirmation carries a case number: the reference kept as proof.
    [sent] = practice.world.user(username).submissions
    assert form["evidence"]["reference"] == sent.reference
    assert f"Reference: {sent.reference}" in form["message"]
    assert practice.world.user(username).save_requests == 0
    bad = invoke("run", "linkedin", "--origin", practice.origin, "--setting", "nope")
    assert bad.exit_code == 2 and "No setting 'nope'" in bad.stderr


def test_passwordless_platforms_store_no_password_and_ask_for_the_emailed_code(practice,
                                                                               monkeypatch):
    username = "ada@claude.example"
    practice.world.add_user(username, "never-used")
    origin = practice.origin_of("claude")
    stored = invoke("login", "claude", "--username", username, "--origin", origin)
    assert stored.exit_code == 0 and "has no password" in stored.stdout
    assert invoke("login", "claude", "--username", username, "--password-stdin",
                  input="x\n").exit_code == 2
    alone = invoke("run", "claude", "--origin", origin, "--json")  # nobody to read the code
    assert alone.exit_code == 3
    assert "verification code" in results_of(alone)[0]["message"]
    monkeypatch.setattr("optout.signin.person.from_terminal", lambda: PracticeInbox(practice.world))
    result = invoke("run", "claude", "--origin", origin, "--json")
    assert result.exit_code == 0, result.output
    assert results_of(result)[0]["verified"] is True
    assert practice.world.sign_in_attempts == []  # no password was ever posted


def test_profile_is_kept_and_checked(optout_home, tmp_path):
    bad = invoke("profile", "--email", "not-an-email")
    assert bad.exit_code == 2 and "not an email address" in bad.stderr
    objection = tmp_path / "objection.txt"
    objection.write_text("I object, in my own words.\n")
    assert invoke("profile", "--name", "Ada Lovelace", "--objection-file",
                  str(objection)).exit_code == 0
    shown = json.loads(invoke("profile", "--json").stdout)
    assert shown == {"name": "Ada Lovelace", "email": None, "country": None,
                     "objection": "I object, in my own words."}
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    assert invoke("profile", "--objection-file", str(empty)).exit_code == 2


def test_origin_per_platform_is_checked(practice):
    store(practice, "x")
    result = invoke("run", "--all", "--origin", "nosuch=http://127.0.0.1:1")
    assert result.exit_code == 2 and "Unknown platform 'nosuch'" in result.stderr


def test_a_per_site_account_names_its_site(practice):
    missing = invoke("login", "squarespace", "--username", "me@example.com", "--password-stdin",
                     input="pw\n")
    assert missing.exit_code == 2 and "--origin" in missing.stderr
    assert invoke("login", "squarespace", "--username", "me@example.com", "--password-stdin",
                  "--origin", "https://ada.squarespace.com", input="pw\n").exit_code == 0
    [account] = credentials.accounts("squarespace")
    # The site, and the platform's shared login page, are where the password may be typed.
    assert account.origins == ("https://ada.squarespace.com", "https://login.squarespace.com")


def test_bulk_fills_each_members_forms_with_the_rosters_details(practice, tmp_path):
    practice.world.add_user("grace@example.com", "pw-grace")
    roster = tmp_path / "members.csv"
    roster.write_text("platform,account,username,password_command,name,email,country\n"
                      "facebook,grace,grace@example.com,printf %s pw-grace,Grace Hopper,"
                      "grace@example.com,Ireland\n")
    origin = practice.origin_of("facebook")
    result = invoke("bulk", str(roster), "--origin", origin, "--json", "--send-forms")
    assert result.exit_code == 0, result.output
    [sent] = practice.world.user("grace@example.com").submissions
    assert "grace@example.com" in sent.answers.values()
    roster.write_text("platform,account,username,email\nfacebook,grace,grace@example.com,nope\n")
    bad = invoke("bulk", str(roster), "--origin", origin)
    assert bad.exit_code == 2 and "row 2, column 'email'" in bad.stderr


def test_a_per_site_roster_row_needs_its_site(practice, tmp_path):
    roster = tmp_path / "members.csv"
    roster.write_text("platform,account,username,password_command\n"
                      "squarespace,ada,ada@example.com,printf %s pw\n")
    result = invoke("bulk", str(roster))
    assert result.exit_code == 2 and "its own site" in result.stderr
    placeholder = invoke("login", "squarespace", "--username", "me@example.com",
                         "--password-stdin", "--origin", RECIPES["squarespace"].origin,
                         input="pw\n")
    assert placeholder.exit_code == 2 and credentials.accounts("squarespace") == []


def test_a_form_is_sent_once_per_person_whatever_the_account_name(practice, profile):
    """The same person under another account name is told it was sent; another person under a
    name the first one used is not."""
    origin = practice.origin_of("facebook")
    for person in ("ada", "bob"):
        practice.world.add_user(f"{person}@facebook.example", f"pw-{person}-secret")

    def as_account(name: str, person: str):
        credentials.store(Account("facebook", name, f"{person}@facebook.example", (origin,)),
                          f"pw-{person}-secret")
        [row] = results_of(invoke("run", "facebook", "--account", name, "--origin", origin,
                                  "--json"))
        return row

    assert as_account("default", "ada")["status"] == "changed"
    again = as_account("work", "ada")
    assert again["status"] == "already" and "Sent on 20" in again["message"], again
    assert len(practice.world.user("ada@facebook.example").submissions) == 1
    other = as_account("default", "bob")  # the name ada's form went out under
    assert other["status"] == "changed" and other["verified"], other
    assert len(practice.world.user("bob@facebook.example").submissions) == 1
