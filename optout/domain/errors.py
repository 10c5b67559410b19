"""Every error optout raises, in one hierarchy: each has a message a person can act on and the
exit code the CLI documents. The engine's failures (of an account, of a setting) become results,
never crashes."""

from __future__ import annotations

from optout.domain.results import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_NEEDS_HUMAN, Status


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (Playwright's run on with call logs)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class OptoutError(Exception):
    """An error with a one- or two-sentence message that says what to do; its exit code is its
    class's, unless it is made with another (an engine failure retold, exit 3 kept)."""

    exit_code = EXIT_FAILED

    def __init__(self, *args: object, exit_code: int | None = None):
        super().__init__(*args)
        if exit_code is not None:
            self.exit_code = exit_code


class BadInput(OptoutError):
    """The user asked for something that cannot be done as asked (exit 2)."""

    exit_code = EXIT_BAD_INPUT


class RecipeError(BadInput):
    """A recipe file is not valid; the message names the file and line."""


class UntrustedOrigin(BadInput):
    """A recipe not shipped with optout would take credentials to an origin nobody approved."""

    def __init__(self, name: str, platform: str, file: str, origins: list[str]):
        self.origins = origins
        flags = " ".join(f"--trust-origin {o}" for o in origins)
        super().__init__(
            f"The {name} recipe in {file} would take your credentials to {', '.join(origins)}, "
            f"which the {name} recipe shipped with optout does not use; nothing was stored or "
            f"sent. Only if you trust that recipe's author with this password, approve "
            f"{'it' if len(origins) == 1 else 'them'} by adding `{flags}` (for example "
            f"`optout login {platform} {flags}`).")


class KeyringUnavailable(BadInput):
    """No usable, non-plain-text keyring backend."""


class BrowserNotFound(BadInput):
    """No Chromium-family browser could be found."""


class BrowserLaunchFailed(OptoutError):
    """The browser was found but would not start (exit 1)."""


class WaitTimedOut(OptoutError):
    """A bounded wait ran out: never a signal of success."""


class AccountFailure(OptoutError):
    """Stops every remaining setting of the account (sign-in refused, security problem, …)."""

    status = Status.FAILED


class NeedsHuman(AccountFailure):
    """Only a person can go on: a security check, a code sent to them, an expired session."""

    status = Status.NEEDS_HUMAN
    exit_code = EXIT_NEEDS_HUMAN


class SecurityError(AccountFailure):
    """A sign-in led to a page outside the recipe's allowed origins."""


class SettingFailure(OptoutError):
    """Stops one setting; the others go on. May carry the evidence kept of the page."""

    def __init__(self, message: str, evidence: dict[str, str] | None = None):
        super().__init__(message)
        self.evidence = evidence


class ControlNotFound(SettingFailure):
    """No target matched within the time allowed, or a target matched more than one element."""


class PageError(SettingFailure):
    """The browser failed to read or act on a page (it closed, crashed or navigated away): the
    setting fails, and a form that has left is never sent again for it."""


class RecipeMismatch(SettingFailure):
    """The page no longer has what the recipe looks for."""


class Interrupted(OptoutError):
    """Ctrl-C or SIGTERM stopped the run (exit 128 + the signal: 130, 143).

    Accounts finished before it are kept; those under way are neither failed nor recorded.
    """

    def __init__(self, signal_number: int, finished: int = 0, total: int = 0):
        self.signal_number = signal_number
        self.finished, self.total = finished, total
        self.exit_code = 128 + signal_number
        super().__init__(self.sentence())

    def sentence(self, resume_hint: str = "run the same command again to go on") -> str:
        done = (f"{self.finished} of {self.total} accounts finished and are kept; "
                if self.total else "")
        return f"Interrupted: {done}{resume_hint}."


class BrowserClosed(OptoutError):
    """The person's own browser (--cdp) went away mid-run (exit 3): the accounts under way were
    not read to the end, so they are neither failed nor recorded."""

    exit_code = EXIT_NEEDS_HUMAN

    def __init__(self, finished: int, total: int):
        self.finished, self.total = finished, total
        super().__init__(f"Your browser closed: {finished} of {total} accounts finished and are "
                         "kept. Start it again (with remote debugging) and run the same command "
                         "to go on.")
