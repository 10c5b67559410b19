"""What `--origin` says: where a platform's recipe is pointed instead of its own site."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from optout.domain.errors import BadInput
from optout.recipe import Recipe, normalise_origin, select


def parse_origin(value: str | None) -> str | None:
    """A typed origin, normalised; BadInput for one that names a page too, which would
    otherwise be dropped without a word."""
    if not value:
        return None
    normal = normalise_origin(value)
    parts = urlsplit(value)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise BadInput(f"{value!r} names a page; --origin takes only where a site is "
                       f"({normal}): the recipe knows its pages.")
    return normal


def parse_origins(values: tuple[str, ...], recipes: Mapping[str, Recipe]
                  ) -> tuple[str | None, dict[str, str], dict[str, str]]:
    """--origin URL (one platform), --origin PLATFORM=URL (any number), by platform id (a
    platform's name given in any case or by a former name), and --origin FROM=TO (one of a
    recipe's other origins, such as its sign-in origin, pointed elsewhere too)."""
    single, per_platform, stand_ins = None, {}, {}
    for value in values:
        name, sep, url = value.partition("=")
        if sep and "://" not in name:
            for recipe in select(recipes, [name]):
                per_platform[recipe.platform] = parse_origin(url) or ""
        elif sep and "://" in url:
            stand_ins[parse_origin(name) or name] = parse_origin(url) or url
        elif single is None:
            single = parse_origin(value)
        else:
            raise BadInput("Give --origin URL once, or --origin PLATFORM=URL for each platform.")
    if stand_ins and not (single or per_platform):
        raise BadInput("--origin FROM=TO points one of a recipe's other origins elsewhere, beside "
                       "the recipe itself: give --origin URL (or PLATFORM=URL) too.")
    return single, per_platform, stand_ins
