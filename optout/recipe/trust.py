"""Which origins an account's credentials are bound to: the trust model for recipes.

A recipe may come from a stranger (`--recipes`, OPTOUT_RECIPE_PATH), so loading one never decides
where a password goes. When credentials are stored (`optout login`, or a bulk roster's password
command), they are bound to the origins of the recipe **shipped with optout**, to an origin the
person typed with `--origin`, and to origins the person approved by name with `--trust-origin`;
never to an origin that only an override adds. At run time the password, the session and the
profile go only to the bound origins, whatever recipe is loaded then.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from optout.domain.targets import normalise_origin
from optout.errors import UntrustedOrigin
from optout.recipe.loading import builtin_recipe_dir, load_recipe
from optout.recipe.schema import Recipe


@functools.cache
def shipped_origins(platform: str) -> tuple[str, ...]:
    """The origins of the recipe optout ships for `platform`; none for a platform it lacks."""
    path = builtin_recipe_dir() / f"{platform}.yaml"
    return tuple(load_recipe(path).origins) if path.is_file() else ()


def bind(recipe: Recipe, *, typed: str | None = None, trusted: Iterable[str] = ()) -> tuple[str, ...]:
    """The origins to bind new credentials to: every origin `recipe` types credentials into.

    `recipe` is the one the account will run with (already pointed at `typed`, the person's
    `--origin`, if any). UntrustedOrigin if one of its origins is neither shipped, nor typed,
    nor trusted by name.
    """
    approved = {*shipped_origins(recipe.platform), *map(normalise_origin, trusted)}
    if typed:
        approved.add(normalise_origin(typed))
    unapproved = [o for o in recipe.origins if o not in approved]
    if unapproved:
        raise UntrustedOrigin(recipe.name, recipe.platform, str(recipe.file or "a recipe file"),
                              unapproved)
    return tuple(recipe.origins)
