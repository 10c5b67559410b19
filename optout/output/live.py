"""Live confirmations: which recipes this person's own runs verified on the platforms' real sites.

Nothing in the project's tests can reach a live site, so a recipe's `live_verified` is set only by
its maintainers. A person's runs can tell them: a setting verified on the origin the recipe
shipped with optout uses (never a practice twin, a test server or a mirror) is a live
confirmation of that recipe, by its content hash. `optout list` shows the latest; `optout report
--live` prints lines to share, holding no account name, username or address of the person's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from optout.domain.targets import is_loopback
from optout.recipe.trust import shipped_origins, shipped_recipe
from optout.store.history import History, default_path


@dataclass(frozen=True)
class LiveConfirmation:
    platform: str
    setting: str
    time: str  # ISO, UTC
    recipe_version: str  # the recipe file's content hash
    tool_version: str

    def line(self) -> str:
        return (f"{self.platform}/{self.setting}: verified live on {self.time[:10]} with recipe "
                f"{self.recipe_version} (optout {self.tool_version})")


def is_live(platform: str, origin: str) -> bool:
    """The platform's real site: an origin of its shipped recipe (or, on a per-site platform,
    a site of its domain), never this machine."""
    if not origin or is_loopback(urlsplit(origin).hostname or ""):
        return False
    shipped = shipped_recipe(platform)
    return origin in shipped_origins(platform) or (
        shipped is not None and shipped.per_site and shipped.is_platform_site(origin))


def confirmations(history: History) -> dict[tuple[str, str], LiveConfirmation]:
    """The latest live confirmation of each (platform, setting)."""
    latest: dict[tuple[str, str], LiveConfirmation] = {}
    for row in history.verified_settings_by_origin():
        if not is_live(row["platform"], row["origin"]):
            continue
        key = (row["platform"], row["setting"])
        if key not in latest or row["time"] > latest[key].time:
            latest[key] = LiveConfirmation(row["platform"], row["setting"], row["time"],
                                           row["recipe_version"], row["tool_version"])
    return latest


def recorded() -> dict[tuple[str, str], LiveConfirmation]:
    """The live confirmations in the history, if there is one (none is created for asking)."""
    if not default_path().exists():
        return {}
    with History() as history:
        return confirmations(history)
