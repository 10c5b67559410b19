"""The practice platform as the application uses it: throwaway accounts on each recipe's twin
(for the demo, `optout practice` and the benchmarks), and the practice accounts `--setup` stores.

The practice platform is an extra (Flask): this module is the only way into it outside the tests,
and it says plainly when the extra is not installed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from types import ModuleType
from typing import TYPE_CHECKING

from optout.app.runner import RunOptions, run_sync, sign_in_by_hand
from optout.domain.accounts import PRACTICE_ACCOUNT, Account
from optout.domain.errors import BadInput
from optout.domain.targets import is_practice
from optout.recipe import Recipe
from optout.recipe.job import Job, Resources
from optout.store import credentials
from optout.store.credentials import MemorySecrets
from optout.store.history import History
from optout.store.sessions import delete_sessions

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from optout.practice.inbox import PracticeHand, PracticeInbox
    from optout.practice.server import PracticePlatform
    from optout.practice.world import World



DEMO_ACCOUNT = "demo"  # the account name `optout demo` runs and records under


def platform() -> ModuleType:
    """The practice platform, an extra: a clear word when it is not installed."""
    try:
        import optout.practice
    except ModuleNotFoundError as exc:
        raise BadInput(f"The practice platform needs {exc.name}, which is not installed; install "
                       "it with: pip install 'optout[practice]'.") from exc
    return optout.practice


def served(port: int | None = None, *,
           any_port_if_taken: bool = False) -> AbstractContextManager[PracticePlatform]:
    """The practice platform serving, its twins' settings kept between starts (practice/kept.py)."""
    platform()
    from optout.practice.kept import PRACTICE_PORT, kept_practice
    return kept_practice(port or PRACTICE_PORT, any_port_if_taken=any_port_if_taken)


def reset_twins() -> bool:
    """The twins' settings back to their defaults at the next start (the kept file removed);
    whether there was anything kept."""
    platform()
    from optout.practice.kept import serving, settings_file
    if running := serving():
        raise BadInput(f"A practice platform is serving (process {running[0]}): it would put the "
                       "twins' settings back when it stops. Stop it first (Ctrl-C in its "
                       "terminal), then run `optout practice --reset`.")
    kept = settings_file()
    if not kept.exists():
        return False
    kept.unlink()
    return True


def password(platform_id: str) -> str:
    """A twin's throwaway password, the same at every start (printed by `optout practice`)."""
    from optout.practice.kept import practice_password
    return practice_password(platform_id)


def inbox(world: World) -> PracticeInbox:
    """The practice person: reads the codes the twins 'email' and signs in by hand."""
    from optout.practice.inbox import PracticeInbox
    return PracticeInbox(world)


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
    from optout.practice.inbox import PracticeHand
    from optout.practice.twin import load_specs

    specs = load_specs()
    jobs, passwords, pages, logins = [], {}, {}, {}
    for recipe in recipes:
        if recipe.platform not in practice.origins:
            continue
        password = password_of(recipe.platform) if password_of else secrets.token_urlsafe(16)
        origin = practice.origin_of(recipe.platform)
        spec = specs.get(recipe.platform)
        details = spec.details if spec else {}
        target = recipe.with_origin(origin, practice.stand_ins(recipe.platform)).with_details(
            details)
        account = Account(recipe.platform, name, f"{name}@{recipe.platform}.practice.invalid",
                          tuple(target.origins), (), tuple(sorted(details.items())),
                          stands_in(practice, recipe))
        practice.world.add_user(account.username or "", password)
        passwords[(account.platform, account.name)] = password
        # Settings done by hand have nothing to practise: they are in the guides.
        jobs.append(Job(target, account, [s for s in target.settings if s.needs_browser]))
        if recipe.sign_in is not None and recipe.sign_in.by_hand and spec and spec.sign_in:
            for where in target.origins:  # the sign-in may be on the twin's second origin
                pages[where] = spec.sign_in
                logins[where] = (account.username or "", password)
    return PracticeAccounts(jobs, list(passwords.values()), MemorySecrets(passwords),
                            PracticeHand(practice.world, pages, logins))


def stands_in(practice: PracticePlatform, recipe: Recipe) -> tuple[tuple[str, str], ...]:
    """What a practice account keeps of its twin's second origin: the recipe's own sign-in
    origin it stands in for (none where the recipe does not sign in there)."""
    return recipe.stand_ins(practice.stand_ins(recipe.platform))


def stored_practice_accounts(recipes: Iterable[Recipe]) -> list[tuple[Recipe, Account]]:
    return [(recipe, account) for recipe in recipes
            for account in credentials.accounts(recipe.platform)
            if account.name == PRACTICE_ACCOUNT]


def refuse_a_real_account_named_practice(recipes: Iterable[Recipe]) -> None:
    """--setup stores over accounts named `practice`: never over one bound to a real site."""
    real = [recipe.name for recipe, account in stored_practice_accounts(recipes)
            if not all(is_practice(origin) for origin in account.origins)]
    if real:
        raise BadInput(f"An account named `practice` is stored for {', '.join(real)} and signs "
                       "in to the real site; rename it (forget, then login --account NAME) "
                       "before --setup stores practice accounts.")


def refuse_practice_accounts_bound_elsewhere(jobs: Iterable[Job]) -> None:
    """--setup stores over accounts named `practice`: never over one bound to another local
    server (a practice platform on another port, or someone else's), which it would silently
    point elsewhere."""
    elsewhere = [(job.recipe.name, stored.origins[0]) for job in jobs
                 for stored in credentials.accounts(job.recipe.platform)
                 if stored.name == PRACTICE_ACCOUNT and stored.origins
                 and tuple(stored.origins) != tuple(job.account.origins)]
    if elsewhere:
        name, origin = elsewhere[0]
        raise BadInput(f"The `practice` account for {name} is bound to {origin}, not to this "
                       "practice platform; run `optout practice --remove` (or start it on that "
                       "port with --port) before --setup stores practice accounts here.")


def forget_practice_accounts(recipes: Iterable[Recipe]) -> list[str]:
    """Forget every account bound to twins only (`practice`, or any other name stored at a twin's
    address) and every reading made on twins alone (the demo's, a `--cdp` run's), and the forms
    sent to twins; the platforms whose stored accounts were forgotten."""
    recipes = list(recipes)
    forgotten = []
    with History() as history:
        for recipe in recipes:
            for account in credentials.accounts(recipe.platform):
                if account.origins and all(is_practice(origin) for origin in account.origins):
                    credentials.forget(account)
                    delete_sessions(account)
                    history.forget(recipe.platform, account.name)
                    forgotten.append(recipe.platform)
            for name in history.accounts(recipe.platform, since_forgotten=True):
                seen = history.origins(recipe.platform, name)
                if seen and all(is_practice(origin) for origin in seen):
                    history.forget(recipe.platform, name)
        history.forget_forms_sent_at([o for o in history.form_origins() if is_practice(o)])
    return sorted(set(forgotten))
