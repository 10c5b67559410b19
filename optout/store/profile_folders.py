"""Whom each browser profile folder (`--profile`) was first seen signed in as, by platform: a
folder is one person's, and a later run that finds another person signed in there changes
nothing and verifies nothing (the recipe's identity is compared as a stored username is)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from filelock import FileLock

from optout.store.files import data_dir, lock_path, read_json, write_json


def _path() -> Path:
    return data_dir() / "profile-folders.json"


def bound(folder: Path) -> dict[str, str]:
    """The identity `folder` is bound to, by platform (none until a run has seen one)."""
    known: dict[str, dict[str, str]] = read_json(_path(), {})
    return dict(known.get(str(folder.resolve()), {}))


def bind(folder: Path, seen: Mapping[str, str]) -> None:
    """Bind `folder`, for each platform not bound yet, to the identity a run saw there."""
    if not seen:
        return
    with FileLock(lock_path("profile-folders"), timeout=30):
        known: dict[str, dict[str, str]] = read_json(_path(), {})
        mine = known.setdefault(str(folder.resolve()), {})
        if all(platform in mine for platform in seen):
            return
        for platform, identity in seen.items():
            mine.setdefault(platform, identity)
        write_json(_path(), known)
