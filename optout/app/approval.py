"""Recipes in use that are not optout's own: named at every run, and acting as the account only
once the person approved their exact content (`optout recipes approve FILE`)."""

from __future__ import annotations

from collections.abc import Sequence

from optout.domain.errors import BadInput
from optout.domain.results import Mode
from optout.recipe.job import Job
from optout.store.approvals import Provenance, provenance

# The modes that click, type or send in the account's name; the others only read.
ACTING = (Mode.RUN, Mode.FIX)


def not_shipped(jobs: Sequence[Job]) -> list[Provenance]:
    """The recipes the jobs use that are not optout's own, one each."""
    seen = {job.recipe.platform: job.recipe for job in jobs}
    return [p for p in map(provenance, seen.values()) if p.origin != "shipped"]


def require(jobs: Sequence[Job], mode: Mode) -> list[str]:
    """One line for each recipe in use that is not optout's own; BadInput, before any browser,
    if one of them would act as the account without the person's approval."""
    others = not_shipped(jobs)
    unapproved = [p for p in others if not p.may_act]
    if unapproved and mode in ACTING:
        first = unapproved[0].recipe
        raise BadInput(
            f"The {first.name} recipe in use ({first.file}) is not optout's own and you have not "
            "approved it; an approved recipe can do anything your account can. Read its powers "
            f"with `optout recipes approve {first.file}`, or run it read-only with --dry-run.")
    return [p.sentence() for p in others]
