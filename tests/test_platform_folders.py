"""One platform, one folder: recipes/<platform>/ holds its recipe, its twin and its evidence note,
and the note cites every source the recipe does and says honestly what was checked live."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from optout.recipe import load_recipe

RECIPES = Path(__file__).parent.parent / "recipes"
FOLDERS = sorted(p for p in RECIPES.iterdir() if p.is_dir())


def test_every_platform_is_one_folder_and_nothing_lies_beside_them():
    assert len(FOLDERS) >= 33
    assert [p.name for p in RECIPES.iterdir() if not p.is_dir()] == []


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_a_platform_folder_holds_its_recipe_twin_and_evidence(folder: Path):
    recipe = load_recipe(folder / "recipe.yaml")  # its platform must be the folder's name
    others = {p.name for p in folder.iterdir()} - {"recipe.yaml", "EVIDENCE.md"}
    assert others <= {"twin.yaml"}, f"unexpected files in {folder}: {others}"
    twin = folder / "twin.yaml"
    if twin.exists():
        assert yaml.safe_load(twin.read_text())["platform"] == recipe.platform
    else:  # only a platform done wholly by hand has no twin
        assert not any(s.needs_browser for s in recipe.settings), folder.name
    note = (folder / "EVIDENCE.md").read_text()
    for setting in recipe.settings:
        assert setting.source in note, f"{folder.name}/EVIDENCE.md does not cite {setting.id}'s source"
        checked = ("never (live_verified: null)" if setting.live_verified is None
                   else str(setting.live_verified))
        assert f"- `{setting.id}`: {checked}" in note, (
            f"{folder.name}/EVIDENCE.md must say what was checked live for {setting.id}")


@pytest.mark.parametrize("folder", [f for f in FOLDERS if (f / "twin.yaml").exists()],
                         ids=lambda p: p.name)
def test_every_twin_with_a_control_says_which_its_evidence_names(folder: Path):
    """The catalogue test's one check that does not come from the recipe: the controls the
    evidence says a person switches. A twin with on/off controls declares them, or says (with
    an empty list) that its evidence names none to switch from its default."""
    twin = yaml.safe_load((folder / "twin.yaml").read_text(encoding="utf-8"))
    text = (folder / "twin.yaml").read_text(encoding="utf-8")
    if "switch:" in text or "choice:" in text:
        assert "opt_outs" in twin, f"{folder.name}/twin.yaml declares no opt_outs"


@pytest.mark.parametrize("twin", ["linkedin", "x"])
def test_twins_refuse_cross_site_writes_as_the_live_sites_do(twin):
    """A twin took a sign-in POST from a foreign Origin and a text/plain settings POST, and
    set its session cookie without SameSite."""
    from optout.practice.server import create_app
    from optout.practice.twin import load_specs
    from optout.practice.twin_app import create_twin_app
    from optout.practice.world import World

    world = World()
    world.add_user("ada@example.com", "pw-ada")
    app = create_app(world) if twin == "linkedin" else create_twin_app(world, load_specs()["x"])
    client = app.test_client()
    foreign = client.post("/any/path", data={"a": "b"}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    plain = client.post("/any/path", data="{}", content_type="text/plain")
    assert plain.status_code == 403
    assert client.post("/__practice/beacon", data="{}", content_type="text/plain").status_code < 400
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"  # the session cookie, once set
