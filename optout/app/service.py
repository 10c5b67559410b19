"""The application layer: one place that runs planned jobs, streams each account's results as it
finishes, keeps them in the history and tells the person, off the event loop.

The CLI calls this and renders what it returns; it never drives the engine itself.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from optout.app import approval, notify
from optout.app.runner import RunOptions, execute, in_job_order, run_sync, scan_accounts, stream
from optout.browser import autoconsent
from optout.domain import timings
from optout.domain.accounts import person_of
from optout.domain.profile import Profile
from optout.domain.results import Mode, Result
from optout.engine.scan import ScanReport
from optout.recipe.job import Job, Resources
from optout.store.history import History, Reset, recipe_version
from optout.store.sending import FormLedger

log = logging.getLogger(__name__)

# Told about each account as it finishes (a progress bar); and about problems worth a line.
OnAccount = Callable[[list[Result]], None]
OnProblem = Callable[[str], None]


class Recorder:
    """Keeps each account's results in the history and sends the notifications they call for.

    It runs on one worker thread, so a slow disk or mail server never stalls the accounts still
    running in the browser.
    """

    def __init__(self, history: History, run_id: int, jobs: Sequence[Job], urls: Sequence[str],
                 on_problem: OnProblem, profile: Profile):
        self.history = history
        self.run_id = run_id
        self.jobs = list(jobs)
        self.urls = list(urls)
        self.on_problem = on_problem
        self.profile = profile

    def keep(self, index: int, results: list[Result]) -> list[Result]:
        """The results as the person sees them: each reset found is told in its message."""
        job = self.jobs[index]
        version = recipe_version(job.recipe)
        kept, found = [], []
        for result in map(lambda r: filed(job, r), results):
            reset: Reset | None = None
            person = job.person(self.profile)
            if job.account.username is None and result.identity:  # the person's own browser
                person = person_of(job.account, result.identity)
            try:
                reset = self.history.record(self.run_id, result, version, job.recipe.origin,
                                            person)
            except sqlite3.Error as exc:  # the run's results still count and are shown
                self.on_problem(f"Could not write the history: {exc}.")
            if reset:
                found.append(reset)
                result = replace(result, message=f"{result.message} {reset.sentence()}".strip())
            kept.append(result)
        for problem in notify.send(self.urls, kept, found):
            self.on_problem(problem)
        return kept


def filed(job: Job, result: Result) -> Result:
    """`result` under the name it is kept by: in the person's own browser with no --account, the
    identity its profile folder is bound to, else the one the page showed, so two people sharing
    a browser never share a history."""
    name = job.account.username or result.identity
    return replace(result, account=name) if job.named_by_page and name else result


def run_and_record(jobs: list[Job], mode: Mode, resources: Resources, options: RunOptions, *,
                   command: str, urls: Sequence[str], on_problem: OnProblem,
                   on_account: OnAccount | None = None,
                   resumed_from: int | None = None) -> list[Result]:
    """Run the jobs and keep every account's results as soon as it is done (so an interrupted
    run has kept and told everything it found); all results, in job order."""
    if not jobs:
        return []
    autoconsent.check_pins()
    for line in approval.require(jobs, mode):
        on_problem(f"Recipe in use: {line}")
    with History() as history, ThreadPoolExecutor(1, thread_name_prefix="optout-record") as worker:
        # Forms already sent are not sent twice; what was done by hand stays done. (New jobs:
        # the caller's are left as they were given.)
        jobs = [replace(job, submitted=history.submissions(
                    *_where(job), job.person(resources.profile)),
                        marked_done=history.marked_done(*_where(job))) for job in jobs]
        # ...nor by two runs at once: each form is sent under its own lock, and noted as it leaves.
        resources = replace(resources, forms=FormLedger(history.path))
        run_id = history.start_run(command, resumed_from)
        recorder = Recorder(history, run_id, jobs, urls, on_problem, resources.profile)

        async def recorded() -> AsyncIterator[tuple[int, list[Result]]]:
            loop = asyncio.get_running_loop()
            async for index, results in stream(jobs, mode, resources, options):
                with timings.phase("record"):
                    kept = await loop.run_in_executor(worker, recorder.keep, index, results)
                if on_account:
                    on_account(kept)
                yield index, kept

        try:
            with timings.phase("accounts"):
                results = run_sync(in_job_order(recorded()))
        finally:  # an interrupted run is finished too: --resume goes on from what it kept
            history.finish_run(run_id)
    return results


def with_what_was_sent(jobs: list[Job], profile: Profile) -> list[Job]:
    """The jobs knowing which of their forms were already sent for their person (asked about
    before a run: a form sent once is not asked about again)."""
    if not any(s.is_form for job in jobs for s in job.settings):
        return jobs
    with History() as history:
        return [replace(job, submitted=history.submissions(*_where(job), job.person(profile)))
                for job in jobs]


def _where(job: Job) -> tuple[str, str, str]:
    return job.recipe.platform, job.account.name, job.recipe.origin


def run_only(jobs: list[Job], mode: Mode, resources: Resources, options: RunOptions) -> list[Result]:
    """Run the jobs and keep nothing (the practice platform's throwaway accounts)."""
    autoconsent.check_pins()
    approval.require(jobs, mode)
    return run_sync(execute(jobs, mode, resources, options))


def scan(jobs: list[Job], resources: Resources, options: RunOptions) -> list[ScanReport]:
    """A scan report for every job, in job order; changes nothing, keeps nothing."""
    return run_sync(scan_accounts(jobs, resources, options))
