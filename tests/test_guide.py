"""Guides come from the recipes the engine runs, so they can never disagree with it."""

from __future__ import annotations

import pytest

from optout.output.guide import control_words, field_words, target_words
from optout.recipe import builtin_recipe_dir, load_recipes
from tests.conftest import invoke


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_guide_for_every_recipe_says_what_the_engine_does(tmp_path, fmt):
    result = invoke("guide", "--all", "--format", fmt, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    for recipe in load_recipes().values():
        text = (tmp_path / f"{recipe.platform}.{fmt}").read_text()
        assert recipe.sign_in_url() in text
        quote = "&#34;" if fmt == "html" else '"'
        for setting in recipe.settings:
            assert setting.title.replace("&", "&amp;" if fmt == "html" else "&") in text
            assert recipe.url(setting.path) in text
            words = ([field_words(f) for f in setting.fields] if setting.is_form
                     else [control_words(setting)])
            words += [f"Click {target_words(step.click)}" for step in setting.steps]
            for phrase in words:
                assert phrase.replace('"', quote).replace("'", "&#39;" if fmt == "html" else "'") \
                    in text, (recipe.platform, phrase)
            assert setting.source in text
            assert "never (taken from the help page above)" in text  # no live claim


def test_a_changed_recipe_changes_its_guide(tmp_path):
    folder = tmp_path / "recipes"
    folder.mkdir()
    text = (builtin_recipe_dir() / "linkedin.yaml").read_text()
    (folder / "linkedin.yaml").write_text(
        text.replace("Use my data for training content creation AI models", "Train on my posts"))
    assert invoke("--recipes", str(folder), "guide", "linkedin", "--out", str(tmp_path)).exit_code == 0
    guide = (tmp_path / "linkedin.md").read_text()
    assert 'the switch "Train on my posts"' in guide
    assert "content creation AI models" not in guide


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


def test_guide_needs_platforms_or_all(tmp_path):
    assert invoke("guide", "--out", str(tmp_path)).exit_code == 2
    assert invoke("guide", "nowhere", "--out", str(tmp_path)).exit_code == 2
