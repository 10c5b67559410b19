"""Which platforms the person's own browser is signed in to (`run --all --cdp`, `optout start`).

Two looks, the cheap one first: the browser holds cookies for one of the platform's origins (a
browser that never visited it is not signed in), then one of its settings pages, opened in a new
tab, stays off the sign-in pages. Nothing is typed (a cookie banner there is refused, as in any
run), and optout's tabs are closed. A page that cannot be opened is "could not tell", with why,
never "not signed in".
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from playwright.async_api import BrowserContext, async_playwright
from playwright.async_api import Error as PlaywrightError

from optout.app.runner import RunOptions, run_sync
from optout.browser.own import attach, open_profile, profile_of
from optout.domain.errors import NeedsHuman, OptoutError, WaitTimedOut, first_line
from optout.domain.results import Mode
from optout.domain.waits import bounded
from optout.engine.account import AccountRun
from optout.recipe.job import Job, Resources
from optout.store.credentials import MemorySecrets
from optout.store.files import data_dir
from optout.store.sessions import NoSessions

log = logging.getLogger(__name__)

COOKIES_MS = 5_000  # the browser's own cookie jar: answered at once


@dataclass(frozen=True)
class Look:
    """What the browser showed of one job's platform."""

    job: Job
    signed_in: bool | None  # None: could not tell (the page did not open)
    why: str = ""  # when not: no cookies, or the sign-in page; else what kept the page from opening


def look(jobs: list[Job], options: RunOptions) -> list[Look]:
    """For each job with a setting done in a browser, whether the person's browser (`--cdp` or
    `--profile`) is signed in to its platform; jobs done wholly by hand are not looked at."""
    return run_sync(_look(jobs, options))


def split(jobs: list[Job], options: RunOptions) -> tuple[list[Job], list[Look]]:
    """The jobs whose platform the browser is signed in to (and those done wholly by hand, which
    need no browser), and the looks of the others."""
    looks = {id(found.job): found for found in look(jobs, options)}
    kept = [job for job in jobs if id(job) not in looks or looks[id(job)].signed_in]
    return kept, [found for found in looks.values() if not found.signed_in]


async def _look(jobs: list[Job], options: RunOptions) -> list[Look]:
    needing = [job for job in jobs if any(s.needs_browser for s in job.settings)]
    if not needing:
        return []
    resources = Resources(secrets=MemorySecrets({}), sessions=NoSessions(),
                          evidence_dir=data_dir() / "evidence")
    async with async_playwright() as playwright:
        if options.cdp:
            browser = await attach(playwright, options.cdp)
            context = profile_of(browser)
        else:
            assert options.profile_dir, "only for the person's own browser or profile folder"
            browser = None
            context = await open_profile(playwright, options.profile_dir,
                                         explicit=options.browser, headed=False)
        try:
            return [await _one(context, job, resources, options) for job in needing]
        finally:
            # Disconnects from the person's browser (it keeps running); closes a profile folder.
            with contextlib.suppress(PlaywrightError, WaitTimedOut):
                await bounded(browser.close() if browser is not None else context.close(),
                              COOKIES_MS * 2, "leaving your browser")


async def _one(context: BrowserContext, job: Job, resources: Resources,
               options: RunOptions) -> Look:
    try:
        cookies = await bounded(context.cookies(job.recipe.origins), COOKIES_MS,
                                "reading your browser's cookies")
    except (PlaywrightError, WaitTimedOut) as exc:
        return Look(job, None, f"its cookies could not be read ({first_line(exc)})")
    if not cookies:
        return Look(job, False, "no cookies of it in that browser")
    page = next(s for s in job.settings if s.needs_browser).path
    run = AccountRun(context, job, Mode.CHECK, resources, limits=options.limits, own_browser=True)
    try:
        await run.open(job.recipe.url(page))
    except NeedsHuman as exc:  # the platform sent the tab to its sign-in page
        return Look(job, False, first_line(exc))
    except OptoutError as exc:  # a page that did not load, a consent that would not go
        return Look(job, None, first_line(exc))
    except PlaywrightError as exc:
        return Look(job, None, f"the browser reported: {first_line(exc)}")
    finally:
        await run.close()
    return Look(job, True)


def only_signed_in(jobs: list[Job], options: RunOptions, say: Callable[[str], None]) -> list[Job]:
    """`run --all` in the person's browser: the platforms it is signed in to, the rest skipped
    with one line; NeedsHuman where it is signed in to none."""
    kept, skipped = split(jobs, options)
    say_skipped(skipped, say)
    if skipped and not any(s.needs_browser for job in kept for s in job.settings):
        raise NeedsHuman("That browser is signed in to none of the platforms: sign in there, "
                         "then run again.")
    return kept


def say_skipped(looks: list[Look], say: Callable[[str], None]) -> None:
    """One line for the platforms not signed in to, one for those it could not tell, with why."""
    out = sorted(found.job.recipe.name for found in looks if found.signed_in is False)
    if out:
        say(f"Not signed in to {len(out)} of the platforms in that browser, so they are "
            f"skipped: {', '.join(out)}. Sign in to them there, then run again to include them.")
    unsure = [found for found in looks if found.signed_in is None]
    if unsure:
        say("Could not tell whether that browser is signed in to these, so they are skipped: "
            + "; ".join(f"{found.job.recipe.name} ({found.why})" for found in unsure) + ".")


def open_sign_ins(jobs: list[Job], options: RunOptions) -> None:
    """Open each job's sign-in page for the person: in their running browser, a new tab each
    (theirs from then on: left open); on a profile folder, a visible browser at each in turn,
    waiting until they signed in (nothing is typed by optout either way)."""
    run_sync(_open_sign_ins(jobs, options))


async def _open_sign_ins(jobs: list[Job], options: RunOptions) -> None:
    from optout.app.runner import sign_in_to_profile
    from optout.signin.person import from_terminal
    if options.profile_dir:
        for job in jobs:
            await sign_in_to_profile(job, options, from_terminal())
        return
    assert options.cdp, "only for the person's own browser or profile folder"
    async with async_playwright() as playwright:
        browser = await attach(playwright, options.cdp)
        try:
            for job in jobs:
                if job.recipe.sign_in is None:
                    continue
                page = await bounded(profile_of(browser).new_page(), COOKIES_MS, "opening a tab")
                try:  # the page is the person's now: opened, not waited on
                    await page.goto(job.recipe.sign_in_url(), wait_until="commit",
                                    timeout=options.limits.navigation_ms)
                except PlaywrightError as exc:
                    log.info("%s's sign-in page did not open: %s", job.recipe.name, exc)
        finally:
            await browser.close()  # disconnects: the browser and its tabs stay the person's
