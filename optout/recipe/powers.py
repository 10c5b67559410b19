"""What a recipe can make optout do with a signed-in account: its powers, in words.

A recipe that is not optout's own (an override, a taught repair, a stranger's file) acts as the
account once the person approved it, so two questions are asked of it against the shipped
recipe of its platform:

- `refused`: powers no such recipe may take at all. It switches only controls whose names speak
  of AI, training, models, improvement, personalisation or data sharing, unless the shipped
  recipe names the same control; it clicks on its way only links, tabs, the shipped recipe's
  controls or controls with those words or a settings page's words.
- `added`: what it does that the shipped recipe does not, in words, for the person to approve.

Pure: no page, no storage.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from optout.domain.targets import Target
from optout.kinds import kind_of
from optout.kinds.words import target_words
from optout.recipe.schema import Recipe

# The scan's subject, in the languages recipes list (English, German, French, Spanish, Italian,
# Portuguese, Dutch): what a control that is about AI training says.
AI_CONTROL_WORDS = re.compile(
    r"\b(ai|a\.i\.|ki|ia|artificial intelligence|intelligence artificielle|künstliche intelligenz"
    r"|inteligencia artificial|intelligenza artificiale|generative?|generativ\w*|genai|llms?"
    r"|train\w*|entra[iî]n\w*|entren\w*|addestr\w*|trein\w*|model(s|l\w*|os?|li)?|mod[eè]les?"
    r"|machine learning|improv\w*|am[eé]lior\w*|verbesser\w*|mejor\w*|miglior\w*|melhor\w*"
    r"|verbeter\w*|personali[sz]\w*|personnalis\w*|shar(e|es|ed|ing)|partag\w*|compart\w*"
    r"|teilen|weitergabe|condivi\w*|delen|third.part(y|ies)|crawl\w*|scrap\w*)\b",
    re.IGNORECASE)
# What a step may click on its way besides: the words of a settings page's navigation, and the
# words that switch something off.
WAY_WORDS = re.compile(
    r"\b(settings?|privacy|data|account|preferences?|controls?|manage|more|menu|profile"
    r"|personal|activity|save|done|close|back|next|continue|off|turn off|disable|opt.out|don.t allow"
    r"|einstellungen|datenschutz|konto|paramètres|confidentialité|compte|configuración"
    r"|privacidad|cuenta|deaktivieren|désactiver|desactivar)\b", re.IGNORECASE)
WAY_ROLES = {"link", "tab"}
# What a setting says only for people (not what it does): not a power.
_PROSE = {"title", "source", "source_publisher", "live_verified", "notes", "regions",
          "eligibility"}


def words_of(target: Target) -> list[str]:
    """Every wording a target may match (all alternatives of name, label, text, placeholder)."""
    found: list[str] = []
    for value in (target.name, target.label, target.text, target.placeholder):
        found += [value] if isinstance(value, str) else list(value or [])
    return found


def speaks_of_ai(target: Target) -> bool:
    return any(AI_CONTROL_WORDS.search(words) for words in words_of(target))


def targets_in(value: Any) -> Iterator[Target]:
    """Every target anywhere in a recipe or part of one."""
    if isinstance(value, Target):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from targets_in(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from targets_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from targets_in(item)


def refused(recipe: Recipe, shipped: Recipe | None) -> list[str]:
    """The powers `recipe` takes that no recipe but optout's own may take, one sentence each;
    empty when it takes none."""
    known = {_key(t) for t in targets_in(shipped)} if shipped else set()
    problems = []
    for setting in recipe.settings:
        kind = kind_of(setting)
        for target in kind.switched(setting):
            if _key(target) not in known and not speaks_of_ai(target):
                problems.append(f"setting {setting.id!r} switches {target_words(target)}, which does "
                                "not speak of AI, training, models, improvement, personalisation "
                                "or data sharing")
        for target in kind.clicked(setting):
            if not (_key(target) in known or target.role in WAY_ROLES or speaks_of_ai(target)
                    or any(WAY_WORDS.search(w) for w in words_of(target))):
                problems.append(f"setting {setting.id!r} clicks {target_words(target)} on its way, "
                                "which is neither a link, a tab, nor a settings page's control")
    return problems


def added(recipe: Recipe, shipped: Recipe | None) -> list[str]:
    """What `recipe` makes optout do that the shipped recipe does not, one sentence each."""
    name = recipe.name
    before = {s.id: s for s in shipped.settings} if shipped else {}
    lines = [f"works on {origin}" for origin in recipe.origins
             if shipped is None or origin not in shipped.origins]
    for key in ("sign_in", "identity", "consent", "sensitive", "left_alone", "per_site",
                "account_details"):
        if shipped is None or _dump(getattr(recipe, key)) != _dump(getattr(shipped, key)):
            lines.append(f"{'sets' if shipped is None else 'changes'} {key.replace('_', ' ')}")
    for setting in recipe.settings:
        old = before.get(setting.id)
        if old is not None and _acts(old) == _acts(setting):
            continue
        what = "adds" if old is None else "changes"
        steps = [step.words() for step in setting.steps]
        does = " ".join([f"opens {setting.path}." if setting.path else "", *steps,
                         *kind_of(setting).guide_steps(name, recipe.platform, setting)]).strip()
        desired = "" if setting.desired in ("submitted", "done") else \
            f" (wants it {setting.desired})"
        lines.append(f"{what} the {setting.type} {setting.id!r}{desired}: {does}")
    lines += [f"drops the setting {old_id!r}" for old_id in before
              if old_id not in {s.id for s in recipe.settings}]
    return lines


def _acts(setting: BaseModel) -> dict[str, Any]:
    return {k: v for k, v in setting.model_dump(mode="json").items() if k not in _PROSE}


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


def _key(target: Target) -> str:
    return target.model_dump_json()




def diff(before: str, after: str, name: str) -> str:
    """A recipe's change as a unified diff, ready to read or share."""
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/recipes/{name}", tofile=f"b/recipes/{name}"))
