"""Evidence of each verification: a masked screenshot, the accessibility snapshot, the time."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from playwright.async_api import Page

from optout.locate import locator_for
from optout.pages import bounded
from optout.recipe import Target
from optout.redact import MASK, redact
from optout.storage import write_private

# Inputs masked in every screenshot, whatever the recipe says.
ALWAYS_MASKED = "input[type=password]"
SCRIPT_LIMIT_MS = 15_000


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ")


async def capture(page: Page, folder: Path, label: str, facts: dict[str, object],
                  sensitive: Sequence[Target] = ()) -> dict[str, str]:
    """Keep a screenshot (password and sensitive fields masked), the ARIA snapshot and a record."""
    now = datetime.now(timezone.utc)
    slug = re.sub(r"[^a-z0-9-]+", "-", label.lower()).strip("-")
    where = folder / f"{_stamp(now)}-{slug}"
    masks = [page.locator(ALWAYS_MASKED), *(locator_for(page, t) for t in sensitive)]
    screenshot = await page.screenshot(full_page=True, mask=masks)
    snapshot = redact(await page.locator("body").aria_snapshot())
    # The snapshot lists input values, password fields' included: mask what the screenshot masks.
    for mask in masks:
        values = await bounded(mask.evaluate_all("els => els.map(el => el.value || el.textContent)"),
                               SCRIPT_LIMIT_MS, "reading masked fields")
        for value in values:
            if value and value.strip():
                snapshot = snapshot.replace(value.strip(), MASK)
    record = {"time": now.isoformat(timespec="seconds"), "url": redact(page.url), **facts}
    paths = {
        "screenshot": write_private(where / "page.png", screenshot),
        "snapshot": write_private(where / "page.aria.yml", snapshot),
        "record": write_private(where / "record.json", json.dumps(record, indent=2) + "\n"),
    }
    return {"time": record["time"], **{name: str(path) for name, path in paths.items()}}


# Words that mark a control as being about AI or data use for training.
AI_WORDS = re.compile(
    r"\b(ai|a\.i\.|artificial intelligence|generative|genai|train(s|ed|ing)?|models?|"
    r"machine learning|improv(e|es|ing|ement)|personali[sz](e|ed|ation))\b", re.IGNORECASE)
_CONTROL_LINE = re.compile(
    r'^\s*- (switch|checkbox|radio|combobox|button|link|menuitemcheckbox) "(.+?)"', re.MULTILINE)


def ai_controls(snapshot: str) -> list[str]:
    """The controls in an accessibility snapshot whose names speak of AI, training or models."""
    found = []
    for role, name in _CONTROL_LINE.findall(snapshot):
        described = f'{role} "{name}"'
        if AI_WORDS.search(name) and described not in found:
            found.append(described)
    return found
