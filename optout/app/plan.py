"""Turn what the user asked for into jobs: recipes x accounts x settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from optout.app.roster import Row as RosterRow
from optout.app.roster import accounts as roster_accounts
from optout.domain.accounts import Account, is_practice_account
from optout.domain.errors import BadInput
from optout.domain.profile import PRACTICE_PROFILE
from optout.recipe import Recipe, select
from optout.recipe.job import Job
from optout.recipe.names import account_of, setting_of
from optout.recipe.trust import point_and_bind
from optout.store import credentials

# The account name of runs in the person's own browser, unless --account names one.
OWN_BROWSER_ACCOUNT = "browser"
# The account name of platforms whose settings are all done by hand (no sign-in to store).
BY_HAND_ACCOUNT = "you"


def build_jobs(recipes: Mapping[str, Recipe], platforms: Sequence[str], *, all_platforms: bool,
               account: str | None, origin: str | None, command: str,
               default_accounts: Mapping[str, str] | None = None,
               origins: Mapping[str, str] | None = None,
               only: Sequence[str] = (), stand_ins: Mapping[str, str] | None = None) -> list[Job]:
    """A job for every stored account of every platform asked for.

    Without --account, a platform's account named in the config is used, else every stored one.
    `origin` points the one platform asked for elsewhere; `origins` points each platform named;
    `stand_ins` puts an origin in place of one of a recipe's others (its sign-in origin).
    `only` keeps just the settings with those ids.

    Raises BadInput (exit 2) for an unknown platform, a missing platform name or missing
    credentials, before any browser starts.
    """
    chosen, only = _chosen(recipes, platforms, all_platforms, origin, origins, command, only)
    if any(recipe.needs_account for recipe in chosen):  # (done by hand: no stored account)
        credentials.require_keyring()
    jobs: list[Job] = []
    for recipe in chosen:
        if not recipe.needs_account:  # done by hand: no account, no browser
            settings = [s for s in recipe.settings if not only or s.id in only]
            if not all_platforms and settings:
                jobs.append(Job(recipe, Account(recipe.platform, account or BY_HAND_ACCOUNT),
                                settings))
            continue
        wanted = account or (default_accounts or {}).get(recipe.platform)
        everyone = credentials.accounts(recipe.platform)
        if wanted and everyone and not all_platforms:  # a slip of the name is told, not run
            wanted = account_of(wanted, [a.name for a in everyone], recipe.name)
        stored = [a for a in everyone if wanted is None or a.name == wanted]
        if all_platforms and command == "run":  # its forms would carry the real profile to a
            # local port that anyone on this machine can serve when the practice is not running
            stored = [a for a in stored if not is_practice_account(a)]
        if not stored and not all_platforms:
            which = f" for account {wanted!r}" if wanted else ""
            flag = f" --account {wanted}" if wanted else ""
            raise BadInput(f"No credentials stored for {recipe.name}{which}. "
                           f"Run `optout login {recipe.platform}{flag}` first.")
        for stored_account in stored:
            where = (origin or (origins or {}).get(recipe.platform)
                     or _stored_site(recipe, stored_account))
            target = pointed(recipe, where, stored_account, stand_ins).with_details(
                dict(stored_account.details))
            settings = [s for s in target.settings if not only or s.id in only]
            if settings:
                # The practice accounts are the made-up person's: their forms never carry yours.
                mine = PRACTICE_PROFILE if is_practice_account(stored_account) else None
                jobs.append(Job(target, stored_account, settings, profile=mine))
    if not jobs:
        raise BadInput("No credentials are stored for any platform. "
                       "Run `optout login PLATFORM` first (`optout list` shows the platforms).")
    return jobs


def pointed(recipe: Recipe, where: str | None, account: Account | None = None,
            stand_ins: Mapping[str, str] | None = None) -> Recipe:
    """The recipe pointed at `where` (as it is without one), each of its other origins that the
    account was stored with a stand-in for (a twin's sign-in origin), or that was typed in
    `stand_ins`, pointed at that stand-in."""
    if not where:
        return recipe
    return recipe.with_origin(where, {**dict(account.stands_in if account else ()),
                                      **(stand_ins or {})})


def _stored_site(recipe: Recipe, account: Account) -> str | None:
    """Where an account runs unless told otherwise: the origin it was stored for, when that is
    not the recipe's own (a per-site platform's site, a test server given at login)."""
    if account.origins and (recipe.per_site or account.origins[0] not in recipe.origins):
        return account.origins[0]
    return None


def own_browser_jobs(recipes: Mapping[str, Recipe], platforms: Sequence[str], *,
                     all_platforms: bool, account: str | None, origin: str | None, command: str,
                     origins: Mapping[str, str] | None = None,
                     only: Sequence[str] = (),
                     details: dict[str, str] | None = None,
                     bound: Mapping[str, str] | None = None,
                     stand_ins: Mapping[str, str] | None = None,
                     left_out: list[str] | None = None) -> list[Job]:
    """Jobs for the person's own signed-in browser (--cdp): no stored account is needed. Each is
    named `account` (else "browser", and its results filed under the identity the page shows)
    and bound, for its session and details, as `optout login` would bind it: to the shipped
    recipe's origins or the one typed with --origin. `bound` holds, by platform, the identity a
    profile folder (--profile) was first seen signed in as: the page must show it again. With
    --all, a platform that needs more than was given (a per-site platform's site, a blog's name)
    is left out, named in `left_out` with what it needs."""
    jobs = []
    chosen, only = _chosen(recipes, platforms, all_platforms, origin, origins, command, only)
    for recipe in chosen:
        where = origin or (origins or {}).get(recipe.platform)
        missing = [n for n in recipe.account_details if n not in (details or {})]
        if all_platforms and left_out is not None and (recipe.per_site and not where or missing):
            left_out.append(f"{recipe.name} (needs --origin {recipe.platform}=YOUR-SITE)"
                            if recipe.per_site and not where else
                            f"{recipe.name} (needs its {missing[0]}'s name, which runs in your "
                            "own browser do not take yet)")
            continue
        if recipe.per_site and not where:
            raise BadInput(f"Each {recipe.name} account has its own site: give yours with "
                           f"--origin (like {recipe.origin}, with your site's name).")
        target, bound_to, mapped = point_and_bind(recipe, where, stand_ins)
        target = target.with_details(details or {})
        who = Account(recipe.platform, account or OWN_BROWSER_ACCOUNT,
                      (bound or {}).get(recipe.platform), bound_to, stands_in=mapped)
        settings = [s for s in target.settings if not only or s.id in only]
        if settings:
            jobs.append(Job(target, who, settings, named_by_page=account is None))
    return jobs


def _chosen(recipes: Mapping[str, Recipe], platforms: Sequence[str], all_platforms: bool,
            origin: str | None, origins: Mapping[str, str] | None, command: str,
            only: Sequence[str]) -> tuple[list[Recipe], list[str]]:
    """The recipes asked for and the ids of the settings asked for; BadInput for an unknown
    platform or setting (with the valid ones), or a missing name."""
    if platforms and all_platforms:
        raise BadInput("Name platforms or use --all, not both.")
    if not platforms and not all_platforms:
        raise BadInput(f"Name a platform (for example `optout {command} linkedin`) or use --all.")
    if origin and (all_platforms or len(platforms) != 1):
        raise BadInput("--origin points one recipe at another origin; name exactly one platform.")
    select(recipes, list(origins or {}))  # an unknown platform in --origin NAME=URL
    chosen = list(recipes.values()) if all_platforms else select(recipes, platforms)
    known = {s.id: s.title for recipe in chosen for s in recipe.settings}
    where = ", ".join(r.name for r in chosen)
    return chosen, [setting_of(given, known, where) for given in only]


def roster_jobs(rows: Sequence[RosterRow], recipes: Mapping[str, Recipe],
                origins: Mapping[str, str], trusted: Sequence[str] = (),
                stand_ins: Mapping[str, str] | None = None) -> list[Job]:
    """A job for every account of a checked roster; `origins` points recipes elsewhere, by
    platform, and an account stored for another origin runs there.

    Forms are filled with each member's details from the roster, never the operator's.
    """
    members = {(row.platform, row.account): row.profile for row in rows}
    jobs = []
    for account in roster_accounts(rows, recipes, origins, trusted, stand_ins):
        recipe = recipes[account.platform]
        where = origins.get(account.platform) or _stored_site(recipe, account)
        target = pointed(recipe, where, account).with_details(dict(account.details))
        jobs.append(Job(target, account, list(target.settings),
                        profile=members[(account.platform, account.name)]))
    return jobs
