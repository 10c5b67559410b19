"""Where a setting applies: regions a recipe names, and whether a person's country is in them.

Many opt-outs exist only where the law asks for them (Meta's objection forms: the EU, EEA, UK and
Switzerland). A setting names its regions; a person whose profile gives a country outside them is
told so instead of being sent to a page that is not there for them.
"""

from __future__ import annotations

from collections.abc import Iterable

import pycountry

EVERYWHERE = "all"
# Unions of countries, by ISO 3166-1 alpha-2 code (the EU of 2026: 27 members).
EU = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"
})
GROUPS: dict[str, frozenset[str]] = {
    "EU": EU,
    "EEA": EU | {"IS", "LI", "NO"},
    "UK": frozenset({"GB"}),
}
# What a person may type for a country besides its ISO name (pycountry knows those).
_ALSO_CALLED = {"uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
                "wales": "GB", "northern ireland": "GB", "usa": "US", "deutschland": "DE"}


def is_region(name: str) -> bool:
    """A region a recipe may name: all, a group (EU, EEA, UK) or an ISO country code (CH, US)."""
    return name == EVERYWHERE or name in GROUPS or (
        len(name) == 2 and name.isupper() and pycountry.countries.get(alpha_2=name) is not None)


def country_code(country: str) -> str | None:
    """The ISO code of a country as a person writes it ("Germany", "UK", "de"); None if unknown."""
    key = country.strip().lower()
    if key in _ALSO_CALLED:
        return _ALSO_CALLED[key]
    try:
        return str(pycountry.countries.lookup(key).alpha_2)
    except LookupError:
        return None


def applies_in(regions: Iterable[str], country: str | None) -> bool | None:
    """Whether a setting of `regions` applies to a person in `country`; None when unknown."""
    regions = list(regions)
    if EVERYWHERE in regions:
        return True
    code = country_code(country) if country else None
    if code is None:
        return None
    return any(code == region or code in GROUPS.get(region, ()) for region in regions)


def words(regions: Iterable[str]) -> str:
    """'everywhere', or 'the EU/EEA/UK/CH only'."""
    regions = list(regions)
    return "everywhere" if EVERYWHERE in regions else f"the {'/'.join(regions)} only"
