"""What optout has seen: status, history, report."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from optout.cli.common import (
    _complete_platforms,
    _recipes,
)
from optout.domain.errors import BadInput
from optout.store.files import data_dir

if TYPE_CHECKING:

    pass



@click.command(short_help="Latest known state of every setting.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def status(as_json: bool) -> None:
    """The latest known state of every account and setting, when it was last checked and
    verified, and how often the platform turned it back.

    \b
    Examples:
      optout status
      optout status --json
    """
    from optout.cli import render
    from optout.store.history import History
    with History() as history:
        rows = history.status()
    if as_json:
        click.echo(json.dumps({"settings": rows}, indent=2))
    elif rows:
        render.status_table(rows)
    else:
        click.echo("Nothing recorded yet: run `optout run PLATFORM` or `optout check PLATFORM`.")


@click.command(short_help="The timeline of observations and resets.")
@click.argument("platform", required=False, shell_complete=_complete_platforms)
@click.option("--account", metavar="NAME", help="Only this account.")
@click.option("--since", metavar="WHEN", help="Only since a date (2026-11-01) or a span ago (7d, 12h).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the observations as CSV.")
@click.pass_context
def history(ctx: click.Context, platform: str | None, account: str | None, since: str | None,
            as_json: bool, as_csv: bool) -> None:
    """Every observation kept, oldest first, and the resets found among them (times in UTC,
    to the second).

    \b
    Examples:
      optout history
      optout history linkedin --since 7d
      optout history --account work --json
      optout history --csv > history.csv
    """
    from optout.cli import render
    from optout.recipe.names import account_of, platform_of
    from optout.store.history import History
    if as_json and as_csv:
        raise BadInput("Give --json or --csv, not both.")
    start = parse_since(since) if since else None
    with History() as kept:
        if platform:  # a platform of the recipes, or one the history still holds
            platform = platform_of(platform, {*_recipes(ctx), *kept.platforms()})
        if account:
            account = account_of(account, kept.accounts(platform), platform or "any platform")
        rows = kept.timeline(platform, account, start)
        resets = kept.resets(platform, account, start)
    if as_json:
        click.echo(json.dumps({"observations": rows, "resets": resets}, indent=2))
    elif as_csv:
        click.echo(render.history_csv(rows), nl=False)
    elif rows:
        render.history_table(rows, resets)
    else:
        click.echo("Nothing recorded for that selection.")


def parse_since(text: str) -> str:
    """An ISO time in UTC from '2026-11-01', '2026-11-01T09:00' or a span ago like '7d' or '12h'."""
    span = re.fullmatch(r"(\d+)([hd])", text.strip())
    if span:
        hours = int(span[1]) * (24 if span[2] == "d" else 1)
        try:
            moment = datetime.now(timezone.utc) - timedelta(hours=hours)
        except OverflowError as exc:
            raise BadInput(f"--since {text!r} reaches back before the year 1.") from exc
    else:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError as exc:
            raise BadInput(f"--since {text!r} is neither a date like 2026-11-01 nor a span like "
                           "7d or 12h.") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


@click.command(short_help="One HTML page of proof, with evidence.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Where to write it (default: report.html in the data folder).")
@click.option("--account", metavar="NAME", help="Only this account.")
@click.option("--live", is_flag=True,
              help="Instead, print the recipes your runs verified on the real sites: lines to "
                   "share with the recipes' maintainers (no account data in them).")
def report(html_file: str | None, account: str | None, live: bool) -> None:
    """Write one self-contained HTML page: each setting, its state, when it was switched off and
    verified, the platform's resets, and the evidence screenshots embedded. It is the record a
    person can attach to a complaint.

    \b
    Examples:
      optout report
      optout report --html linkedin-proof.html --account work
      optout report --live
    """
    from optout.output.report import gather, write_report
    from optout.store.history import History
    if live:
        from optout.output.live import recorded
        found = recorded()
        for confirmation in found.values():
            click.echo(confirmation.line())
        if not found:
            click.echo("No setting has been verified on a platform's real site yet (practice "
                       "and test servers do not count).", err=True)
        return
    with History() as history:
        if account:
            from optout.recipe.names import account_of
            account = account_of(account, history.accounts(), "any platform in the history")
        entries = gather(history, account=account)
    target = Path(html_file) if html_file else data_dir() / "report.html"
    written = write_report(target, entries, account)
    click.echo(f"Wrote {target} ({len(entries)} settings).\n"
               f"Its SHA-256: {written.sha256}\n"
               f"It and every evidence file it draws on, hashed: {written.sums} "
               f"(check with `sha256sum -c`).")
