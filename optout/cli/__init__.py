"""The command line: parse, call the application layer, render."""

from optout.cli.commands import cli, main

__all__ = ["cli", "main"]
