"""The catalogue says, per setting, the platform's default and how sure its recipe is, with the
evidence's dates; the audit lists every source; the catalogue covers what guides name."""

from __future__ import annotations

import json
from datetime import date

import pytest
import yaml

from optout.domain.errors import BadInput
from optout.output import audit
from optout.output.catalogue import confidence_words, is_stale
from optout.recipe import load_recipes
from optout.recipe.loading import load_recipe
from tests.conftest import invoke

RECIPES = load_recipes()


def test_every_shipped_setting_has_its_default_confidence_and_dated_evidence():
    for recipe in RECIPES.values():
        for s in recipe.settings:
            where = (recipe.platform, s.id)
            assert s.default in ("on", "off", "varies"), where
            assert s.confidence in ("platform", "guides", "unconfirmed"), where
            assert s.source_date is not None, where
            assert s.evidence_date is not None and s.evidence_date <= date.today(), where


def test_the_catalogue_has_45_settings_across_40_platforms():
    assert len(RECIPES) >= 40
    assert sum(len(r.settings) for r in RECIPES.values()) >= 45


def _recipe_with(tmp_path, **fields):
    recipe = {"platform": "p", "name": "P", "origin": "https://p.example", "settings": [{
        "id": "s", "title": "S", "type": "manual", "path": "/", "how": ["Do it."],
        "desired": "done", "source": "https://p.example/help", "live_verified": None, **fields}]}
    path = tmp_path / "p" / "recipe.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(recipe))
    return path


def test_unconfirmed_names_what_no_evidence_shows(tmp_path):
    with pytest.raises(BadInput, match="unconfirmed"):
        load_recipe(_recipe_with(tmp_path, confidence="unconfirmed"))
    with pytest.raises(BadInput, match="unconfirmed"):
        load_recipe(_recipe_with(tmp_path, confidence="platform", unconfirmed=["the role"]))
    with pytest.raises(BadInput, match="default_where"):
        load_recipe(_recipe_with(tmp_path, default="varies"))
    recipe = load_recipe(_recipe_with(
        tmp_path, confidence="unconfirmed", unconfirmed=["the form's labels"],
        source_date="2024-03-01", more_sources=[{"url": "https://guide.example/a",
                                                 "date": "2025-02-01", "publisher": "A guide"}]))
    [s] = recipe.settings
    assert s.evidence_date == date(2025, 2, 1)
    words = confidence_words("P", s, today=date(2026, 12, 6))
    assert "no evidence shows the form's labels" in words
    assert "over a year old" in words
    assert "over a year old" not in confidence_words("P", s, today=date(2025, 6, 1))
    assert is_stale(s, date(2026, 2, 2)) and not is_stale(s, date(2026, 1, 31))


def test_list_and_guides_say_the_default_and_how_sure(optout_home):
    platforms = json.loads(invoke("list", "--json").stdout)["platforms"]
    canva = next(p for p in platforms if p["platform"] == "canva")
    [setting] = [s for s in canva["settings"] if s["id"] == "ai-privacy-settings"]
    assert setting["default"] and setting["confidence"] and setting["evidence_date"]
    assert setting["how_sure"].startswith("How sure: ")
    # The table at 80 columns, its rows' wrapped words joined again.
    table = " ".join(invoke("list").stdout.split())
    assert ("ai-privacy-settings by hand: done · default varies · all · unconfirmed 2026-04"
            in table)
    assert "model-training-text switch: off · default varies · all but BR, CN, IL, NG, KR, VN" \
        in table
    guide = invoke("guide", "canva", "--out", str(optout_home / "guides"))
    assert guide.exit_code == 0, guide.output
    text = (optout_home / "guides" / "canva.md").read_text()
    assert "Whether your data goes to AI here by default varies: on for Free and Pro" in text
    assert "How sure: not every detail is confirmed: no evidence shows the on-screen labels" in text


def test_the_audit_lists_every_setting_with_its_sources_oldest_first(capsys):
    assert audit.main([]) == 0
    out = capsys.readouterr().out
    count = sum(len(r.settings) for r in RECIPES.values())
    assert f"{count} settings across {len(RECIPES)} platforms" in out
    assert audit.main(["--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert len(found) == count
    dates = [e["newest_evidence"] for e in found]
    assert dates == sorted(dates)
    assert all(e["sources"][0]["url"].startswith("https://") for e in found)


def test_a_control_the_platform_says_it_does_not_offer_there_is_not_looked_for(optout_home):
    """Microsoft: Copilot's training switches are not shown in Brazil (among others); a person
    there is told so with the source, before any browser starts, never "the recipe no longer
    matches"."""
    from optout.domain.accounts import Account
    from optout.store import credentials
    from tests.conftest import results_of

    assert invoke("profile", "--country", "Brazil").exit_code == 0
    credentials.store(Account("copilot", "default", "ada@example.com"), "pw-unused")
    result = invoke("run", "copilot", "--browser", "/bin/false", "--json")  # no browser needed
    assert result.exit_code == 0, result.output
    rows = results_of(result)
    assert [r["status"] for r in rows] == ["not_applicable", "not_applicable"]
    assert all("does not offer this in Brazil" in r["message"]
               and "support.microsoft.com" in r["message"] for r in rows)
    guide = invoke("guide", "copilot", "--out", str(optout_home / "guides"))
    assert guide.exit_code == 0
    assert "but BR/CN/IL/NG/KR/VN, where it is not offered" in (
        optout_home / "guides" / "copilot.md").read_text()


def test_a_setting_found_at_its_other_address_is_verified_there(practice, profile, tmp_path,
                                                                 monkeypatch):
    """A platform that moved a page: the recipe's first address no longer shows the control, its
    `also_at` does; the run goes on there, and the fresh re-read straight there."""
    from optout.recipe.loading import builtin_recipe_dir
    from tests.conftest import approved, results_of
    from tests.twin_accounts import store

    text = (builtin_recipe_dir() / "chatgpt" / "recipe.yaml").read_text()
    moved = text.replace('    path: /settings/data-controls\n    also_at: ["/#settings/DataControls"]\n',
                         '    path: /settings/moved-away\n    also_at: ["/#settings/DataControls"]\n')
    assert moved != text
    folder = tmp_path / "recipes"
    (folder / "chatgpt").mkdir(parents=True)
    (folder / "chatgpt" / "recipe.yaml").write_text(moved)
    monkeypatch.setenv("OPTOUT_RECIPE_PATH", str(approved(folder)))
    username = store(practice, "chatgpt")
    result = invoke("run", "chatgpt", "--setting", "improve-the-model",
                    "--origin", practice.origin_of("chatgpt"), "--json")
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert (row["status"], row["after"], row["verified"]) == ("changed", "off", True)
    assert practice.world.setting(username, "improve-the-model") is False
