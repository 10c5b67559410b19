"""The catalogue in words: what kind of control each setting is, where it applies, and the
table of every recipe (docs/catalogue.md), made from the recipes so the two never disagree."""

from __future__ import annotations

from collections.abc import Iterable

from optout.domain.regions import words as region_words
from optout.kinds import SettingBase, kind_of
from optout.recipe import Recipe

README_START = "<!-- catalogue: made by `python -m optout.output.catalogue`; do not edit -->"
README_END = "<!-- end of catalogue -->"


def kind_words(setting: SettingBase) -> str:
    """'switch', 'checkbox in a dialog', 'button + menu', 'form', 'by hand (email)', …: the
    kind's own words."""
    return kind_of(setting).catalogue_words(setting)


def regions_words(setting: SettingBase) -> str:
    return "all" if "all" in setting.regions else "/".join(setting.regions)


def markdown_table(recipes: Iterable[Recipe]) -> str:
    lines = ["| Platform | Setting | Kind | Wants | Regions | Source |",
             "|---|---|---|---|---|---|"]
    for recipe in sorted(recipes, key=lambda r: r.platform):
        for setting in recipe.settings:
            lines.append(f"| {recipe.name} (`{recipe.platform}`) | {setting.title} "
                         f"(`{setting.id}`) | {kind_words(setting)} | {setting.desired} | "
                         f"{regions_words(setting)} | [source]({setting.source}) |")
    return "\n".join(lines)


def readme_section(recipes: Iterable[Recipe]) -> str:
    recipes = list(recipes)
    count = sum(len(r.settings) for r in recipes)
    return (f"{README_START}\n{len(recipes)} platforms, {count} settings. "
            "`live_verified` is null for every one: nothing here has been run against the live "
            f"sites.\n\n{markdown_table(recipes)}\n{README_END}")


def applies_words(setting: SettingBase) -> str:
    where = region_words(setting.regions)
    return f"Applies {where if where == 'everywhere' else 'in ' + where}" + (
        f"; {setting.eligibility}" if setting.eligibility else "")


if __name__ == "__main__":  # rewrite docs/catalogue.md's table from the shipped recipes
    from pathlib import Path

    from optout.recipe import load_recipes

    readme = Path(__file__).resolve().parents[2] / "docs" / "catalogue.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_START), text.index(README_END) + len(README_END)
    readme.write_text(text[:start] + readme_section(load_recipes().values()) + text[end:],
                      encoding="utf-8")
