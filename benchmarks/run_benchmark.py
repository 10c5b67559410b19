"""Measure `optout bulk` on the practice platform against a hand-written Playwright loop.

The practice platform runs in its own process, with one LinkedIn practice user per account (the
setting on). Its pages behave as real platforms' pages do (`--pages realistic`, the default):
analytics beacons every 250 ms, a held long-poll, a WebSocket and a cookie dialog on the first
visit; `--pages quiet` serves them without. Then, for each concurrency asked for:

- **optout**: `optout bulk ROSTER --origin … --concurrency N`, a real subprocess with its own
  history and evidence: sign in, read once the page has settled, switch, wait for the save, fresh
  re-read, evidence (screenshot, accessibility snapshot).
- **floor**: a plain Playwright loop doing the same clicks at the same concurrency (refuse the
  cookie dialog, sign in, wait for the switch to show on, click, wait for the save, reload, wait
  for it to show off), with no checks, evidence or history: the least any tool could take.

And, as whole processes, a one-setting `optout check` with a saved session (median of 5).

Reported: wall time, accounts per minute, per-account p50/p95 for both, measured alike (one
account's time from its first step to its verified result, waiting for a free slot excluded:
optout's from its history, the floor's timed around each account's work), and the
peak memory (PSS) of the whole process tree: Python, Playwright's driver and the browser.

    python benchmarks/run_benchmark.py --accounts 40 --concurrency 8
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.async_api import async_playwright, expect

from optout.browser.launch import LAUNCH_ARGS, find_browser

ROOT = Path(__file__).parent.parent
SETTINGS = "/mypreferences/d/settings/data-for-ai-improvement"
SWITCH = "Use my data for training content creation AI models"


def serve(accounts: int, pages: str, ready: multiprocessing.Queue,
          stop: multiprocessing.Event) -> None:
    from optout.practice import REALISTIC, PracticePlatform, World

    world = World(everyone=REALISTIC if pages == "realistic" else frozenset())
    with PracticePlatform(world) as practice:
        for n in range(accounts):
            practice.world.add_user(f"user{n}@practice.invalid", f"pw-{n}-benchmark")
        ready.put(practice.origin)
        stop.wait()


def tree_pss_mb(root: int) -> float:
    """PSS of `root` and all its descendants, in MB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in rollup.splitlines()
                       if line.startswith("Pss:")), 0)
    return total / 1024


class PeakMemory:
    """Samples a process tree's PSS every 0.5 s in a thread, so the run itself is not slowed."""

    def __init__(self, root: int):
        self.root, self.peak, self._done = root, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.5):
            self.peak = max(self.peak, tree_pss_mb(self.root))

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def run_optout(origin: str, accounts: int, concurrency: int, home: Path) -> dict[str, float]:
    roster = home / "roster.csv"
    roster.write_text("platform,account,username,password_command\n" + "".join(
        f"linkedin,user{n},user{n}@practice.invalid,printf %s pw-{n}-benchmark\n"
        for n in range(accounts)))
    env = {**os.environ, "OPTOUT_HOME": str(home / "data"),
           "OPTOUT_RECIPE_PATH": str(toggle_only_recipes(home)),
           "PYTHON_KEYRING_BACKEND": "tests.memory_keyring.MemoryKeyring",
           "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "optout", "bulk", str(roster), "--origin",
                                origin, "--concurrency", str(concurrency), "--json"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL)
    with PeakMemory(process.pid) as memory:
        process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"optout bulk exited {process.returncode}")
    db = sqlite3.connect(home / "data" / "history.sqlite3")
    rows = db.execute("SELECT verified FROM observations").fetchall()
    if len(rows) != accounts or not all(v for (v,) in rows):
        raise SystemExit(f"only {sum(v for (v,) in rows)} of {accounts} accounts verified")
    # Per account: from its first step to its verified observation (sign-in included).
    seconds = [s for (s,) in db.execute("SELECT seconds FROM observations")]
    return {"wall": wall, "memory": memory.peak, "p50": statistics.median(seconds),
            "p95": sorted(seconds)[round(0.95 * (len(seconds) - 1))]}


async def floor_loop(origin: str, accounts: range, concurrency: int) -> list[float]:
    """The floor's work; each account's own seconds, from its first step to its read (waiting
    for a free slot excluded), as optout's history times its accounts."""
    seconds: list[float] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=find_browser(playwright, headless=True),
                                                   args=LAUNCH_ARGS)
        gate = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            async with gate:
                started = time.perf_counter()
                context = await browser.new_context()
                page = await context.new_page()
                await page.goto(origin + SETTINGS)
                reject = page.get_by_role("button", name="Reject all")
                if await reject.is_visible():
                    await reject.click()
                    await expect(reject).to_be_hidden()
                await page.get_by_label("Email or phone").fill(f"user{n}@practice.invalid")
                await page.get_by_label("Password", exact=True).fill(f"pw-{n}-benchmark")
                await page.get_by_role("button", name="Sign in", exact=True).click()
                switch = page.get_by_role("switch", name=SWITCH)
                await expect(switch).to_be_checked()
                async with page.expect_response(
                        lambda r: r.request.method == "POST" and "/api/settings/" in r.url):
                    await switch.click()
                await page.reload()
                await expect(switch).not_to_be_checked()
                seconds.append(time.perf_counter() - started)
                await context.close()

        await asyncio.gather(*(one(n) for n in accounts))
        await browser.close()
    return seconds


def run_floor(origin: str, accounts: int, concurrency: int) -> dict[str, float]:
    """The floor in a subprocess of its own, timed and measured exactly as optout is."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, "--floor", origin, str(accounts),
                                str(concurrency)], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, text=True)
    with PeakMemory(process.pid) as memory:
        out, _ = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"the floor exited {process.returncode}")
    seconds = json.loads(out)
    return {"wall": wall, "memory": memory.peak, "p50": statistics.median(seconds),
            "p95": sorted(seconds)[round(0.95 * (len(seconds) - 1))]}


def toggle_only_recipes(home: Path) -> Path:
    """LinkedIn's recipe with its toggle only (its objection form is measured elsewhere)."""
    recipes = home / "recipes"
    recipes.mkdir()
    sys.path.insert(0, str(ROOT))
    from tests.conftest import linkedin_toggle_recipe

    (recipes / "linkedin.yaml").write_text(linkedin_toggle_recipe())
    # Not optout's own recipe: approved, as the person would (`optout recipes approve`).
    subprocess.run([sys.executable, "-m", "optout", "recipes", "approve",
                    str(recipes / "linkedin.yaml"), "--yes"], check=True, capture_output=True,
                   env={**os.environ, "OPTOUT_HOME": str(home / "data"),
                        "OPTOUT_RECIPE_PATH": str(recipes), "PYTHONPATH": str(ROOT)})
    return recipes


def one_check(origin: str, home: Path, runs: int = 5) -> dict[str, float]:
    """Whole `optout check` processes for one setting: sign in once, then with the saved session."""
    recipes = toggle_only_recipes(home)
    env = {**os.environ, "OPTOUT_HOME": str(home / "data"), "OPTOUT_RECIPE_PATH": str(recipes),
           "PYTHON_KEYRING_BACKEND": "throwaway_keyring.ThrowawayKeyring",
           "THROWAWAY_KEYRING_FILE": str(home / "throwaway-keyring.json"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "benchmarks")])}
    optout = [sys.executable, "-m", "optout"]
    subprocess.run([*optout, "login", "linkedin", "--username", "user0@practice.invalid",
                    "--password-stdin", "--origin", origin], input="pw-0-benchmark\n", text=True,
                   env=env, check=True, capture_output=True)
    check = [*optout, "check", "linkedin", "--origin", origin]
    if subprocess.run(check, env=env, capture_output=True).returncode != 4:  # signs in: drift
        raise SystemExit("the first check did not find the setting on")
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        code = subprocess.run(check, env=env, capture_output=True).returncode
        seconds.append(time.perf_counter() - started)
        if code != 4:
            raise SystemExit(f"a check with the saved session exited {code}, not 4 (drift)")
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds)}


def measure(who: str, accounts: int, concurrency: int, pages: str) -> dict[str, float]:
    """One measurement against a fresh practice platform in its own process."""
    ready, stop = multiprocessing.Queue(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(accounts, pages, ready, stop))
    server.start()
    origin = ready.get(timeout=30)
    try:
        with tempfile.TemporaryDirectory() as home:
            if who == "floor":
                return run_floor(origin, accounts, concurrency)
            if who == "check":
                return one_check(origin, Path(home))
            return run_optout(origin, accounts, concurrency, Path(home))
    finally:
        stop.set()
        server.join(10)


def main() -> None:
    if sys.argv[1:2] == ["--floor"]:  # the floor's own subprocess
        origin, accounts, concurrency = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        print(json.dumps(asyncio.run(floor_loop(origin, range(accounts), concurrency))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=40)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8])
    parser.add_argument("--pages", nargs="+", choices=["realistic", "quiet"],
                        default=["realistic"])
    args = parser.parse_args()
    for who in ("floor", "optout"):  # warm the page cache and imports; not measured
        measure(who, 2, 2, args.pages[0])
    print("| pages | accounts | concurrency | who | wall (s) | accounts/min | p50 (s) | p95 (s) "
          "| peak PSS (MB) | vs floor |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for pages in args.pages:
        for concurrency in args.concurrency:
            figures = {who: measure(who, args.accounts, concurrency, pages)
                       for who in ("floor", "optout")}
            for who in ("floor", "optout"):
                m = figures[who]
                ratio = m["wall"] / figures["floor"]["wall"]
                print(f"| {pages} | {args.accounts} | {concurrency} | {who} | {m['wall']:.1f} | "
                      f"{args.accounts / m['wall'] * 60:.0f} | {m.get('p50', float('nan')):.2f} "
                      f"| {m.get('p95', float('nan')):.2f} | {m['memory']:.0f} | {ratio:.2f}x |",
                      flush=True)
    for pages in args.pages:
        m = measure("check", 1, 1, pages)
        print(f"\n`optout check` of one setting with a saved session ({pages} pages), a whole "
              f"process: median {m['median']:.2f} s (min {m['min']:.2f}, max {m['max']:.2f}) "
              "over 5 runs.", flush=True)


if __name__ == "__main__":
    main()
