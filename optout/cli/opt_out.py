"""The commands that read and change settings: run, check, scan."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from optout.cli.common import (
    EXIT_CODES_HELP,
    _cdp_option,
    _complete_platforms,
    _jobs,
    _limits,
    _narration,
    _opt_out,
    _own_browser,
    _target_options,
)
from optout.domain.results import EXIT_DRIFT, EXIT_FAILED, EXIT_NEEDS_HUMAN, Mode, Status
from optout.store.files import data_dir

if TYPE_CHECKING:

    pass



@click.command(epilog=EXIT_CODES_HELP, short_help="Opt out: switch settings and verify them.")
@_target_options
@click.option("--dry-run", is_flag=True, help="Read and report; change nothing.")
@click.option("--headed", is_flag=True, help="Show the browser window.")
@click.option("--resubmit", is_flag=True, help="Send objection forms again, though sent before.")
@click.option("--send-forms", is_flag=True,
              help="Send objection forms in your name without asking (also the config's "
                   "send_forms); at a terminal optout shows them and asks, elsewhere it sends "
                   "none without this.")
@click.pass_context
def run(ctx: click.Context, dry_run: bool, **options) -> None:
    """Switch each AI-training setting to its desired state and verify it on a fresh load, and
    send each objection form once (filled from `optout profile`), verified by the platform's
    confirmation. With --all, every platform with stored credentials, in parallel.

    \b
    Examples:
      optout run linkedin
      optout run --all --json
      optout run linkedin --dry-run
    """
    _opt_out(ctx, Mode.DRY_RUN if dry_run else Mode.RUN, **options)


@click.command(epilog=EXIT_CODES_HELP, short_help="Read settings; change nothing (--fix: re-apply).")
@_target_options
@click.option("--fix", is_flag=True, help="Switch back, and verify, any setting not as desired.")
@click.pass_context
def check(ctx: click.Context, fix: bool, **options) -> None:
    """Read each setting; exit 4 if one is not as desired, or was turned back on (a reset).

    Each reading is compared with the history: a setting last seen in its desired state and now
    found out of it is a reset, recorded and notified. With --fix it is switched back and verified.

    \b
    Examples:
      optout check linkedin
      optout check --all --json
      optout check --all --fix --notify 'mailto://me:app-password@gmail.com'
    """
    _opt_out(ctx, Mode.FIX if fix else Mode.CHECK, headed=False, **options)


@click.command(short_help="Find AI controls on the recipes' pages, new ones included.")
@click.argument("platforms", nargs=-1, shell_complete=_complete_platforms)
@click.option("--all", "all_platforms", is_flag=True, help="Every platform with stored credentials.")
@click.option("--account", metavar="NAME", help="Only this stored account.")
@click.option("--origin", metavar="[PLATFORM=]URL", multiple=True,
              help="Point a recipe at another origin; PLATFORM=URL for one of several.")
@click.option("--browser", metavar="PATH", help="Chromium or Chrome to use (also OPTOUT_BROWSER).")
@click.option("--timeout", type=click.FloatRange(min=1, max=600), metavar="SECONDS",
              help="Longest a page may take to load (default 30).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@_cdp_option
@click.pass_context
def scan(ctx: click.Context, platforms: tuple[str, ...], all_platforms: bool, account: str | None,
         origin: tuple[str, ...], browser: str | None, timeout: float | None,
         as_json: bool, cdp: str | None, profile_dir: Path | None) -> None:
    """Visit every settings page a recipe lists and report each switch, checkbox and form whose
    name speaks of AI, training, models or improving products, marking the ones the recipe
    covers. Changes nothing. Exit 4 when one is not covered: the platform may have added it.

    \b
    Examples:
      optout scan linkedin
      optout scan --all --json
    """
    from optout.app import service
    from optout.app.runner import RunOptions
    from optout.cli import render
    from optout.recipe.job import Resources
    from optout.signin.person import from_terminal
    from optout.store.credentials import KeyringSecrets, MemorySecrets
    from optout.store.sessions import EncryptedSessions, NoSessions
    own = _own_browser(cdp, profile_dir)
    jobs = _jobs(ctx, platforms, all_platforms, account, origin, own_browser=own)
    resources = Resources(secrets=MemorySecrets({}) if own else KeyringSecrets(),
                          sessions=NoSessions() if own else EncryptedSessions(),
                          evidence_dir=data_dir() / "evidence", person=from_terminal(),
                          progress=_narration(not as_json))
    options = RunOptions(browser=browser, limits=_limits(timeout), cdp=cdp,
                         profile_dir=profile_dir)
    reports = service.scan(jobs, resources, options)
    if as_json:
        click.echo(render.scan_json(reports))
    else:
        render.scan_table(reports)
    statuses = {r.status for r in reports if r.status}
    if Status.FAILED in statuses:
        sys.exit(EXIT_FAILED)
    if Status.NEEDS_HUMAN in statuses:
        sys.exit(EXIT_NEEDS_HUMAN)
    sys.exit(EXIT_DRIFT if any(r.uncovered for r in reports) else 0)
