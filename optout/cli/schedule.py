"""optout schedule: re-check on a schedule with the system's scheduler."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import click

from optout.app.schedule import SECONDS, SYSTEMS, detect_system, entries, install, installed, remove

if TYPE_CHECKING:

    pass



@click.group(short_help="Re-check on a schedule with the system's scheduler.")
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
    for warning in _unheard(system, bool(notify or ctx.obj["config"].notify)):
        click.echo(f"Warning: {warning}", err=True)


def _unheard(system: str, notifies: bool) -> list[str]:
    """What would keep a scheduled re-check from working, or from being heard, said at once."""
    from optout.store.credentials import DESKTOP_BUS, keyring_session_bus
    warnings = []
    if not notifies:
        warnings.append("no notification URL is set, so nobody is told what the re-check finds; "
                        "add one with `--notify URL` (or read `optout status`).")
    bus = keyring_session_bus()
    if bus is not None and (system == "cron" or not bus.startswith(DESKTOP_BUS)):
        warnings.append("your keyring is reached through this terminal's D-Bus session "
                        f"({bus or 'none'}), which a {system} job does not have; the re-check "
                        "may not open it. Run it in a desktop session's systemd user manager, "
                        "or use an encrypted-file keyring (`optout doctor`).")
    return warnings


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
