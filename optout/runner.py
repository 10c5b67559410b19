"""Run jobs: one browser, an isolated context per account, several accounts at once."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from playwright.async_api import Browser, async_playwright

from optout.browser import launch
from optout.credentials import PasswordSource
from optout.engine import AccountRun, Job, Limits, Progress
from optout.errors import OptoutError
from optout.results import Mode, Result, Status
from optout.sessions import SessionStore

log = logging.getLogger(__name__)
T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code such as the CLI.

    When this thread already runs an event loop (a notebook, a test using Playwright's sync API),
    the coroutine gets a fresh loop in a worker thread instead of failing.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@dataclass(frozen=True)
class RunOptions:
    browser: str | None = None
    headed: bool = False
    concurrency: int = 4
    limits: Limits = Limits()


async def execute(
    jobs: list[Job],
    mode: Mode,
    *,
    passwords: PasswordSource,
    sessions: SessionStore,
    evidence_dir: Path,
    options: RunOptions = RunOptions(),
    progress: Progress | None = None,
) -> list[Result]:
    """Every job's results, in job order. One failing account never stops the others."""
    async with async_playwright() as playwright:
        browser = await launch(playwright, explicit=options.browser, headed=options.headed)
        try:
            gate = asyncio.Semaphore(max(1, options.concurrency))

            async def one(job: Job) -> list[Result]:
                async with gate:
                    return await _run_job(browser, job, mode, passwords, sessions,
                                          evidence_dir, options, progress)

            batches = await asyncio.gather(*(one(job) for job in jobs))
        finally:
            await browser.close()
    return [result for batch in batches for result in batch]


async def _run_job(browser: Browser, job: Job, mode: Mode, passwords: PasswordSource,
                   sessions: SessionStore, evidence_dir: Path, options: RunOptions,
                   progress: Progress | None) -> list[Result]:
    context = await browser.new_context(
        storage_state=sessions.load(job.account, job.recipe.origin),
        locale="en-US",
        service_workers="block",
    )
    try:
        run = AccountRun(context, job, mode, passwords=passwords, sessions=sessions,
                         evidence_dir=evidence_dir, limits=options.limits, progress=progress)
        return await run.run()
    except Exception as exc:  # the account fails, the others go on
        log.debug("account %s/%s crashed", job.recipe.platform, job.account.name, exc_info=True)
        message = (str(exc) if isinstance(exc, OptoutError) else
                   f"Unexpected error ({type(exc).__name__}); run with --debug for details.")
        return [
            Result(platform=job.recipe.platform, account=job.account.name, setting=s.id,
                   desired=s.desired, status=Status.FAILED, title=s.title, message=message)
            for s in job.settings
        ]
    finally:
        await context.close()


async def sign_in_only(job: Job, *, passwords: PasswordSource, sessions: SessionStore,
                       evidence_dir: Path, options: RunOptions = RunOptions()) -> str | None:
    """Sign in once with no saved session; None on success, else the reason it failed."""
    async with async_playwright() as playwright:
        browser = await launch(playwright, explicit=options.browser, headed=options.headed)
        try:
            context = await browser.new_context(locale="en-US", service_workers="block")
            run = AccountRun(context, job, Mode.RUN, passwords=passwords, sessions=sessions,
                             evidence_dir=evidence_dir, limits=options.limits)
            return await run.check_sign_in()
        finally:
            await browser.close()
