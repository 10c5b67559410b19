"""optout bulk: many accounts from a roster."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from optout.cli.common import (
    DEFAULT_CONCURRENCY,
    EXIT_CODES_HELP,
    _finish,
    _limits,
    _notify_urls,
    _recipes,
    _run_and_keep,
    _told_if_it_cannot_start,
)
from optout.cli.origins import parse_origin, parse_origins
from optout.domain.errors import BadInput
from optout.domain.results import Mode
from optout.store.files import write_private

if TYPE_CHECKING:

    pass



@click.command(epilog=EXIT_CODES_HELP, short_help="Opt out many accounts from a roster.")
@click.argument("roster", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--origin", metavar="[PLATFORM=]URL", multiple=True,
              help="Point every recipe at another origin (a local test server), or, with "
                   "PLATFORM=URL, one platform's (repeatable).")
@click.option("--trust-origin", "trusted", metavar="URL", multiple=True,
              help="Allow an origin that only a recipe from --recipes or OPTOUT_RECIPE_PATH uses "
                   "to receive the passwords of the roster's password commands.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=DEFAULT_CONCURRENCY,
              show_default=True, help="Accounts at once, each in its own browser context.")
@click.option("--per-platform", type=click.IntRange(1, 64), metavar="N",
              help="At most N accounts of one platform at once, to stay polite.")
@click.option("--resume", is_flag=True,
              help="Skip the accounts already verified by the last run of this roster.")
@click.option("--dry-run", is_flag=True, help="Read and report; change nothing.")
@click.option("--send-forms", is_flag=True,
              help="Send the members' objection forms in their names (also the config's "
                   "send_forms); without it none is sent.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write the results as CSV.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Also write the HTML report for the roster's accounts.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--notify", metavar="URL", multiple=True, help="Apprise URL (repeatable).")
@click.option("--timeout", type=click.FloatRange(min=1, max=600), metavar="SECONDS",
              help="Longest a page may take to load (default 30).")
@click.option("--browser", metavar="PATH", help="Chromium or Chrome to use (also OPTOUT_BROWSER).")
@click.option("--browser-endpoint", "browser_endpoints", metavar="WS_URL", multiple=True,
              help="Use a remote Playwright browser server (ws://…) instead of a local browser; "
                   "repeat it for a pool (--concurrency accounts on each; a lost server's "
                   "accounts go to the others).")
@click.pass_context
def bulk(ctx: click.Context, roster: Path, origin: tuple[str, ...], trusted: tuple[str, ...],
         concurrency: int,
         per_platform: int | None, resume: bool, dry_run: bool, send_forms: bool,
         csv_file: Path | None,
         html_file: Path | None, as_json: bool, notify: tuple[str, ...], timeout: float | None,
         browser: str | None, browser_endpoints: tuple[str, ...]) -> None:
    """Opt out every account of a roster: CSV or YAML rows of platform, account, username and,
    optionally, password_command (run without a shell; else the password comes from the
    keyring). The roster is checked whole before anything runs. Ctrl-C stops cleanly; run the
    same command with --resume to go on.

    \b
    Examples:
      optout bulk members.csv --concurrency 8 --per-platform 4 --csv results.csv
      optout bulk members.yaml --resume --html proof.html
      optout bulk members.csv --browser-endpoint ws://grid.example:3000/
    """
    from rich.progress import MofNCompleteColumn
    from rich.progress import Progress as ProgressBar

    from optout.app import roster as roster_file
    from optout.app.plan import roster_jobs
    from optout.app.roster import RosterSecrets
    from optout.app.runner import RunOptions, check_endpoint
    from optout.cli import render
    from optout.output.report import gather, write_report
    from optout.store import credentials
    from optout.store.history import History, recipe_version
    urls = _notify_urls(ctx, notify)
    with _told_if_it_cannot_start(ctx, urls):
        for endpoint in browser_endpoints:
            check_endpoint(endpoint)
        for output in filter(None, (csv_file, html_file)):
            if not output.parent.is_dir() or not os.access(output.parent, os.W_OK):
                raise BadInput(f"Cannot write {output}: its folder does not exist or is not "
                               "writable.")
        recipes = _recipes(ctx)
        rows = roster_file.load(roster, recipes)
        single, targets, stand_ins = parse_origins(origin, recipes)
        by_platform = sorted(f"{platform}={url}" for platform, url in targets.items())
        if single:
            targets = {row.platform: targets.get(row.platform, single) for row in rows}
        credentials.require_keyring()
        jobs = roster_jobs(rows, recipes, targets, [o for o in map(parse_origin, trusted) if o],
                           stand_ins)
    all_jobs = list(jobs)
    # A roster's runs chain per origin: a resume never counts another origin's verifications.
    command = " ".join(["bulk", str(roster.resolve()), *([single] if single else []),
                        *by_platform])
    resumed_from = None
    if resume:
        with History() as history:
            resumed_from = history.last_run(command)
            done = history.verified_settings(resumed_from) if resumed_from else {}
        # Verified for the person the row names now, with the recipe in use now: a slot another
        # person took, or a platform whose recipe changed, runs again.
        profile = ctx.obj["config"].profile
        skipped = [job for job in jobs if {s.id for s in job.settings} <= done.get(
            (job.recipe.platform, job.account.name, job.person(profile),
             recipe_version(job.recipe)), set())]
        jobs = [job for job in jobs if job not in skipped]
        names = ", ".join(f"{job.recipe.platform}/{job.account.name}" for job in skipped[:10])
        more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
        # A form sent before is done without being verified now: said so, never called verified.
        done_how = ("were verified, or had their objection form sent before," if any(
            s.is_form for job in skipped for s in job.settings) else "were verified")
        render.stderr.print(f"Resuming: {len(skipped)} accounts {done_how} by the earlier "
                            f"run of this roster{f' ({names}{more})' if names else ''}; "
                            f"{len(jobs)} to go.", highlight=False)
    options = RunOptions(browser=browser, endpoints=browser_endpoints, concurrency=concurrency,
                         per_platform=per_platform, limits=_limits(timeout))
    secrets = RosterSecrets(rows, run_commands=not dry_run)
    secrets.fetch()
    progress = ProgressBar(*ProgressBar.get_default_columns(), MofNCompleteColumn(),
                        console=render.stderr, transient=as_json)
    try:
        with progress:
            results = _run_and_keep(jobs, Mode.DRY_RUN if dry_run else Mode.RUN,
                                    command=command, secrets=secrets, options=options,
                                    narrate=False, urls=urls, progress=progress,
                                    resumed_from=resumed_from,
                                    send_forms=send_forms or ctx.obj["config"].send_forms)
    except KeyboardInterrupt:
        render.stderr.print("Interrupted. Every account finished so far is kept in the history; "
                            "run the same command with --resume to go on.", highlight=False)
        ctx.exit(130)
    if csv_file:
        table = render.results_csv(results)
        write_private(csv_file, table)
        render.stderr.print(f"Wrote {csv_file} (SHA-256 "
                            f"{hashlib.sha256(table.encode('utf-8')).hexdigest()}).",
                            highlight=False)
    if html_file:
        with History() as history:
            accounts = {(job.recipe.platform, job.account.name, job.recipe.origin)
                        for job in all_jobs}
            written = write_report(html_file, gather(history, accounts=accounts))
        render.stderr.print(f"Wrote {html_file} (SHA-256 {written.sha256}); it and its evidence, "
                            f"hashed: {written.sums} (check with `sha256sum -c` there).",
                            highlight=False)
    _finish(results, as_json)
