"""How results and recipes look to people (tables) and to machines (JSON)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from optout.domain.accounts import Account
from optout.domain.results import Result, Status
from optout.engine.scan import ScanReport
from optout.recipe import Recipe
from optout.recipe.job import Job

if TYPE_CHECKING:
    from optout.app.doctor import Check

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)

_STYLE = {
    Status.CHANGED: "green", Status.ALREADY: "green", Status.OK: "green",
    Status.WOULD_CHANGE: "yellow", Status.DRIFT: "yellow",
    Status.FAILED: "bold red", Status.NEEDS_HUMAN: "bold magenta",
    Status.MARKED_DONE: "cyan", Status.NOT_APPLICABLE: "dim",
}


def results_json(results: list[Result], seconds: float | None = None) -> str:
    data: dict = {"results": [r.to_json() for r in results]}
    if seconds is not None:
        data["summary"] = summary(results, seconds)
    return json.dumps(data, indent=2, ensure_ascii=False)


def summary(results: list[Result], seconds: float) -> dict:
    """Counts for the end of a run: platforms, settings, verified, and each status met."""
    return {"platforms": len({r.platform for r in results}), "settings": len(results),
            "verified": sum(r.verified for r in results),
            "statuses": dict(Counter(r.status.value for r in results)),
            "seconds": round(seconds, 1)}


def summary_line(results: list[Result], seconds: float) -> str:
    """One line that says how it went: "17 platforms, 19 settings: 19 verified in 23 s"; what
    was not verified is named by its result ("1 failed, 2 marked done")."""
    counts = summary(results, seconds)
    unverified = Counter(r.status.value for r in results if not r.verified)
    parts = [f"{counts['verified']} verified"] + [
        f"{n} {status.replace('_', ' ')}" for status, n in sorted(unverified.items())]
    return (f"{_plural(counts['platforms'], 'platform')}, "
            f"{_plural(counts['settings'], 'setting')}: {', '.join(parts)} in {seconds:.0f} s")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def results_csv(results: Iterable[Result]) -> str:
    """The JSON fields as CSV columns; evidence as the screenshot's path."""
    out = io.StringIO()
    columns = ["platform", "account", "setting", "desired", "before", "after", "status",
               "verified", "evidence", "message"]
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for result in results:
        row = result.to_json()
        row["evidence"] = (row["evidence"] or {}).get("screenshot", "")
        writer.writerow(_inert(row))
    return out.getvalue()


def _inert(row: dict) -> dict:
    """A CSV row a spreadsheet shows as text: a cell starting like a formula (page words can)
    gets a leading apostrophe (OWASP's advice on CSV injection)."""
    return {key: f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t",
                                                                          "\r") else value
            for key, value in row.items()}


def history_csv(rows: list[dict]) -> str:
    """The history's observations as CSV, a row each, times in UTC to the second."""
    out = io.StringIO()
    columns = ["time", "platform", "account", "origin", "practice", "setting", "title", "desired",
               "before", "after", "status", "verified", "seconds", "message"]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(_inert(row) for row in rows)
    return out.getvalue()


def progress(job: Job, message: str) -> None:
    stderr.print(f"[dim]{escape(f'{job.recipe.name} ({job.account.name}): {message}')}[/dim]",
                 highlight=False)


class Board:
    """A run of several accounts in a terminal: one live line per account with its latest step,
    in place of a scrolling log. Gone when the run ends (the results table follows); paused
    while the person is asked something, so the question and its answer stay readable."""

    def __init__(self, console: Console = stderr) -> None:
        self._steps: dict[str, str] = {}
        self._live = Live(console=console, refresh_per_second=8, transient=True,
                          redirect_stdout=False)

    def __call__(self, job: Job, message: str) -> None:
        self._steps[f"{job.recipe.name} ({job.account.name})"] = message
        self._live.update(self._table(), refresh=True)

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column(no_wrap=True, overflow="ellipsis", style="dim")
        for who, step in self._steps.items():
            table.add_row(escape(who), escape(step))
        return table

    def __enter__(self) -> Board:
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.stop()

    @contextmanager
    def paused(self) -> Iterator[None]:
        self._live.stop()
        try:
            yield
        finally:
            self._live.start()


def _states(r: Result) -> str:
    if r.before and r.after and r.before != r.after:
        return f"{r.before} → {r.after}"
    return r.after or r.before or "-"


def results_table(results: list[Result]) -> None:
    table = Table(title="optout results", title_justify="left")
    for column in ("Account", "Setting", "State", "Result", "Verified"):
        table.add_column(column)
    for r in results:
        table.add_row(escape(f"{r.platform}/{r.account}"), escape(r.title or r.setting), _states(r),
                      f"[{_STYLE[r.status]}]{r.status.value}[/]", "yes" if r.verified else "no")
    stdout.print(table)
    for r in results:
        if r.message:
            who = escape(f"{r.platform} ({r.account}), {r.title or r.setting}:")
            stdout.print(f"[{_STYLE[r.status]}]{who}[/] {escape(r.message)}", highlight=False)
    # Evidence lives in <evidence>/<platform>/<account>/<time>-<setting>/; show the account folders.
    folders = {str(Path(r.evidence["screenshot"]).parent.parent)
               for r in results if r.evidence and "screenshot" in r.evidence}
    if folders:
        where = folders.pop() if len(folders) == 1 else os.path.commonpath(list(folders))
        stdout.print(escape(f"Evidence (screenshots and page snapshots) is under {where}; "
                            "`optout report` gathers it into one page."), highlight=False)


def scan_json(reports: Iterable[ScanReport]) -> str:
    return json.dumps({"accounts": [
        {"platform": r.platform, "account": r.account, "problem": r.problem,
         "status": r.status.value if r.status else None,
         "controls": [f.to_json() for f in r.findings]}
        for r in reports
    ]}, indent=2)


def scan_table(reports: list[ScanReport]) -> None:
    table = Table(title="AI-related controls found", title_justify="left")
    for column in ("Account", "Page", "Control", "State", "Covered by"):
        table.add_column(column, overflow="fold")
    for report in reports:
        for f in report.findings:
            covered = (escape(f.covered_by) if f.covered_by else
                       f"left alone: {escape(f.left_alone)}" if f.left_alone else
                       "[bold yellow]not covered[/]")
            table.add_row(escape(f"{f.platform}/{f.account}"), escape(f.page),
                          escape(f'{f.role} "{f.name}"'), f.state or "-", covered)
    stdout.print(table)
    for report in reports:
        if report.problem:
            stdout.print(f"[{_STYLE[report.status or Status.FAILED]}]"
                         f"{escape(f'{report.platform} ({report.account}):')}[/] "
                         f"{escape(report.problem)}", highlight=False)
    new = sum(len(r.uncovered) for r in reports)
    if new:
        stdout.print(f"{new} AI-related control(s) no recipe covers yet: a platform may have "
                     "added a new one. Check them, and update or report the recipe.",
                     style="yellow", highlight=False)


def recipes_json(recipes: Iterable[Recipe], stored: dict[str, list[Account]],
                 live: dict[tuple[str, str], str]) -> str:
    from optout.output.catalogue import kind_words
    return json.dumps({"platforms": [
        {
            "platform": r.platform,
            "name": r.name,
            "origin": r.origin,
            "signs_in": r.needs_account,
            "account_details": r.account_details,
            "accounts": [a.name for a in stored.get(r.platform, [])],
            # Where each account's credentials may go: bound when they were stored.
            "credentials": [{"account": a.name, "origins": list(a.origins),
                             "trusted_by_flag": list(a.trusted)}
                            for a in stored.get(r.platform, [])],
            "settings": [
                {"id": s.id, "title": s.title, "type": s.type, "kind": kind_words(s),
                 "desired": s.desired, "path": s.path, "source": s.source,
                 "regions": s.regions, "eligibility": s.eligibility,
                 "verify_it_stays": s.verify_it_stays,
                 "live_verified": s.live_verified.isoformat() if s.live_verified else None,
                 # Your own runs, on the real site; not the maintainers' live_verified.
                 "confirmed_live_by_you": live.get((r.platform, s.id))}
                for s in r.settings
            ],
        }
        for r in recipes
    ]}, indent=2)


def recipes_table(recipes: Iterable[Recipe], stored: dict[str, list[Account]],
                  live: dict[tuple[str, str], str]) -> None:
    """Every setting by id (what --setting takes), its kind, wanted state and regions; the
    sources are in `list --json` and docs/catalogue.md."""
    from optout.output.catalogue import kind_words, regions_words
    table = Table(title="Platforms and settings", title_justify="left", box=box.SIMPLE)
    for column in ("Setting (--setting ID)", "Kind", "Wants", "Regions"):
        table.add_column(column, overflow="fold", no_wrap=column.startswith("Setting"))
    for r in recipes:
        table.add_row(f"[bold]{escape(r.name)}[/] ({escape(r.platform)})", end_section=False)
        for s in r.settings:
            mine = live.get((r.platform, s.id))
            kind = kind_words(s) + (f" (confirmed live by you {mine[:10]})" if mine else "")
            table.add_row(*map(escape, ("  " + s.id, kind, s.desired, regions_words(s))))
    stdout.print(table)
    stdout.print("Sources, eligibility and accounts: `optout list --json`.\n"
                 "Step by step: `optout guide PLATFORM`.")


def accounts_table(accounts: list[Account]) -> None:
    """Each stored account and the only origins its credentials are ever typed into."""
    if not accounts:
        return
    table = Table(title="Stored accounts", title_justify="left", box=box.SIMPLE)
    for column in ("Account", "Credentials go only to"):
        table.add_column(column, overflow="fold")
    for a in accounts:
        where = ", ".join(f"{o} (trusted with --trust-origin)" if o in a.trusted else o
                          for o in a.origins) or "nowhere (store it again with `optout login`)"
        table.add_row(escape(f"{a.platform}/{a.name}"), escape(where))
    stdout.print(table)


def practice_table(jobs: list[Job], password_of: dict[str, str], *, stored: bool) -> None:
    """Each twin's address and throwaway sign-in, and the commands to try on them."""
    table = Table(title="Practice platform on this machine (throwaway sign-ins)",
                  title_justify="left", box=box.SIMPLE)
    # Names and addresses whole; a long password note may be cut at 80 columns, not these.
    table.add_column("Platform", no_wrap=True,
                     min_width=max([len(job.recipe.platform) for job in jobs] + [8]))
    table.add_column("Address", no_wrap=True,
                     min_width=max([len(job.recipe.origin) for job in jobs] + [7]))
    table.add_column("Password", no_wrap=True)
    for job in jobs:
        password = password_of[job.recipe.platform]
        if job.recipe.signing_in.by_hand:
            password += " (by hand)"
        table.add_row(escape(job.recipe.platform), escape(job.recipe.origin), escape(password))
    stdout.print(table)
    stdout.print("Username on each: practice@PLATFORM.practice.invalid", highlight=False,
                 markup=False)
    if stored:
        stdout.print("Stored as account `practice` of each platform, bound to its twin. Try, in "
                     "another terminal (objection forms are filled from `optout profile`):\n"
                     "  optout run linkedin --account practice\n"
                     "  optout check --all --account practice\n  optout status\n"
                     "  optout report\nA code a twin \"emails\" is shown here; type it where "
                     "optout asks for it.", highlight=False, markup=False)
    else:
        stdout.print("To try the commands on it, start it with --setup (it stores these accounts "
                     "in your keyring, as account `practice`).", highlight=False, markup=False)


def _when(iso: str | None, *, seconds: bool = False) -> str:
    """'2026-11-22 23:55' (or with seconds, '2026-11-22 23:55:07') from an ISO time in UTC."""
    return iso.replace("T", " ")[:19 if seconds else 16] if iso else "never"


def _where(origin: str, practice: bool) -> str:
    """An origin as the person reads it: host and port, and whether it is practice."""
    host = origin.split("://", 1)[-1]
    return f"{host} (practice)" if practice else host


def status_table(rows: list[dict]) -> None:
    """One table per account, one row per setting: its latest reading, where it was made."""
    stdout.print("[bold]Latest known state[/] (times in UTC)")
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["platform"], row["account"], row["origin"]), []).append(row)
    for (platform, account, origin), settings in groups.items():
        table = Table(title=f"[bold]{escape(platform)}/{escape(account)}[/] at "
                            f"{escape(_where(origin, settings[0]['practice']))}",
                      title_justify="left", box=box.SIMPLE)
        for column in ("Setting", "State", "Checked", "Verified", "Resets"):
            table.add_column(column, overflow="fold")
        for row in settings:
            state = row["after"] or row["before"] or "-"
            style = "green" if state == row["desired"] else "yellow"
            table.add_row(escape(row["title"]), f"[{style}]{escape(state)}[/]",
                          _when(row["time"]), _when(row["last_verified"]),
                          str(row["reset_count"]))
        stdout.print(table)


def doctor_table(checks: list[Check]) -> None:
    """One line per part: ok or the problem, what was found, and the fix."""
    for check in checks:
        mark = "[green]ok[/]     " if check.ok else "[bold red]problem[/]"
        stdout.print(f"{mark} [bold]{escape(check.part)}[/]: {escape(check.found)}", highlight=False)
        if check.fix:
            stdout.print(f"         {'fix' if not check.ok else 'tip'}: {escape(check.fix)}",
                         highlight=False)
    problems = sum(not check.ok for check in checks)
    stdout.print(f"{problems} problem{'' if problems == 1 else 's'} found." if problems
                 else "All is well.", highlight=False)


def history_table(rows: list[dict], resets: list[dict]) -> None:
    table = Table(title="History (times in UTC)", title_justify="left", box=box.SIMPLE)
    for column in ("Time", "Account", "Setting", "State", "Result", "Verified"):
        table.add_column(column, no_wrap=column not in ("Account", "Setting"))
    for row in rows:
        state = row["after"] or row["before"] or "-"
        if row["before"] and row["after"] and row["before"] != row["after"]:
            state = f"{row['before']} → {row['after']}"
        table.add_row(_when(row["time"], seconds=True),
                      escape(f"{row['platform']}/{row['account']}"),
                      escape(row["title"]), escape(state),
                      f"[{_STYLE[Status(row['status'])]}]{row['status']}[/]",
                      "yes" if row["verified"] else "no")
    stdout.print(table)
    for reset in resets:
        stdout.print(escape(f"Reset: {reset['platform']}/{reset['account']} "
                            f"{reset['title']!r} was turned back {reset['state']} between "
                            f"{_when(reset['last_seen_desired'], seconds=True)} and "
                            f"{_when(reset['found'], seconds=True)}."),
                     style="yellow", highlight=False)
