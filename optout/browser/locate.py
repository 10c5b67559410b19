"""Turn recipe targets into Playwright locators, the way a person finds a control."""

from __future__ import annotations

import re
from collections.abc import Sequence

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from optout.domain.errors import ControlNotFound
from optout.domain.targets import AriaRole, Target, describe

__all__ = ["ControlNotFound", "any_of", "describe", "find", "locator_for"]


# The forms an on/off control takes on the platforms' pages (component libraries differ).
ON_OFF_ROLES: tuple[AriaRole, ...] = ("switch", "checkbox", "menuitemcheckbox")
# In a recipe's name: text the page fills in ("Prevent third-party sharing for …").
FILLED_IN = "…"
# What a page adds after a control's name: a count, "· 1 step", "(recommended)", a state word.
HINT = r"(?:\s*(?:[·•|:–—(\[-]|\d).*|\s+(?:on|off|new|beta))?"


def roles_of(target: Target) -> tuple[AriaRole, ...]:
    """The roles a target's element may have: an on/off control in any of its forms (its own
    role first), unless the recipe pins it."""
    if target.role in ON_OFF_ROLES and not target.pin_role:
        return (target.role, *(r for r in ON_OFF_ROLES if r != target.role))
    return (target.role,) if target.role else ()


def _named(page: Page | Locator, target: Target, word: str, exact: bool) -> Locator:
    """Elements of the target's forms named `word`: exactly, or (for a name not marked exact)
    that name plus what a page adds to names (`HINT`), in any case; never an element whose name
    merely holds the word inside a longer sentence, nor one holding an `avoid` word."""
    if exact and not target.avoid and FILLED_IN not in word:
        return _either(_on_off_forms(page, target, word, exact=True))
    body = _spelled(word) if exact else rf"{_spelled(word)}{HINT}"
    return _either(_on_off_forms(page, target, _name_pattern(target, body)))


def _spelled(word: str) -> str:
    """A recipe's name as a pattern: "…" stands for text the page fills in (a blog's name, an
    email address), and nothing else is loose."""
    return ".+?".join(re.escape(part) for part in word.split(FILLED_IN))


def _name_pattern(target: Target, body: str) -> re.Pattern[str]:
    shunned = "|".join(re.escape(a) for a in target.avoid)
    guard = rf"(?!.*(?:{shunned}))" if shunned else ""
    return re.compile(rf"^{guard}\s*(?:{body})\s*$", re.IGNORECASE | re.DOTALL)


def _on_off_forms(page: Page | Locator, target: Target, name: str | re.Pattern[str], *,
                  exact: bool | None = None) -> list[Locator]:
    """Elements of each role the target may take, named `name`; for an on/off control not pinned
    to its role, a toggle button (`aria-pressed`) too."""
    forms = [page.get_by_role(role, name=name, exact=exact) for role in roles_of(target)]
    if target.role in ON_OFF_ROLES and not target.pin_role:
        forms.append(page.get_by_role("button", name=name, exact=exact)
                     .and_(page.locator("[aria-pressed]")))
    return forms


def hinted(page: Page | Locator, target: Target) -> Locator | None:
    """For an exact name: elements whose name is that name plus what a page adds to names
    (a count, "· 1 step", a state word), never one holding an `avoid` word; None for other
    targets (a name not marked exact already allows the hint)."""
    if not (target.exact and target.role and target.name):
        return None
    names = "|".join(_spelled(w) for w in _words(target.name))
    return _either(_on_off_forms(page, target, _name_pattern(target, rf"(?:{names}){HINT}")))


def _words(words: str | list[str]) -> list[str]:
    return [words] if isinstance(words, str) else list(words)


def _either(locators: Sequence[Locator]) -> Locator:
    anything = locators[0]
    for other in locators[1:]:
        anything = anything.or_(other)
    return anything


def locator_for(page: Page | Locator, target: Target) -> Locator:
    """One target as a locator: role and name first, then label, text, placeholder, css.

    A target listing wordings in several languages matches any of them; an on/off control is
    found in any of the forms it takes (`roles_of`).
    """
    if target.css:
        return page.locator(target.css)
    if target.role and target.name is None:
        return _either([page.get_by_role(role) for role in roles_of(target)])
    way, words = next((w, getattr(target, w)) for w in ("name", "label", "text", "placeholder")
                      if getattr(target, w))
    one = {
        "name": lambda w: _named(page, target, w, target.exact),
        "label": lambda w: page.get_by_label(w, exact=target.exact),
        "text": lambda w: page.get_by_text(w, exact=target.exact),
        "placeholder": lambda w: page.get_by_placeholder(w, exact=target.exact),
    }[way]
    return _either([one(word) for word in _words(words)])


def any_of(page: Page | Locator, targets: Sequence[Target]) -> Locator:
    """One locator matching any of the targets (the recipe lists a control's wordings and
    forms; a page shows one of them)."""
    return _either([locator_for(page, t) for t in targets])


async def find(page: Page | Locator, targets: Sequence[Target], timeout_ms: float) -> Locator:
    """The first target, in the recipe's order of preference, that is on the page (or in the
    part of it given): by its exact name first, then (for an exact name) its name with the hint
    text pages add, never an element holding an `avoid` word.

    Waits (bounded) for any of them to become visible, since platforms draw settings by script
    after the page loads. Raises ControlNotFound if none shows or the chosen one is ambiguous,
    naming what it could not choose between: a guess could be the destructive neighbour.
    """
    def where() -> str:  # where the page is now (it may have moved while optout waited)
        return page.url if isinstance(page, Page) else page.page.url

    ways = [[locator_for(page, t), *filter(None, [hinted(page, t)])] for t in targets]
    anything = _either([locator for way in ways for locator in way])
    try:  # the first visible match: a hidden copy earlier in the page must not hold this up
        await anything.filter(visible=True).first.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeout as exc:
        raise ControlNotFound(
            f"no {describe(targets)} appeared on {where()} within {timeout_ms / 1000:g} s"
        ) from exc
    for target, way in zip(targets, ways, strict=True):
        for locator in way:
            # Hidden copies (a closed dialog, another tab's panel) are not what a person sees.
            visible = locator.filter(visible=True)
            count = await visible.count()
            if count > 1:
                names = await _names(visible, count)
                raise ControlNotFound(f"{target.describe()} matches {count} elements on {where()}"
                                      f" ({names}); optout does not guess between them")
            if count == 1:
                return visible
    raise ControlNotFound(f"{describe(targets)} disappeared from {where()}")


async def _names(candidates: Locator, count: int) -> str:
    """The candidates' words, for a message (bounded: a few, briefly)."""
    words = []
    for index in range(min(count, 4)):
        try:
            text = await candidates.nth(index).inner_text(timeout=500)
        except PlaywrightError:
            continue
        words.append(repr(" ".join(text.split())[:60]))
    return ", ".join(words) + (", …" if count > 4 else "")
