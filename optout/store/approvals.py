"""Recipes the person approved, by the hash of their exact content (like an SSH host key).

A recipe that is not optout's own can do with a signed-in account whatever its settings say, so
it changes nothing until the person has read its powers and approved that very file; a change to
one byte is a new recipe, approved anew. The approvals live in the data folder, private.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from filelock import FileLock

from optout.recipe.loading import is_shipped, shipped_recipe
from optout.recipe.schema import Recipe
from optout.store.files import data_dir, lock_path, read_json, write_json

Origin = Literal["shipped", "approved", "unapproved"]


def approvals_path() -> Path:
    return data_dir() / "approved-recipes.json"


@dataclass(frozen=True)
class Provenance:
    """Where a recipe in use comes from, and whether it may act as the account."""

    recipe: Recipe
    origin: Origin
    # Approved while optout's own recipe was another: a fix shipped since is not in it.
    shipped_changed: bool = False

    @property
    def may_act(self) -> bool:
        return self.origin != "unapproved"

    def sentence(self) -> str:
        where = self.recipe.file or "an unnamed file"
        if self.origin == "shipped":
            return f"{self.recipe.name}: optout's own recipe."
        if self.origin == "approved":
            newer = (f" optout's own {self.recipe.name} recipe has changed since (a fix it lacks?): "
                     f"`optout recipes approve {where}` shows the difference."
                     if self.shipped_changed else "")
            return f"{self.recipe.name}: {where}, not optout's own; you approved it.{newer}"
        return (f"{self.recipe.name}: {where}, not optout's own and not approved: it only reads "
                f"(--dry-run, check) until you run `optout recipes approve {where}`.")


def provenance(recipe: Recipe) -> Provenance:
    if is_shipped(recipe):
        return Provenance(recipe, "shipped")
    record = _approved().get(recipe.digest or "")
    if record is None:
        return Provenance(recipe, "unapproved")
    return Provenance(recipe, "approved", record.get("shipped") != _shipped_digest(recipe))


def approve(recipe: Recipe) -> None:
    """Record that the person approved `recipe`'s exact content."""
    assert recipe.digest is not None, "a recipe read from a file has its digest"
    with FileLock(lock_path("approvals"), timeout=30):
        approved = _approved()
        approved[recipe.digest] = {"platform": recipe.platform, "file": str(recipe.file),
                                   "approved": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                   "shipped": _shipped_digest(recipe)}
        write_json(approvals_path(), approved)


def _shipped_digest(recipe: Recipe) -> str:
    shipped = shipped_recipe(recipe.platform)
    return (shipped.digest or "") if shipped else ""


def _approved() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = read_json(approvals_path(), {})
    return data
