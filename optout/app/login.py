"""`optout login`'s work: a sign-in by hand whose session is kept, a trial sign-in before
credentials are stored, and the person's own browser or profile. The CLI asks and tells; the
sessions, the browser and the keyring are reached from here."""

from __future__ import annotations

from optout.app.runner import (
    RunOptions,
    run_sync,
    sign_in_by_hand,
    sign_in_only,
    sign_in_to_profile,
)
from optout.app.signed_in import look
from optout.domain.accounts import Account
from optout.domain.errors import AccountFailure
from optout.recipe import Recipe
from optout.recipe.job import Job, Resources
from optout.signin.person import from_terminal
from optout.store import credentials
from optout.store.credentials import MemorySecrets
from optout.store.files import data_dir
from optout.store.sessions import EncryptedSessions


def _resources(secrets: MemorySecrets) -> Resources:
    return Resources(secrets=secrets, sessions=EncryptedSessions(),
                     evidence_dir=data_dir() / "evidence", person=from_terminal())


def by_hand(recipe: Recipe, account: Account, options: RunOptions) -> None:
    """The person signs in in a visible browser; the session is kept (encrypted) and the account
    stored with no password. An engine failure is raised with its exit code."""
    run_sync(sign_in_by_hand(Job(recipe, account, []), _resources(MemorySecrets({})), options))
    credentials.store(account, None)


def trial(recipe: Recipe, account: Account, options: RunOptions, password: str | None = None,
          secret: str | None = None) -> AccountFailure | None:
    """Sign in once with what the person gave, before anything is stored; how it failed."""
    key = (account.platform, account.name)
    secrets = MemorySecrets({key: password} if password else {}, {key: secret} if secret else {})
    return run_sync(sign_in_only(Job(recipe, account, []), _resources(secrets), options))


def in_profile(recipe: Recipe, account: Account, options: RunOptions) -> None:
    """A visible browser on the profile folder, for the person to sign in; nothing is stored."""
    run_sync(sign_in_to_profile(Job(recipe, account, []), options, from_terminal()))


def own_browser_is_signed_in(recipe: Recipe, account: Account, options: RunOptions) -> bool:
    """Whether the person's own browser (`--cdp`) is signed in to the platform, looked at as
    `run --all --cdp` looks (app/signed_in.py); AccountFailure where it could not tell."""
    [found] = look([Job(recipe, account, recipe.settings)], options)
    if found.signed_in is None:
        raise AccountFailure(f"Could not tell whether your browser is signed in to {recipe.name}: "
                             f"{found.why}.")
    return found.signed_in
