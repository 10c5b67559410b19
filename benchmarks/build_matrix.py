"""The robustness matrix (docs/catalogue.md): every recipe run against every build of its twin (the same
public facts drawn as a platform's next build may draw them: optout.practice.world.BUILDS), on a
fresh practice platform per build, and what came of it.

    python benchmarks/build_matrix.py          # prints the table
    python benchmarks/build_matrix.py --write  # and rewrites docs/catalogue.md's

tests/test_catalogue.py runs the same pairs and checks each cell against what it finds.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from dataclasses import replace
from pathlib import Path

import pycountry

from optout.app.practice import practice_accounts
from optout.app.runner import RunOptions, execute
from optout.domain.regions import GROUPS
from optout.domain.results import Mode, Status
from optout.engine.proof import WENT_OFF
from optout.engine.witness import DISAGREES
from optout.practice import PRACTICE_PROFILE, PracticePlatform, World
from optout.practice.inbox import PracticeInbox
from optout.practice.twin import load_specs
from optout.practice.world import BUILDS, CAUGHT, STAYED
from optout.recipe import Recipe, load_recipes
from optout.recipe.job import Resources
from optout.store.sessions import MemorySessions

README = Path(__file__).resolve().parent.parent / "docs" / "catalogue.md"
START = "<!-- matrix: made by `python benchmarks/build_matrix.py --write`; do not edit -->"
END = "<!-- end of matrix -->"


def country_for(recipe: Recipe) -> str:
    """A country where every setting of the recipe applies (the practice profile's, the UK,
    where it can)."""
    regions = {r for s in recipe.settings for r in s.regions}
    if regions & {"all", "UK"} or not regions:
        return "United Kingdom"
    region = sorted(regions)[0]
    code = sorted(GROUPS[region])[0] if region in GROUPS else region
    country = pycountry.countries.get(alpha_2=code)
    assert country is not None, code
    return str(country.name)


def outcomes(build: str) -> dict[str, str]:
    """Each platform's cell for one build: verified, or what failed."""
    with PracticePlatform(World(everyone=frozenset())) as practice, \
            tempfile.TemporaryDirectory() as evidence:
        practice.world.build = build
        accounts = practice_accounts(practice, load_recipes().values(), "matrix")
        # Each recipe as someone where its settings exist (Dropbox's: the United States).
        accounts.jobs = [replace(job, profile=PRACTICE_PROFILE.model_copy(
            update={"country": country_for(job.recipe)})) for job in accounts.jobs]
        resources = Resources(secrets=accounts.secrets, sessions=MemorySessions(),
                              evidence_dir=Path(evidence), person=PracticeInbox(practice.world),
                              profile=PRACTICE_PROFILE, send_forms=True)
        options = RunOptions(concurrency=4)
        accounts.sign_in_by_hand(resources, replace(options, hand_off_headless=True))
        results = asyncio.run(execute(accounts.jobs, Mode.RUN, resources, options))
        destructive = set(practice.world.destructive_clicks)
    cells: dict[str, str] = {}
    witnessed = {p for p, spec in load_specs().items() if spec.witnesses}
    forms = {(r.platform, s.id): s.is_form for r in load_recipes().values() for s in r.settings}
    for result in results:
        if result.status is Status.NOT_APPLICABLE:
            continue  # outside the practice profile's country: nothing read
        if build == "lies" and result.platform in witnessed:
            # The page shows what it should while the platform keeps the other: right is refusing.
            if result.verified:
                cells[result.platform] = f"FOOLED: {result.setting}"
            elif DISAGREES in result.message:
                cells.setdefault(result.platform, CAUGHT)
            continue
        if build == "wanders" and not forms.get((result.platform, result.setting), True):
            # Every page with a state goes elsewhere once loaded: right is reading nothing there.
            if result.verified:
                cells[result.platform] = f"FOOLED: {result.setting}"
            elif WENT_OFF in result.message:
                cells.setdefault(result.platform, STAYED)
            continue
        failed = not result.verified or result.platform in destructive
        if failed:
            cells[result.platform] = f"failed: {result.setting}"
        else:
            cells.setdefault(result.platform, "verified")
    return cells


def table() -> str:
    by_build = {build: outcomes(build) for build in BUILDS}
    platforms = sorted({p for cells in by_build.values() for p in cells})
    lines = ["| Recipe | " + " | ".join(f"`{b}`" for b in BUILDS) + " |",
             "|---|" + "---|" * len(BUILDS)]
    lines += [f"| {p} | " + " | ".join(by_build[b].get(p, "not run") for b in BUILDS) + " |"
              for p in platforms]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="Rewrite the README's matrix.")
    args = parser.parse_args()
    text = table()
    print(text)
    if args.write:
        readme = README.read_text(encoding="utf-8")
        start, end = readme.index(START), readme.index(END) + len(END)
        README.write_text(f"{readme[:start]}{START}\n{text}\n{END}{readme[end:]}", encoding="utf-8")


if __name__ == "__main__":
    main()
