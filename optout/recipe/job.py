"""What the engine is given: the job (one account on one platform, and the settings to handle
for it) and what it needs from outside the browser."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from optout.domain.accounts import (
    Absent,
    Account,
    Person,
    SecretSource,
    SessionStore,
    person_of,
)
from optout.domain.job import Submitted
from optout.domain.profile import Profile
from optout.kinds.base import SettingBase as Setting
from optout.kinds.page import FormLedger
from optout.recipe.schema import Recipe


@dataclass
class Job:
    """One account on one platform, and the settings to handle for it."""

    recipe: Recipe
    account: Account
    settings: list[Setting] = field(default_factory=list)
    # Forms this account already sent (from the history), by setting id.
    submitted: dict[str, Submitted] = field(default_factory=dict)
    # Settings done by hand that the person marked done (`optout done`): setting id -> when.
    marked_done: dict[str, str] = field(default_factory=dict)
    # Whose details its forms are filled with, when not the person's own (a bulk roster's row).
    profile: Profile | None = None
    # In the person's own browser with no --account: its results are filed under whoever the
    # page shows signed in (the recipe's identity), not under one name for every person.
    named_by_page: bool = False

    def person(self, profile: Profile) -> str:
        """Whom this job's results and forms are for (`person_of`), given the person's own
        profile where the job has none of its own."""
        return person_of(self.account, (self.profile or profile).email)


# Progress callback: (job, message) -> None. Messages never contain secrets.
Progress = Callable[[Job, str], None]


@dataclass(frozen=True)
class Resources:
    """What the engine needs from outside the browser."""

    secrets: SecretSource
    sessions: SessionStore
    evidence_dir: Path
    person: Person = field(default_factory=Absent)
    progress: Progress | None = None
    profile: Profile = field(default_factory=Profile)  # what objection forms are filled with
    resubmit: bool = False  # send a form again although the history says it was sent
    # Whether the person agreed that objection forms go in their name (--send-forms, the config's
    # send_forms, or yes at the terminal); without it a form is shown, never sent.
    send_forms: bool = False
    # Where sent forms are noted, under a lock per form (store/sending.py); None keeps nothing
    # (the practice platform's throwaway accounts).
    forms: FormLedger | None = None
    # Keep a picture of each verified control's part of the page too (`control.png`), for guides.
    guide_pictures: bool = False
