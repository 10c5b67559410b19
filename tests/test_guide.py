"""Guides come from the recipes the engine runs, so they can never disagree with it."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote

import pytest
from markdown_it import MarkdownIt

from optout.kinds.form import FormSetting
from optout.output.catalogue import applies_words
from optout.output.guide import (
    control_words,
    field_words,
    setting_start,
    setting_steps,
    target_words,
)
from optout.recipe import ToggleSetting, builtin_recipe_dir, load_recipes
from tests.conftest import invoke, outlined_pixels


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_guide_for_every_recipe_says_what_the_engine_does(tmp_path, fmt):
    result = invoke("guide", "--all", "--format", fmt, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output

    for recipe in load_recipes().values():
        text = read_as_shown((tmp_path / f"{recipe.platform}.{fmt}").read_text(), fmt)
        if recipe.sign_in is not None:
            assert recipe.sign_in_url() in text
        for setting in recipe.settings:
            assert shown(setting.title) in text
            assert shown(applies_words(setting)) in text  # regions and eligibility
            for sentence, _ in setting_start(recipe, setting):
                assert shown(sentence) in text, sentence
            # Every kind's own steps (switch, dialog, menu, form, by hand) are in its guide.
            for sentence in setting_steps(recipe, setting):
                assert shown(sentence) in text, (recipe.platform, sentence)
            words = ([field_words(f) for f in setting.fields] if isinstance(setting, FormSetting)
                     else [control_words(setting)] if isinstance(setting, ToggleSetting) else [])
            words += [f"Click {target_words(step.click)}" for step in setting.steps if step.click]
            for phrase in words:
                assert shown(phrase) in text, (recipe.platform, phrase)
            assert setting.source in text or unquote(setting.source) in text  # (shown decoded)
            assert "never (taken from the help page above)" in text  # no live claim


def read_as_shown(text: str, fmt: str) -> str:
    """What a reader of the guide sees: Markdown rendered as GitHub and static sites do, then
    the page's text without its tags, on one line."""
    page = MarkdownIt("commonmark").render(text) if fmt == "md" else text
    inline = re.sub(r"</?(a|code|em|strong)\b[^>]*>", "", page)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def shown(words: str) -> str:
    return " ".join(words.split())


def test_a_changed_recipe_changes_its_guide(tmp_path):
    folder = tmp_path / "recipes"
    folder.mkdir()
    text = (builtin_recipe_dir() / "linkedin" / "recipe.yaml").read_text()
    (folder / "linkedin.yaml").write_text(
        text.replace("Use my data for training content creation AI models", "Train on my posts"))
    assert invoke("--recipes", str(folder), "guide", "linkedin", "--out", str(tmp_path)).exit_code == 0
    guide = (tmp_path / "linkedin.md").read_text()
    assert 'the switch "Train on my posts"' in guide
    assert "content creation AI models" not in guide


def test_a_setting_outside_the_practice_region_has_no_picture_and_no_failure(tmp_path):
    """`guide --all --screenshots` always failed: the practice run cannot verify Dropbox's
    US-only setting for the practice profile in the UK."""
    result = invoke("guide", "dropbox", "--screenshots", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "No picture: the practice platform's made-up person lives where this setting does " \
        "not apply." in (tmp_path / "dropbox.md").read_text()


def test_screenshots_come_from_a_verified_practice_run(tmp_path, page):
    result = invoke("guide", "linkedin", "--format", "html", "--screenshots", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    picture = tmp_path / "linkedin-data-for-generative-ai-improvement.png"
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "linkedin-data-processing-objection.png").is_file()  # the confirmation
    page.goto((tmp_path / "linkedin.html").as_uri())
    widths = page.locator("img").evaluate_all("images => images.map(img => img.naturalWidth)")
    assert len(widths) == 2 and min(widths) > 100
    assert page.get_by_role("heading", name="Data for Generative AI Improvement").is_visible()
    # The switch to look for is outlined, and the caption says the picture is a stand-in.
    assert outlined_pixels(page, picture.read_bytes()) > 40
    assert "practice platform, a stand-in" in page.locator("figcaption").first.inner_text()
    # The control's part of the page, not a window of empty margins, with no twin's address
    # stamped on it (the guide gives the platform's own).
    heights = page.locator("img").evaluate_all("images => images.map(img => img.naturalHeight)")
    assert heights[0] < 720, heights  # the switch's region (the form's is its confirmation page)
    assert not (tmp_path / "linkedin.html").read_text().count("127.0.0.1")


def test_a_twin_draws_a_switch_as_a_switch(practice, page):
    """Pictures showed a bare checkbox where the guide's words say switch: the twins' pages
    draw a switch with a track and a knob, a checkbox as a checkbox."""
    page.goto(practice.origin_of("claude") + "/login")  # any twin page: the style is shared
    page.evaluate("""() => document.querySelector("main").insertAdjacentHTML("beforeend",
        '<input type=checkbox role=switch id=s><input type=checkbox id=c>')""")
    style = page.evaluate("""() => [s, c].map(el => getComputedStyle(el).appearance)""")
    assert style == ["none", "auto"]
    assert page.locator("#s").bounding_box()["width"] > 1.5 * page.locator("#c").bounding_box()[
        "width"]


def test_an_index_links_every_guide_written(tmp_path, page):
    result = invoke("guide", "x", "linkedin", "--format", "html", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    page.goto((tmp_path / "index.html").as_uri())
    assert page.get_by_role("link").count() == 2
    page.get_by_role("link", name="LinkedIn").click()
    assert page.get_by_role("heading", name="Switch off AI training on LinkedIn").is_visible()


def test_one_guide_prints_to_stdout(tmp_path):
    printed = invoke("guide", "x", "--out", "-")
    assert printed.exit_code == 0 and printed.stdout.startswith("# Switch off AI training on X")
    assert not any(tmp_path.iterdir())
    several = invoke("guide", "x", "grok", "--out", "-")
    assert several.exit_code == 2 and "name one platform" in several.stderr


def test_guide_needs_platforms_or_all(tmp_path):
    assert invoke("guide", "--out", str(tmp_path)).exit_code == 2
    assert invoke("guide", "nowhere", "--out", str(tmp_path)).exit_code == 2
