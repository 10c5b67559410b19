"""Throwaway practice accounts: one per recipe's twin, with what each recipe needs (the details
its paths name, a sign-in by hand where the recipe says so), for the demo and the benchmarks."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from optout.app.runner import RunOptions, run_sync, sign_in_by_hand
from optout.domain.accounts import Account
from optout.practice.inbox import PracticeHand
from optout.practice.server import PracticePlatform
from optout.practice.twin import load_specs
from optout.recipe import Recipe
from optout.recipe.job import Job, Resources
from optout.store.credentials import MemorySecrets


@dataclass
class PracticeAccounts:
    jobs: list[Job]
    passwords: list[str]  # to redact wherever output could show one
    secrets: MemorySecrets
    hand: PracticeHand  # the practice person, for the recipes signed in to by hand

    def sign_in_by_hand(self, resources: Resources, options: RunOptions) -> None:
        """Sign in by hand where a recipe says so (sessions go to `resources.sessions`)."""
        for job in self.jobs:
            if job.recipe.origin in self.hand.pages:
                run_sync(sign_in_by_hand(job, replace(resources, person=self.hand), options))


def practice_accounts(practice: PracticePlatform, recipes: Iterable[Recipe], name: str,
                      password_of: Callable[[str], str] | None = None) -> PracticeAccounts:
    """An account named `name` on the twin of each recipe (recipes without a twin, and settings
    done by hand, are left out), its recipe pointed at the twin, with a random password unless
    `password_of(platform)` gives one."""
    specs = load_specs()
    jobs, passwords, pages, logins = [], {}, {}, {}
    for recipe in recipes:
        if recipe.platform not in practice.origins:
            continue
        password = password_of(recipe.platform) if password_of else secrets.token_urlsafe(16)
        origin = practice.origin_of(recipe.platform)
        spec = specs.get(recipe.platform)
        details = spec.details if spec else {}
        account = Account(recipe.platform, name, f"{name}@{recipe.platform}.practice.invalid",
                          (origin,), (), tuple(sorted(details.items())))
        practice.world.add_user(account.username or "", password)
        passwords[(account.platform, account.name)] = password
        target = recipe.with_origin(origin).with_details(details)
        # Settings done by hand have nothing to practise: they are in the guides.
        jobs.append(Job(target, account, [s for s in target.settings if s.needs_browser]))
        if recipe.sign_in is not None and recipe.sign_in.by_hand and spec and spec.sign_in:
            pages[origin] = spec.sign_in
            logins[origin] = (account.username or "", password)
    return PracticeAccounts(jobs, list(passwords.values()), MemorySecrets(passwords),
                            PracticeHand(practice.world, pages, logins))
