"""The kinds of setting the live sites need: done by hand, regions, verify-it-stays, a button and
menu, a switch in a dialog opened from a row, a path naming the account's blog; in runs, guides and
the listing."""

from __future__ import annotations

import json

from optout.domain.accounts import Account
from optout.recipe import load_recipes
from optout.store import credentials
from tests.conftest import invoke, results_of
from tests.twin_accounts import store

RECIPES = load_recipes()


def test_every_setting_says_where_it_applies_and_the_catalogue_has_thirty_platforms():
    platforms = json.loads(invoke("list", "--json").stdout)["platforms"]
    assert len(platforms) >= 30
    for platform in platforms:
        for setting in platform["settings"]:
            assert setting["regions"], (platform["platform"], setting["id"])
            assert setting["live_verified"] is None
    kinds = {s["type"] for p in platforms for s in p["settings"]}
    assert kinds == {"toggle", "form", "menu", "manual"}
    # Every shipped setting states its regions itself: none relies on the default.
    for recipe in RECIPES.values():
        for setting in recipe.settings:
            assert "regions" in setting.model_fields_set, (recipe.platform, setting.id)


def test_an_email_request_is_an_entry_with_its_email_and_never_verified(optout_home):
    run = invoke("run", "slack", "--json")
    assert run.exit_code == 3  # a person has to send it
    [row] = results_of(run)
    assert (row["status"], row["verified"], row["after"]) == ("needs_human", False, None)
    assert "optout done slack global-model-opt-out" in row["message"]

    guide = invoke("guide", "slack", "--out", str(optout_home / "guides"))
    assert guide.exit_code == 0, guide.output
    text = (optout_home / "guides" / "slack.md").read_text()
    assert "feedback@slack.com" in text and "Slack Global model opt-out request" in text
    assert "Sign in" not in text  # nothing to sign in to

    done = invoke("done", "slack", "global-model-opt-out")
    assert done.exit_code == 0, done.output
    [row] = json.loads(invoke("status", "--json").stdout)["settings"]
    assert (row["platform"], row["status"], row["verified"]) == ("slack", "marked_done", False)
    again = invoke("run", "slack", "--json")
    assert again.exit_code == 0
    [row] = results_of(again)
    assert row["status"] == "marked_done" and not row["verified"]
    assert "cannot check it" in row["message"]


def test_what_cannot_be_marked_done_or_signed_in_to_says_why():
    by_browser = invoke("done", "linkedin", "data-for-generative-ai-improvement")
    assert by_browser.exit_code == 2 and "optout run linkedin --setting" in by_browser.stderr
    unknown = invoke("done", "slack", "nosuch")
    assert unknown.exit_code == 2 and "global-model-opt-out" in unknown.stderr
    nothing = invoke("login", "slack", "--username", "a@example.com", "--password-stdin",
                     input="pw\n")
    assert nothing.exit_code == 2 and "done by hand" in nothing.stderr
    by_hand = invoke("login", "grok", "--username", "a@example.com", "--password-stdin",
                     input="pw\n")
    assert by_hand.exit_code == 2 and "--by-hand" in by_hand.stderr


def test_a_setting_of_other_regions_is_not_applicable_and_no_browser_starts(optout_home):
    assert invoke("profile", "--country", "United States").exit_code == 0
    credentials.store(Account("facebook", "default", "ada@example.com"), "pw-unused")
    # /bin/false is no browser: the answer comes before any is needed.
    result = invoke("run", "facebook", "--browser", "/bin/false", "--json")
    assert result.exit_code == 0, result.output
    rows = results_of(result)
    assert {r["status"] for r in rows} == {"not_applicable"}
    assert all("EU/EEA/UK/CH/BR" in r["message"] and "United States" in r["message"] for r in rows)
    guide = invoke("guide", "facebook", "--out", str(optout_home / "guides"))
    assert guide.exit_code == 0
    assert "Applies in the EU/EEA/UK/CH/BR only" in (optout_home / "guides" / "facebook.md").read_text()


def test_a_default_that_must_stay_is_checked_and_a_flip_is_drift(practice, profile):
    username = store(practice, "youtube")
    origin = practice.origin_of("youtube")
    first = invoke("check", "youtube", "--origin", origin, "--json")
    assert first.exit_code == 0, first.output
    assert results_of(first)[0]["status"] == "ok"
    practice.world.store(username, "third-party-training", True)  # the platform flips it
    flipped = invoke("check", "youtube", "--origin", origin, "--json")
    assert flipped.exit_code == 4
    [row] = results_of(flipped)
    assert (row["status"], row["before"]) == ("drift", "on")
    fixed = invoke("run", "youtube", "--origin", origin, "--json")
    assert fixed.exit_code == 0, fixed.output
    assert results_of(fixed)[0]["status"] == "changed"
    assert practice.world.setting(username, "third-party-training") is False


def test_the_readmes_catalogue_is_the_recipes():
    from pathlib import Path

    from optout.output.catalogue import readme_section

    readme = (Path(__file__).parent.parent / "docs" / "catalogue.md").read_text()
    assert readme_section(RECIPES.values()) in readme, (
        "README's catalogue is stale: run `python -m optout.output.catalogue`")


def test_a_menu_in_a_row_changes_only_its_own_row(practice, profile):
    username = store(practice, "github-copilot")
    result = invoke("run", "github-copilot", "--origin", practice.origin_of("github-copilot"),
                    "--json")
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert (row["status"], row["before"], row["after"], row["verified"]) == (
        "changed", "on", "off", True)
    assert practice.world.setting(username, "ai-model-training") is False
    # The dropdown beside it, alike but for "product improvements", is left as it was.
    assert practice.world.setting(username, "product-improvements") is True


def test_a_blog_named_in_the_path_is_asked_for_at_login(memory_keyring):
    missing = invoke("login", "tumblr", "--username", "a@example.com", "--password-stdin",
                     input="pw\n")
    assert missing.exit_code == 2 and "--detail blog=" in missing.stderr
    unsafe = invoke("login", "tumblr", "--detail", "blog=../../settings", "--username",
                    "a@example.com", "--password-stdin", input="pw\n")
    assert unsafe.exit_code == 2 and "letters, digits" in unsafe.stderr
    unknown = invoke("login", "tumblr", "--detail", "site=x", "--username", "a@example.com",
                     "--password-stdin", input="pw\n")
    assert unknown.exit_code == 2 and "asks for blog" in unknown.stderr
    stored = invoke("login", "tumblr", "--detail", "blog=my-blog", "--username",
                    "a@example.com", "--password-stdin", input="pw\n")
    assert stored.exit_code == 0, stored.output
    [account] = credentials.accounts("tumblr")
    assert dict(account.details) == {"blog": "my-blog"}


def test_a_path_may_name_only_details_the_recipe_declares(tmp_path):
    import pytest

    from optout.domain.errors import RecipeError

    text = RECIPES["tumblr"].file.read_text().replace("  blog: \"The blog's name", "  name: \"x")
    (tmp_path / "tumblr.yaml").write_text(text)
    with pytest.raises(RecipeError, match="not one of account_details"):
        load_recipes([tmp_path])["tumblr"]  # (read when asked for)
