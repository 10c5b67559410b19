"""Step-by-step guides for people who prefer to click themselves, made from the same recipes the
engine runs, so a guide and the automation can never disagree."""

from __future__ import annotations

import shutil
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from optout.kinds import kind_of
from optout.kinds.form import field_words
from optout.kinds.words import state_words, target_words
from optout.output.catalogue import applies_words
from optout.recipe import Recipe, Setting, ToggleSetting

__all__ = ["control_words", "field_words", "render", "render_index", "state_words", "target_words",
           "write"]


def control_words(setting: ToggleSetting) -> str:
    """How a person would recognise a toggle, from the recipe's first (preferred) target."""
    return target_words(setting.control[0])


def setting_start(recipe: Recipe, setting: Setting) -> list[tuple[str, str | None]]:
    """The first steps, as (sentence, address to link or None): sign in, open the page."""
    steps: list[tuple[str, str | None]] = []
    if setting.needs_browser and recipe.sign_in is not None:
        challenges = (" You may be asked for a code from your authenticator app or one sent to "
                      "your email, or for a security check." if recipe.sign_in.challenges else "")
        steps.append((f"Sign in at {recipe.sign_in_url()}.{challenges}", recipe.sign_in_url()))
    if setting.path:
        # A path naming an account detail ({blog}) reads as <blog>: the person fills it in.
        url = recipe.url(setting.path).replace("{", "<").replace("}", ">")
        steps.append((f"Open {url}.", None if "<" in url else url))
    return steps


def quote_intro(setting: Setting) -> str:
    if setting.type == "manual":
        return "The email to send (fill in the parts in <angle brackets>):"
    return ("An objection you can use (optout sends this unless you give your own with "
            "`optout profile --objection-file`):")


def setting_steps(recipe: Recipe, setting: Setting) -> list[str]:
    """Every step after opening the setting's page: its own steps, then its kind's."""
    return [*(step.words() for step in setting.steps),
            *kind_of(setting).guide_steps(recipe.name, recipe.platform, setting)]


def setting_quote(recipe: Recipe, setting: Setting) -> str | None:
    return kind_of(setting).guide_quote(recipe.name, setting)


def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("optout.output", "templates"),
                              autoescape=select_autoescape(["html"]), trim_blocks=True,
                              lstrip_blocks=True)
    environment.globals.update(setting_steps=setting_steps, setting_quote=setting_quote,
                               setting_start=setting_start, quote_intro=quote_intro,
                               applies=applies_words)
    return environment


def render(recipe: Recipe, fmt: str, screenshots: dict[str, str] | None = None) -> str:
    return _environment().get_template(f"guide.{fmt}").render(
        recipe=recipe, screenshots=screenshots or {})


def render_index(recipes: list[Recipe], fmt: str) -> str:
    """A page linking every guide written, with the settings each covers."""
    return _environment().get_template(f"guide_index.{fmt}").render(
        recipes=sorted(recipes, key=lambda r: r.name.lower()), fmt=fmt)


def write(recipes: list[Recipe], fmt: str, out: Path,
          screenshots: dict[str, dict[str, str]] | None = None) -> list[Path]:
    """One guide file per recipe in `out` (pictures copied beside them) and an index of them;
    the paths written, the index first."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for recipe in recipes:
        pictures = {}
        for setting_id, source in (screenshots or {}).get(recipe.platform, {}).items():
            name = f"{recipe.platform}-{setting_id}.png"
            shutil.copyfile(source, out / name)
            pictures[setting_id] = name
        path = out / f"{recipe.platform}.{fmt}"
        path.write_text(render(recipe, fmt, pictures), encoding="utf-8")
        written.append(path)
    index = out / f"index.{fmt}"
    index.write_text(render_index(recipes, fmt), encoding="utf-8")
    return [index, *written]
