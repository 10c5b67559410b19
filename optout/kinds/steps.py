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

if TYPE_CHECKING:
    from optout.engine.account import AccountRun


@dataclass(frozen=True)
class StepKind:
    name: str
    value: type  # what the recipe gives after the key
    perform: Callable[[AccountRun, Any], Awaitable[None]]
    words: Callable[[Any], str]  # a guide's sentence, from the target's words
    describe: Callable[[Any], str]  # a short label for messages and `scan`


async def _click(run: AccountRun, target: Target) -> None:
    await run.click_through(target)


def _click_words(target: Target) -> str:
    from optout.output.guide import target_words

    return f"Click {target_words(target)}."


async def _click_if_shown(run: AccountRun, target: Target) -> None:
    """A click some layouts need and others do not (a sidebar hidden on narrow windows): made if
    the target is on the settled page now, skipped otherwise; it never waits for it."""
    from optout.browser.locate import locator_for

    shown = locator_for(run.page, target).filter(visible=True)
    if await shown.count() == 1:
        await run.click(shown, target.describe())


def _if_shown_words(target: Target) -> str:
    from optout.output.guide import target_words

    return f"If you see {target_words(target)}, click it."


async def _open(run: AccountRun, path: str) -> None:
    """A deep link on the platform's own origin (a fragment such as `/#settings/Data` included),
    for flows that continue on another page; signing in first if the platform asks."""
    await run.open(run.recipe.url(path))


STEP_KINDS: dict[str, StepKind] = {
    kind.name: kind for kind in (
        StepKind("click", Target, _click, _click_words, lambda target: target.describe()),
        StepKind("click_if_shown", Target, _click_if_shown, _if_shown_words,
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

    def words(self) -> str:
        return self.kind.words(self.value)

    async def perform(self, run: AccountRun) -> None:
        await self.kind.perform(run, self.value)
