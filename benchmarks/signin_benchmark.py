"""How long one sign-in takes on the practice platform's LinkedIn twin, checks included.

Each sign-in opens a new browser context (no session), loads the sign-in page, types the username
and the password (each field checked before and after typing, the submit button before clicking)
and waits until the platform has signed it in. Run it from two checkouts to see what a change to
sign-in costs.

Usage: python benchmarks/signin_benchmark.py [--runs 20] [--browser PATH]
Prints the median and the slowest sign-in, in seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from playwright.async_api import async_playwright

from optout.browser.contexts import new_context
from optout.browser.launch import launch
from optout.domain.accounts import Account
from optout.domain.results import Mode
from optout.engine.account import AccountRun
from optout.practice import PracticePlatform, World
from optout.recipe import load_recipes
from optout.recipe.job import Job, Resources
from optout.store.credentials import MemorySecrets
from optout.store.sessions import NoSessions


async def sign_ins(runs: int, browser_path: str | None, origin: str) -> list[float]:
    recipe = load_recipes()["linkedin"].with_origin(origin)
    account = Account("linkedin", "bench", "bench@example.com", (origin,))
    resources = Resources(secrets=MemorySecrets({("linkedin", "bench"): "pw-bench-secret"}),
                          sessions=NoSessions(), evidence_dir=Path(tempfile.mkdtemp()))
    job = Job(recipe, account, [])
    times = []
    async with async_playwright() as playwright:
        browser = await launch(playwright, explicit=browser_path)
        for _ in range(runs + 1):  # the first one warms the browser and the server
            context = await new_context(browser)
            started = time.perf_counter()
            failure = await AccountRun(context, job, Mode.RUN, resources).check_sign_in()
            times.append(time.perf_counter() - started)
            assert failure is None, failure
            await context.close()
        await browser.close()
    return times[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--browser", metavar="PATH")
    args = parser.parse_args()
    with PracticePlatform(World()) as practice:
        practice.world.add_user("bench@example.com", "pw-bench-secret")
        times = asyncio.run(sign_ins(args.runs, args.browser, practice.origin))
    print(f"sign-in: median {statistics.median(times):.3f} s, slowest {max(times):.3f} s "
          f"({args.runs} runs)")


if __name__ == "__main__":
    main()
