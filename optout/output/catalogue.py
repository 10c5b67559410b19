"""The catalogue in words: what kind of control each setting is, where it applies, and the
table of every recipe (docs/catalogue.md), made from the recipes so the two never disagree."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

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
    where = "all" if "all" in setting.regions else "/".join(setting.regions)
    return where + (f" but {'/'.join(setting.not_offered_in)}" if setting.not_offered_in else "")


# Evidence older than this is said to be old: platforms rename and move their settings yearly.
STALE_AFTER = timedelta(days=365)


def default_words(setting: SettingBase) -> str:
    """The platform's default in a few words: 'on', 'on (off in the EU and UK)', 'varies (on for
    Free and Pro, off for Teams)'."""
    if setting.default is None:
        return "not recorded"
    return f"{setting.default} ({setting.default_where})" if setting.default_where else setting.default


def default_sentence(setting: SettingBase) -> str:
    """The default for a guide's reader, in a sentence that says what 'on' means."""
    where = f" ({setting.default_where})" if setting.default_where else ""
    return {
        "on": f"By default your data goes to AI here{where}, until you switch it off.",
        "off": f"By default your data does not go to AI here{where}: it does only if turned on.",
        "varies": f"Whether your data goes to AI here by default varies: {setting.default_where}.",
    }.get(setting.default or "", "The platform's default is not recorded.")


def is_stale(setting: SettingBase, today: date | None = None) -> bool:
    newest = setting.evidence_date
    return newest is None or (today or date.today()) - newest > STALE_AFTER


def confidence_short(setting: SettingBase, today: date | None = None) -> str:
    """'platform 2025-10', 'guides 2024-06 (old)', 'unconfirmed 2026-02': for tables; without
    `today`, no '(old)' (the generated catalogue must not change with the day it is read)."""
    newest = setting.evidence_date
    about = "about " if setting.evidence_date_approximate else ""
    words = f"{setting.confidence or 'unrated'} {about}{newest.isoformat()[:7] if newest else 'undated'}"
    return words + (" (old)" if today and is_stale(setting, today) else "")


def confidence_words(platform_name: str, setting: SettingBase, today: date | None = None) -> str:
    """How sure the recipe is, in a sentence, with the newest evidence's date."""
    newest = setting.evidence_date
    when = (("about " + newest.isoformat()[:7]) if setting.evidence_date_approximate
            else newest.isoformat()) if newest else "an undated page"
    words = {
        "platform": f"confirmed by {platform_name}'s own pages (newest evidence {when})",
        "guides": f"from third-party guides only, not {platform_name}'s own pages (newest "
                  f"evidence {when})",
        "unconfirmed": f"not every detail is confirmed: no evidence shows "
                       f"{'; '.join(setting.unconfirmed)} (newest evidence {when})",
    }.get(setting.confidence or "", f"not rated (newest evidence {when})")
    if is_stale(setting, today):
        words += "; the newest evidence is over a year old, so the page may have changed"
    return "How sure: " + words


def markdown_table(recipes: Iterable[Recipe]) -> str:
    lines = ["| Platform | Setting | Kind | Default | Regions | How sure | Source |",
             "|---|---|---|---|---|---|---|"]
    for recipe in sorted(recipes, key=lambda r: r.platform):
        for setting in recipe.settings:
            lines.append(f"| {recipe.name} (`{recipe.platform}`) | {setting.title} "
                         f"(`{setting.id}`) | {kind_words(setting)} | "
                         f"{default_words(setting)} | {regions_words(setting)} | "
                         f"{confidence_short(setting)} | [source]({setting.source}) |")
    return "\n".join(lines)


def readme_section(recipes: Iterable[Recipe]) -> str:
    recipes = list(recipes)
    count = sum(len(r.settings) for r in recipes)
    return (f"{README_START}\n{len(recipes)} platforms, {count} settings. "
            "`live_verified` is null for every one: nothing here has been run against the live "
            "sites. *Default* is what the platform does before anyone acts (on: your data goes "
            "to AI); *how sure* is platform (its own pages show the control as the recipe has "
            "it), guides (third-party guides only) or unconfirmed (details no evidence shows, "
            "named in `optout guide`), with the newest evidence's month: evidence over a year "
            "old may no longer match the page (`python -m optout.output.audit` lists every "
            f"source and its date).\n\n{markdown_table(recipes)}\n{README_END}")


def applies_words(setting: SettingBase) -> str:
    where = region_words(setting.regions)
    if setting.not_offered_in:
        where += f" but {'/'.join(setting.not_offered_in)}, where it is not offered"
    return f"Applies {where if where.startswith('everywhere') else 'in ' + where}" + (
        f"; {setting.eligibility.rstrip('.')}" if setting.eligibility else "")


if __name__ == "__main__":  # rewrite docs/catalogue.md's table from the shipped recipes
    from pathlib import Path

    from optout.recipe import load_recipes

    readme = Path(__file__).resolve().parents[2] / "docs" / "catalogue.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_START), text.index(README_END) + len(README_END)
    readme.write_text(text[:start] + readme_section(load_recipes().values()) + text[end:],
                      encoding="utf-8")
