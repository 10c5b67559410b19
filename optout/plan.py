"""Turn what the user asked for into jobs: recipes x accounts x settings."""

from __future__ import annotations

from collections.abc import Sequence

from optout import credentials
from optout.engine import Job
from optout.errors import BadInput
from optout.recipe import Recipe, select


def build_jobs(recipes: dict[str, Recipe], platforms: Sequence[str], *, all_platforms: bool,
               account: str | None, origin: str | None, command: str) -> list[Job]:
    """A job for every stored account of every platform asked for.

    Raises BadInput (exit 2) for an unknown platform, a missing platform name or missing
    credentials, before any browser starts.
    """
    if platforms and all_platforms:
        raise BadInput("Name platforms or use --all, not both.")
    if not platforms and not all_platforms:
        raise BadInput(f"Name a platform (for example `optout {command} linkedin`) or use --all.")
    if origin and (all_platforms or len(platforms) != 1):
        raise BadInput("--origin points one recipe at another origin; name exactly one platform.")
    chosen = list(recipes.values()) if all_platforms else select(recipes, platforms)

    jobs: list[Job] = []
    for recipe in chosen:
        stored = [a for a in credentials.accounts(recipe.platform)
                  if account is None or a.name == account]
        if not stored and not all_platforms:
            which = f" for account {account!r}" if account else ""
            flag = f" --account {account}" if account else ""
            raise BadInput(f"No credentials stored for {recipe.name}{which}. "
                           f"Run `optout login {recipe.platform}{flag}` first.")
        target = recipe.with_origin(origin) if origin else recipe
        jobs += [Job(target, a, list(target.settings)) for a in stored]
    if not jobs:
        raise BadInput("No credentials are stored for any platform. "
                       "Run `optout login PLATFORM` first (`optout list` shows the platforms).")
    return jobs
