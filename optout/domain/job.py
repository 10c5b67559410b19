"""What the engine is given: the job, the limits on its waits, and what it needs from outside."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from optout.domain.profile import Profile
from optout.signin.person import Absent, Person
from optout.store.credentials import Account, SecretSource
from optout.store.sessions import SessionStore

if TYPE_CHECKING:
    from optout.kinds.base import SettingBase as Setting
    from optout.recipe.schema import Recipe
    from optout.store.sending import FormLedger


@dataclass(frozen=True)
class Submitted:
    """A form this account sent before: when (with the platform's reference), and whether the
    platform's confirmation was seen."""

    when: str
    confirmed: bool


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


# Progress callback: (job, message) -> None. Messages never contain secrets.
Progress = Callable[[Job, str], None]


@dataclass(frozen=True)
class Limits:
    """Upper bounds, in milliseconds, for every wait the engine makes."""

    navigation_ms: float = 30_000
    control_ms: float = 15_000
    save_ms: float = 15_000
    sign_in_ms: float = 20_000
    by_hand_ms: float = 600_000  # a person finishing a sign-in in a visible browser
    # A state read must stay the same this long on an otherwise settled page (see README).
    steady_ms: float = 200
    # A data request still open after this long is taken for a connection held by design.
    held_ms: float = 3_000

    @classmethod
    def from_timeout(cls, seconds: float) -> Limits:
        """Limits scaled from the longest page load allowed (`--timeout`)."""
        ms = seconds * 1000
        return cls(navigation_ms=ms, control_ms=ms / 2, save_ms=ms / 2, sign_in_ms=ms * 2 / 3)


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
    # Where sent forms are noted, under a lock per form (store/sending.py); None keeps nothing
    # (the practice platform's throwaway accounts).
    forms: FormLedger | None = None
