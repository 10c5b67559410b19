"""Run jobs: one browser, an isolated context per account, several accounts at once."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from optout.browser import autoconsent, trace
from optout.browser.contexts import new_context
from optout.browser.launch import LAUNCH_ARGS, launch
from optout.browser.own import attach, open_profile, profile_of
from optout.domain import timings
from optout.domain.errors import (
    AccountFailure,
    BadInput,
    BrowserClosed,
    BrowserLaunchFailed,
    Interrupted,
    NeedsHuman,
    OptoutError,
    WaitTimedOut,
    first_line,
)
from optout.domain.job import Limits
from optout.domain.results import Mode, Result, Status
from optout.domain.targets import endpoint_host, is_loopback
from optout.domain.waits import bounded
from optout.engine import offline
from optout.engine.account import AccountRun
from optout.engine.scan import ScanReport
from optout.recipe.job import Job, Resources
from optout.redact import redact
from optout.signin.flow import SignInFlow
from optout.signin.person import Person
from optout.store.credentials import MemorySecrets
from optout.store.files import data_dir
from optout.store.sessions import NoSessions

log = logging.getLogger(__name__)
T = TypeVar("T")
CLOSE_MS = 15_000  # closing a browser, or leaving the person's: done in a moment or never


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
    per_platform: int | None = None  # at most this many accounts of one platform at once
    # Remote Playwright browser servers (ws://…) to use instead of launching; `concurrency` each.
    endpoints: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    # The browser a person finishes a sign-in in is visible; tests stand in for the person.
    hand_off_headless: bool = False
    # The person's own browser (--cdp URL): work in new tabs of their signed-in profile.
    cdp: str | None = None
    # A profile folder the person signed in to by hand (--profile DIR), used as it is.
    profile_dir: Path | None = None
    trace_dir: Path | None = None  # a Playwright trace per account, secrets scrubbed
    slow_mo_ms: float = 0  # to watch a --headed run


def _visible_launcher(playwright: Playwright, options: RunOptions):
    async def launch_visible() -> Browser:
        return await launch(playwright, explicit=options.browser,
                            headed=not options.hand_off_headless)

    return launch_visible


def _failed_results(job: Job, message: str) -> list[Result]:
    return [Result(platform=job.recipe.platform, account=job.account.name, setting=s.id,
                   desired=s.desired, status=Status.FAILED, title=s.title, message=message)
            for s in job.settings]


def _failed_scan(job: Job, message: str) -> list[ScanReport]:
    return [ScanReport(job.recipe.platform, job.account.name, problem=message,
                       status=Status.FAILED)]


async def stream(jobs: list[Job], mode: Mode, resources: Resources,
                 options: RunOptions | None = None) -> AsyncIterator[tuple[int, list[Result]]]:
    """(job index, results) for each account as soon as it is done; one failing account never
    stops the others. Settings done by hand, or not offered where the person lives, are decided
    first, without a browser (none starts when nothing needs one)."""
    known: dict[int, list[Result]] = {}
    needing: list[tuple[int, Job]] = []
    for index, job in enumerate(jobs):
        country = (job.profile or resources.profile).country
        known[index], left = offline.split(job, mode, country)
        if left is None:
            yield index, known.pop(index)
        else:
            needing.append((index, left))
    if not needing:
        return
    async for at, results in each_account([job for _, job in needing], mode, resources,
                                          options or RunOptions(), lambda run: run.run(),
                                          _failed_results):
        index, job = needing[at]
        yield index, offline.in_setting_order(job, known.pop(index) + results)


async def execute(jobs: list[Job], mode: Mode, resources: Resources,
                  options: RunOptions | None = None) -> list[Result]:
    """Every job's results, in job order."""
    return await in_job_order(stream(jobs, mode, resources, options))


def stream_scans(jobs: list[Job], resources: Resources,
                 options: RunOptions | None = None) -> AsyncIterator[tuple[int, list[ScanReport]]]:
    """(job index, scan reports) for each account as soon as it is done; changes nothing."""
    return each_account(jobs, Mode.CHECK, resources, options or RunOptions(),
                        lambda run: run.scan(), _failed_scan)


async def scan_accounts(jobs: list[Job], resources: Resources,
                        options: RunOptions | None = None) -> list[ScanReport]:
    """A scan report for every job, in job order; changes nothing."""
    return await in_job_order(stream_scans(jobs, resources, options))


async def in_job_order(batches: AsyncIterator[tuple[int, list[T]]]) -> list[T]:
    """Every item of batches that arrive as accounts finish, in the jobs' order."""
    done = sorted([batch async for batch in batches], key=lambda batch: batch[0])
    return [item for _, items in done for item in items]


async def each_account(jobs: list[Job], mode: Mode, resources: Resources, options: RunOptions,
                       work: Callable[[AccountRun], Awaitable[list[T]]],
                       failed: Callable[[Job, str], list[T]]
                       ) -> AsyncIterator[tuple[int, list[T]]]:
    """Do `work` for every job, several accounts at once, each in its own browser context;
    yield each account's (job index, items) as it finishes.

    With several browser servers (`--browser-endpoint`, repeated) each takes `concurrency`
    accounts at once; an account under way on a server that is lost goes to another server.
    """
    timings.PROCESS.point("playwright start")
    autoconsent.warm()
    async with async_playwright() as playwright:
        browsers = await _browsers(playwright, options)
        # A profile the person signed in to themselves: theirs (--cdp) or a folder (--profile).
        own = (profile_of(browsers[0]) if options.cdp else
               await open_profile(playwright, options.profile_dir, explicit=options.browser,
                                  headed=options.headed) if options.profile_dir else None)
        launch_visible = _visible_launcher(playwright, options)
        polite = {job.recipe.platform: asyncio.Semaphore(options.per_platform or len(jobs))
                  for job in jobs}
        closed: list[int] = []  # accounts under way when the person's browser closed
        todo: asyncio.Queue[tuple[int, Job]] = asyncio.Queue()
        for entry in enumerate(jobs):
            todo.put_nowait(entry)
        done: asyncio.Queue[tuple[int, list[T]] | None] = asyncio.Queue()

        def alive() -> list[Browser]:
            return [b for b in browsers if b.is_connected()]

        async def slot(browser: Browser) -> None:
            """One account at a time on `browser`, for as long as it is there."""
            while browser.is_connected():
                index, job = await todo.get()
                async with polite[job.recipe.platform]:
                    with timings.for_account(job.recipe.platform, job.account.name):
                        items: list[T] = await _run_job(browser, job, mode, resources, options,
                                                    launch_visible, work, failed, own)
                if options.cdp and await _lost(browser, items):
                    # The person's browser closed under this account: not read to the end.
                    closed.append(index)
                    done.put_nowait(None)
                    return
                # One browser: nowhere else to go, so no need to wait to learn it was lost.
                if len(browsers) > 1 and await _lost(browser, items) and alive():
                    log.info("%s/%s goes to another browser server", job.recipe.platform,
                             job.account.name)
                    todo.put_nowait((index, job))
                    return
                done.put_nowait((index, items))
            if not alive():  # nothing left to run the rest on
                while not todo.empty():
                    index, job = todo.get_nowait()
                    done.put_nowait((index, failed(job, "Every browser server was lost.")))

        slots = [asyncio.ensure_future(slot(browser)) for browser in browsers
                 for _ in range(max(1, options.concurrency))]
        stop = StopSignal(slots, lambda: done.put_nowait(None))
        finished_accounts = 0
        try:
            while finished_accounts < len(jobs):
                finished = await done.get()
                if finished is None:  # interrupted
                    break
                if not await stop.keeps(finished[1]):
                    continue
                finished_accounts += 1
                yield finished
        finally:
            stop.restore()
            for task in slots:
                task.cancel()
            await asyncio.gather(*slots, return_exceptions=True)
            if own is not None and options.profile_dir:
                with contextlib.suppress(PlaywrightError, WaitTimedOut):
                    # The profile folder keeps what was signed in.
                    await bounded(own.close(), CLOSE_MS, "closing the profile folder's browser")
            for browser in browsers:  # (already gone after an interrupt; a person's: disconnect)
                with contextlib.suppress(PlaywrightError, WaitTimedOut), timings.phase("close"):
                    await bounded(browser.close(), CLOSE_MS, "closing the browser")
        if stop.number is not None:
            raise Interrupted(stop.number, finished_accounts, len(jobs))
        if closed:
            raise BrowserClosed(finished_accounts, len(jobs))


async def _lost(browser: Browser, items: list[Any]) -> bool:
    """Whether `browser` went away under an account (its failures are the server's, then)."""
    if any(getattr(item, "status", None) is Status.FAILED for item in items):
        await asyncio.sleep(StopSignal.GRACE_S)  # the disconnect may be heard a moment later
    return not browser.is_connected()


class StopSignal:
    """Ctrl-C and SIGTERM, taken by the event loop: the accounts under way are cancelled.

    Ctrl-C reaches the whole process group, so the browser may die before the loop hears of the
    signal; an account that failed just then was interrupted, not failed, and is not kept.
    """

    # How long an account that failed waits to learn whether an interrupt explains it.
    GRACE_S = 0.5

    def __init__(self, tasks: Sequence[asyncio.Future[Any]], on_stop: Callable[[], None]):
        self.number: int | None = None
        self._tasks = tasks
        self._on_stop = on_stop
        self._loop = asyncio.get_running_loop()
        self._installed: list[int] = []
        for number in (signal.SIGINT, signal.SIGTERM):
            try:
                self._loop.add_signal_handler(number, self._stop, number)
                self._installed.append(number)
            except (ValueError, RuntimeError, NotImplementedError):
                pass  # not the main thread, or no signals here: Ctrl-C stays KeyboardInterrupt
        self._loop.set_exception_handler(self._leftover)

    def _leftover(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """After an interrupt, Playwright's connection to its killed driver leaves failed
        futures behind: expected, so they go to the debug log rather than the terminal."""
        if self.number is not None:
            log.debug("after the interrupt: %s", context.get("message"))
        else:
            loop.default_exception_handler(context)

    def _stop(self, number: int) -> None:
        if self.number is None:
            log.info("interrupted by signal %s", number)
            self.number = number
            for task in self._tasks:
                task.cancel()
            self._on_stop()

    async def keeps(self, items: list[Any]) -> bool:
        """Whether an account's items are its own, not the interrupt's doing."""
        failed = any(getattr(item, "status", None) is Status.FAILED for item in items)
        if failed and self.number is None:
            await asyncio.sleep(self.GRACE_S)
        return self.number is None

    def restore(self) -> None:
        for number in self._installed:
            self._loop.remove_signal_handler(number)


async def _browsers(playwright: Playwright, options: RunOptions) -> list[Browser]:
    """The local browser, the person's own (`--cdp`), or one from each remote Playwright server
    (`--browser-endpoint`)."""
    if options.cdp:
        return [await attach(playwright, options.cdp)]
    if not options.endpoints:
        timings.PROCESS.point("browser start")  # the Python work before the browser ends here
        with timings.phase("browser start"):
            return [await launch(playwright, explicit=options.browser, headed=options.headed,
                                 slow_mo_ms=options.slow_mo_ms)]
    browsers: list[Browser] = []
    try:
        for endpoint in options.endpoints:
            browsers.append(await _remote_browser(playwright, options, endpoint))
    except BrowserLaunchFailed:
        for browser in browsers:
            await browser.close()
        raise
    return browsers


async def _remote_browser(playwright: Playwright, options: RunOptions, endpoint: str) -> Browser:
    wanted: dict[str, Any] = {"headless": not options.headed, "args": LAUNCH_ARGS}
    if options.browser:  # honoured only by servers started with --unsafe
        wanted["executablePath"] = options.browser
    try:
        return await playwright.chromium.connect(
            endpoint, headers={"x-playwright-launch-options": json.dumps(wanted)},
            timeout=30_000)
    except PlaywrightError as exc:
        where = endpoint_host(endpoint)
        raise BrowserLaunchFailed(f"Could not use the browser server at {where}: "
                                  f"{redact(first_line(exc))}.") from exc


def check_endpoint(endpoint: str) -> None:
    """BadInput unless a browser server URL is wss://, or ws:// on this machine.

    Passwords and sessions travel over this connection: never in clear across a network.
    """
    redact.add_url(endpoint)  # an access token in its path or query is never shown
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise BadInput("--browser-endpoint must be a ws:// or wss:// address.") from exc
    if parts.scheme not in ("ws", "wss") or not host:
        raise BadInput("--browser-endpoint must be a ws:// or wss:// address, such as "
                       "ws://127.0.0.1:3000/.")
    if parts.scheme == "ws" and not is_loopback(host):
        raise BadInput(f"{endpoint_host(endpoint)} is not on this machine, and ws:// would carry "
                       "passwords in clear across the network; use wss://.")


async def _run_job(browser: Browser, job: Job, mode: Mode, resources: Resources,
                   options: RunOptions, launch_visible, work, failed,
                   own: BrowserContext | None = None) -> list[T]:
    context = None
    try:
        if own is not None:  # a profile signed in by hand: never closed, no session of ours
            run = AccountRun(own, job, mode, resources, limits=options.limits,
                             launch_visible=launch_visible, own_browser=True,
                             fresh_browser=browser)
            return await work(run)
        with timings.phase("context"):
            state = resources.sessions.load(job.account, job.recipe.origin)
            context = await new_context(browser, state)
        if options.trace_dir:
            await trace.start(context)
        run = AccountRun(context, job, mode, resources, limits=options.limits,
                         launch_visible=launch_visible)
        items = await work(run)
        if options.trace_dir:
            path = trace.trace_path(options.trace_dir, job.recipe.platform, job.account.name)
            log.info("trace of %s/%s: %s", job.recipe.platform, job.account.name,
                     await trace.stop(context, path))
        return items
    except Exception as exc:  # the account fails, the others go on
        log.debug("account %s/%s crashed", job.recipe.platform, job.account.name, exc_info=True)
        return failed(job, redact(str(exc)) if isinstance(exc, OptoutError) else
                      f"Unexpected error ({type(exc).__name__}); run with --debug for details.")
    finally:
        if context is not None:
            with timings.phase("context"):
                await context.close()


async def sign_in_only(job: Job, resources: Resources,
                       options: RunOptions | None = None) -> AccountFailure | None:
    """Sign in once with no saved session; None on success, else how it failed."""
    options = options or RunOptions()
    async with async_playwright() as playwright:
        browser = await launch(playwright, explicit=options.browser, headed=options.headed)
        try:
            run = AccountRun(await new_context(browser), job, Mode.RUN, resources,
                             limits=options.limits,
                             launch_visible=_visible_launcher(playwright, options))
            return await run.check_sign_in()
        finally:
            await browser.close()


async def sign_in_to_profile(job: Job, options: RunOptions, person: Person) -> None:
    """Open the sign-in page on the profile folder, in a visible browser, and wait until the
    person has signed in there; the folder keeps the session, optout keeps nothing."""
    assert options.profile_dir, "only for a profile folder"
    if not person.present:
        raise NeedsHuman("Signing in to a profile needs a person at a terminal.")
    async with async_playwright() as playwright:
        profile = await open_profile(playwright, options.profile_dir, explicit=options.browser,
                                     headed=not options.hand_off_headless)
        try:
            flow = SignInFlow(profile, job.recipe, job.account, Resources(
                secrets=MemorySecrets({}), sessions=NoSessions(),
                evidence_dir=data_dir() / "evidence", person=person), options.limits,
                _visible_launcher(playwright, options), own_browser=True)
            page = await profile.new_page()
            await page.goto(job.recipe.sign_in_url(), timeout=options.limits.navigation_ms)
            await person.finish_by_hand(page, f"Sign in to {job.recipe.name} in this window.")
            try:
                await page.wait_for_url(flow.is_signed_in_url, timeout=options.limits.by_hand_ms)
            except PlaywrightError as exc:
                raise NeedsHuman(f"The sign-in to {job.recipe.name} was not finished in the "
                                 "profile's window.") from exc
        finally:
            await profile.close()


async def sign_in_by_hand(job: Job, resources: Resources, options: RunOptions | None = None) -> None:
    """Open the sign-in page in a visible browser and keep the session once the person is in."""
    options = options or RunOptions()
    if not resources.person.present:
        raise NeedsHuman("Signing in by hand needs a person at a terminal to open the browser for.")
    async with async_playwright() as playwright:
        flow = SignInFlow(None, job.recipe, job.account, resources, options.limits,
                          _visible_launcher(playwright, options))
        await flow.by_hand(job.recipe.sign_in_url(), None,
                           f"Sign in to {job.recipe.name} however you like (password, passkey, "
                           "single sign-on).")
