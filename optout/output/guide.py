"""Step-by-step guides for people who prefer to click themselves, made from the same recipes the
engine runs, so a guide and the automation can never disagree."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from optout.kinds import kind_of
from optout.kinds.form import field_words
from optout.kinds.words import state_words, target_words
from optout.output.catalogue import applies_words, confidence_words, default_sentence
from optout.recipe import Recipe, Setting, ToggleSetting
from optout.store.files import write_private

# Guides are made to be published: readable by all, written as the private files are (atomically,
# never through a symlink planted in the folder).
PUBLISHED = 0o644

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


# --- safe to publish: recipe text says only what it says --------------------------------------


class Verbatim(str):
    """Markdown the guide itself wrote (an autolink around a checked address): not escaped."""


# Every character that means something to Markdown or to the HTML inside it, mid-line.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~])")
# ...and what makes a line a list item or a rule when it starts one ("- ", "1. ").
_LINE_START = re.compile(r"^(\s*\d*)([-=.])")


def markdown_text(value: object) -> str:
    """Recipe text (a title, a step, a line of a quote, a note) as Markdown that shows it as
    written: no link, heading, HTML, list or quote of its own, whatever it holds."""
    if isinstance(value, Verbatim):
        return value
    # One line: a line break cannot start a heading, a list or a quote.
    return _LINE_START.sub(r"\1\\\2", _inline(" ".join(str(value).split())))


def _inline(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))


def checked_url(url: str) -> str:
    """An https address fit to link: characters Markdown or HTML would read as markup encoded."""
    return quote(url, safe=":/?#@!$&'*+,;=%~-._()")


def markdown_step(step: str, link: str | None) -> str:
    """A start step with its address as an autolink (an address is never escaped inside one)."""
    if not link or link not in step:
        return Verbatim(markdown_text(step))
    before, _, after = step.partition(link)
    return Verbatim(f"{markdown_text(before)}{' ' if before.endswith(' ') else ''}"
                    f"<{checked_url(link)}>{_inline(after)}")


@dataclass(frozen=True)
class Source:
    """A setting's source as a guide shows it: linked only where the address is the platform's
    own site, or the recipe names who published it (then shown as theirs, with the host)."""

    url: str
    words: str
    linked: bool


def source_of(recipe: Recipe, setting: Setting) -> Source:
    host = urlsplit(setting.source).hostname or ""
    if site_of(host) in {site_of(urlsplit(o).hostname or "") for o in recipe.origins}:
        return Source(checked_url(setting.source), "Source", True)
    if setting.source_publisher:
        return Source(checked_url(setting.source), f"Source, published by "
                      f"{setting.source_publisher} on {host} (not {recipe.name}'s own site)", True)
    return Source(setting.source, f"Source, on {host}: not {recipe.name}'s own site, and the "
                  "recipe names no publisher, so it is not linked", False)


def site_of(host: str) -> str:
    """The registrable domain of a host (support.google.com: google.com; a.b.co.uk: b.co.uk),
    from the Public Suffix List shipped with tldextract (no download)."""
    import tldextract

    parts = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)(host)
    return ".".join(p for p in (parts.domain, parts.suffix) if p) or host


def _environment(fmt: str) -> Environment:
    environment = Environment(loader=PackageLoader("optout.output", "templates"),
                              autoescape=select_autoescape(["html"]), trim_blocks=True,
                              lstrip_blocks=True,
                              # Markdown has no autoescape: every value is escaped on its way out.
                              finalize=markdown_text if fmt == "md" else None)
    environment.globals.update(setting_steps=setting_steps, setting_quote=setting_quote,
                               setting_start=setting_start, quote_intro=quote_intro,
                               applies=applies_words, source_of=source_of,
                               default=default_sentence, how_sure=confidence_words,
                               markdown_step=markdown_step, verbatim=Verbatim)
    return environment


def render(recipe: Recipe, fmt: str, screenshots: dict[str, str] | None = None) -> str:
    return _environment(fmt).get_template(f"guide.{fmt}").render(
        recipe=recipe, screenshots=screenshots or {})


def render_index(recipes: list[Recipe], fmt: str) -> str:
    """A page linking every guide written, with the settings each covers."""
    return _environment(fmt).get_template(f"guide_index.{fmt}").render(
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
            if not source:  # not practised: it does not apply in the practice profile's region
                pictures[setting_id] = ""
                continue
            name = f"{recipe.platform}-{setting_id}.png"
            write_private(out / name, Path(source).read_bytes(), mode=PUBLISHED)
            pictures[setting_id] = name
        path = out / f"{recipe.platform}.{fmt}"
        write_private(path, render(recipe, fmt, pictures), mode=PUBLISHED)
        written.append(path)
    index = out / f"index.{fmt}"
    write_private(index, render_index(recipes, fmt), mode=PUBLISHED)
    return [index, *written]
