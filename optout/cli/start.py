"""`optout start` (and `optout` alone, at a terminal): the one-command opt-out.

It asks where the person is signed in, finds which platforms that is, offers to sign in to more,
runs every one it can (asking before any objection form goes in their name), ticks off the steps
done by hand with them, and ends with the summary, the proof page and a word on re-checking.
Each step is an existing command's: this only asks and chains them.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TypeVar

import click

from optout.cli.common import _cdp_option, _recipes
from optout.domain.errors import BadInput, NeedsHuman, OptoutError
from optout.recipe import Recipe
from optout.redact import redact

T = TypeVar("T")
DEFAULT_CDP = "http://127.0.0.1:9222"
SOURCES = {"1": "your own running browser (Chrome or Chromium started with "
                "--remote-debugging-port)",
           "2": "a browser profile folder for optout (a visible browser opens to sign in)",
           "3": "passwords you store with `optout login`"}


@click.command(short_help="The one-command opt-out: asks, finds your accounts, runs, proves.")
@_cdp_option
@click.option("--stored", is_flag=True, help="Use the passwords stored with `optout login`.")
@click.option("--origin", multiple=True, metavar="PLATFORM=ORIGIN",
              help="Where a platform is, as for `run` (a practice twin's address).")
@click.pass_context
def start(ctx: click.Context, cdp: str | None, profile_dir: Path | None, stored: bool,
          origin: tuple[str, ...]) -> None:
    """Switch off AI training everywhere you are signed in, step by step: where are you signed
    in, which platforms is that, sign in to more, run them all (forms only once you said yes),
    tick off the steps done by hand, then the summary and the proof page.

    \b
    Examples:
      optout                     # at a terminal, the same as:
      optout start
      optout start --cdp http://127.0.0.1:9222
    """
    from optout.cli.common import _own_browser
    from optout.cli.consent import at_a_terminal
    if not at_a_terminal():
        raise BadInput("`optout start` asks questions: run it at a terminal, or use `optout run "
                       "--all` (with --cdp URL or --profile DIR for your own browser).")
    if stored and (cdp or profile_dir):
        raise BadInput("Give one place you are signed in: --stored, --cdp or --profile.")
    if not (cdp or profile_dir or stored):
        click.echo("Where are you signed in to your accounts?")
        for key, words in SOURCES.items():
            click.echo(f"  {key}. {words}")
        chosen = click.prompt("Choose", type=click.Choice(list(SOURCES)), default="1")
        if chosen == "1":
            cdp = click.prompt("Its remote-debugging address", default=DEFAULT_CDP)
        elif chosen == "2":
            from optout.store.files import data_dir
            profile_dir = Path(click.prompt("The folder", default=str(data_dir() / "profile"))
                               ).expanduser()
        stored = chosen == "3"
    _own_browser(cdp, profile_dir)  # the address checked: only this machine's, never shown
    recipes = _recipes(ctx)
    # Each step goes on whatever the one before it met: the proof page comes at the end anyway.
    if stored:
        _step(lambda: _offer_logins(ctx, recipes))
        code = _run(ctx, (), cdp, profile_dir, origin)
    else:  # the platforms found signed in (and those just signed in to): looked at once
        found = _step(lambda: _offer_sign_ins(ctx, recipes, cdp, profile_dir, origin))
        code = _run(ctx, tuple(found), cdp, profile_dir, origin) if found else 0
    left = _step(lambda: _tick_off_by_hand(ctx, recipes))
    code = code or (NeedsHuman.exit_code if left else 0)  # steps by hand left: a person's turn
    from optout.cli.records import report
    _step(lambda: ctx.invoke(report))
    if stored:
        from optout.cli.schedule import schedule_install
        if _step(lambda: click.confirm("Re-check every week that nothing was switched back on "
                                       "(a scheduled `optout check --all`)?", default=False)):
            _step(lambda: ctx.invoke(schedule_install, every="7d"))
    else:
        click.echo("To re-check that nothing was switched back on: `optout check --all "
                   f"{_where_flags(cdp, profile_dir, origin)}` while that browser is signed in "
                   "(a schedule needs stored passwords: `optout login PLATFORM`).")
    ctx.exit(code)


def _step(do: Callable[[], T]) -> T | None:
    """One step of the flow; what stops it (an error, input that ended) is said, and the flow
    goes on."""
    try:
        return do()
    except OptoutError as exc:
        click.echo(redact(str(exc)), err=True)
    except click.Abort:
        click.echo("(no answer: skipped)", err=True)
    return None


def _where_flags(cdp: str | None, profile_dir: Path | None, origin: tuple[str, ...]) -> str:
    flags = [f"--origin {shlex.quote(o)}" for o in origin]
    flags += ([f"--cdp {shlex.quote(redact(cdp))}"] if cdp else
              [f"--profile {shlex.quote(str(profile_dir))}"] if profile_dir else [])
    return " ".join(flags)


def _offer_logins(ctx: click.Context, recipes: Mapping[str, Recipe]) -> None:
    from optout.cli.person import login
    from optout.store import credentials
    have = [r.name for r in recipes.values() if credentials.accounts(r.platform)]
    click.echo(f"Passwords stored for: {', '.join(have) or 'none yet'}; "
               f"{len(recipes) - len(have)} other platforms have none.")
    for name in _names(recipes, "Store a password for more now? Their names, comma-separated "
                                "(Enter to go on)"):
        ctx.invoke(login, platform=name)


def _offer_sign_ins(ctx: click.Context, recipes: Mapping[str, Recipe], cdp: str | None,
                    profile_dir: Path | None, origin: tuple[str, ...]) -> list[str]:
    """The platforms the browser is signed in to, and those named to sign in to now (their
    sign-in pages opened); the others are said in one line, as `run --all --cdp` says them."""
    from optout.app import signed_in
    from optout.app.plan import own_browser_jobs
    from optout.app.runner import RunOptions
    from optout.cli.origins import parse_origins
    options = RunOptions(cdp=cdp, profile_dir=profile_dir)
    single, per_platform, stand_ins = parse_origins(origin, recipes)
    left_out: list[str] = []
    jobs = own_browser_jobs(recipes, (), all_platforms=True, account=None, origin=single,
                            origins=per_platform, command="start", stand_ins=stand_ins,
                            left_out=left_out)
    if left_out:
        click.echo(f"Left out, for want of what they need: {', '.join(left_out)}.", err=True)
    click.echo(f"Looking at {len(jobs)} platforms in that browser…")
    looks = signed_in.look(jobs, options)
    yes = [found.job.recipe.platform for found in looks if found.signed_in]
    click.echo(f"Signed in: {', '.join(sorted(recipes[p].name for p in yes)) or 'none'}; "
               f"not signed in: {len(looks) - len(yes)} others.")
    named = [p for p in _names(recipes, "Sign in to more now? Their names, comma-separated "
                                        "(Enter to go on)") if p not in yes]
    wanted = [job for job in jobs if job.recipe.platform in named]
    if wanted:
        signed_in.open_sign_ins(wanted, options)
        if cdp:
            click.pause("Sign in on the pages opened in your browser, then press any key.")
    signed_in.say_skipped([f for f in looks if f.job.recipe.platform not in (*yes, *named)],
                          lambda line: click.echo(line, err=True))
    return [*yes, *(job.recipe.platform for job in wanted)]


def _names(recipes: Mapping[str, Recipe], question: str) -> list[str]:
    from optout.recipe.names import platform_of
    typed = click.prompt(question, default="", show_default=False)
    names = []
    for word in filter(None, (w.strip() for w in typed.split(","))):
        try:
            names.append(platform_of(word, recipes))
        except BadInput as exc:
            click.echo(str(exc), err=True)
    return names


def _run(ctx: click.Context, platforms: tuple[str, ...], cdp: str | None,
         profile_dir: Path | None, origin: tuple[str, ...]) -> int:
    """`optout run` of these platforms (none: all stored) where the person said; its exit code
    (the table is printed)."""
    from optout.cli.opt_out import run
    try:
        ctx.invoke(run, platforms=platforms, all_platforms=not platforms, cdp=cdp,
                   profile_dir=profile_dir, origin=origin)
    except SystemExit as done:  # the run ends with its exit code: here, the flow goes on
        return int(done.code or 0)
    except click.exceptions.Exit as done:
        return int(done.exit_code or 0)
    except OptoutError as exc:  # signed in nowhere, nothing stored: said, and the flow goes on
        click.echo(redact(str(exc)), err=True)
        return exc.exit_code
    return 0


def _tick_off_by_hand(ctx: click.Context, recipes: Mapping[str, Recipe]) -> bool:
    """The steps done by hand, as a checklist: those the person says are done are recorded;
    whether some are left."""
    from optout.cli.person import done
    from optout.store.history import History
    with History() as history:
        marked = {(row["platform"], row["setting"]) for row in history.status()
                  if row["status"] == "marked_done"}
    left = [(r, s) for r in recipes.values() for s in r.settings
            if not s.needs_browser and (r.platform, s.id) not in marked]
    if not left:
        return False
    click.echo(f"{len(left)} steps optout cannot take for you (`optout guide PLATFORM` shows "
               "each in full):")
    for number, (recipe, setting) in enumerate(left, start=1):
        click.echo(f"  {number:2}. [ ] {recipe.name}: {setting.title}")
    typed = click.prompt("Which have you done? Their numbers, comma-separated (Enter: none yet)",
                         default="", show_default=False)
    ticked = set()
    for word in filter(None, (w.strip() for w in typed.split(","))):
        if not word.isdigit() or not 1 <= int(word) <= len(left):
            click.echo(f"{word!r} is not one of the numbers above; skipped.", err=True)
            continue
        recipe, setting = left[int(word) - 1]
        _step(partial(ctx.invoke, done, platform=recipe.platform, setting=setting.id))
        ticked.add(word)
    return len(ticked) < len(left)
