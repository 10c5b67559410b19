"""What the commands share: the error handling group, options, and running jobs through the
application layer."""

from __future__ import annotations

import errno
import importlib
import json
import os
import re
import sqlite3
import sys
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from optout.domain.errors import AccountFailure, BadInput, Interrupted, OptoutError
from optout.domain.results import EXIT_FAILED, Mode, Result, exit_code
from optout.redact import redact
from optout.store.files import data_dir

if TYPE_CHECKING:
    from rich.progress import Progress as ProgressBar

    from optout.app.runner import RunOptions
    from optout.domain.accounts import SecretSource
    from optout.domain.job import Limits
    from optout.domain.profile import Profile
    from optout.recipe import Recipe
    from optout.recipe.job import Job, Progress
    from optout.signin.person import Person
    from optout.store.config import Config



# Accounts at once: measured on 2 cores, throughput stops growing past 4 (docs/tests-and-benchmarks.md).
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
    A command given --json gets its error as JSON on stdout too.

    Its commands are named in `lazy` ("name": "module:attribute") and imported only when asked
    for, so `optout list` loads neither the browser nor the history.
    """

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            # Click 8.4+ says "Did you mean" from the commands it holds: the lazy ones too.
            missing = getattr(click.exceptions, "NoSuchCommand", None)
            if missing is None or not isinstance(exc, missing):
                raise
            raise missing(exc.command_name, possibilities=self.list_commands(ctx),
                          ctx=ctx) from None

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.lazy:
            return super().get_command(ctx, name)
        module, attribute = self.lazy[name].split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

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


def _complete_platforms(ctx: click.Context, param: click.Parameter,
                        incomplete: str) -> list[str]:
    """Shell completion of platform names (`eval "$(_OPTOUT_COMPLETE=bash_source optout)"`)."""
    from optout.recipe import load_recipes
    try:
        names = list(load_recipes((ctx.find_root().params or {}).get("recipe_dirs") or ()))
    except OptoutError:  # a broken recipe folder completes nothing rather than failing
        return []
    return [name for name in names if name.startswith(incomplete.lower())]


def _recipes(ctx: click.Context) -> Mapping[str, Recipe]:
    from optout.recipe import load_recipes
    if "recipes" not in ctx.obj:  # once per command
        ctx.obj["recipes"] = load_recipes(ctx.obj["recipe_dirs"])
    return ctx.obj["recipes"]


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
             trace_dir: Path | None, slow_mo_ms: float, resubmit: bool = False,
             send_forms: bool = False) -> None:
    """run and check: plan, execute, keep the history, tell the person, render, exit."""
    from optout.app.runner import RunOptions
    from optout.store.credentials import KeyringSecrets, MemorySecrets
    urls = _notify_urls(ctx, notify)
    with _told_if_it_cannot_start(ctx, urls):
        own = _own_browser(cdp, profile_dir)
        jobs = _jobs(ctx, platforms, all_platforms, account, origin, setting, own_browser=own,
                     profile_dir=profile_dir)
    if own and trace_dir:
        raise BadInput("--trace records optout's own browser; with --cdp or --profile it would "
                       "record your own profile, so it is not offered there.")
    options = RunOptions(browser=browser, headed=headed, limits=_limits(timeout), cdp=cdp,
                         profile_dir=profile_dir, trace_dir=trace_dir, slow_mo_ms=slow_mo_ms)
    if own and all_platforms:  # only the platforms that browser is signed in to
        from optout.app.signed_in import only_signed_in
        jobs = only_signed_in(jobs, options, lambda line: click.echo(line, err=True))
    command = " ".join([ctx.info_name or "", *platforms]).strip()
    from optout.app.service import with_what_was_sent
    from optout.cli.consent import agrees_to_send_forms
    jobs = with_what_was_sent(jobs, ctx.obj["config"].profile)
    agreed = agrees_to_send_forms(ctx.obj["config"], jobs, mode, send_forms, resubmit=resubmit)
    results = _run_and_keep(jobs, mode, command=command,
                            secrets=MemorySecrets({}) if own else KeyringSecrets(),
                            options=options, narrate=True, urls=urls,
                            profile=ctx.obj["config"].profile, resubmit=resubmit,
                            keep_sessions=not own, send_forms=agreed)
    if profile_dir is not None:  # the folder is the person's first seen signed in there
        from optout.store import profile_folders
        profile_folders.bind(profile_dir, {r.platform: r.identity for r in results
                                           if r.identity})
    _finish(results, as_json)


def _jobs(ctx: click.Context, platforms: tuple[str, ...], all_platforms: bool,
          account: str | None, origin: tuple[str, ...], only: tuple[str, ...] = (), *,
          own_browser: bool = False, profile_dir: Path | None = None) -> list[Job]:
    """The accounts to work on, from the stored credentials (in the person's own browser, none
    are needed); BadInput before any browser."""
    from optout.app.plan import build_jobs, own_browser_jobs
    config: Config = ctx.obj["config"]
    from optout.cli.origins import parse_origins
    single, per_platform, stand_ins = parse_origins(origin, _recipes(ctx))
    if own_browser:
        from optout.store import profile_folders
        left_out: list[str] = []
        jobs = own_browser_jobs(_recipes(ctx), platforms, all_platforms=all_platforms,
                                account=account, origin=single, origins=per_platform,
                                command=ctx.info_name or "run", only=only,
                                bound=profile_folders.bound(profile_dir) if profile_dir else None,
                                stand_ins=stand_ins, left_out=left_out)
        if left_out:
            click.echo(f"Left out, for want of what they need: {', '.join(left_out)}.", err=True)
        return jobs
    recipes = _recipes(ctx)
    return build_jobs(recipes, platforms, all_platforms=all_platforms, account=account,
                      origin=single, origins=per_platform, command=ctx.info_name or "run",
                      default_accounts=config.accounts, only=only, stand_ins=stand_ins)


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
                  keep_sessions: bool = True, send_forms: bool = False) -> list[Result]:
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
                              progress=told, profile=profile or Profile(), resubmit=resubmit,
                              send_forms=send_forms)
        return service.run_and_record(
            jobs, mode, resources, options, command=command, urls=urls,
            resumed_from=resumed_from,
            on_problem=lambda problem: render.stderr.print(escape(problem), highlight=False),
            on_account=render.when_done(told, (lambda: progress.advance(task)) if progress
                                        is not None and task is not None else None))


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


def _as_error(failure: AccountFailure, more: str = "") -> OptoutError:
    """An engine failure with more to say, keeping its exit code (3 when a person is needed)."""
    return OptoutError(redact(str(failure)) + more, exit_code=failure.exit_code)


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
