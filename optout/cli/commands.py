"""The command line: parse, call, render. The work happens in the modules it calls."""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shlex
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import click

from optout import __version__
from optout.app.schedule import SECONDS, SYSTEMS, detect_system, entries, install, installed, remove
from optout.domain.errors import AccountFailure, BadInput, Interrupted, NeedsHuman, OptoutError
from optout.domain.results import EXIT_DRIFT, EXIT_FAILED, EXIT_NEEDS_HUMAN, Mode, Result, Status, exit_code
from optout.output import FORMATS
from optout.redact import RedactingFormatter, redact
from optout.store import DEFAULT_ACCOUNT
from optout.store.files import data_dir, data_path, write_private

if TYPE_CHECKING:
    from rich.progress import Progress as ProgressBar

    from optout.app.runner import RunOptions
    from optout.domain.accounts import Account, SecretSource
    from optout.domain.job import Limits
    from optout.domain.profile import Profile
    from optout.recipe import Recipe
    from optout.recipe.job import Job, Progress
    from optout.signin.person import Person
    from optout.store.config import Config

# Accounts at once: measured on 2 cores, throughput stops growing past 4 (README, Benchmark).
DEFAULT_CONCURRENCY = max(2, min(8, 2 * (os.cpu_count() or 1)))

EXIT_CODES_HELP = """\b
Exit codes:
  0  every setting verified in (check, dry run: found in) its desired state
  1  something failed or could not be verified (a rejected password included)
  2  bad input: unknown platform, invalid recipe, no stored credentials, bad flag
  3  a person is needed
  4  check or dry run found a setting not in its desired state; scan found an
     AI control no recipe covers
  130  interrupted by Ctrl-C (143: by SIGTERM); finished accounts are kept"""

# Options of the whole tool: they go before the command's name.
GROUP_OPTIONS = ("--recipes", "--debug")


class OptoutGroup(click.Group):
    """Turns OptoutError into a short message and its exit code; tracebacks only with --debug.
    A command given --json gets its error as JSON on stdout too."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = args[:args.index("--")] if "--" in args else args
        ctx.meta["as_json"] = "--json" in given
        ctx.meta["started"] = time.monotonic()  # for the summary line's "in N s"
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Interrupted as exc:
            hint = ("run the same command with --resume to go on" if ctx.invoked_subcommand == "bulk"
                    else "run the same command again to go on")
            _json_error(ctx, exc.sentence(hint), exc.exit_code)
            click.echo(exc.sentence(hint), err=True)
            ctx.exit(exc.exit_code)
        except OptoutError as exc:
            _fail(ctx, redact(str(exc)), exc.exit_code)
        except KeyboardInterrupt:
            _json_error(ctx, "Interrupted.", 130)
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except click.NoSuchOption as exc:
            if exc.option_name not in GROUP_OPTIONS:
                _json_error(ctx, exc.format_message(), exc.exit_code)
                raise
            usage = click.UsageError(
                f"{exc.format_message()} {exc.option_name} belongs to optout itself: give it "
                f"before the command, as in `optout {exc.option_name}"
                f"{' DIR' if exc.option_name == '--recipes' else ''} "
                f"{ctx.invoked_subcommand or 'COMMAND'} ...`.", exc.ctx)
            _json_error(ctx, usage.format_message(), usage.exit_code)
            raise usage from None
        except click.BadOptionUsage as exc:
            if exc.option_name != "--browser" or ctx.invoked_subcommand != "login":
                _json_error(ctx, exc.format_message(), exc.exit_code)
                raise
            # `login --browser` once meant signing in by hand; it is now a browser's path.
            usage = click.UsageError(f"{exc.format_message()} To sign in yourself in a visible "
                                     "browser, use --by-hand; --browser PATH names the browser.",
                                     exc.ctx)
            _json_error(ctx, usage.format_message(), usage.exit_code)
            raise usage from None
        except click.ClickException as exc:
            _json_error(ctx, exc.format_message(), exc.exit_code)
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            _fail(ctx, *_unexpected(exc))


def _unexpected(exc: Exception) -> tuple[str, int]:
    """A message and exit code for an error no command turned into an OptoutError."""
    if isinstance(exc, sqlite3.Error):  # the history, damaged or on a full disk, mid-command
        from optout.store.history import default_path, history_problem
        problem = history_problem(default_path(), exc)
        return redact(str(problem)), problem.exit_code
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return (f"The disk is full ({exc.filename or 'while writing'}); nothing already kept was "
                "lost. Free some space and run again.", EXIT_FAILED)
    return (f"Unexpected error: {redact(str(exc)) or type(exc).__name__}. "
            "Run again with --debug for the details.", EXIT_FAILED)


def _fail(ctx: click.Context, message: str, code: int) -> None:
    if ctx.find_root().params.get("debug"):
        click.echo(redact(traceback.format_exc()), err=True)
    _json_error(ctx, message, code)
    click.echo(f"Error: {message}", err=True)
    ctx.exit(code)


def _json_error(ctx: click.Context, message: str, code: int) -> None:
    """For a command given --json, the error as JSON on stdout (the plain line goes to stderr)."""
    if ctx.meta.get("as_json"):
        click.echo(json.dumps({"error": {"message": redact(message), "exit_code": code}},
                              indent=2))


@click.group(cls=OptoutGroup, epilog=EXIT_CODES_HELP,
             context_settings={"max_content_width": 100, "help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="optout")
@click.option("--debug", is_flag=True, help="Show details and tracebacks (secrets stay masked).")
@click.option("--recipes", "recipe_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Extra recipe folder (repeatable; also OPTOUT_RECIPE_PATH). Its recipes win.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, recipe_dirs: tuple[str, ...]) -> None:
    """Switch off AI training on your accounts, and prove the change stuck.

    \b
    Try it first on the built-in practice platform:
      optout demo
    Then with a real account:
      optout login linkedin
      optout run linkedin
    """
    from optout.store.config import load_config
    os.umask(0o077)  # everything the tool writes is private to the user
    ctx.obj = {"recipe_dirs": recipe_dirs, "config": load_config()}
    if debug:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(RedactingFormatter("%(asctime)s %(name)s: %(message)s"))
        logging.basicConfig(level=logging.DEBUG, handlers=[handler], force=True)
        logging.getLogger("asyncio").setLevel(logging.INFO)
        # Apprise's own lines name the services' URLs, tokens and all; its warnings are enough.
        logging.getLogger("apprise").setLevel(logging.WARNING)


def _complete_platforms(ctx: click.Context, param: click.Parameter,
                        incomplete: str) -> list[str]:
    """Shell completion of platform names (`eval "$(_OPTOUT_COMPLETE=bash_source optout)"`)."""
    from optout.recipe import load_recipes
    try:
        names = list(load_recipes((ctx.find_root().params or {}).get("recipe_dirs") or ()))
    except OptoutError:  # a broken recipe folder completes nothing rather than failing
        return []
    return [name for name in names if name.startswith(incomplete.lower())]


def _recipes(ctx: click.Context) -> dict[str, Recipe]:
    from optout.recipe import load_recipes
    return load_recipes(ctx.obj["recipe_dirs"])


def _origin(value: str | None) -> str | None:
    from optout.recipe import normalise_origin
    return normalise_origin(value) if value else None


def _finish(results: list[Result], as_json: bool) -> None:
    from optout.cli import render
    seconds = time.monotonic() - click.get_current_context().meta.get("started", time.monotonic())
    if as_json:
        click.echo(render.results_json(results, seconds))
    else:
        render.results_table(results)
        render.stdout.print(render.summary_line(results, seconds), highlight=False)
    sys.exit(exit_code(results))


def _narration(narrate: bool) -> Progress | None:
    """Step-by-step progress lines, unless asked for quiet or --debug already narrates (timed)."""
    from optout.cli import render
    debug = click.get_current_context().find_root().params.get("debug")
    return render.progress if narrate and not debug else None


@contextmanager
def _told(narrate: bool, accounts: int, person: Person) -> Iterator[Progress | None]:
    """How a run tells its progress: a live board of its accounts in a terminal, when there are
    several (the person's questions pause it); else step by step, one line each."""
    from optout.cli import render
    from optout.signin.person import AtTerminal
    told = _narration(narrate)
    if told is None or accounts < 2 or not render.stderr.is_terminal:
        yield told
        return
    with render.Board() as board:
        if isinstance(person, AtTerminal):
            person.quiet_while_asking = board.paused
        yield board


def _opt_out(ctx: click.Context, mode: Mode, *, platforms: tuple[str, ...], all_platforms: bool,
             account: str | None, origin: tuple[str, ...], browser: str | None,
             timeout: float | None, as_json: bool, headed: bool, notify: tuple[str, ...],
             setting: tuple[str, ...], cdp: str | None, profile_dir: Path | None,
             trace_dir: Path | None, slow_mo_ms: float, resubmit: bool = False) -> None:
    """run and check: plan, execute, keep the history, tell the person, render, exit."""
    from optout.app.runner import RunOptions
    from optout.store.credentials import KeyringSecrets, MemorySecrets
    urls = _notify_urls(ctx, notify)
    with _told_if_it_cannot_start(ctx, urls):
        own = _own_browser(cdp, profile_dir)
        jobs = _jobs(ctx, platforms, all_platforms, account, origin, setting, own_browser=own)
    if own and trace_dir:
        raise BadInput("--trace records optout's own browser; with --cdp or --profile it would "
                       "record your own profile, so it is not offered there.")
    options = RunOptions(browser=browser, headed=headed, limits=_limits(timeout), cdp=cdp,
                         profile_dir=profile_dir, trace_dir=trace_dir, slow_mo_ms=slow_mo_ms)
    command = " ".join([ctx.info_name or "", *platforms]).strip()
    results = _run_and_keep(jobs, mode, command=command,
                            secrets=MemorySecrets({}) if own else KeyringSecrets(),
                            options=options, narrate=True, urls=urls,
                            profile=ctx.obj["config"].profile, resubmit=resubmit,
                            keep_sessions=not own)
    _finish(results, as_json)


def _jobs(ctx: click.Context, platforms: tuple[str, ...], all_platforms: bool,
          account: str | None, origin: tuple[str, ...], only: tuple[str, ...] = (), *,
          own_browser: bool = False) -> list[Job]:
    """The accounts to work on, from the stored credentials (in the person's own browser, none
    are needed); BadInput before any browser."""
    from optout.app.plan import build_jobs, own_browser_jobs
    config: Config = ctx.obj["config"]
    single, per_platform = _origins(origin, _recipes(ctx))
    if own_browser:
        return own_browser_jobs(_recipes(ctx), platforms, all_platforms=all_platforms,
                                account=account, origin=single, origins=per_platform,
                                command=ctx.info_name or "run", only=only)
    recipes = _recipes(ctx)
    return build_jobs(recipes, platforms, all_platforms=all_platforms, account=account,
                      origin=single, origins=per_platform, command=ctx.info_name or "run",
                      default_accounts=config.accounts, only=only)


def _origins(values: tuple[str, ...],
             recipes: dict[str, Recipe]) -> tuple[str | None, dict[str, str]]:
    """--origin URL (one platform) and --origin PLATFORM=URL (any number), by platform id
    (a platform's name given in any case or by a former name)."""
    from optout.recipe import normalise_origin, select
    single, per_platform = None, {}
    for value in values:
        name, sep, url = value.partition("=")
        if sep and "://" not in name:
            for recipe in select(recipes, [name]):
                per_platform[recipe.platform] = normalise_origin(url)
        elif single is None:
            single = normalise_origin(value)
        else:
            raise BadInput("Give --origin URL once, or --origin PLATFORM=URL for each platform.")
    return single, per_platform


def _notify_urls(ctx: click.Context, notify: tuple[str, ...]) -> list[str]:
    from optout.app.notify import check_urls
    urls = [*ctx.obj["config"].notify, *notify]
    for url in urls:
        redact.add_url(url)  # before anything can print or log one
    check_urls(urls)
    return urls


@contextmanager
def _told_if_it_cannot_start(ctx: click.Context, urls: list[str]) -> Iterator[None]:
    """A scheduled run has nobody watching its output: say it could not even start."""
    from optout.app.notify import send_failure
    try:
        yield
    except OptoutError as exc:
        send_failure(urls, f"optout {ctx.info_name} could not start", str(exc))
        raise


def _limits(timeout: float | None) -> Limits:
    from optout.domain.job import Limits
    return Limits.from_timeout(timeout) if timeout else Limits()


def _run_and_keep(jobs: list[Job], mode: Mode, *, command: str, secrets: SecretSource,
                  options: RunOptions, narrate: bool, urls: list[str],
                  progress: ProgressBar | None = None, resumed_from: int | None = None,
                  profile: Profile | None = None, resubmit: bool = False,
                  keep_sessions: bool = True) -> list[Result]:
    """Run the jobs through the application layer, which keeps each account's results and
    tells the person as soon as it is done; a progress bar advances with each account."""
    from rich.markup import escape

    from optout.app import service
    from optout.cli import render
    from optout.domain.profile import Profile
    from optout.recipe.job import Resources
    from optout.signin.person import from_terminal
    from optout.store.sessions import EncryptedSessions, NoSessions

    task = progress.add_task("Accounts", total=len(jobs)) if progress else None
    person = from_terminal()
    # A bulk run has its progress bar: no board beside it.
    with _told(narrate, len(jobs) if progress is None else 1, person) as told:
        # In the person's own browser the session is theirs: never copied into the data folder.
        resources = Resources(secrets=secrets,
                              sessions=EncryptedSessions() if keep_sessions else NoSessions(),
                              evidence_dir=data_dir() / "evidence", person=person,
                              progress=told, profile=profile or Profile(), resubmit=resubmit)
        return service.run_and_record(
            jobs, mode, resources, options, command=command, urls=urls,
            resumed_from=resumed_from,
            on_problem=lambda problem: render.stderr.print(escape(problem), highlight=False),
            on_account=(lambda _: progress.advance(task)) if progress is not None and
            task is not None else None)


def _cdp_option(command):
    command = click.option(
        "--profile", "profile_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
        help="Work in a browser profile folder you signed in to by hand (`optout login PLATFORM "
             "--profile DIR`): no password typed or stored.")(command)
    return click.option(
        "--cdp", metavar="URL",
        help="Work in your own signed-in Chrome/Chromium/Edge, started with remote debugging "
             "(e.g. http://127.0.0.1:9222): new tabs only, no password typed or stored.")(command)


def _detail_option(command):
    return click.option(
        "--detail", metavar="NAME=VALUE", multiple=True,
        help="What a recipe's pages need to know of the account, such as a Tumblr blog's name "
             "(blog=NAME); `optout list` shows which recipes ask.")(command)


def _details(recipe: Recipe, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """--detail NAME=VALUE, each a detail the recipe asks for; BadInput otherwise."""
    details = {}
    for value in values:
        name, sep, given = value.partition("=")
        if not sep or name not in recipe.account_details:
            asked = ", ".join(recipe.account_details) or "nothing"
            raise BadInput(f"--detail {value!r}: {recipe.name} asks for {asked}; give NAME=VALUE.")
        details[name] = given.strip()
    return tuple(sorted(details.items()))


def _own_browser(cdp: str | None, profile_dir: Path | None) -> bool:
    """Whether the work happens in a profile the person signed in to (--cdp or --profile)."""
    from optout.browser.own import check_cdp_url
    if cdp and profile_dir:
        raise BadInput("Give --cdp (your running browser) or --profile (a profile folder), "
                       "not both.")
    if cdp:
        check_cdp_url(cdp)
    return bool(cdp or profile_dir)


# Options shared by run and check.
def _target_options(command):
    command = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")(command)
    command = click.option("--notify", metavar="URL", multiple=True,
                           help="Apprise URL told of resets, failures and a needed person "
                                "(repeatable; also the config file).")(command)
    command = click.option("--timeout", type=click.FloatRange(min=1, max=600), metavar="SECONDS",
                           help="Longest a page may take to load (default 30).")(command)
    command = click.option("--browser", metavar="PATH",
                           help="Chromium or Chrome to use (also OPTOUT_BROWSER).")(command)
    command = _cdp_option(command)
    command = click.option("--trace", "trace_dir", metavar="DIR",
                           type=click.Path(file_okay=False, path_type=Path),
                           help="Write a Playwright trace per account into DIR, secrets masked "
                                "(open one with `playwright show-trace FILE`).")(command)
    command = click.option("--slow-mo", "slow_mo_ms", type=click.FloatRange(min=0, max=10_000),
                           default=0, metavar="MS",
                           help="Pause this long between browser actions (to watch --headed).")(command)
    command = click.option("--origin", metavar="[PLATFORM=]URL", multiple=True,
                           help="Point a recipe at another origin (practice platform, mirror); "
                                "PLATFORM=URL for one of several.")(command)
    command = click.option("--setting", metavar="ID", multiple=True,
                           help="Only this setting (repeatable; ids from `optout list`).")(command)
    command = click.option("--account", metavar="NAME",
                           help="Only this stored account (default: the config's, else every "
                                "stored account).")(command)
    command = click.option("--all", "all_platforms", is_flag=True,
                           help="Every platform with stored credentials.")(command)
    return click.argument("platforms", nargs=-1, shell_complete=_complete_platforms)(command)


@cli.command(epilog=EXIT_CODES_HELP, short_help="Opt out: switch settings and verify them.")
@_target_options
@click.option("--dry-run", is_flag=True, help="Read and report; change nothing.")
@click.option("--headed", is_flag=True, help="Show the browser window.")
@click.option("--resubmit", is_flag=True, help="Send objection forms again, though sent before.")
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


@cli.command(epilog=EXIT_CODES_HELP, short_help="Read settings; change nothing (--fix: re-apply).")
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


@cli.command(short_help="Find AI controls on the recipes' pages, new ones included.")
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


@cli.command(short_help="Your name, email, country and objection, for forms.")
@click.option("--name", help="Your name as the platforms know it.")
@click.option("--email", help="The email address of your accounts.")
@click.option("--country", help="Your country, as the forms' lists word it (e.g. Germany).")
@click.option("--objection-file", type=click.File("r", encoding="utf-8"), metavar="FILE",
              help="Your own objection text ('-' for stdin) instead of the recipes' reasoned one.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def profile(ctx: click.Context, name: str | None, email: str | None, country: str | None,
            objection_file, as_json: bool) -> None:
    """Show or change the profile objection forms are filled from. It is kept in the private
    config file; forms are sent only by `optout run`, once each (--resubmit to send again).

    \b
    Examples:
      optout profile --name "Ada Lovelace" --email ada@example.com --country "United Kingdom"
      optout profile --objection-file my-objection.txt
      optout profile
    """
    from optout.store.config import config_path, update_profile
    changes = {k: v for k, v in (("name", name), ("email", email), ("country", country)) if v}
    if objection_file is not None:
        text = objection_file.read().strip()
        if not text:
            raise BadInput("The objection file is empty; write your objection in it, or leave "
                           "--objection-file out to use the recipes' text.")
        changes["objection"] = text
    current = update_profile(changes) if changes else ctx.obj["config"].profile
    if as_json:
        click.echo(json.dumps(current.model_dump(), indent=2))
        return
    for key in ("name", "email", "country"):
        click.echo(f"{key}: {getattr(current, key) or '(not set)'}")
    click.echo(f"objection: {'your own text' if current.objection else 'the recipes’ reasoned text'}")
    if changes:
        click.echo(f"Saved in {config_path()}.")


@cli.command(short_help="Latest known state of every setting.")
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


@cli.command(short_help="The timeline of observations and resets.")
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


@cli.command(short_help="One HTML page of proof, with evidence.")
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


@cli.group(short_help="Re-check on a schedule with the system's scheduler.")
def schedule() -> None:
    """Install, show or remove a scheduled `optout check --all`: a systemd user timer on Linux
    (cron where there is no systemd), a launchd agent on macOS, a Task Scheduler task on Windows.
    """


_system_option = click.option(
    "--system", type=click.Choice(["auto", *SYSTEMS]), default="auto", show_default=True,
    callback=lambda ctx, param, value: detect_system() if value == "auto" else value,
    help="Which scheduler to use (auto: this machine's).")
_target_option = click.option(
    "--target", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
    help="Write the entries into DIR instead of the scheduler (for review or tests).")


@schedule.command("install")
@click.option("--every", type=click.Choice(list(SECONDS)), help="How often (default: config, else 1d).")
@click.option("--fix/--no-fix", default=None, help="Switch back, and verify, what was turned back on.")
@click.option("--notify", metavar="URL", multiple=True,
              help="Apprise URL to tell (kept in the private config file, not in the schedule).")
@_system_option
@_target_option
@click.option("--dry-run", is_flag=True, help="Show the entries; install nothing.")
@click.pass_context
def schedule_install(ctx: click.Context, every: str | None, fix: bool | None,
                     notify: tuple[str, ...], system: str, target: Path | None,
                     dry_run: bool) -> None:
    """Install a scheduled re-check.

    \b
    Examples:
      optout schedule install --every 7d --fix --notify 'ntfy://my-topic'
      optout schedule install --every 12h --dry-run --system launchd
    """
    from optout.app.notify import check_urls
    from optout.store.config import add_notify_urls, config_path
    defaults = ctx.obj["config"].schedule
    every, fix = every or defaults.every, defaults.fix if fix is None else fix
    check_urls(notify)
    if dry_run:
        for entry in entries(system, every, fix):
            click.echo(f"# {entry.what}\n{entry.content}")
            for command in entry.apply if entry.path else []:  # a file, then commands that load it
                click.echo(f"# then: {shlex.join(command)}")
        if notify:
            click.echo(f"# and the notification URLs go to {config_path()}")
        return
    if notify:
        add_notify_urls(list(notify))
    install(system, every, fix, target)
    where = f" in {target}" if target else ""
    click.echo(f"Installed a {system} re-check every {every}{' with --fix' if fix else ''}{where}.")


@schedule.command("status")
@_system_option
@_target_option
def schedule_status(system: str, target: Path | None) -> None:
    """Show the installed re-check, if there is one."""
    content = installed(system, target)
    if content is None:
        click.echo(f"No {system} re-check is installed; see `optout schedule install --help`.")
    else:
        click.echo(f"A {system} re-check is installed:\n{content}")


@schedule.command("remove")
@_system_option
@_target_option
def schedule_remove(system: str, target: Path | None) -> None:
    """Remove the installed re-check."""
    if remove(system, target):
        click.echo(f"Removed the {system} re-check.")
    else:
        click.echo(f"No {system} re-check was installed.")


@cli.command(epilog=EXIT_CODES_HELP, short_help="Opt out many accounts from a roster.")
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
         per_platform: int | None, resume: bool, dry_run: bool, csv_file: Path | None,
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
    from optout.store.history import History
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
        single, targets = _origins(origin, recipes)
        by_platform = sorted(f"{platform}={url}" for platform, url in targets.items())
        if single:
            targets = {row.platform: targets.get(row.platform, single) for row in rows}
        credentials.require_keyring()
        jobs = roster_jobs(rows, recipes, targets, [o for o in map(_origin, trusted) if o])
    all_jobs = list(jobs)
    # A roster's runs chain per origin: a resume never counts another origin's verifications.
    command = " ".join(["bulk", str(roster.resolve()), *([single] if single else []),
                        *by_platform])
    resumed_from = None
    if resume:
        with History() as history:
            resumed_from = history.last_run(command)
            done = history.verified_settings(resumed_from) if resumed_from else {}
        skipped = [job for job in jobs if {s.id for s in job.settings}
                   <= done.get((job.recipe.platform, job.account.name), set())]
        jobs = [job for job in jobs if job not in skipped]
        render.stderr.print(f"Resuming: {len(skipped)} accounts were verified by the earlier "
                            f"run of this roster; {len(jobs)} to go.", highlight=False)
    options = RunOptions(browser=browser, endpoints=browser_endpoints, concurrency=concurrency,
                         per_platform=per_platform, limits=_limits(timeout))
    secrets = RosterSecrets(rows)
    secrets.fetch()
    progress = ProgressBar(*ProgressBar.get_default_columns(), MofNCompleteColumn(),
                        console=render.stderr, transient=as_json)
    try:
        with progress:
            results = _run_and_keep(jobs, Mode.DRY_RUN if dry_run else Mode.RUN,
                                    command=command, secrets=secrets, options=options,
                                    narrate=False, urls=urls, progress=progress,
                                    resumed_from=resumed_from)
    except KeyboardInterrupt:
        render.stderr.print("Interrupted. Every account finished so far is kept in the history; "
                            "run the same command with --resume to go on.", highlight=False)
        ctx.exit(130)
    if csv_file:
        write_private(csv_file, render.results_csv(results))
    if html_file:
        with History() as history:
            accounts = {(job.recipe.platform, job.account.name, job.recipe.origin)
                        for job in all_jobs}
            write_report(html_file, gather(history, accounts=accounts))
    _finish(results, as_json)


@cli.command(short_help="Record a setting you did by hand (an email, an app).")
@click.argument("platform", shell_complete=_complete_platforms)
@click.argument("setting")
@click.option("--account", metavar="NAME", help="The account it was done for (default: the "
              "platform's only stored account, or `you` where none is needed).")
@click.pass_context
def done(ctx: click.Context, platform: str, setting: str, account: str | None) -> None:
    """Record that you did a setting that optout cannot do (an email request, a switch in a
    phone app). `status` and the report show it as done by you, never as verified.

    \b
    Examples:
      optout done slack workspace-opt-out
      optout done udemy genai-program --account teaching
    """
    from optout.app.plan import BY_HAND_ACCOUNT
    from optout.recipe import select
    from optout.recipe.names import setting_of
    from optout.store import credentials
    from optout.store.history import History, recipe_version
    recipe = select(_recipes(ctx), [platform])[0]
    wanted = setting_of(setting, {s.id: s.title for s in recipe.settings}, recipe.name)
    chosen = next(s for s in recipe.settings if s.id == wanted)
    if chosen.needs_browser:
        raise BadInput(f"optout does {chosen.title!r} itself and verifies it: "
                       f"`optout run {recipe.platform} --setting {chosen.id}`.")
    if account is None:
        stored = credentials.accounts(recipe.platform) if recipe.needs_account else []
        if len(stored) > 1:
            raise BadInput(f"Several {recipe.name} accounts are stored; name one with --account "
                           f"({', '.join(a.name for a in stored)}).")
        account = stored[0].name if stored else BY_HAND_ACCOUNT
    result = Result(recipe.platform, account, chosen.id, chosen.desired, Status.MARKED_DONE,
                    after="done", title=chosen.title,
                    message="Marked done by you; optout cannot check it for you.")
    with History() as history:
        run_id = history.start_run(f"done {recipe.platform} {chosen.id}")
        history.record(run_id, result, recipe_version(recipe), recipe.origin)
        history.finish_run(run_id)
    click.echo(f"Recorded {recipe.name} {chosen.title!r} as done by you ({account}); `optout "
               "status` shows it, as done by you rather than verified.")


@cli.command("list", short_help="Platforms, settings and sources.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """Show the platforms and settings optout knows, with their sources, and the stored
    accounts with the origins their credentials go to.

    \b
    Examples:
      optout list
      optout list --json
    """
    from optout.cli import render
    from optout.output.live import recorded
    from optout.store import credentials
    recipes = _recipes(ctx)
    stored = {p: credentials.accounts(p) for p in recipes}
    live = {key: found.time for key, found in recorded().items()}
    if as_json:
        click.echo(render.recipes_json(recipes.values(), stored, live))
    else:
        render.recipes_table(recipes.values(), stored, live)
        render.accounts_table([a for accounts in stored.values() for a in accounts])


@cli.command(short_help="Store credentials in the keyring.")
@click.argument("platform", shell_complete=_complete_platforms)
@click.option("--account", default=DEFAULT_ACCOUNT, show_default=True, metavar="NAME",
              help="A name for this account, to tell several apart.")
@click.option("--username", metavar="U", help="Sign-in username or email (asked if not given).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--totp", is_flag=True,
              help="Also store the authenticator (TOTP) secret: base32 or an otpauth:// address.")
@click.option("--totp-stdin", is_flag=True,
              help="Read the authenticator secret from stdin (the second line with --password-stdin).")
@click.option("--by-hand", "by_hand", is_flag=True,
              help="Sign in yourself in a visible browser (passkey, SSO, magic link); "
                   "the session is kept and no password is stored.")
@click.option("--verify", is_flag=True, help="Sign in once to test the credentials before storing them.")
@click.option("--origin", metavar="URL",
              help="The origin these credentials are for (a test server); they are typed nowhere else.")
@click.option("--trust-origin", "trusted", metavar="URL", multiple=True,
              help="Allow an origin that only a recipe from --recipes or OPTOUT_RECIPE_PATH uses "
                   "(not the recipe shipped with optout) to receive these credentials.")
@click.option("--browser", "browser_path", metavar="PATH",
              help="Chromium or Chrome to use (also OPTOUT_BROWSER).")
@_detail_option
@_cdp_option
@click.pass_context
def login(ctx: click.Context, platform: str, account: str, username: str | None,
          password_stdin: bool, totp: bool, totp_stdin: bool, by_hand: bool, verify: bool,
          origin: str | None, trusted: tuple[str, ...], browser_path: str | None,
          detail: tuple[str, ...], cdp: str | None, profile_dir: Path | None) -> None:
    """Store a platform's credentials in the OS keyring (never in a file). With --cdp, check
    that your own browser is signed in to it instead, and store nothing.

    \b
    Examples:
      optout login linkedin
      optout login linkedin --totp
      printf '%s\\n%s\\n' "$PASSWORD" "$TOTP_SECRET" | \\
        optout login linkedin --username me@example.com --password-stdin --totp-stdin
      optout login linkedin --by-hand
      optout login linkedin --cdp http://127.0.0.1:9222
      optout login tumblr --detail blog=myblog
    """
    from optout.app.runner import RunOptions, run_sync, sign_in_by_hand, sign_in_only
    from optout.domain.accounts import Account
    from optout.recipe import select
    from optout.recipe.job import Job, Resources
    from optout.recipe.trust import bind
    from optout.signin.person import from_terminal
    from optout.store import credentials
    from optout.store.credentials import MemorySecrets
    from optout.store.sessions import EncryptedSessions
    recipe = select(_recipes(ctx), [platform])[0]
    recipe.signing_in  # noqa: B018  (BadInput for a platform done all by hand)
    _check_account_name(account)
    details = _details(recipe, detail)
    if recipe.per_site and (not origin or _origin(origin) == recipe.origin):
        raise BadInput(f"Each {recipe.name} account has its own site: give yours with --origin "
                       f"(like {recipe.origin}, with your site's name).")
    where = _origin(origin)
    target = (recipe.with_origin(where) if where else recipe).with_details(dict(details))
    trusted = tuple(_origin(url) or url for url in trusted)
    bound = bind(target, typed=where, trusted=trusted)
    if cdp or profile_dir:
        _own_browser_login(target, account, bound, cdp, profile_dir, browser_path, extra=(
            by_hand or password_stdin or totp or totp_stdin or verify or bool(username)))
        return
    credentials.require_keyring()
    trusted = tuple(o for o in trusted if o in bound)
    where_typed = f"; its credentials go only to {', '.join(bound)}"
    options = RunOptions(browser=browser_path)
    if by_hand:
        if password_stdin or totp or totp_stdin or verify:
            raise BadInput("--by-hand is a sign-in made by you; it takes no password, secret or "
                           "--verify.")
        who = Account(recipe.platform, account, None, bound, trusted, details)
        resources = Resources(secrets=MemorySecrets({}), sessions=EncryptedSessions(),
                              evidence_dir=data_dir() / "evidence", person=from_terminal())
        # An engine failure is an OptoutError with its exit code (3 when a person is needed).
        run_sync(sign_in_by_hand(Job(target, who, []), resources, options))
        credentials.store(who, None)
        click.echo(f"Signed in to {recipe.name} by hand; the session for account {account!r} is "
                   f"saved (encrypted){where_typed} and no password is stored.")
        return
    if recipe.signing_in.by_hand:
        raise BadInput(f"{recipe.name} is signed in to by hand: `optout login {recipe.platform} "
                       "--by-hand` opens a browser for you to sign in (or use your own with "
                       "--cdp); no password is stored.")
    if not username:
        username = _ask(f"{recipe.name} sign-in ({recipe.signing_in.username[0].describe()})",
                        hide=False, flag="--username")
    if recipe.signing_in.passwordless:
        # The platform emails a code at each sign-in: keep the username, ask the code when needed.
        if password_stdin or totp or totp_stdin:
            raise BadInput(f"{recipe.name} signs in without a password (it emails a code); "
                           "give only --username.")
        who = Account(recipe.platform, account, username, bound, trusted, details)
        if verify:
            resources = Resources(secrets=MemorySecrets({}), sessions=EncryptedSessions(),
                                  evidence_dir=data_dir() / "evidence", person=from_terminal())
            failure = run_sync(sign_in_only(Job(target, who, []), resources, options))
            if failure:
                raise _as_error(failure, " Nothing was stored.")
        credentials.store(who, None)
        click.echo(f"Stored {recipe.name} account {account!r} ({username}){where_typed}. "
                   f"{recipe.name} has no "
                   "password: each new sign-in asks you for the code it emails. Run optout in a "
                   f"terminal the first time, or use `optout login {recipe.platform} --by-hand`.")
        return
    password = _read_password(password_stdin, recipe.name)
    secret = _read_totp_secret(totp_stdin, password_stdin) if totp or totp_stdin else None
    who = Account(recipe.platform, account, username, bound, trusted, details)
    if verify:
        redact.add(password)
        redact.add(secret)
        passwords = {(who.platform, who.name): password}
        totps = {(who.platform, who.name): secret} if secret else {}
        resources = Resources(secrets=MemorySecrets(passwords, totps), sessions=EncryptedSessions(),
                              evidence_dir=data_dir() / "evidence", person=from_terminal())
        failure = run_sync(sign_in_only(Job(target, who, []), resources, options))
        if failure:
            raise _as_error(failure, " Nothing was stored.")
    credentials.store(who, password, secret)
    stored = "password and authenticator secret" if secret else "password"
    click.echo(f"Stored the {stored} for {recipe.name} account {account!r} in the keyring"
               f"{' after a successful sign-in' if verify else ''}{where_typed}.")


def _own_browser_login(recipe: Recipe, account: str, bound: tuple[str, ...], cdp: str | None,
                       profile_dir: Path | None, browser_path: str | None, *,
                       extra: bool) -> None:
    """`login --cdp`: whether the person's own browser is signed in. `login --profile`: a
    visible browser on that profile folder, for the person to sign in. Nothing is stored."""
    from optout.app.runner import RunOptions, own_browser_signed_in, run_sync, sign_in_to_profile
    from optout.domain.accounts import Account
    from optout.recipe.job import Job
    from optout.signin.person import from_terminal
    if extra:
        raise BadInput("--cdp and --profile use a sign-in made by you in that browser: they take "
                       "no username, password, secret, --by-hand or --verify.")
    _own_browser(cdp, profile_dir)
    job = Job(recipe, Account(recipe.platform, account, None, bound), [])
    options = RunOptions(browser=browser_path, cdp=cdp, profile_dir=profile_dir)
    if profile_dir:
        run_sync(sign_in_to_profile(job, options, from_terminal()))
        click.echo(f"Signed in to {recipe.name} in the profile {profile_dir}; nothing was stored "
                   f"by optout. Opt out with `optout run {recipe.platform} --profile "
                   f"{profile_dir}`.")
        return
    if not run_sync(own_browser_signed_in(job, options)):
        raise NeedsHuman(f"Your browser is not signed in to {recipe.name}: sign in there "
                         "yourself, then run this again.")
    click.echo(f"Your browser is signed in to {recipe.name}; nothing was stored. Opt out there "
               f"with `optout run {recipe.platform} --cdp {cdp}`.")


@cli.command(short_help="Delete stored credentials and session.")
@click.argument("platform", shell_complete=_complete_platforms)
@click.option("--account", default=DEFAULT_ACCOUNT, show_default=True, metavar="NAME")
@click.pass_context
def forget(ctx: click.Context, platform: str, account: str) -> None:
    """Delete an account's stored password and saved session.

    \b
    Example:
      optout forget linkedin --account work
    """
    from optout.domain.accounts import Account
    from optout.recipe import select
    from optout.recipe.names import account_of
    from optout.store import credentials
    from optout.store.history import History
    from optout.store.sessions import delete_sessions
    recipe = select(_recipes(ctx), [platform])[0]
    _check_account_name(account)
    stored = [a.name for a in credentials.accounts(recipe.platform)]
    with History() as history:
        # Stored accounts, and those only in the history (the demo's): either can be forgotten.
        known = stored + [name for name in history.accounts(recipe.platform, since_forgotten=True)
                          if name not in stored]
        account = account_of(account, known, recipe.name) if known else account
        who = Account(recipe.platform, account)
        removed = credentials.forget(who)
        removed = delete_sessions(who) or removed
        if not removed and account not in known:
            raise BadInput(f"Nothing is stored for {recipe.name} account {account!r}; "
                           "`optout list` shows the stored accounts.")
        history.forget(recipe.platform, account)  # its readings stay, out of `status` and proof
    click.echo(f"Forgot {recipe.name} account {account!r}: " +
               ("password and saved session deleted." if removed else
                "nothing was stored for it; its readings are left out of `status` and the "
                "report's proof from now on."))


@cli.command(short_help="Try the whole flow on the practice platform.")
@click.argument("platforms", nargs=-1, shell_complete=_complete_platforms)
@click.option("--headed", is_flag=True, help="Show the browser window.")
@click.option("--browser", metavar="PATH", help="Chromium or Chrome to use (also OPTOUT_BROWSER).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def demo(ctx: click.Context, platforms: tuple[str, ...], headed: bool, browser: str | None,
         as_json: bool) -> None:
    """Run the whole flow on the built-in practice platform, with throwaway credentials.

    Starts local twins of every platform's documented settings pages on 127.0.0.1 (or of the
    platforms named), signs in, switches each AI-training setting off, sends each objection form
    with a made-up profile, and verifies every change. It needs no keyring and no network.

    \b
    Examples:
      optout demo
      optout demo linkedin x --headed     # watch it happen
      optout demo --json
    """
    TWINS = _practice().TWINS
    from optout.recipe import select
    recipes = _recipes(ctx)
    chosen = select(recipes, platforms) if platforms else \
        [r for r in recipes.values() if r.platform in TWINS]
    missing = [r.platform for r in chosen if r.platform not in TWINS]
    if missing:
        raise BadInput(f"The practice platform has no twin of {', '.join(missing)}; "
                       f"it has: {', '.join(sorted(TWINS))}.")
    results = _on_practice(chosen, data_dir() / "demo" / "evidence", browser=browser,
                           headed=headed, quiet=as_json, record="demo")
    _finish(results, as_json)




def _practice() -> ModuleType:
    """The practice platform, an extra: a clear word when it is not installed."""
    try:
        import optout.practice
    except ModuleNotFoundError as exc:
        raise BadInput(f"The practice platform needs {exc.name}, which is not installed; install "
                       "it with: pip install 'optout[practice]'.") from exc
    return optout.practice


def _on_practice(recipes: list[Recipe], evidence_dir: Path, *, browser: str | None = None,
                 headed: bool = False, quiet: bool = False,
                 record: str | None = None) -> list[Result]:
    """Run recipes against their practice twins with throwaway credentials: no keyring needed.
    With `record` (the command's name) the results go into the history, under the twins'
    origins on this machine, where `status` and the report mark them as practice."""
    from optout.app import service
    from optout.app.runner import RunOptions
    from optout.cli import render
    from optout.recipe.job import Resources
    practice_platform = _practice()
    from optout.practice.accounts import practice_accounts
    from optout.practice.inbox import PracticeInbox
    from optout.practice.kept import kept_practice
    from optout.store.sessions import MemorySessions

    # The same ports as `optout practice` (any free ones while that runs): one origin per twin
    # from one demo to the next, and the twins' settings kept between them as a platform would.
    with kept_practice(any_port_if_taken=True) as practice:
        accounts = practice_accounts(practice, recipes, "demo")
        for password in accounts.passwords:
            redact.add(password)
        if not quiet:
            render.stderr.print(f"Practice platform on 127.0.0.1: {len(accounts.jobs)} local "
                                "twins; no real account is used.", highlight=False)
        person = PracticeInbox(practice.world)
        options = RunOptions(browser=browser, headed=headed, concurrency=DEFAULT_CONCURRENCY)
        with _told(not quiet, len(accounts.jobs), person) as told:
            resources = Resources(secrets=accounts.secrets, sessions=MemorySessions(),
                                  evidence_dir=evidence_dir, person=person, progress=told,
                                  profile=practice_platform.PRACTICE_PROFILE)
            # Platforms signed in to by hand: the practice person does it, as a person would.
            accounts.sign_in_by_hand(resources, replace(options, hand_off_headless=not headed))
            if record is None:
                return service.run_only(accounts.jobs, Mode.RUN, resources, options)
            return service.run_and_record(
                accounts.jobs, Mode.RUN, resources, options, command=record, urls=[],
                on_problem=lambda problem: render.stderr.print(problem, highlight=False,
                                                               markup=False))


@cli.command(short_help="Serve the practice platform, to try every command on.")
# 8700 is practice.kept.PRACTICE_PORT, not imported here: the practice platform is an extra.
@click.option("--port", type=click.IntRange(1024, 65000), default=8700, show_default=True,
              help="LinkedIn's twin's port; the other twins take the ports after it.")
@click.option("--setup", is_flag=True,
              help="Store a practice account for every twin in the keyring (account `practice`, "
                   "bound to its twin), so `optout run PLATFORM --account practice` goes there.")
@click.option("--remove", is_flag=True,
              help="Instead, forget the practice accounts --setup stored (so `check --all` and "
                   "schedules leave the twins alone), and stop.")
@click.option("--browser", metavar="PATH", help="Chromium or Chrome to use (also OPTOUT_BROWSER).")
@click.pass_context
def practice(ctx: click.Context, port: int, setup: bool, remove: bool,
             browser: str | None) -> None:
    """Serve local twins of the platforms' settings pages on 127.0.0.1 until Ctrl-C, each with a
    throwaway sign-in, so every command can be tried without a real account. The twins keep
    their settings between starts; results show as practice in `status` and the report.

    \b
    Examples:
      optout practice --setup            # then, in another terminal:
      optout run linkedin --account practice
      optout status
    """
    from optout.app.runner import RunOptions
    from optout.cli import render
    from optout.domain.job import Limits
    from optout.practice.kept import PRACTICE_ACCOUNT, kept_practice, practice_password
    from optout.recipe.job import Resources
    from optout.store import credentials
    from optout.store.sessions import EncryptedSessions
    practice_platform = _practice()
    from optout.practice.accounts import practice_accounts
    recipes = [r for r in _recipes(ctx).values() if r.platform in practice_platform.TWINS]
    if remove:
        _forget_practice_accounts(recipes)
        return
    if setup:
        credentials.require_keyring()
        _refuse_a_real_account_named_practice(recipes)
    with kept_practice(port) as served:
        # The inbox of the practice accounts: a platform that "emails" a code, shows it here.
        served.world.on_code = lambda username, code: click.echo(
            f"Code sent to {username}: {code}")
        accounts = practice_accounts(served, recipes, PRACTICE_ACCOUNT, practice_password)
        passwords = {job.recipe.platform: practice_password(job.recipe.platform)
                     for job in accounts.jobs}
        if setup:
            for job in accounts.jobs:  # (no password kept where the person signs in by hand)
                by_hand = job.recipe.signing_in.by_hand
                credentials.store(job.account, None if by_hand else passwords[job.recipe.platform])
            resources = Resources(secrets=accounts.secrets, sessions=EncryptedSessions(),
                                  evidence_dir=data_dir() / "evidence", person=accounts.hand)
            # Their sessions live as long as this server: each start signs in again.
            # The practice person signs in at once; a minute, not a person's ten, tells it failed.
            options = RunOptions(browser=browser, hand_off_headless=True,
                                 limits=Limits(by_hand_ms=60_000))
            accounts.sign_in_by_hand(resources, options)
        render.practice_table(accounts.jobs, passwords, stored=setup)
        click.echo("Stop it with Ctrl-C; the twins' settings are kept for the next start.")
        _until_interrupted()


def _practice_accounts_stored(recipes: list[Recipe]) -> list[tuple[Recipe, Account]]:
    from optout.practice.kept import PRACTICE_ACCOUNT
    from optout.store import credentials
    return [(recipe, account) for recipe in recipes
            for account in credentials.accounts(recipe.platform)
            if account.name == PRACTICE_ACCOUNT]


def _refuse_a_real_account_named_practice(recipes: list[Recipe]) -> None:
    """--setup stores over accounts named `practice`: never over one bound to a real site."""
    from optout.domain.targets import is_practice
    real = [recipe.name for recipe, account in _practice_accounts_stored(recipes)
            if not all(is_practice(origin) for origin in account.origins)]
    if real:
        raise BadInput(f"An account named `practice` is stored for {', '.join(real)} and signs "
                       "in to the real site; rename it (forget, then login --account NAME) "
                       "before --setup stores practice accounts.")


def _forget_practice_accounts(recipes: list[Recipe]) -> None:
    from optout.domain.targets import is_practice
    from optout.store import credentials
    from optout.store.history import History
    from optout.store.sessions import delete_sessions
    forgotten = []
    with History() as history:
        for recipe, account in _practice_accounts_stored(recipes):
            if account.origins and all(is_practice(origin) for origin in account.origins):
                credentials.forget(account)
                delete_sessions(account)
                history.forget(recipe.platform, account.name)
                forgotten.append(recipe.platform)
    click.echo(f"Forgot the practice accounts of {len(forgotten)} platforms." if forgotten
               else "No practice accounts are stored.")


def _until_interrupted() -> None:
    """Serve until Ctrl-C or SIGTERM; either way the practice platform stops cleanly."""
    import signal
    import threading
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo("Stopped the practice platform.")


@cli.command(short_help="Check the browser, keyring, data folder, scheduler, recipes.")
@click.option("--browser", metavar="PATH", help="Chromium or Chrome to try (also OPTOUT_BROWSER).")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_context
def doctor(ctx: click.Context, browser: str | None, as_json: bool) -> None:
    """Try each part a run needs, for real: start the browser, store and read back a probe entry
    in the keyring (removed at once), read the data folder's permissions, ask the scheduler what
    it has, load the recipes. Each problem comes with its fix. Exit 0 when all is well, 1 if not.

    \b
    Examples:
      optout doctor
      optout doctor --json
    """
    from optout.app import doctor as checks
    from optout.cli import render
    from optout.recipe.loading import user_recipe_dir
    found = [checks.browser(browser), checks.keyring_backend(), checks.data_folder(data_path()),
             checks.scheduler(),
             checks.recipes(lambda: _recipes(ctx),
                            [user_recipe_dir(), *map(Path, ctx.obj["recipe_dirs"])])]
    if as_json:
        click.echo(json.dumps({"checks": [c.to_json() for c in found]}, indent=2))
    else:
        render.doctor_table(found)
    sys.exit(0 if all(c.ok for c in found) else EXIT_FAILED)


@cli.command(short_help="Repair a recipe by showing optout what to click.")
@click.argument("platform", shell_complete=_complete_platforms)
@click.argument("setting", required=False)
@click.option("--account", metavar="NAME", help="The stored account to sign in with.")
@click.option("--origin", metavar="URL", help="Point the recipe at another origin.")
@click.option("--browser", metavar="PATH", help="Chromium or Chrome to use (also OPTOUT_BROWSER).")
@click.option("--add-new", is_flag=True,
              help="Also add, as settings to switch off, the AI switches and checkboxes `scan` "
                   "finds on the recipe's pages that it does not cover.")
@_cdp_option
@click.pass_context
def teach(ctx: click.Context, platform: str, setting: str | None, account: str | None,
          origin: str | None, browser: str | None, add_new: bool, cdp: str | None,
          profile_dir: Path | None) -> None:
    """Open a visible browser (or use yours: --cdp, --profile), go as far as the recipe gets,
    and where a control (or a click on the way to it) is not found, ask you to click it. The
    repaired recipe is written to the data folder's `recipes` (used from then on), the setting
    is run again with it and verified, and a diff ready to share is printed.

    \b
    Examples:
      optout teach linkedin
      optout teach chatgpt improve-the-model --cdp http://127.0.0.1:9222
      optout teach x --add-new
    """
    from optout.app import service
    from optout.app.runner import RunOptions, execute, run_sync
    from optout.app.teach import added, diff, repaired, teach_job, uncovered, write_override
    from optout.cli import render
    from optout.recipe import builtin_recipe_dir, user_recipe_dir
    from optout.recipe.job import Job, Resources
    from optout.signin.person import from_terminal
    from optout.store.credentials import KeyringSecrets, MemorySecrets
    from optout.store.sessions import EncryptedSessions, NoSessions
    person = from_terminal()
    if not person.present:
        raise BadInput("optout teach needs you at a terminal, to click in the browser it opens.")
    own = _own_browser(cdp, profile_dir)
    job = _jobs(ctx, (platform,), False, account, (origin,) if origin else (),
                (setting,) if setting else (), own_browser=own)[0]
    resources = Resources(secrets=MemorySecrets({}) if own else KeyringSecrets(),
                          sessions=NoSessions() if own else EncryptedSessions(),
                          evidence_dir=data_dir() / "evidence", person=person,
                          progress=_narration(True), profile=ctx.obj["config"].profile)
    options = RunOptions(browser=browser, cdp=cdp, profile_dir=profile_dir)
    platform = job.recipe.platform  # as typed, it may be an alias or in capitals
    lessons = [lesson for lesson in run_sync(teach_job(job, resources, options, person))
               if lesson.control is not None]
    recipe = _recipes(ctx)[platform]
    assert recipe.file is not None
    original = recipe.file.read_text(encoding="utf-8")
    text = repaired(recipe, lessons) if lessons else original
    written = write_override(user_recipe_dir(), recipe, text) if lessons else None
    if add_new:
        now = _recipes(ctx)[platform]
        now = now.with_origin(job.recipe.origin) if origin else now
        reports = service.scan([Job(now, job.account, list(now.settings))], resources, options)
        found = uncovered(reports)
        if found:
            text = added(found, {s.place(): s for s in now.settings}, text)
            written = write_override(user_recipe_dir(), recipe, text)
    if written is None:
        click.echo(f"The {job.recipe.name} recipe found everything it looks for"
                   f"{' and covers every AI control on its pages' if add_new else ''}; "
                   "nothing to teach.")
        return
    fixed = _recipes(ctx)[platform]
    target = fixed.with_origin(job.recipe.origin) if origin else fixed
    known = {s.id for s in recipe.settings}
    redo = {lesson.setting for lesson in lessons} | {s.id for s in target.settings
                                                      if s.id not in known}
    again = Job(target, job.account, [s for s in target.settings if s.id in redo])
    results = run_sync(execute([again], Mode.RUN, resources, options))
    render.results_table(results)
    shipped = builtin_recipe_dir() / recipe.file.name
    click.echo(f"Wrote {written}; it is used from now on. To share the repair (against the "
               f"recipe {'shipped with optout' if shipped.is_file() else 'it started from'}):\n")
    click.echo(diff(shipped.read_text(encoding="utf-8") if shipped.is_file() else original,
                    text, recipe.file.name))
    sys.exit(exit_code(results))


@cli.command(short_help="Step-by-step guides from the recipes.")
@click.argument("platforms", nargs=-1, shell_complete=_complete_platforms)
@click.option("--all", "all_platforms", is_flag=True, help="A guide for every recipe.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path, allow_dash=True),
              required=True, metavar="DIR",
              help="Folder to write the guides and their index into; `-` prints one guide.")
@click.option("--screenshots", is_flag=True,
              help="Add pictures of each setting in its desired state, taken on the practice platform.")
@click.pass_context
def guide(ctx: click.Context, platforms: tuple[str, ...], all_platforms: bool, fmt: str, out: Path,
          screenshots: bool) -> None:
    """Write step-by-step guides for people who prefer to click themselves: where to go, what the
    setting is called, what the desired state looks like, the source and the last live check.
    They come from the same recipes the engine runs.

    \b
    Examples:
      optout guide linkedin --out guides
      optout guide linkedin --out -       # print it
      optout guide --all --format html --screenshots --out guides
    """
    from optout.output.guide import write as write_guides
    from optout.recipe import select
    recipes = _recipes(ctx)
    if bool(platforms) == all_platforms:
        raise BadInput("Name platforms or use --all (one of the two).")
    chosen = list(recipes.values()) if all_platforms else select(recipes, platforms)
    if str(out) == "-":
        if len(chosen) != 1 or screenshots:
            raise BadInput("--out - prints one guide, without pictures; name one platform, or "
                           "give a folder for several guides or for --screenshots.")
        from optout.output.guide import render as render_guide
        click.echo(render_guide(chosen[0], fmt), nl=False)
        return
    pictures: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as evidence:
        if screenshots:  # (only pictures need the practice platform installed)
            twins = [r for r in chosen if r.platform in _practice().TWINS]
            for result in _on_practice(twins, Path(evidence), quiet=True):
                if result.verified and result.evidence:
                    pictures.setdefault(result.platform, {})[result.setting] = \
                        result.evidence["screenshot"]
                else:
                    raise OptoutError(f"The practice run for {result.platform} did not verify "
                                      f"{result.setting}: {result.message}")
        written = write_guides(chosen, fmt, out, pictures)
    for path in written:
        click.echo(f"Wrote {path}")


def _as_error(failure: AccountFailure, more: str = "") -> OptoutError:
    """An engine failure with more to say, keeping its exit code (3 when a person is needed)."""
    error = OptoutError(redact(str(failure)) + more)
    error.exit_code = failure.exit_code
    return error


def _check_account_name(name: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}", name):
        raise BadInput(f"Account name {name!r} must start with a letter or digit and use only "
                       "letters, digits and . _ @ + - (at most 64 characters).")


def _ask(prompt: str, *, hide: bool, flag: str) -> str:
    if not sys.stdin.isatty():
        raise BadInput(f"No terminal to ask on; give it with {flag}.")
    return click.prompt(prompt, hide_input=hide).strip()


def _read_password(from_stdin: bool, platform_name: str) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = _ask(f"{platform_name} password", hide=True, flag="--password-stdin")
    if not password:
        raise BadInput("The password is empty; give the account's password.")
    return password


def _read_totp_secret(from_stdin: bool, password_from_stdin: bool) -> str:
    from optout.signin.totp import ADVISED_BITS, normalise_secret, secret_bits
    if from_stdin:
        text = sys.stdin.readline().rstrip("\r\n")
        if not text:
            line = "second" if password_from_stdin else "first"
            raise BadInput(f"No authenticator secret on the {line} line of stdin.")
    else:
        text = _ask("Authenticator secret (base32 key or otpauth:// address)", hide=True,
                    flag="--totp-stdin")
    secret = normalise_secret(text)
    if secret_bits(secret) < ADVISED_BITS:
        click.echo(f"Note: this authenticator secret is {secret_bits(secret)} bits, shorter than "
                   f"the {ADVISED_BITS} usually advised; it is kept as your platform issued it.",
                   err=True)
    return secret


def main() -> None:
    cli(prog_name="optout")


if __name__ == "__main__":
    main()
