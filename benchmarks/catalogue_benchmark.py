"""Measure the catalogue on the practice platform: one account on every platform's twin.

For each concurrency asked for, one `run` of every recipe (toggles switched and verified, forms
sent and confirmed) and one `scan` of every recipe's pages, each in one browser. Reported: wall
time, and each platform's own time (sign-in included) from the results.

    python benchmarks/catalogue_benchmark.py --concurrency 1 4
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from optout.app.practice import PracticeAccounts, practice_accounts
from optout.app.runner import RunOptions, execute, scan_accounts
from optout.domain.results import Mode
from optout.practice import PRACTICE_PROFILE, PracticePlatform
from optout.practice.inbox import PracticeInbox
from optout.recipe import load_recipes
from optout.recipe.job import Resources
from optout.store.sessions import MemorySessions


def jobs_on(practice: PracticePlatform, tag: str) -> PracticeAccounts:
    """An account on every twin (recipes done by hand have none), signed in by hand where the
    recipe says so."""
    return practice_accounts(practice, load_recipes().values(), tag)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    print("| concurrency | run: wall (s) | run: settings verified | per platform p50 / max (s) "
          "| scan: wall (s) | scan: controls found |")
    print("| --- | --- | --- | --- | --- | --- |")
    with PracticePlatform() as practice, tempfile.TemporaryDirectory() as evidence:
        for n in args.concurrency:
            options = RunOptions(concurrency=n)
            accounts = jobs_on(practice, f"run{n}")
            resources = Resources(secrets=accounts.secrets, sessions=MemorySessions(),
                                  evidence_dir=Path(evidence), person=PracticeInbox(practice.world),
                                  profile=PRACTICE_PROFILE, send_forms=True)
            # Signing in by hand is the person's time, not the run's: done before the clock.
            accounts.sign_in_by_hand(resources, replace(options, hand_off_headless=True))
            start = time.perf_counter()
            results = asyncio.run(execute(accounts.jobs, Mode.RUN, resources, options))
            run_wall = time.perf_counter() - start
            per_platform: dict[str, float] = {}
            for r in results:
                per_platform[r.platform] = per_platform.get(r.platform, 0) + (r.seconds or 0)
            accounts = jobs_on(practice, f"scan{n}")
            resources = Resources(secrets=accounts.secrets, sessions=MemorySessions(),
                                  evidence_dir=Path(evidence), person=PracticeInbox(practice.world))
            accounts.sign_in_by_hand(resources, replace(options, hand_off_headless=True))
            start = time.perf_counter()
            reports = asyncio.run(scan_accounts(accounts.jobs, resources, options))
            scan_wall = time.perf_counter() - start
            times = sorted(per_platform.values())
            # Every setting that applies counts, those a person must do included: a setting
            # left to a person is not one optout verified.
            counted = [r for r in results if r.status.value != "not_applicable"]
            people = sum(r.status.value == "needs_human" for r in counted)
            print(f"| {n} | {run_wall:.1f} | {sum(r.verified for r in counted)} of "
                  f"{len(counted)} ({people} need a person) "
                  f"| {statistics.median(times):.2f} / {times[-1]:.2f} | {scan_wall:.1f} "
                  f"| {sum(len(r.findings) for r in reports)} ({sum(bool(r.problem) for r in reports)}"
                  " problems) |")


if __name__ == "__main__":
    main()
