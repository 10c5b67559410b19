"""What every run is bounded by, and what a form's history says: plain values the kinds and the
engine share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Submitted:
    """A form this account sent before: when (with the platform's reference), and whether the
    platform's confirmation was seen."""

    when: str
    confirmed: bool


@dataclass(frozen=True)
class Limits:
    """Upper bounds, in milliseconds, for every wait the engine makes."""

    navigation_ms: float = 30_000
    control_ms: float = 15_000
    save_ms: float = 15_000
    sign_in_ms: float = 20_000
    by_hand_ms: float = 600_000  # a person finishing a sign-in in a visible browser
    # A state read must stay the same this long on an otherwise settled page (docs/how-it-works.md).
    steady_ms: float = 200
    # A data request still open after this long is taken for a connection held by design.
    held_ms: float = 3_000

    @classmethod
    def from_timeout(cls, seconds: float) -> Limits:
        """Limits scaled from the longest page load allowed (`--timeout`)."""
        ms = seconds * 1000
        return cls(navigation_ms=ms, control_ms=ms / 2, save_ms=ms / 2, sign_in_ms=ms * 2 / 3)
