"""How the engine stops a setting or an account; each becomes a result, never a crash."""

from __future__ import annotations

from optout.results import Status


class AccountFailure(Exception):
    """Stops every remaining setting of the account (sign-in refused, security problem, …)."""

    status = Status.FAILED


class NeedsHuman(AccountFailure):
    """Only a person can go on: a security check, a code sent to them, an expired session."""

    status = Status.NEEDS_HUMAN


class SecurityError(AccountFailure):
    """A sign-in led to a page outside the recipe's allowed origins."""


class SettingFailure(Exception):
    """Stops one setting; the others go on. May carry the evidence kept of the page."""

    def __init__(self, message: str, evidence: dict[str, str] | None = None):
        super().__init__(message)
        self.evidence = evidence


class RecipeMismatch(SettingFailure):
    """The page no longer has what the recipe looks for."""
