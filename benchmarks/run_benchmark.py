"""Measure `optout bulk` and `optout check` on the practice platform against plain Playwright
doing the same clicks (benchmarks/floors.py), and say where optout's time goes.

The practice platform runs in its own process, with one LinkedIn practice user per account (the
setting on). Its pages behave as real platforms' pages do (`--pages realistic`, the default):
analytics beacons every 250 ms, a held long-poll, a WebSocket and a cookie dialog on the first
visit; `--pages quiet` serves them without.

- **bulk**, for each concurrency asked for: `optout bulk ROSTER --origin … --concurrency N`, a
  real subprocess with its own history and evidence (sign in, read once the page has settled,
  switch, wait for the save, fresh re-read, evidence), against the floor's loop (refuse the
  cookie dialog, sign in, wait for the switch to show on, click, wait for the save, reload, wait
  for it to show off). Wall time, accounts per minute, per-account p50/p95 measured alike (one
  account's time from its first step to its read, waiting for a free slot excluded), the
  peak memory (PSS) of the whole process tree (Python, Playwright's driver and the browser), and
  the CPU seconds each kind of process in it used.
- **check**: a one-setting `optout check` with a saved session, as a whole process, against the
  floor's whole process (start the browser, load the saved cookies, open the page, read the
  switch once it shows on).
- **phases**: where optout's time goes, from its own figures (OPTOUT_TIMINGS,
  optout/domain/timings.py): the process's start, imports and recipe loading, the Python work
  before the browser starts, and each account's phases (context, open, sign-in, consent,
  settle, act, fresh context, fresh load, identity, evidence), for the check and for the bulk
  run's 40 accounts (the mean per account).

Each measurement is repeated (`--repeat`, 3 by default) against a new practice platform; the
median is shown with the range.

    python benchmarks/run_benchmark.py --accounts 40 --concurrency 1 4 8
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).parent.parent
FLOORS = Path(__file__).parent / "floors.py"
CPU_KINDS = ("Chromium renderer", "Chromium browser", "Chromium gpu-process", "Chromium utility",
             "Chromium zygote", "Playwright's driver", "Python")
ACCOUNT_PHASES = ("context", "open", "sign-in", "consent", "find", "settle", "act", "fresh context",
                  "fresh load", "identity", "evidence")


def serve(accounts: int, pages: str, ready: multiprocessing.Queue,
          stop: multiprocessing.Event) -> None:
    from optout.practice import REALISTIC, PracticePlatform, World

    world = World(everyone=REALISTIC if pages == "realistic" else frozenset())
    with PracticePlatform(world) as practice:
        for n in range(accounts):
            practice.world.add_user(f"user{n}@practice.invalid", f"pw-{n}-benchmark")
        ready.put(practice.origin)
        stop.wait()


def tree(root: int) -> list[int]:
    """`root` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in rollup.splitlines()
                       if line.startswith("Pss:")), 0)
    return total / 1024


def kind_of(pid: int) -> str | None:
    """What a process of the tree is: Python, Playwright's driver, or a kind of Chromium's."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    program = Path(command[0].decode(errors="replace").split(" ")[0]).name
    if "python" in program:
        return "Python"
    if program == "node":
        return "Playwright's driver"
    # (Chromium's children write their whole command line into their first argument.)
    kind = re.search(r"--type=(\S+)", b" ".join(command).decode(errors="replace"))
    return f"Chromium {kind[1] if kind else 'browser'}"


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class TreeWatch:
    """Samples a process tree every 0.5 s in a thread, so the run itself is hardly slowed: its peak
    memory (PSS) and each process's CPU time by kind (as last seen before it ended)."""

    def __init__(self, root: int):
        self.root, self.peak, self._done = root, 0.0, threading.Event()
        self._cpu: dict[int, tuple[str, float]] = {}
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.5):
            pids = tree(self.root)
            self.peak = max(self.peak, pss_mb(pids))
            for pid in pids:
                kind, seconds = kind_of(pid), cpu_seconds(pid)
                if kind and seconds is not None:
                    self._cpu[pid] = (kind, seconds)

    def cpu(self) -> dict[str, float]:
        by_kind: dict[str, float] = {}
        for kind, seconds in self._cpu.values():
            by_kind[kind] = by_kind.get(kind, 0.0) + seconds
        return by_kind

    def __enter__(self) -> TreeWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def browser_json() -> str:
    """The browser and switches optout launches with, for the floors to launch the same."""
    from playwright.sync_api import sync_playwright

    from optout.browser.launch import LAUNCH_ARGS, find_browser
    with sync_playwright() as playwright:
        return json.dumps([find_browser(playwright, headless=True), *LAUNCH_ARGS])


def optout_env(home: Path, timings: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "OPTOUT_HOME": str(home / "data"),
           "OPTOUT_RECIPE_PATH": str(home / "recipes"),
           "PYTHON_KEYRING_BACKEND": "throwaway_keyring.ThrowawayKeyring",
           "THROWAWAY_KEYRING_FILE": str(home / "throwaway-keyring.json"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "benchmarks")])}
    if timings is not None:
        env["OPTOUT_TIMINGS"] = str(timings)
    return env


def toggle_only_recipes(home: Path) -> None:
    """LinkedIn's recipe with its toggle only (its objection form is measured elsewhere),
    approved as the person would (`optout recipes approve`): it is not optout's own."""
    recipes = home / "recipes"
    recipes.mkdir()
    sys.path.insert(0, str(ROOT))
    from tests.conftest import linkedin_toggle_recipe

    (recipes / "linkedin.yaml").write_text(linkedin_toggle_recipe())
    subprocess.run([sys.executable, "-m", "optout", "recipes", "approve",
                    str(recipes / "linkedin.yaml"), "--yes"], check=True, capture_output=True,
                   env=optout_env(home))


def phases_of(timings: Path, launched: float) -> dict[str, object]:
    """optout's own figures (optout/domain/timings.py): the process's, with its start measured
    from `launched`, and every account's."""
    lines = [json.loads(line) for line in timings.read_text().splitlines()]
    process = next(line for line in lines if line["kind"] == "process")
    process["start"] = process["main_at"] - launched
    return {"process": process, "accounts": [line for line in lines if line["kind"] == "account"]}


def run_optout(origin: str, accounts: int, concurrency: int, home: Path) -> dict[str, object]:
    roster = home / "roster.csv"
    roster.write_text("platform,account,username,password_command\n" + "".join(
        f"linkedin,user{n},user{n}@practice.invalid,printf %s pw-{n}-benchmark\n"
        for n in range(accounts)))
    toggle_only_recipes(home)
    timings = home / "timings.jsonl"
    launched = time.time()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "optout", "bulk", str(roster), "--origin",
                                origin, "--concurrency", str(concurrency), "--json"],
                               env=optout_env(home, timings), stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    with TreeWatch(process.pid) as memory:
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
    return {"wall": wall, "memory": memory.peak, **spread(seconds), "cpu": memory.cpu(),
            "phases": phases_of(timings, launched)}


def spread(seconds: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(seconds),
            "p95": sorted(seconds)[round(0.95 * (len(seconds) - 1))]}


def run_floor(origin: str, accounts: int, concurrency: int, browser: str) -> dict[str, object]:
    """The floor in a subprocess of its own, timed and measured exactly as optout is."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(FLOORS), "bulk", origin, str(accounts),
                                str(concurrency), browser], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, text=True)
    with TreeWatch(process.pid) as memory:
        out, _ = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"the floor exited {process.returncode}")
    return {"wall": wall, "memory": memory.peak, **spread(json.loads(out)), "cpu": memory.cpu()}


def one_check(origin: str, home: Path, browser: str) -> dict[str, object]:
    """A whole `optout check` of one setting with a saved session (drift: the setting is on),
    and the floor's whole process for the same read."""
    toggle_only_recipes(home)
    optout = [sys.executable, "-m", "optout"]
    subprocess.run([*optout, "login", "linkedin", "--username", "user0@practice.invalid",
                    "--password-stdin", "--origin", origin], input="pw-0-benchmark\n", text=True,
                   env=optout_env(home), check=True, capture_output=True)
    check = [*optout, "check", "linkedin", "--origin", origin]
    if subprocess.run(check, env=optout_env(home), capture_output=True).returncode != 4:
        raise SystemExit("the first check (it signs in) did not find the setting on")
    state = home / "floor-session.json"
    subprocess.run([sys.executable, str(FLOORS), "sign-in", origin, str(state), browser],
                   check=True)
    floor = [sys.executable, str(FLOORS), "check", origin, str(state), browser]
    subprocess.run(floor, check=True)  # warm
    timings = home / "timings.jsonl"
    timings.unlink(missing_ok=True)
    launched = time.time()
    started = time.perf_counter()
    code = subprocess.run(check, env=optout_env(home, timings), capture_output=True).returncode
    seconds = time.perf_counter() - started
    if code != 4:
        raise SystemExit(f"a check with the saved session exited {code}, not 4 (drift)")
    started = time.perf_counter()
    subprocess.run(floor, check=True)
    return {"wall": seconds, "floor": time.perf_counter() - started,
            "phases": phases_of(timings, launched)}


def measure(who: str, accounts: int, concurrency: int, pages: str,
            browser: str) -> dict[str, object]:
    """One measurement against a fresh practice platform in its own process."""
    ready, stop = multiprocessing.Queue(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(accounts, pages, ready, stop))
    server.start()
    origin = ready.get(timeout=30)
    try:
        with tempfile.TemporaryDirectory() as home:
            if who == "floor":
                return run_floor(origin, accounts, concurrency, browser)
            if who == "check":
                return one_check(origin, Path(home), browser)
            return run_optout(origin, accounts, concurrency, Path(home))
    finally:
        stop.set()
        server.join(10)


def median(runs: list[dict[str, object]], key: str) -> str:
    values = [float(run[key]) for run in runs]  # type: ignore[arg-type]
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def mid(runs: list[dict[str, object]], key: str) -> float:
    return statistics.median(float(run[key]) for run in runs)  # type: ignore[arg-type]


def phase_rows(runs: list[dict[str, object]], per: Callable[[dict], list[dict]]) -> dict[str, float]:
    """Each phase's median over the runs of its mean over `per`(run)'s accounts."""
    def mean_of(run: dict[str, object], name: str) -> float:
        accounts = per(run)
        if name == "other":
            return statistics.mean(a["total"] - sum(a["phases"].values()) for a in accounts)
        if name == "total":
            return statistics.mean(a["total"] for a in accounts)
        return statistics.mean(a["phases"].get(name, 0.0) for a in accounts)
    return {name: statistics.median(mean_of(run, name) for run in runs)
            for name in (*ACCOUNT_PHASES, "other", "total")}


def process_rows(runs: list[dict[str, object]]) -> dict[str, float]:
    def value(run: dict[str, object], name: str) -> float:
        process = run["phases"]["process"]  # type: ignore[index]
        if name == "start":
            return process["start"]
        if name == "before the browser":
            return process["start"] + process["points"].get("playwright start", 0.0)
        return process["phases"].get(name, 0.0)
    return {name: statistics.median(value(run, name) for run in runs)
            for name in ("start", "imports", "recipes", "before the browser", "browser start",
                         "record", "close")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=40)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4])
    parser.add_argument("--pages", choices=["realistic", "quiet"], default="realistic")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    browser = browser_json()
    for who in ("floor", "optout"):  # warm the page cache and imports; not measured
        measure(who, 2, 2, args.pages, browser)
    print(f"{args.pages} pages, {args.accounts} accounts; median of {args.repeat} runs "
          "(lowest-highest)\n")
    print("| concurrency | who | wall (s) | accounts/min | p50 (s) | p95 (s) | peak PSS (MB) "
          "| vs floor |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    bulk_phases: dict[int, dict[str, float]] = {}
    bulk_process: dict[int, dict[str, float]] = {}
    cpu: dict[int, dict[str, dict[str, float]]] = {}
    for concurrency in args.concurrency:
        runs = {who: [measure(who, args.accounts, concurrency, args.pages, browser)
                      for _ in range(args.repeat)] for who in ("floor", "optout")}
        for who in ("floor", "optout"):
            ratio = mid(runs[who], "wall") / mid(runs["floor"], "wall")
            print(f"| {concurrency} | {who} | {median(runs[who], 'wall')} | "
                  f"{args.accounts / mid(runs[who], 'wall') * 60:.0f} | "
                  f"{mid(runs[who], 'p50'):.2f} | {mid(runs[who], 'p95'):.2f} | "
                  f"{mid(runs[who], 'memory'):.0f} | {ratio:.2f}x |", flush=True)
        bulk_phases[concurrency] = phase_rows(runs["optout"],
                                              lambda run: run["phases"]["accounts"])
        bulk_process[concurrency] = process_rows(runs["optout"])
        cpu[concurrency] = {who: {kind: statistics.median(run["cpu"].get(kind, 0.0)
                                                         for run in runs[who])
                                  for kind in {k for run in runs[who] for k in run["cpu"]}}
                            for who in ("floor", "optout")}
    print("\nCPU seconds by process, a whole bulk run (median)")
    print("| concurrency | who | " + " | ".join(CPU_KINDS) + " | all |")
    print("|---:|---|" + "---:|" * (len(CPU_KINDS) + 1))
    for concurrency, whose in cpu.items():
        for who, kinds in whose.items():
            print(f"| {concurrency} | {who} | "
                  + " | ".join(f"{kinds.get(kind, 0.0):.1f}" for kind in CPU_KINDS)
                  + f" | {sum(kinds.values()):.1f} |")
    checks = [measure("check", 1, 1, args.pages, browser) for _ in range(args.repeat)]
    print(f"\n`optout check` of one setting with a saved session, a whole process: "
          f"{median(checks, 'wall')} s against the floor's {median(checks, 'floor')} s "
          f"({mid(checks, 'wall') / mid(checks, 'floor'):.2f}x).\n", flush=True)
    check_phases = phase_rows(checks, lambda run: run["phases"]["accounts"])
    print("Where the time goes (s): each account's phases, the mean per account")
    print("| phase | check | " + " | ".join(f"bulk c{c}" for c in bulk_phases) + " |")
    print("|---|---:|" + "---:|" * len(bulk_phases))
    for name in (*ACCOUNT_PHASES, "other", "total"):
        print(f"| {name} | {check_phases[name]:.3f} | "
              + " | ".join(f"{rows[name]:.3f}" for rows in bulk_phases.values()) + " |")
    print("\nThe whole process's own phases (s; a run's record is every account's, summed)")
    print("| phase | check | " + " | ".join(f"bulk c{c}" for c in bulk_process) + " |")
    print("|---|---:|" + "---:|" * len(bulk_process))
    check_process = process_rows(checks)
    for name in check_process:
        print(f"| {name} | {check_process[name]:.3f} | "
              + " | ".join(f"{rows[name]:.3f}" for rows in bulk_process.values()) + " |")


if __name__ == "__main__":
    main()
