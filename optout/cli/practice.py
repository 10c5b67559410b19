"""The practice platform: demo and practice."""

from __future__ import annotations

import shlex
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from optout.cli.common import (
    DEFAULT_CONCURRENCY,
    _complete_platforms,
    _finish,
    _recipes,
    _told,
)
from optout.domain.errors import BadInput
from optout.domain.results import Mode, Result
from optout.redact import redact
from optout.store.files import data_dir

if TYPE_CHECKING:

    from optout.recipe import Recipe



@click.command(short_help="Try the whole flow on the practice platform.")
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
    from optout.app import practice as practice_app
    TWINS = practice_app.platform().TWINS
    from optout.recipe import select
    recipes = _recipes(ctx)
    chosen = select(recipes, platforms) if platforms else \
        [r for r in recipes.values() if r.platform in TWINS]
    missing = [r.platform for r in chosen if r.platform not in TWINS]
    if missing:
        raise BadInput(f"The practice platform has no twin of {', '.join(missing)}; "
                       f"it has: {', '.join(sorted(TWINS))}.")
    results = _on_practice(chosen, data_dir() / "demo" / "evidence", browser=browser,
                           headed=headed, quiet=as_json, record=practice_app.DEMO_ACCOUNT)
    _finish(results, as_json)




def _on_practice(recipes: list[Recipe], evidence_dir: Path, *, browser: str | None = None,
                 headed: bool = False, quiet: bool = False, record: str | None = None,
                 guide_pictures: bool = False) -> list[Result]:
    """Run recipes against their practice twins with throwaway credentials: no keyring needed.
    With `record` (the command's name) the results go into the history, under the twins'
    origins on this machine, where `status` and the report mark them as practice."""
    from optout.app import practice as practice_app
    from optout.app import service
    from optout.app.runner import RunOptions
    from optout.cli import render
    from optout.recipe.job import Resources
    from optout.store.sessions import MemorySessions
    practice_platform = practice_app.platform()

    # The same ports as `optout practice` (any free ones while that runs): one origin per twin
    # from one demo to the next, and the twins' settings kept between them as a platform would.
    with practice_app.served(any_port_if_taken=True) as practice:
        accounts = practice_app.practice_accounts(practice, recipes, practice_app.DEMO_ACCOUNT)
        for password in accounts.passwords:
            redact.add(password)
        if not quiet:
            render.stderr.print(f"Practice platform on 127.0.0.1: {len(accounts.jobs)} local "
                                "twins; no real account is used.", highlight=False)
        person = practice_app.inbox(practice.world)
        options = RunOptions(browser=browser, headed=headed, concurrency=DEFAULT_CONCURRENCY)
        with _told(not quiet, len(accounts.jobs), person) as told:
            # The made-up practice person's forms, to the local twins: theirs to send.
            resources = Resources(secrets=accounts.secrets, sessions=MemorySessions(),
                                  evidence_dir=evidence_dir, person=person, progress=told,
                                  profile=practice_platform.PRACTICE_PROFILE, send_forms=True,
                                  guide_pictures=guide_pictures)
            # Platforms signed in to by hand: the practice person does it, as a person would.
            accounts.sign_in_by_hand(resources, replace(options, hand_off_headless=not headed))
            if record is None:
                return service.run_only(accounts.jobs, Mode.RUN, resources, options)
            return service.run_and_record(
                accounts.jobs, Mode.RUN, resources, options, command=record, urls=[],
                on_problem=lambda problem: render.stderr.print(problem, highlight=False,
                                                               markup=False))


@click.command(short_help="Serve the practice platform, to try every command on.")
# 8700 is practice.kept.PRACTICE_PORT, not imported here: the practice platform is an extra.
@click.option("--port", type=click.IntRange(1024, 65000), default=8700, show_default=True,
              help="LinkedIn's twin's port; the other twins take the ports after it.")
@click.option("--setup", is_flag=True,
              help="Store a practice account for every twin in the keyring (account `practice`, "
                   "bound to its twin), so `optout run PLATFORM --account practice` goes there.")
@click.option("--remove", is_flag=True,
              help="Instead, forget the practice accounts --setup stored (so `check --all` and "
                   "schedules leave the twins alone) and the demo's readings, and stop.")
@click.option("--reset", is_flag=True,
              help="Instead, put every twin's settings back to its default (the state a platform "
                   "starts an account in), and stop; run it while no practice platform serves.")
@click.option("--browser", metavar="PATH", help="Chromium or Chrome to use (also OPTOUT_BROWSER).")
@click.pass_context
def practice(ctx: click.Context, port: int, setup: bool, remove: bool, reset: bool,
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
    from optout.app import practice as practice_app
    from optout.app.runner import RunOptions
    from optout.cli import render
    from optout.domain.job import Limits
    from optout.recipe.job import Resources
    from optout.store import credentials
    from optout.store.sessions import EncryptedSessions
    practice_platform = practice_app.platform()
    recipes = [r for r in _recipes(ctx).values() if r.platform in practice_platform.TWINS]
    if reset:
        click.echo("The twins' settings are back to their defaults." if practice_app.reset_twins()
                   else "The twins' settings were at their defaults already.")
        return
    if remove:
        forgotten = practice_app.forget_practice_accounts(recipes)
        click.echo(f"Forgot the practice accounts of {len(forgotten)} platforms." if forgotten
                   else "No practice accounts are stored.")
        return
    if setup:
        credentials.require_keyring()
        practice_app.refuse_a_real_account_named_practice(recipes)
    with practice_app.served(port) as served:
        # The inbox of the practice accounts: a platform that "emails" a code, shows it here.
        served.world.on_code = lambda username, code: click.echo(
            f"Code sent to {username}: {code}")
        accounts = practice_app.practice_accounts(served, recipes, practice_app.PRACTICE_ACCOUNT,
                                                 practice_app.password)
        passwords = {job.recipe.platform: practice_app.password(job.recipe.platform)
                     for job in accounts.jobs}
        if setup:
            practice_app.refuse_practice_accounts_bound_elsewhere(accounts.jobs)
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
        if setup and (bus := credentials.private_session_bus()):
            # A keyring reached through this terminal's own D-Bus session (dbus-run-session):
            # the second terminal's commands find the stored accounts only through the same bus.
            click.echo("In the second terminal, first: export "
                       f"DBUS_SESSION_BUS_ADDRESS={shlex.quote(bus)}")
        click.echo("Stop it with Ctrl-C; the twins' settings are kept for the next start.")
        _until_interrupted()


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
