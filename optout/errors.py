"""Errors a user can act on, each with the exit code the CLI documents."""

from __future__ import annotations

# Exit codes (README, "Exit codes").
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_NEEDS_HUMAN = 3
EXIT_DRIFT = 4


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (Playwright's run on with call logs)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class OptoutError(Exception):
    """An error with a one- or two-sentence message that says what to do."""

    exit_code = EXIT_FAILED


class BadInput(OptoutError):
    """The user asked for something that cannot be done as asked (exit 2)."""

    exit_code = EXIT_BAD_INPUT


class RecipeError(BadInput):
    """A recipe file is not valid; the message names the file and line."""


class KeyringUnavailable(BadInput):
    """No usable, non-plain-text keyring backend."""


class BrowserNotFound(BadInput):
    """No Chromium-family browser could be found."""


class BrowserLaunchFailed(OptoutError):
    """The browser was found but would not start (exit 1)."""
