"""The choice kind (kinds/choice.py): its decision table on a fake page, and that the recipe
schema, the catalogue and the guides take it up from its module alone."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from optout.domain.errors import RecipeError, SettingFailure
from optout.domain.results import Mode, Status
from optout.kinds import KINDS
from optout.kinds.choice import ChoiceSetting
from optout.kinds.page import Control
from optout.output.catalogue import kind_words
from optout.output.guide import setting_steps
from optout.recipe import load_recipe
from tests.fake_page import FakePage, Found, run

SIGN_IN = {"path": "/login", "username": {"label": "Email"}, "password": {"label": "Password"},
           "submit": {"role": "button", "name": "Sign in"}}
OPTIONS = {"everyone": "Everyone", "partners": "Only partners", "nobody": "No one"}


class ChoicePage(FakePage):
    """Radio buttons: an option reads checked when it is the state the platform holds."""

    async def is_on(self, control: Control, timeout_ms: float, what: str = "the control") -> bool:
        assert isinstance(control, Found)
        return self.state == {words: name for name, words in OPTIONS.items()}[control.words]


def page(**more: Any) -> ChoicePage:
    return ChoicePage(choices={words: name for name, words in OPTIONS.items()}, **more)


def choice(**more: Any) -> ChoiceSetting:
    return ChoiceSetting.model_validate({
        "id": "ai-use", "title": "Who can use your content to train AI", "type": "choice",
        "path": "/settings/ai", "desired": "nobody", "verify_within": 0.05,
        "options": {name: {"role": "radio", "name": words} for name, words in OPTIONS.items()},
        "source": "https://help.example/ai", "live_verified": None, **more})


def test_the_kind_is_found_from_its_module():
    assert KINDS["choice"].model is ChoiceSetting


def test_the_desired_option_is_chosen_and_verified_afresh():
    fake = page(server="everyone")
    result = run(fake, choice())
    assert (result.status, result.verified, result.before, result.after) == (
        Status.CHANGED, True, "everyone", "nobody")
    assert fake.clicks == ["No one"] and fake.server == "nobody"


def test_the_desired_option_already_chosen_is_left_alone():
    fake = page(server="nobody")
    assert (run(fake, choice()).status, fake.clicks) == (Status.ALREADY, [])


def test_check_reports_another_option_as_drift():
    fake = page(server="partners", mode=Mode.CHECK)
    result = run(fake, choice())
    assert (result.status, result.after, fake.clicks) == (Status.DRIFT, "partners", [])


def test_a_refused_save_is_a_failure():
    fake = page(server="everyone", save_status=500)
    assert run(fake, choice()).status is Status.FAILED


def test_an_option_gone_from_the_page_is_never_read_as_a_state():
    fake = page(server="everyone", on_page={"Everyone", "No one"})  # "Only partners" is gone
    with pytest.raises(SettingFailure, match="none, or more than one"):
        run(fake, choice())
    assert fake.clicks == []


def test_desired_must_be_one_of_the_options(tmp_path: Path):
    path = tmp_path / "example.yaml"
    path.write_text(textwrap.dedent("""\
        platform: example
        name: Example
        origin: https://example.com
        sign_in:
          path: /login
          username: {label: Email}
          password: {label: Password}
          submit: {role: button, name: Sign in}
        settings:
          - id: ai-use
            title: Who can use your content to train AI
            type: choice
            path: /settings/ai
            options:
              everyone: {role: radio, name: Everyone}
              nobody: {role: radio, name: No one}
            desired: nobdy
            source: https://help.example/ai
            live_verified: null
        """))
    with pytest.raises(RecipeError, match="desired must be one of the options: everyone, nobody"):
        load_recipe(path)
    path.write_text(path.read_text().replace("desired: nobdy", "desired: nobody"))
    [setting] = load_recipe(path).settings
    assert isinstance(setting, ChoiceSetting)


def test_the_catalogue_and_the_guides_word_it():
    from optout.recipe import Recipe

    recipe = Recipe.model_validate({"platform": "example", "name": "Example",
                                    "origin": "https://example.com", "sign_in": SIGN_IN,
                                    "settings": [choice().model_dump(by_alias=True)]})
    setting = recipe.settings[0]
    assert kind_words(setting) == "choice"
    assert setting_steps(recipe, setting)[0] == 'Choose the option "No one".'
