"""Recipe validation: every mistake is named with its file and line, exit 2."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from optout.domain.errors import RecipeError
from optout.recipe import builtin_recipe_dir, load_recipe, load_recipes
from tests.conftest import invoke

VALID = """\
platform: example
name: Example
origin: https://www.example.com
sign_in:
  path: /login
  username: {label: Email}
  password: {label: Password}
  submit: {role: button, name: Sign in}
settings:
  - id: ai-training
    title: AI training
    path: /settings/ai
    control: {role: switch, name: Use my data to train AI}
    desired: off
    source: https://help.example.com/ai
    live_verified: null
"""


def write(folder: Path, text: str, name: str = "example.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_every_builtin_recipe_is_valid():
    recipes = load_recipes()
    assert "linkedin" in recipes
    for recipe in recipes.values():
        assert recipe.file == builtin_recipe_dir() / recipe.platform / "recipe.yaml"
        for setting in recipe.settings:
            assert setting.source.startswith("https://")
            assert setting.live_verified is None  # nothing here has reached a live site


def test_valid_recipe_loads_and_bare_off_means_off(tmp_path):
    recipe = load_recipe(write(tmp_path, VALID))
    [setting] = recipe.settings
    assert setting.desired == "off"  # YAML reads bare `off` as false
    assert setting.control[0].role == "switch"
    assert recipe.url(setting.path) == "https://www.example.com/settings/ai"


def test_with_origin_becomes_the_only_allowed_origin(tmp_path):
    recipe = load_recipe(write(tmp_path, VALID)).with_origin("http://127.0.0.1:8000/ignored/path")
    assert recipe.origins == ["http://127.0.0.1:8000"]
    assert recipe.url("/settings/ai") == "http://127.0.0.1:8000/settings/ai"


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("    desired: off", "    desired: sideways"), 14, "settings.0.desired"),
        (("    control: {role: switch", "    control: {role: toggle"), 13, "settings.0.control.0.role"),
        (("  path: /login", "  path: /login\n  pasword: x"), 6, "is not a recipe key"),
        (("    source: https://help.example.com/ai", "    source: http://help.example.com/ai"), 15,
         "https"),
        (("    live_verified: null\n", ""), 10, "live_verified: is required"),
        (("  username: {label: Email}", "  username: {label: Email, css: '#u'}"), 6, "exactly one"),
        (("origin: https://www.example.com", "origin: www.example.com"), 3, "origin"),
    ],
)
def test_invalid_recipe_names_line_and_problem(tmp_path, change, line, words):
    old, new = change
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new))
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}:"), message
    assert words in message


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, VALID.replace("  path: /login", "  path: [/login"))
    with pytest.raises(RecipeError, match=r"line \d+: not valid YAML"):
        load_recipe(path)


def test_file_name_must_match_platform(tmp_path):
    path = write(tmp_path, VALID, name="other.yaml")
    with pytest.raises(RecipeError, match="name the file example.yaml"):
        load_recipe(path)


def test_duplicate_setting_ids_are_refused(tmp_path):
    setting = VALID.split("settings:\n")[1]
    path = write(tmp_path, VALID + setting)
    with pytest.raises(RecipeError, match="repeated: ai-training"):
        load_recipe(path)


def test_cli_reports_invalid_recipe_with_exit_2(tmp_path):
    folder = tmp_path / "recipes"
    folder.mkdir()
    path = write(folder, VALID.replace("desired: off", "desired: maybe"))
    result = invoke("--recipes", str(folder), "list")
    assert result.exit_code == 2
    assert f"{path}, line 14: settings.0.desired" in result.stderr
    assert "Traceback" not in result.output


def test_extra_recipe_folder_adds_and_overrides(tmp_path, monkeypatch):
    folder = tmp_path / "recipes"
    folder.mkdir()
    write(folder, VALID)
    override = (builtin_recipe_dir() / "linkedin" / "recipe.yaml").read_text().replace(
        "name: LinkedIn", "name: LinkedIn (local fix)")
    write(folder, override, name="linkedin.yaml")
    monkeypatch.setenv("OPTOUT_RECIPE_PATH", str(folder))
    recipes = load_recipes()
    assert recipes["example"].name == "Example"
    assert recipes["linkedin"].name == "LinkedIn (local fix)"


def test_missing_recipe_folder_is_bad_input(tmp_path):
    result = invoke("--recipes", str(tmp_path / "nope"), "list")
    assert result.exit_code == 2 and "does not exist" in result.stderr


FORM = """\
  - id: objection
    title: Objection
    type: form
    path: /objection
    fields:
      - {target: {label: Email}, from: email}
    submit: {role: button, name: Send}
    confirmation: {text: Thanks}
    reference: "Ref: (\\\\w+)"
    source: https://help.example.com/object
    live_verified: null
"""


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("    confirmation: {text: Thanks}\n", ""), "a form needs fields, submit and confirmation"),
        (("from: email}", "from: email, value: x}"), "exactly one of from"),
        (("from: email}", "from: shoe_size}"), "settings.1.fields.0.from"),
        (('    reference: "Ref: (\\\\w+)"', '    reference: "Ref: \\\\w+"'), "needs a group"),
        (("    type: form\n", ""), 'a toggle needs a control and desired "on" or "off"'),
        (("  path: /login\n", "  origin: https://evil.example\n  path: /login\n"),
         "sign_in.origin 'https://evil.example' must be the origin"),
        (("  password: {label: Password}\n  submit: {role: button, name: Sign in}\n",
          "  next: {role: button, name: Next}\n"), "without a password, sign-in needs"),
    ],
)
def test_invalid_forms_and_sign_ins_are_named(tmp_path, change, words):
    text = VALID + FORM
    old, new = change
    assert old in text
    with pytest.raises(RecipeError) as caught:
        load_recipe(write(tmp_path, text.replace(old, new)))
    assert words in str(caught.value), str(caught.value)


def test_a_form_recipe_loads_with_steps_and_languages(tmp_path):
    text = (VALID + FORM).replace(
        "    control: {role: switch, name: Use my data to train AI}",
        "    steps:\n      - click: {role: tab, name: [Privacy, Datenschutz]}\n"
        "    control: {role: switch, name: [Use my data to train AI, KI mit meinen Daten trainieren]}")
    recipe = load_recipe(write(tmp_path, text))
    toggle, form = recipe.settings
    assert toggle.place() == '/settings/ai > tab "Privacy"'
    assert (form.is_form, form.desired) == (True, "submitted")


def test_with_origin_maps_the_sign_in_origin_it_is_given_and_drops_the_rest():
    recipe = load_recipes()["copilot"]
    twin = recipe.with_origin("http://127.0.0.1:8000",
                              {"https://login.live.com": "http://localhost:8001"})
    assert twin.origins == ["http://127.0.0.1:8000", "http://localhost:8001"]
    adobe = load_recipes()["adobe"].with_origin(
        "http://127.0.0.1:8000", {"https://auth.services.adobe.com/": "http://localhost:8001"})
    assert adobe.sign_in_url() == "http://localhost:8001/en_US/index.html"
    # Unmapped, the platform's own sign-in origin is never kept beside a stand-in.
    assert load_recipes()["adobe"].with_origin("http://127.0.0.1:8000").origins == [
        "http://127.0.0.1:8000"]
