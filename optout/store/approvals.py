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

from optout.recipe.loading import is_shipped
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

    @property
    def may_act(self) -> bool:
        return self.origin != "unapproved"

    def sentence(self) -> str:
        where = self.recipe.file or "an unnamed file"
        if self.origin == "shipped":
            return f"{self.recipe.name}: optout's own recipe."
        if self.origin == "approved":
            return f"{self.recipe.name}: {where}, not optout's own; you approved it."
        return (f"{self.recipe.name}: {where}, not optout's own and not approved: it only reads "
                f"(--dry-run, check) until you run `optout recipes approve {where}`.")


def provenance(recipe: Recipe) -> Provenance:
    if is_shipped(recipe):
        return Provenance(recipe, "shipped")
    approved = recipe.digest is not None and recipe.digest in _approved()
    return Provenance(recipe, "approved" if approved else "unapproved")


def approve(recipe: Recipe) -> None:
    """Record that the person approved `recipe`'s exact content."""
    assert recipe.digest is not None, "a recipe read from a file has its digest"
    with FileLock(lock_path("approvals"), timeout=30):
        approved = _approved()
        approved[recipe.digest] = {"platform": recipe.platform, "file": str(recipe.file),
                                   "approved": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        write_json(approvals_path(), approved)


def _approved() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = read_json(approvals_path(), {})
    return data
