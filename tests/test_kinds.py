"""Setting kinds and step kinds are registered in one place each, and everything finds them:
the recipe schema, the engine, `scan` and the guides."""

from __future__ import annotations

import pytest

from optout.domain.errors import RecipeError
from optout.kinds import KINDS, kind_of
from optout.kinds.steps import STEP_KINDS, Step
from optout.output.guide import setting_steps
from optout.practice.linkedin import GEN_AI
from optout.recipe import load_recipe, load_recipes
from tests.conftest import approved, invoke, linkedin_toggle_recipe, results_of

SETTINGS_PATH = "/mypreferences/d/settings/data-for-ai-improvement"


def test_every_kind_is_registered_and_every_recipe_setting_has_one():
    assert {"toggle", "form"} <= set(KINDS)
    assert {"click", "open"} <= set(STEP_KINDS)
    for recipe in load_recipes().values():
        for setting in recipe.settings:
            assert kind_of(setting).name == setting.type
            assert setting_steps(recipe, setting)  # every kind words itself for guides


def test_a_step_is_exactly_one_kind():
    assert Step.model_validate({"open": "/#settings/DataControls"}).describe() == \
        "open /#settings/DataControls"
    with pytest.raises(ValueError, match="exactly one of: click, click_if_shown, open"):
        Step.model_validate({})
    with pytest.raises(ValueError, match="must start with /"):
        Step.model_validate({"open": "settings"})


def test_an_unknown_setting_type_names_the_kinds(tmp_path):
    text = linkedin_toggle_recipe().replace("type: toggle", "type: slider")
    path = tmp_path / "linkedin.yaml"
    path.write_text(text)
    with pytest.raises(RecipeError, match=f"type must be one of: {', '.join(KINDS)}"):
        load_recipe(path)


def test_an_open_step_reaches_a_control_on_another_page(tmp_path, monkeypatch, practice, member):
    """A recipe whose setting starts on the feed and opens the settings page by a deep link."""
    text = linkedin_toggle_recipe().replace(
        f"    path: {SETTINGS_PATH}\n", f"    path: /feed/\n    steps:\n      - open: {SETTINGS_PATH}\n")
    assert "- open:" in text
    folder = tmp_path / "recipes"
    folder.mkdir()
    (folder / "linkedin.yaml").write_text(text)
    monkeypatch.setenv("OPTOUT_RECIPE_PATH", str(approved(folder)))
    ada = member(on=True)
    result = invoke("run", "linkedin", "--origin", practice.origin, "--json")
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert (row["status"], row["before"], row["after"], row["verified"]) == ("changed", "on", "off", True)
    assert practice.world.setting(ada.username, GEN_AI) is False
    guide = tmp_path / "guides"
    assert invoke("guide", "linkedin", "--out", str(guide)).exit_code == 0
    assert f"Go to {SETTINGS_PATH} on the same site." in (guide / "linkedin.md").read_text()
