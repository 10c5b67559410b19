"""Step kinds: what a person does to reach a control with no address of its own.

A recipe writes each step as a mapping with one key, the step's kind: `- click: {role: tab, name:
Privacy}`. Every kind is registered here once (STEP_KINDS, and a field of `Step`), with how the engine
performs it and how a guide words it; adding a kind of step touches this module only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import field_validator, model_validator

from optout.domain.targets import Strict, Target, paths_start_with_slash
from optout.kinds.words import target_words

if TYPE_CHECKING:
    from optout.kinds.page import SettingPage


@dataclass(frozen=True)
class StepKind:
    name: str
    value: type  # what the recipe gives after the key
    perform: Callable[[SettingPage, Any], Awaitable[None]]
    words: Callable[[Any], str]  # a guide's sentence, from the target's words
    describe: Callable[[Any], str]  # a short label for messages and `scan`


async def _click(page: SettingPage, target: Target) -> None:
    """Find the target the way a person would and click it."""
    element = await page.find([target], page.limits.control_ms)
    await page.click(element, target.describe())


async def _click_if_shown(page: SettingPage, target: Target) -> None:
    """A click some layouts need and others do not (a sidebar hidden on narrow windows): made if
    the target is on the settled page now, skipped otherwise; it never waits for it."""
    shown = await page.visible_one([target])
    if shown is not None:
        await page.click(shown, target.describe())


async def _open(page: SettingPage, path: str) -> None:
    """A deep link on the platform's own origin (a fragment such as `/#settings/Data` included),
    for flows that continue on another page; signing in first if the platform asks."""
    await page.open_path(path)


STEP_KINDS: dict[str, StepKind] = {
    kind.name: kind for kind in (
        StepKind("click", Target, _click, lambda target: f"Click {target_words(target)}.",
                 lambda target: target.describe()),
        StepKind("click_if_shown", Target, _click_if_shown,
                 lambda target: f"If you see {target_words(target)}, click it.",
                 lambda target: f"{target.describe()} (if shown)"),
        StepKind("open", str, _open, lambda path: f"Go to {path} on the same site.",
                 lambda path: f"open {path}"),
    )
}


class Step(Strict):
    """One step towards a control: exactly one kind of step, each a field of its own."""

    click: Target | None = None
    click_if_shown: Target | None = None
    open: str | None = None

    _paths = field_validator("open")(paths_start_with_slash)

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        given = [name for name in STEP_KINDS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"a step is exactly one of: {', '.join(STEP_KINDS)}")
        return self

    @property
    def kind(self) -> StepKind:
        return next(STEP_KINDS[name] for name in STEP_KINDS if getattr(self, name) is not None)

    @property
    def value(self) -> Any:
        return getattr(self, self.kind.name)

    def describe(self) -> str:
        return self.kind.describe(self.value)

    def targets(self) -> list[Target]:
        """What the step clicks, if it clicks."""
        return [self.value] if isinstance(self.value, Target) else []

    def words(self) -> str:
        return self.kind.words(self.value)

    async def perform(self, page: SettingPage) -> None:
        await self.kind.perform(page, self.value)
