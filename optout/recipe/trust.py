"""Which origins an account's credentials are bound to: the trust model for recipes.

A recipe may come from a stranger (`--recipes`, OPTOUT_RECIPE_PATH), so loading one never decides
where a password goes. When credentials are stored (`optout login`, or a bulk roster's password
command), they are bound to the origins of the recipe **shipped with optout**, to an origin the
person typed with `--origin`, and to origins the person approved by name with `--trust-origin`;
never to an origin that only an override adds. At run time the password, the session and the
profile go only to the bound origins, whatever recipe is loaded then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from optout.domain.errors import UntrustedOrigin
from optout.domain.targets import is_loopback, normalise_origin
from optout.recipe.loading import shipped_recipe
from optout.recipe.schema import Recipe

__all__ = ["bind", "legacy_origins", "point_and_bind", "shipped_origins", "shipped_recipe"]


def shipped_origins(platform: str) -> tuple[str, ...]:
    """The origins of the recipe optout ships for `platform`; none for a platform it lacks.

    A per-site platform's `origin` is only an example site (anyone could register it): its
    shared sign-in origins are trusted, each person's own site only when they type it.
    """
    shipped = shipped_recipe(platform)
    if shipped is None:
        return ()
    return tuple(shipped.origins[1:] if shipped.per_site else shipped.origins)


def legacy_origins(platform: str, origins: tuple[str, ...]) -> tuple[str, ...]:
    """Of an account stored before credentials were bound this way (it names no trusted
    origins), the origins that would be bound today: the shipped recipe's, a site of a per-site
    platform, or this machine (a test server typed with --origin). One an override recipe once
    added is dropped."""
    shipped = shipped_recipe(platform)
    keep = set(shipped_origins(platform))
    return tuple(o for o in origins if o in keep or is_loopback(urlsplit(o).hostname or "")
                 or (shipped is not None and shipped.is_platform_site(o)))


def point_and_bind(recipe: Recipe, where: str | None, stand_ins: Mapping[str, str] | None = None,
                   trusted: Iterable[str] = ()
                   ) -> tuple[Recipe, tuple[str, ...], tuple[tuple[str, str], ...]]:
    """For credentials about to be stored: `recipe` pointed at `where` (as it is without one)
    with the typed stand-ins for its other origins, the origins to bind to (`bind`), and the
    stand-ins the account keeps."""
    pairs = recipe.stand_ins(stand_ins) if where else ()
    target = recipe.with_origin(where, dict(pairs)) if where else recipe
    typed = [*([where] if where else []), *(stand_in for _, stand_in in pairs)]
    return target, bind(target, typed=typed, trusted=trusted), pairs


def bind(recipe: Recipe, *, typed: str | Iterable[str] | None = None,
         trusted: Iterable[str] = ()) -> tuple[str, ...]:
    """The origins to bind new credentials to: every origin `recipe` types credentials into.

    `recipe` is the one the account will run with (already pointed at `typed`, the person's
    `--origin` or origins, if any). UntrustedOrigin if one of its origins is neither shipped, nor typed,
    nor trusted by name.
    """
    approved = {*shipped_origins(recipe.platform), *map(normalise_origin, trusted)}
    # The person's own choice (a test server, their site on a per-site platform).
    for origin in [typed] if isinstance(typed, str) else typed or ():
        approved.add(normalise_origin(origin))
    unapproved = [o for o in recipe.origins if o not in approved]
    if unapproved:
        raise UntrustedOrigin(recipe.name, recipe.platform, str(recipe.file or "a recipe file"),
                              unapproved)
    return tuple(recipe.origins)
