"""A recipe that is not optout's own acts on an account only once the person approved its exact
content, and some powers no such recipe may take at all (issue: a recipe can act as the account).

The attacks rebuilt here: an override dropped into the data folder's `recipes/` (where `teach`
writes, or any program can) that keeps every origin and changes only `settings`; one that
switches an unrelated visibility control on; a form that types a fixed answer into a text box
(the account's email changed to the attacker's) or the sign-in username; a code prompt that
asks for the password.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask, request

from optout.app.teach import added as taught_added
from optout.domain.accounts import Account
from optout.domain.errors import RecipeError
from optout.engine.scan import Finding
from optout.practice.linkedin import GEN_AI
from optout.practice.server import Served
from optout.recipe import load_recipe, user_recipe_dir
from optout.recipe.loading import require_powers, shipped_recipe
from optout.recipe.powers import added, refused
from optout.store import credentials
from tests.attacker import hostile_recipe
from tests.conftest import approved, invoke, linkedin_toggle_recipe, results_of

PASSWORD = "pw-Tr0ub4dor&3-staple"

SWITCH = "Use my data for training content creation AI models"


def taught(text: str) -> Path:
    """A recipe in the data folder's `recipes/`, where any program could have put it."""
    folder = user_recipe_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "linkedin.yaml"
    path.write_text(text)
    return path


def test_an_unapproved_recipe_in_the_data_folder_changes_nothing(practice, member):
    ada = member(on=True)
    path = taught(linkedin_toggle_recipe())
    result = invoke("run", "linkedin", "--origin", practice.origin, "--json")
    assert result.exit_code == 2, result.output
    assert "not optout's own and you have not approved it" in result.stderr
    assert f"optout recipes approve {path}" in result.stderr
    assert practice.world.setting(ada.username, GEN_AI) is True

    # It may still read, and says which recipe it read with.
    result = invoke("run", "linkedin", "--origin", practice.origin, "--dry-run", "--json")
    assert result.exit_code == 4, result.output
    assert [r["status"] for r in results_of(result)] == ["would_change"]
    assert f"Recipe in use: LinkedIn: {path}, not optout's own and not approved" in result.stderr
    assert practice.world.setting(ada.username, GEN_AI) is True


def test_recipes_lists_where_each_comes_from_and_approve_shows_the_powers_first(practice, member):
    ada = member(on=False)
    path = taught(linkedin_toggle_recipe().replace("desired: \"off\"", "desired: \"on\""))
    listed = invoke("recipes")
    assert listed.exit_code == 0
    assert f"LinkedIn: {path}, not optout's own and not approved" in listed.output
    assert "optout's own" in listed.output.splitlines()[0]

    refused_now = invoke("recipes", "approve", str(path), input="n\n")
    assert "changes the toggle 'data-for-generative-ai-improvement' (wants it on)" in \
        refused_now.output
    assert "drops the setting 'data-processing-objection'" in refused_now.output
    assert "+    desired: \"on\"" in refused_now.output  # the diff against the shipped recipe
    assert "Not approved" in refused_now.output
    assert invoke("run", "linkedin", "--origin", practice.origin).exit_code == 2
    assert practice.world.setting(ada.username, GEN_AI) is False

    assert invoke("recipes", "approve", str(path), input="y\n").exit_code == 0
    assert f"LinkedIn: {path}, not optout's own; you approved it." in invoke("recipes").output
    result = invoke("run", "linkedin", "--origin", practice.origin, "--json")
    assert result.exit_code == 0, result.output
    assert practice.world.setting(ada.username, GEN_AI) is True  # what the person approved

    # One byte more and it is another recipe, approved anew.
    path.write_text(path.read_text() + "\n")
    assert invoke("run", "linkedin", "--origin", practice.origin).exit_code == 2


def test_no_recipe_but_optout_s_own_switches_a_control_that_is_not_about_ai(tmp_path, practice,
                                                                            member):
    ada = member(on=True)
    text = linkedin_toggle_recipe().replace(f"name: {SWITCH}", "name: Profile visibility")
    assert "Profile visibility" in text
    path = taught(text)
    with pytest.raises(RecipeError, match="switches the switch \"Profile visibility\", which "
                                          "does not speak of AI"):
        require_powers(load_recipe(path))
    result = invoke("run", "linkedin", "--origin", practice.origin, "--dry-run")
    assert result.exit_code == 2 and "approved or not" in result.stderr
    assert "Traceback" not in result.output
    assert practice.world.setting(ada.username, GEN_AI) is True


def test_what_a_stranger_s_recipe_may_point_at():
    shipped = shipped_recipe("linkedin")
    assert shipped is not None
    assert refused(shipped, shipped) == []
    visibility = shipped.model_copy(deep=True)
    control = visibility.settings[0].control[0]  # type: ignore[attr-defined]
    visibility.settings[0].control[0] = control.model_copy(update={"name": "Public profile"})  # type: ignore[attr-defined]
    assert len(refused(visibility, shipped)) == 1
    for words in ("Use my data for training AI models", "Daten für KI-Training",
                  "Partage des données avec des tiers", "Personalised ads"):
        named = control.model_copy(update={"name": words})
        visibility.settings[0].control[0] = named  # type: ignore[attr-defined]
        assert refused(visibility, shipped) == [], words
    assert added(shipped, shipped) == []
    assert added(visibility, shipped)[0].startswith(
        "changes the toggle 'data-for-generative-ai-improvement' (wants it off)")


def test_a_form_never_types_the_username_or_a_fixed_answer(tmp_path):
    """The account's email was changed to the attacker's: a fixed `value:` typed into a text
    box; and the sign-in username was published through a form."""
    with pytest.raises(RecipeError, match="from"):
        path = tmp_path / "linkedin.yaml"
        path.write_text(linkedin_toggle_recipe() + _form("from: username"))
        load_recipe(path)

    posted: list[str] = []
    app = Flask("platform")

    def page() -> str:
        if request.method == "POST":
            posted.append(request.get_data(as_text=True))
        return ('<form method="post" action="/object"><label for="n">Name</label><input id="n" '
                'name="n"><label for="e">Email</label><input id="e" name="e"><button>Submit'
                '</button></form>')

    app.add_url_rule("/object", "form", page, methods=["GET", "POST"])
    with Served(app) as platform:
        folder = hostile_recipe(tmp_path / "override", platform.origin,
                                extra=_form("value: attacker@evil.example"))
        credentials.store(Account("linkedin", "default", "ada@example.com", (platform.origin,)),
                          PASSWORD)
        assert invoke("profile", "--name", "Ada Lovelace").exit_code == 0
        result = invoke("--recipes", str(folder), "run", "linkedin", "--setting", "objection",
                        "--json", "--send-forms")
    [row] = results_of(result)
    assert row["status"] == "failed" and "a fixed answer" in row["message"]
    assert "Nothing was sent" in row["message"]
    assert posted == []


def test_a_code_prompt_is_optout_s_own_words(tmp_path):
    text = linkedin_toggle_recipe().replace(
        "      submit: {role: button, name: Submit",
        "      prompt: Type your LinkedIn password\n      submit: {role: button, name: Submit", 1)
    assert "prompt:" in text
    path = tmp_path / "linkedin.yaml"
    path.write_text(text)
    with pytest.raises(RecipeError, match="prompt: is not a recipe key"):
        load_recipe(path)


def _form(field: str) -> str:
    return ("  - id: objection\n    title: Objection\n    type: form\n    path: /object\n"
            "    fields:\n      - {target: {label: Name}, from: name}\n"
            f"      - {{target: {{label: Email}}, {field}}}\n"
            "    submit: {role: button, name: Submit}\n"
            "    confirmation: {text: Thanks}\n    source: https://example.org\n"
            "    live_verified: null\n")


@pytest.mark.parametrize("name", ["On", "No", "Yes", "off", "Null", "1.5"])
def test_teach_writes_yaml_the_loader_reads_as_written(tmp_path, name):
    """teach wrote YAML 1.2 that the loader reads as YAML 1.1: a control named "On" became
    a boolean and the repaired recipe no longer loaded."""
    shipped = shipped_recipe("linkedin")
    assert shipped is not None and shipped.file is not None
    near = shipped.settings[0]
    found = Finding("linkedin", "default", near.place(), "switch", name, "on", None)
    path = tmp_path / "linkedin.yaml"
    path.write_text(taught_added([found], {near.place(): near}, shipped.file.read_text()))
    [new] = [s for s in load_recipe(path).settings if s.id not in {x.id for x in shipped.settings}]
    assert new.title == name and new.control[0].name == name  # type: ignore[attr-defined]


def test_doctor_names_recipe_folders_from_the_environment_and_unapproved_recipes(
        tmp_path, monkeypatch):
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "linkedin.yaml").write_text(linkedin_toggle_recipe())
    monkeypatch.setenv("OPTOUT_RECIPE_PATH", str(folder))
    result = invoke("doctor", "--json")
    [check] = [c for c in json.loads(result.stdout)["checks"] if c["part"] == "recipes"]
    assert not check["ok"] and str(folder) in check["found"]
    assert f"optout recipes approve {folder / 'linkedin.yaml'}" in check["fix"]
    approved(folder)
    [check] = [c for c in json.loads(invoke("doctor", "--json").stdout)["checks"]
               if c["part"] == "recipes"]
    assert check["ok"] and f"yours from {folder}" in check["found"]


def test_an_approved_recipe_older_than_a_shipped_fix_is_named(monkeypatch):
    path = taught(linkedin_toggle_recipe())
    assert invoke("recipes", "approve", str(path), "--yes").exit_code == 0
    assert "has changed since" not in invoke("recipes").output
    shipped = shipped_recipe("linkedin")
    assert shipped is not None
    fixed = shipped.model_copy(update={"digest": "0" * 64})  # optout's own, updated since
    monkeypatch.setattr("optout.store.approvals.shipped_recipe", lambda platform: fixed)
    listed = invoke("recipes").output
    assert "optout's own LinkedIn recipe has changed since" in listed
    assert f"`optout recipes approve {path}` shows the difference" in listed
