"""The optout command: its options, and every command loaded only when it is asked for."""

from __future__ import annotations

import atexit
import gc
import logging
import os
import sys

import click

from optout import __version__
from optout.cli.common import EXIT_CODES_HELP, OptoutGroup
from optout.domain import timings
from optout.redact import RedactingFormatter

# Every command, by module: each is imported when it is asked for (`optout --help` asks all).
COMMANDS = {
    **{name: f"optout.cli.opt_out:{name}" for name in ("run", "check", "scan")},
    **{name: f"optout.cli.person:{name}" for name in ("profile", "login", "forget", "done")},
    **{name: f"optout.cli.records:{name}" for name in ("status", "history", "report")},
    **{name: f"optout.cli.tools:{name}" for name in ("doctor", "teach", "guide")},
    **{name: f"optout.cli.practice:{name}" for name in ("demo", "practice")},
    "list": "optout.cli.tools:list_",
    "bulk": "optout.cli.bulk:bulk",
    "schedule": "optout.cli.schedule:schedule",
    "recipes": "optout.cli.recipes:recipes",
    "start": "optout.cli.start:start",
}


@click.group(cls=OptoutGroup, epilog=EXIT_CODES_HELP, lazy=COMMANDS, invoke_without_command=True,
             no_args_is_help=False,
             context_settings={"max_content_width": 100, "help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="optout")
@click.option("--debug", is_flag=True, help="Show details and tracebacks (secrets stay masked).")
@click.option("--recipes", "recipe_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Extra recipe folder (repeatable; also OPTOUT_RECIPE_PATH). Its recipes win.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, recipe_dirs: tuple[str, ...]) -> None:
    """Switch off AI training on your accounts, and prove the change stuck.

    \b
    At a terminal, `optout` alone asks where you are signed in and does the rest (`optout start`).
    Try it first on the built-in practice platform:
      optout demo
    Then with a real account:
      optout login linkedin
      optout run linkedin
    """
    timings.PROCESS.add("imports", since_start=True)  # the command's modules are loaded by now
    if os.environ.get(timings.ENV):
        import atexit
        atexit.register(timings.write)
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
    if ctx.invoked_subcommand is None:  # `optout` alone: the guided run at a terminal, else help
        from optout.cli.consent import at_a_terminal
        group = ctx.command
        assert isinstance(group, click.Group)
        command = group.get_command(ctx, "start") if at_a_terminal() else None
        if command is None:
            click.echo(ctx.get_help())
            ctx.exit(0)
        ctx.invoke(command)


def main() -> None:
    # The interpreter's last garbage collection, at exit, would walk every object the command
    # made (about 50 ms after a run); everything is written and closed by then, so the objects
    # are frozen out of it. Registered first, so it runs after every other exit handler.
    atexit.register(gc.freeze)
    cli(prog_name="optout")
