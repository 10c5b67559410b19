"""Every result for the right person: the fresh read notes whose account the page shows (where
the recipe names where the platform shows it), and a page signed in as someone else is failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from optout.domain.accounts import Account
from optout.domain.identity import Identity
from optout.domain.targets import Target
from optout.store import credentials
from tests.conftest import invoke, results_of
from tests.twin_accounts import store

HANDLE = Identity(shown_by=Target(css="a"), attribute="href", pattern="^/([A-Za-z0-9_]+)$",
                  kind="handle", source="https://example.com")


def run_x(practice, username: str, faults=frozenset()):
    origin = practice.origin_of("x")
    practice.world.add_user(username, "pw-x-secret", faults=set(faults))
    credentials.store(Account("x", "default", username, (origin,)), "pw-x-secret")
    rows = results_of(invoke("run", "x", "--origin", origin, "--json"))
    return {r["setting"]: r for r in rows}["grok-training"]


def identity_in(row) -> dict | str:
    return json.loads(Path(row["evidence"]["record"]).read_text())["identity"]


def test_the_page_signed_in_as_the_account_is_noted_with_the_proof(practice):
    row = run_x(practice, "@ada_lovelace")
    assert row["status"] == "changed" and row["verified"], row["message"]
    assert identity_in(row) == {"shown": "ada_lovelace", "kind": "handle", "matches": True}


def test_a_page_signed_in_as_someone_else_is_never_verified(practice):
    """An account switcher left on another account: the page answers for someone else."""
    row = run_x(practice, "@ada_lovelace", faults={"switched_account"})
    assert row["status"] == "failed" and not row["verified"], row
    assert row["message"].startswith("Nothing was changed: the page is signed in as "
                                     "someone_else, and the account is for @ada_lovelace")
    assert practice.world.setting("@ada_lovelace", "grok-training") is True  # left alone


def test_an_identity_of_another_kind_is_noted_and_not_compared(practice):
    """Signed in with an email where the platform shows a handle: said, never claimed."""
    row = run_x(practice, "ada@x.example")
    assert row["verified"] and "not compared" in row["message"]
    assert identity_in(row)["matches"] is None


def test_identities_compare_as_the_platform_writes_them():
    assert HANDLE.read("/Ada_L") == "Ada_L" and HANDLE.read("/i/flow/login") is None
    assert HANDLE.compare("Ada_L", "@ada_l") is True
    assert HANDLE.compare("Ada_L", "bob") is False
    assert HANDLE.compare("Ada_L", "ada@example.com") is None  # an email: not comparable
    assert HANDLE.compare("Ada_L", None) is None
    email = HANDLE.model_copy(update={"kind": "email"})
    assert email.compare("Ada@Example.com", " ada@example.com") is True
    assert email.compare("ada@example.com", "@ada") is None


@pytest.mark.parametrize(("pattern", "says"), [("[", "not a regular expression"),
                                               ("^/\\w+$", "needs a group")])
def test_an_identity_pattern_that_cannot_work_is_refused(pattern, says):
    with pytest.raises(ValidationError, match=says):
        Identity(**{**HANDLE.model_dump(), "pattern": pattern})


def test_an_identity_in_the_answer_the_page_loads_is_heard_and_compared(practice):
    """ChatGPT's page asks /api/auth/session who is signed in; optout listens, never asks."""
    origin = practice.origin_of("chatgpt")
    assert store(practice, "chatgpt", faults={"switched_account"}) == "ada@chatgpt.example"
    rows = {r["setting"]: r for r in results_of(invoke("run", "chatgpt", "--origin", origin,
                                                         "--json"))}
    row = rows["improve-the-model"]
    assert row["status"] == "failed" and "signed in as someone_else@example.com" in row["message"]
    assert practice.world.setting("ada@chatgpt.example", "improve-the-model") is True
    practice.world.user("ada@chatgpt.example").faults.clear()
    rows = {r["setting"]: r for r in results_of(invoke("run", "chatgpt", "--origin", origin,
                                                         "--json"))}
    assert rows["improve-the-model"]["verified"]
    assert identity_in(rows["improve-the-model"])["matches"] is True


def profile_signed_in_as(practice, folder: Path, username: str) -> None:
    """A profile folder the person signed in to by hand (`login --profile`), here by a script."""
    from optout.app.runner import RunOptions, run_sync, sign_in_to_profile
    from optout.recipe import load_recipes
    from optout.recipe.job import Job

    class Person:
        present = True

        async def finish_by_hand(self, page, reason):
            await page.get_by_label("Phone, email, or username").fill(username)
            await page.get_by_role("button", name="Next").click()
            await page.get_by_label("Password", exact=True).fill("pw-x-secret")
            await page.get_by_role("button", name="Log in", exact=True).click()

    origin = practice.origin_of("x")
    recipe = load_recipes()["x"].with_origin(origin)
    job = Job(recipe, Account("x", "browser", None, (origin,)), [])
    run_sync(sign_in_to_profile(job, RunOptions(profile_dir=folder, hand_off_headless=True),
                                Person()))


def test_a_profile_folder_is_filed_under_and_bound_to_the_identity_seen_there_first(
        practice, tmp_path):
    """--profile results were filed under `browser` whoever was signed in; switching the folder
    to another person filed that person's state under the first's name."""
    origin = practice.origin_of("x")
    practice.world.add_user("@ada_lovelace", "pw-x-secret")
    folder = tmp_path / "profile"
    profile_signed_in_as(practice, folder, "@ada_lovelace")
    run = ["--profile", str(folder), "--origin", origin, "--setting", "grok-training", "--json"]
    first = invoke("run", "x", *run)
    [row] = results_of(first)
    assert (row["account"], row["status"], row["verified"]) == ("ada_lovelace", "changed", True)

    # The same folder now shows another person signed in: nothing is changed or verified.
    practice.world.user("@ada_lovelace").faults.add("switched_account")
    practice.world.user("@ada_lovelace").settings["grok-training"] = True
    again = invoke("run", "x", *run)
    [row] = results_of(again)
    assert row["status"] == "failed" and not row["verified"]
    assert "signed in as someone_else, and the account is for ada_lovelace" in row["message"]
    assert practice.world.setting("@ada_lovelace", "grok-training") is True  # left alone
    statuses = json.loads(invoke("status", "--json").stdout)["settings"]
    assert {s["account"] for s in statuses} == {"ada_lovelace"}


def test_linkedin_s_identity_is_read_where_its_settings_app_shows_the_email(practice):
    """LinkedIn shows the member's email on its account preferences page (the settings app's
    "Sign in & security" answer), not on the AI setting's page: read there, once per context."""
    from optout.practice.linkedin import GEN_AI

    practice.world.add_user("ada@example.com", "pw-li-secret", settings={GEN_AI: True})
    credentials.store(Account("linkedin", "default", "ada@example.com", (practice.origin,)),
                      "pw-li-secret")
    run = ["linkedin", "--origin", practice.origin, "--setting",
           "data-for-generative-ai-improvement", "--json"]
    [row] = results_of(invoke("run", *run))
    assert row["verified"], row["message"]
    assert identity_in(row) == {"shown": "ada@example.com", "kind": "email", "matches": True}
    # The browser's session is now another member's: nothing is read or changed as Ada's.
    practice.world.user("ada@example.com").faults.add("switched_account")
    practice.world.user("ada@example.com").settings[GEN_AI] = True
    [row] = results_of(invoke("run", *run))
    assert row["status"] == "failed" and not row["verified"]
    assert "signed in as someone.else@example.com, and the account is for ada@example.com" in \
        row["message"]
    assert practice.world.setting("ada@example.com", GEN_AI) is True
