"""The command line: parse, call the application layer, render. `group.py` holds the group; each
command group is a module of its own, loaded when its command is asked for."""

from optout.cli.group import cli, main

__all__ = ["cli", "main"]
