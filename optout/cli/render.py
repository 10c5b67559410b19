"""How results and recipes look to people (tables) and to machines (JSON)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from optout.domain.accounts import Account
from optout.domain.results import Result, Status
from optout.recipe import Recipe
from optout.recipe.job import Job

if TYPE_CHECKING:
    from optout.app.doctor import Check
    from optout.engine.scan import ScanReport

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
        # By (platform, account): the line's label and its latest step.
        self._steps: dict[tuple[str, str], tuple[str, str]] = {}
        self._done: set[tuple[str, str]] = set()
        self._live = Live(console=console, refresh_per_second=8, transient=True,
                          redirect_stdout=False)

    def __call__(self, job: Job, message: str) -> None:
        key = (job.recipe.platform, job.account.name)
        if key not in self._done:
            self._steps[key] = (f"{job.recipe.name} ({job.account.name})", message)
            self._live.update(self._table(), refresh=True)

    def done(self, results: list[Result]) -> None:
        """Mark an account's line done, with what came of it ("done: 2 verified, 1 failed")."""
        if not results:
            return
        platform, account = results[0].platform, results[0].account
        open_lines = [k for k in self._steps if k[0] == platform and k not in self._done]
        # In the person's own browser results are filed under whom the page shows: by platform.
        key = (platform, account) if (platform, account) in open_lines else (
            open_lines[0] if open_lines else None)
        if key is None:
            return
        counts = Counter("verified" if r.verified else r.status.value for r in results)
        self._steps[key] = (self._steps[key][0], "done: " + ", ".join(
            f"{n} {what}" for what, n in sorted(counts.items(), key=lambda c: c[0] != "verified")))
        self._done.add(key)
        self._live.update(self._table(), refresh=True)

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column(no_wrap=True, overflow="ellipsis", style="dim")
        for key, (who, step) in self._steps.items():
            table.add_row(escape(who), escape(step) if key not in self._done
                          else f"[green]{escape(step)}[/]")
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


def when_done(told: object, advance: Callable[[], None] | None
              ) -> Callable[[list[Result]], None] | None:
    """What happens as each account is done: the live board marks it, a bar advances."""
    if not isinstance(told, Board) and advance is None:
        return None

    def done(results: list[Result]) -> None:
        if isinstance(told, Board):
            told.done(results)
        if advance is not None:
            advance()
    return done


def _states(r: Result) -> str:
    if r.before and r.after and r.before != r.after:
        return f"{r.before} → {r.after}"
    return r.after or r.before or "-"


def results_table(results: list[Result]) -> None:
    """One row per setting, each on one line at 80 columns (a long title cut short); then what
    the row cannot say (a form's confirmation, a reset, why it failed), an account's shared
    sentence once."""
    table = Table(title="optout results", title_justify="left", box=box.SIMPLE)
    # The account as a line of its own above its settings: five columns side by side do not fit.
    table.add_column("Account / setting", no_wrap=True, overflow="ellipsis", max_width=36)
    for column in ("State", "Result", "Verified"):
        table.add_column(column, no_wrap=True)
    heading: tuple[str, str] | None = None
    for r in results:
        if (r.platform, r.account) != heading:
            heading = (r.platform, r.account)
            table.add_row(f"[bold]{escape(f'{r.platform}/{r.account}')}[/]")
        table.add_row(escape("  " + (r.title or r.setting)), _states(r),
                      f"[{_STYLE[r.status]}]{r.status.value}[/]", "yes" if r.verified else "no")
    stdout.print(table)
    told: dict[tuple[str, str, str], list[Result]] = {}
    for r in results:
        if r.message:
            told.setdefault((r.platform, r.account, r.message), []).append(r)
    for (platform, account, message), alike in told.items():
        what = (alike[0].title or alike[0].setting) if len(alike) == 1 else (
            f"{len(alike)} settings")
        who = escape(f"{platform} ({account}), {what}:")
        stdout.print(f"[{_STYLE[alike[0].status]}]{who}[/] {escape(message)}", highlight=False)
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
    from optout.output.catalogue import confidence_words, is_stale, kind_words
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
                 "not_offered_in": s.not_offered_in,
                 "default": s.default, "default_where": s.default_where,
                 "confidence": s.confidence, "unconfirmed": s.unconfirmed,
                 "source_date": s.source_date.isoformat() if s.source_date else None,
                 "source_date_approximate": s.source_date_approximate,
                 "more_sources": [m.model_dump(mode="json") for m in s.more_sources],
                 "evidence_date": s.evidence_date.isoformat() if s.evidence_date else None,
                 "evidence_over_a_year_old": is_stale(s),
                 "how_sure": confidence_words(r.name, s),
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
    """Every setting by id (what --setting takes), its kind and wanted state, the platform's
    default, its regions and how sure the recipe is; sources are in `list --json` and
    docs/catalogue.md. Made to read at 80 columns: cells wrap between words, never inside."""
    from optout.output.catalogue import confidence_short, kind_words, regions_words
    recipes = list(recipes)
    table = Table(title="Platforms and settings", title_justify="left", box=box.SIMPLE)
    widest = max((len(s.id) + 2 for r in recipes for s in r.settings), default=10)
    table.add_column("Setting (--setting ID)", no_wrap=True, overflow="ellipsis",
                     width=max(widest, 24))
    # One column of words, not four narrow ones: at 80 columns narrow cells break inside words.
    table.add_column("Kind: wants · default · regions · how sure")
    for r in recipes:
        table.add_row(f"[bold]{escape(r.platform)}[/] {escape(r.name)}", end_section=False)
        for s in r.settings:
            mine = live.get((r.platform, s.id))
            about = " · ".join([f"{kind_words(s)}: {s.desired}", f"default {s.default or '?'}",
                                regions_words(s).replace("/", ", "),
                                confidence_short(s, date.today())])
            table.add_row(escape("  " + s.id), escape(about + (
                f" · confirmed live by you {mine[:10]}" if mine else "")))
    stdout.print(table)
    stdout.print("Default: before anyone acts (on: your data goes to AI). How sure: platform\n"
                 "(its own pages), guides (third-party only) or unconfirmed, with the newest\n"
                 "evidence's month; (old): over a year old.\n"
                 "Sources, eligibility and accounts: `optout list --json`.\n"
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
