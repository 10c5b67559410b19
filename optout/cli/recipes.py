"""optout recipes: which recipes are in use, where each comes from, and approving one that is
not optout's own after reading what it can do."""

from __future__ import annotations

import json
from pathlib import Path

import click

from optout.cli.common import _recipes


@click.group(invoke_without_command=True,
             short_help="Recipes in use: shipped, approved or not; approve one.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def recipes(ctx: click.Context, as_json: bool) -> None:
    """List every recipe in use with the file it comes from and whether it is optout's own,
    one you approved, or unapproved (it only reads until you approve it).

    \b
    Examples:
      optout recipes
      optout recipes approve ~/.local/share/optout/recipes/linkedin.yaml
    """
    if ctx.invoked_subcommand is not None:
        return
    from optout.store.approvals import provenance
    found = [provenance(recipe) for recipe in _recipes(ctx).values()]
    if as_json:
        click.echo(json.dumps({"recipes": [
            {"platform": p.recipe.platform, "file": str(p.recipe.file), "origin": p.origin,
             "sha256": p.recipe.digest} for p in found]}, indent=2))
        return
    others = [p for p in found if p.origin != "shipped"]
    click.echo(f"{len(found) - len(others)} of {len(found)} recipes in use are optout's own.")
    for p in others:
        click.echo(f"  {p.sentence()}")


@recipes.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Approve without asking (after reading the powers).")
def approve(file: Path, yes: bool) -> None:
    """Show what FILE can do with your accounts that optout's own recipe does not (its diff and,
    in words, every power it adds), and approve its exact content if you agree. A recipe you
    approve can do anything your signed-in account can; any later change needs approving again.
    """
    from optout.recipe import powers
    from optout.recipe.loading import load_recipe, require_powers, shipped_recipe
    from optout.store.approvals import approve as record
    from optout.store.approvals import provenance
    recipe = require_powers(load_recipe(file))
    if provenance(recipe).origin == "shipped":
        click.echo(f"{file} is optout's own {recipe.name} recipe: nothing to approve.")
        return
    shipped = shipped_recipe(recipe.platform)
    if shipped is not None and shipped.file is not None:
        click.echo(powers.diff(shipped.file.read_text(encoding="utf-8"),
                        file.read_text(encoding="utf-8"), f"{recipe.platform}/recipe.yaml"))
    added = powers.added(recipe, shipped)
    what = (f"optout ships no {recipe.platform} recipe; this one" if shipped is None else
            f"Beyond optout's own {recipe.name} recipe, this one")
    click.echo(f"{what} would, on your {recipe.name} account:" if added else
               f"It does nothing on your {recipe.name} account that optout's own recipe does not.")
    for line in added:
        click.echo(f"  - {line}")
    if not yes and not click.confirm(f"Approve {file} (sha256 {recipe.digest}) to act on your "
                                     f"{recipe.name} accounts?", default=False):
        click.echo("Not approved; it only reads (--dry-run, check) until you approve it.")
        return
    record(recipe)
    click.echo(f"Approved {file}; a change to it needs approving again.")
