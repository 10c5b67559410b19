"""Practice users of any twin, with credentials stored for its origin: shared by the tests that
run recipes against their twins."""

from __future__ import annotations

import secrets

from optout.app.practice import stands_in
from optout.app.runner import RunOptions, run_sync, sign_in_by_hand
from optout.domain.accounts import Account
from optout.practice.inbox import PracticeHand
from optout.practice.twin import load_specs
from optout.recipe import load_recipes
from optout.recipe.job import Job, Resources
from optout.store import credentials
from optout.store.credentials import KeyringSecrets
from optout.store.files import data_dir
from optout.store.sessions import EncryptedSessions

RECIPES = load_recipes()
SPECS = load_specs()


def store(practice, platform: str, *, faults=frozenset()) -> str:
    """A practice user of `platform` whose credentials are stored for its twin's origin, with
    the details its recipe asks for (a blog's name); signed in by hand where the recipe says so."""
    username, password = f"ada@{platform}.example", "pw-" + secrets.token_urlsafe(12)
    practice.world.add_user(username, password, faults=set(faults))
    origin = practice.origin_of(platform)
    details = tuple(sorted(SPECS[platform].details.items())) if platform in SPECS else ()
    recipe = RECIPES[platform]
    # Where the live sign-in is on another origin, so is the twin's: the account is bound to both.
    pairs = stands_in(practice, recipe)
    target = recipe.with_origin(origin, dict(pairs)).with_details(dict(details))
    origins = tuple(target.origins)
    if recipe.sign_in is not None and recipe.sign_in.by_hand:
        account = Account(platform, "default", None, origins, details=details, stands_in=pairs)
        # The person signs in on the twin's page themselves, as the demo's practice person does.
        person = PracticeHand(practice.world, dict.fromkeys(origins, SPECS[platform].sign_in),
                              dict.fromkeys(origins, (username, password)))
        resources = Resources(secrets=KeyringSecrets(), sessions=EncryptedSessions(),
                              evidence_dir=data_dir() / "evidence", person=person)
        run_sync(sign_in_by_hand(Job(target, account, []), resources,
                                 RunOptions(hand_off_headless=True)))
        credentials.store(account, None)
        return username
    credentials.store(Account(platform, "default", username, origins, details=details,
                              stands_in=pairs), password)
    return username
