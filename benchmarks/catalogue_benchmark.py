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
from pathlib import Path

from optout.app.runner import RunOptions, execute, scan_accounts
from optout.domain.job import Job, Resources
from optout.domain.profile import Profile
from optout.domain.results import Mode
from optout.practice import PracticePlatform
from optout.practice.inbox import PracticeInbox
from optout.recipe import load_recipes
from optout.store.credentials import Account, MemorySecrets
from optout.store.sessions import NoSessions


def jobs_on(practice: PracticePlatform, tag: str) -> tuple[list[Job], MemorySecrets]:
    jobs, passwords = [], {}
    for recipe in load_recipes().values():
        username, password = f"{tag}@{recipe.platform}.example", f"pw-{tag}"
        practice.world.add_user(username, password)
        origin = practice.origin_of(recipe.platform)
        account = Account(recipe.platform, tag, username, (origin,))
        passwords[(recipe.platform, tag)] = password
        target = recipe.with_origin(origin)
        jobs.append(Job(target, account, list(target.settings)))
    return jobs, MemorySecrets(passwords)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    print("| concurrency | run: wall (s) | run: settings verified | per platform p50 / max (s) "
          "| scan: wall (s) | scan: controls found |")
    print("| --- | --- | --- | --- | --- | --- |")
    with PracticePlatform() as practice, tempfile.TemporaryDirectory() as evidence:
        for n in args.concurrency:
            jobs, secrets = jobs_on(practice, f"run{n}")
            resources = Resources(secrets=secrets, sessions=NoSessions(),
                                  evidence_dir=Path(evidence), person=PracticeInbox(practice.world),
                                  profile=Profile(name="Ada Lovelace", email="ada@example.com"))
            options = RunOptions(concurrency=n)
            start = time.perf_counter()
            results = asyncio.run(execute(jobs, Mode.RUN, resources, options))
            run_wall = time.perf_counter() - start
            per_platform: dict[str, float] = {}
            for r in results:
                per_platform[r.platform] = per_platform.get(r.platform, 0) + (r.seconds or 0)
            jobs, secrets = jobs_on(practice, f"scan{n}")
            resources = Resources(secrets=secrets, sessions=NoSessions(),
                                  evidence_dir=Path(evidence), person=PracticeInbox(practice.world))
            start = time.perf_counter()
            reports = asyncio.run(scan_accounts(jobs, resources, options))
            scan_wall = time.perf_counter() - start
            times = sorted(per_platform.values())
            print(f"| {n} | {run_wall:.1f} | {sum(r.verified for r in results)} of {len(results)} "
                  f"| {statistics.median(times):.2f} / {times[-1]:.2f} | {scan_wall:.1f} "
                  f"| {sum(len(r.findings) for r in reports)} ({sum(bool(r.problem) for r in reports)}"
                  " problems) |")


if __name__ == "__main__":
    main()
