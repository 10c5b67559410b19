"""Measure the engine end to end on the practice platform.

Each account is a LinkedIn practice user with the setting on; the engine signs in, switches it off
and verifies it on a fresh load. Reported: wall time, accounts per minute, per-account p50/p95 and
the peak memory (PSS) of the browser's processes, at each concurrency asked for.

    python benchmarks/run_benchmark.py --accounts 12 --concurrency 1 4
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import threading
import time
from pathlib import Path

from optout.credentials import Account, MemorySecrets
from optout.job import Job, Resources
from optout.practice import PracticePlatform
from optout.recipe import load_recipes
from optout.results import Mode, Status
from optout.runner import RunOptions, execute, run_sync
from optout.sessions import NoSessions


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def browser_memory_mb() -> float:
    """Proportional set size (PSS) summed over every Chromium process now (Linux), in MB.

    PSS splits shared pages between the processes that share them, so the sum is not inflated.
    """
    total_kb = 0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if not (proc / "comm").read_text().startswith("chrom"):
                continue
            rollup = (proc / "smaps_rollup").read_text()
        except OSError:  # the process ended meanwhile
            continue
        total_kb += next((int(line.split()[1]) for line in rollup.splitlines()
                          if line.startswith("Pss:")), 0)
    return total_kb / 1024


def bench(accounts: int, concurrency: int) -> dict[str, float]:
    recipe = load_recipes()["linkedin"]
    with PracticePlatform() as practice, tempfile.TemporaryDirectory() as evidence:
        passwords, jobs = {}, []
        target = recipe.with_origin(practice.origin)
        for n in range(accounts):
            username, password = f"user{n}@practice.invalid", secrets.token_urlsafe(12)
            practice.world.add_user(username, password)
            account = Account("linkedin", f"user{n}", username, (practice.origin,))
            passwords[("linkedin", account.name)] = password
            jobs.append(Job(target, account, list(target.settings)))
        peak, done = 0.0, threading.Event()

        def sample() -> None:  # in a thread, every half second, so the run itself is not slowed
            nonlocal peak
            while not done.wait(0.5):
                peak = max(peak, browser_memory_mb())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        resources = Resources(secrets=MemorySecrets(passwords), sessions=NoSessions(),
                              evidence_dir=Path(evidence))
        results = run_sync(execute(jobs, Mode.RUN, resources, RunOptions(concurrency=concurrency)))
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    verified = [r for r in results if r.status is Status.CHANGED and r.verified]
    if len(verified) != accounts:
        raise SystemExit(f"only {len(verified)} of {accounts} accounts verified: {results}")
    seconds = [r.seconds or 0.0 for r in results]
    return {"wall_s": wall, "per_min": accounts / wall * 60, "p50_s": statistics.median(seconds),
            "p95_s": percentile(seconds, 0.95), "browser_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=12)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    print("| accounts | concurrency | wall (s) | accounts/min | p50 (s) | p95 (s) | browser PSS peak (MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for concurrency in args.concurrency:
        m = bench(args.accounts, concurrency)
        print(f"| {args.accounts} | {concurrency} | {m['wall_s']:.1f} | {m['per_min']:.0f} | "
              f"{m['p50_s']:.2f} | {m['p95_s']:.2f} | {m['browser_mb']:.0f} |")


if __name__ == "__main__":
    main()
