"""Tools around the recipes: list, doctor, teach, guide."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from optout.cli.common import (
    _cdp_option,
    _complete_platforms,
    _jobs,
    _limits,
    _narration,
    _own_browser,
    _recipes,
)
from optout.domain.errors import BadInput, OptoutError
from optout.domain.results import EXIT_FAILED, Mode, Status, exit_code
from optout.output import FORMATS
from optout.store.files import data_dir, data_path

if TYPE_CHECKING:

    pass



@click.command("list", short_help="Platforms, settings and sources.")
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



@click.command(short_help="Check the browser, keyring, data folder, scheduler, recipes.")
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
    from optout.recipe.loading import recipe_dirs

    def folders() -> list[Path]:  # every folder but optout's own: --recipes, OPTOUT_RECIPE_PATH,
        try:                      # the data folder's recipes/
            return recipe_dirs(ctx.obj["recipe_dirs"])[1:]
        except OptoutError:
            return []

    found = [checks.browser(browser), checks.keyring_backend(), checks.data_folder(data_path()),
             checks.scheduler(), checks.recipes(lambda: _recipes(ctx), folders())]
    if as_json:
        click.echo(json.dumps({"checks": [c.to_json() for c in found]}, indent=2))
    else:
        render.doctor_table(found)
    sys.exit(0 if all(c.ok for c in found) else EXIT_FAILED)


@click.command(short_help="Repair a recipe by showing optout what to click.")
@click.argument("platform", shell_complete=_complete_platforms)
@click.argument("setting", required=False)
@click.option("--account", metavar="NAME", help="The stored account to sign in with.")
@click.option("--origin", metavar="URL", help="Point the recipe at another origin.")
@click.option("--browser", metavar="PATH", help="Chromium or Chrome to use (also OPTOUT_BROWSER).")
@click.option("--add-new", is_flag=True,
              help="Also add, as settings to switch off, the AI switches and checkboxes `scan` "
                   "finds on the recipe's pages that it does not cover.")
@click.option("--timeout", type=click.FloatRange(min=1, max=600), metavar="SECONDS",
              help="Longest a page may take to load (default 30); a control the recipe names "
                   "is looked for half as long before you are asked to point at it.")
@_cdp_option
@click.pass_context
def teach(ctx: click.Context, platform: str, setting: str | None, account: str | None,
          origin: str | None, browser: str | None, add_new: bool, timeout: float | None,
          cdp: str | None, profile_dir: Path | None) -> None:
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
    from optout.app.teach import added, repaired, teach_job, uncovered, write_override
    from optout.cli import render
    from optout.recipe import user_recipe_dir
    from optout.recipe.job import Job, Resources
    from optout.recipe.loading import shipped_recipe_file
    from optout.recipe.powers import diff
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
    options = RunOptions(browser=browser, cdp=cdp, profile_dir=profile_dir,
                         limits=_limits(timeout))
    platform = job.recipe.platform  # as typed, it may be an alias or in capitals
    lessons = [lesson for lesson in run_sync(teach_job(job, resources, options, person))
               if lesson.control is not None]
    recipe = _recipes(ctx)[platform]
    assert recipe.file is not None
    original = recipe.file.read_text(encoding="utf-8")
    text = repaired(recipe, lessons) if lessons else original
    if add_new:
        now = recipe.with_origin(job.recipe.origin) if origin else recipe
        reports = service.scan([Job(now, job.account, list(now.settings))], resources, options)
        found = uncovered(reports)
        if found:
            text = added(found, {s.place(): s for s in now.settings}, text)
    if text == original:
        click.echo(f"The {job.recipe.name} recipe found everything it looks for"
                   f"{' and covers every AI control on its pages' if add_new else ''}; "
                   "nothing to teach.")
        return
    shipped = shipped_recipe_file(recipe.platform)
    click.echo(f"The repair (against the recipe "
               f"{'shipped with optout' if shipped.is_file() else 'it started from'}):\n")
    click.echo(diff(shipped.read_text(encoding="utf-8") if shipped.is_file() else original,
                    text, f"{recipe.platform}/recipe.yaml" if shipped.is_file() else recipe.file.name))
    if not click.confirm("Use this recipe from now on (it acts on your account as shown)?",
                         default=True):
        click.echo("Nothing was written.")
        return
    fixed = write_override(user_recipe_dir(), recipe, text)
    target = fixed.with_origin(job.recipe.origin) if origin else fixed
    known = {s.id for s in recipe.settings}
    redo = {lesson.setting for lesson in lessons} | {s.id for s in target.settings
                                                      if s.id not in known}
    again = Job(target, job.account, [s for s in target.settings if s.id in redo])
    results = run_sync(execute([again], Mode.RUN, resources, options))
    render.results_table(results)
    click.echo(f"Wrote {fixed.file}, approved; it is used from now on (the diff above is ready "
               "to share).")
    sys.exit(exit_code(results))


@click.command(short_help="Step-by-step guides from the recipes.")
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
            from optout.app.practice import platform as practice_platform
            from optout.cli.practice import _on_practice
            twins = [r for r in chosen if r.platform in practice_platform().TWINS]
            for result in _on_practice(twins, Path(evidence), quiet=True, guide_pictures=True):
                if result.verified and result.evidence:
                    # The control's part of the page, without the twin's address stamped on it.
                    pictures.setdefault(result.platform, {})[result.setting] = \
                        result.evidence.get("control") or result.evidence["screenshot"]
                elif result.status is Status.NOT_APPLICABLE:
                    # Outside the practice profile's region (Dropbox's, US only): no picture,
                    # and the guide says so under the setting.
                    pictures.setdefault(result.platform, {})[result.setting] = ""
                else:
                    raise OptoutError(f"The practice run for {result.platform} did not verify "
                                      f"{result.setting}: {result.message}")
        written = write_guides(chosen, fmt, out, pictures)
    for path in written:
        click.echo(f"Wrote {path}")
