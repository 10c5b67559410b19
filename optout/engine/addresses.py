"""Where a setting's control is: its page at `path` (and the steps from there), or, where that
page does not show it, the recipe's other addresses for it (`also_at`), in turn. Platforms give
settings new addresses and keep the old ones a while (ChatGPT's /settings/data-controls beside
#settings/DataControls): a recipe naming both holds on either build."""

from __future__ import annotations

import logging
from typing import Protocol

from optout.domain.errors import ControlNotFound
from optout.domain.targets import Target
from optout.kinds import SettingBase, kind_of
from optout.kinds.steps import Step

log = logging.getLogger(__name__)

# The page has just settled: a control it draws is there at once, or it is another build's page.
LANDMARK_MS = 3_000


class Loads(Protocol):
    async def load(self, path: str, steps: list[Step], setting: SettingBase,
                   fresh: bool) -> None: ...

    async def settled(self) -> str | None: ...

    async def find(self, targets: list[Target], timeout_ms: float) -> object: ...


async def reach(run: Loads, setting: SettingBase, *, fresh: bool,
                found_at: dict[str, str]) -> None:
    """Load the setting's page; where it does not show the setting's landmark, its next address.
    `found_at` remembers, per setting, the address that showed it, tried first next time (the
    fresh re-read goes straight there). The last address tried stays loaded: the kind's own
    read then says what is missing."""
    paths = [setting.path, *setting.also_at]
    known = found_at.get(setting.id)
    if known in paths:
        paths.remove(known)
        paths.insert(0, known)
    for n, path in enumerate(paths):
        await run.load(path, setting.steps if path == setting.path else [], setting, fresh)
        if n == len(paths) - 1:
            return
        await run.settled()
        try:
            await run.find(kind_of(setting).landmarks(setting), LANDMARK_MS)
        except ControlNotFound:
            log.info("%s is not at %s; trying %s", setting.id, path, paths[n + 1])
            continue
        found_at[setting.id] = path
        return
