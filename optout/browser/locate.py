"""Turn recipe targets into Playwright locators, the way a person finds a control."""

from __future__ import annotations

from collections.abc import Sequence

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from optout.domain.errors import ControlNotFound
from optout.domain.targets import Target, describe

__all__ = ["ControlNotFound", "any_of", "describe", "find", "locator_for"]


def locator_for(page: Page | Locator, target: Target) -> Locator:
    """One target as a locator: role and name first, then label, text, placeholder, css.

    A target listing wordings in several languages matches any of them.
    """
    if target.css:
        return page.locator(target.css)
    if target.role and target.name is None:
        return page.get_by_role(target.role)
    role = target.role or "generic"  # the validator pairs a name with a role
    way, words = next((w, getattr(target, w)) for w in ("name", "label", "text", "placeholder")
                      if getattr(target, w))
    locator: Locator | None = None
    for word in [words] if isinstance(words, str) else words:
        one = {
            "name": lambda w: page.get_by_role(role, name=w, exact=target.exact or None),
            "label": lambda w: page.get_by_label(w, exact=target.exact),
            "text": lambda w: page.get_by_text(w, exact=target.exact),
            "placeholder": lambda w: page.get_by_placeholder(w, exact=target.exact),
        }[way](word)
        locator = one if locator is None else locator.or_(one)
    assert locator is not None  # the validator demands at least one wording
    return locator


def any_of(page: Page | Locator, targets: Sequence[Target]) -> Locator:
    """One locator matching any of the targets (the recipe lists a control's wordings and
    forms; a page shows one of them)."""
    locators = [locator_for(page, t) for t in targets]
    anything = locators[0]
    for other in locators[1:]:
        anything = anything.or_(other)
    return anything


async def find(page: Page | Locator, targets: Sequence[Target], timeout_ms: float) -> Locator:
    """The first target, in the recipe's order of preference, that is on the page (or in the
    part of it given).

    Waits (bounded) for any of them to become visible, since platforms draw settings by script
    after the page loads. Raises ControlNotFound if none shows or the chosen one is ambiguous.
    """
    where = page.url if isinstance(page, Page) else page.page.url
    locators = [locator_for(page, t) for t in targets]
    anything = any_of(page, targets)
    try:  # the first visible match: a hidden copy earlier in the page must not hold this up
        await anything.filter(visible=True).first.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeout as exc:
        raise ControlNotFound(
            f"no {describe(targets)} appeared on {where} within {timeout_ms / 1000:g} s"
        ) from exc
    for target, locator in zip(targets, locators, strict=True):
        # Hidden copies (a closed dialog, another tab's panel) are not what a person sees.
        visible = locator.filter(visible=True)
        count = await visible.count()
        if count > 1:
            raise ControlNotFound(f"{target.describe()} matches {count} elements on {where}")
        if count == 1:
            return visible
    raise ControlNotFound(f"{describe(targets)} disappeared from {where}")
