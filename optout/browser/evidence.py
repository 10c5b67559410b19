"""Evidence of each verification: a masked screenshot, the accessibility snapshot, the time.

Taken once per setting, of the page as it was read (already settled): one screenshot of what the
page shows, with the control scrolled into view and outlined (not the whole length of the page,
which the browser would lay out again at another size), and the accessibility snapshot of the
control's part of the page (its section, form or dialog), or of the whole page where no control
is outlined (a mismatch lists every control there). Files are written off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from optout.browser.locate import locator_for
from optout.domain.targets import Target
from optout.domain.waits import bounded
from optout.redact import MASK, redact
from optout.store.files import write_private

# What a person typed into masked fields (ticks and choices carry nothing personal).
_TYPED_VALUES = """els => els.map(el => ['checkbox', 'radio'].includes(el.type) ? ''
                                : (el.tagName === 'SELECT' ? '' : (el.value || el.textContent)))"""
MIN_MASKED = 3

# Inputs masked in every screenshot, whatever the recipe says.
ALWAYS_MASKED = "input[type=password]"
SCRIPT_LIMIT_MS = 15_000


# The control that matters is outlined in the screenshot, and the page's address and the time
# are stamped across its top, so a screenshot shown alone still says what and when it proves.
OUTLINE_COLOUR = "#ff00c8"  # a colour pages rarely use, so the outline is told from the page
MARKED = "data-optout-evidence"
_OUTLINE_STYLE = f"""
[{MARKED}] {{ outline: 4px solid {OUTLINE_COLOUR} !important; outline-offset: 3px !important; }}
"""
_EVIDENCE_STYLE = _OUTLINE_STYLE + """
html::before { content: %s; position: fixed; z-index: 2147483647; top: 0; left: 0; right: 0;
  padding: 3px 8px; background: #000000d9; color: #fff; font: 12px/1.3 monospace;
  white-space: pre; overflow: hidden; }
"""
MARK_LIMIT_MS = 2000


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ")


def _css_string(text: str) -> str:
    """`text` as a CSS string literal: quotes, backslashes and anything not plain ASCII escaped."""
    return '"' + "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\'
                         else f"\\{ord(ch):x} " for ch in text) + '"'


async def _mark(control: Locator | None) -> bool:
    """Mark `control` for the outline; False if it went meanwhile (the screenshot goes unmarked)."""
    if control is None:
        return False
    try:
        await control.evaluate(f"el => el.setAttribute('{MARKED}', '')", timeout=MARK_LIMIT_MS)
    except PlaywrightError:
        return False
    return True


REGION_MARGIN = 120  # pixels above and below the control in a guide's picture
# The control's part of the page, for its accessibility snapshot: its nearest section, form,
# fieldset, dialog or landmark.
REGION = ("xpath=ancestor-or-self::*[self::section or self::form or self::fieldset or "
          "self::dialog or self::main or @role='region' or @role='dialog' or @role='main' or "
          "@role='form' or @role='group'][1]")


async def _region(page: Page, outline: Locator, masks: list[Locator]) -> bytes | None:
    """A picture of the page's width around the outlined control, its outline drawn."""
    try:
        await outline.scroll_into_view_if_needed(timeout=MARK_LIMIT_MS)
        box = await outline.bounding_box(timeout=MARK_LIMIT_MS)
        size = page.viewport_size
        if box is None or size is None:
            return None
        top = max(0.0, box["y"] - REGION_MARGIN)
        height = min(size["height"] - top, box["height"] + 2 * REGION_MARGIN)
        return await page.screenshot(mask=masks, style=_OUTLINE_STYLE, clip={
            "x": 0, "y": top, "width": size["width"], "height": height})
    except PlaywrightError:
        return None


async def capture(page: Page, folder: Path, label: str, facts: Mapping[str, object],
                  sensitive: Sequence[Target] = (),
                  outline: Locator | None = None, *, region: bool = False) -> dict[str, str]:
    """Keep a screenshot (password and sensitive fields masked, the `outline` control outlined,
    the address and time stamped), the ARIA snapshot and a record; with `region`, a picture of
    the outlined control's part of the page too (`control`, for guides)."""
    now = datetime.now(timezone.utc)
    slug = re.sub(r"[^a-z0-9-]+", "-", label.lower()).strip("-")
    where = folder / f"{_stamp(now)}-{slug}"
    masks = [page.locator(ALWAYS_MASKED), *(locator_for(page, t) for t in sensitive)]
    marked = await _mark(outline)
    # The address without its query or fragment: those can carry what a form was sent.
    address = urlsplit(page.url)._replace(query="", fragment="").geturl()
    stamp = f"{redact(address)}   {now:%Y-%m-%d %H:%M:%S} UTC"
    try:
        if marked and outline is not None:
            with contextlib.suppress(PlaywrightError):
                await outline.scroll_into_view_if_needed(timeout=MARK_LIMIT_MS)
        screenshot = await page.screenshot(mask=masks, style=_EVIDENCE_STYLE % _css_string(stamp))
        # The control's part of the page, for guides: what a person looks for, not the page's
        # empty margins, and no address stamped (a guide gives the platform's own).
        picture = None
        if region:  # no outline (a form's confirmation): the page as shown, still unstamped
            picture = (await _region(page, outline, masks) if marked and outline is not None
                       else await page.screenshot(mask=masks))
    finally:
        if marked and outline is not None:
            with contextlib.suppress(PlaywrightError):
                await outline.evaluate(f"el => el.removeAttribute('{MARKED}')",
                                      timeout=MARK_LIMIT_MS)
    snapshot = redact(await _snapshot_of(page, outline if marked else None))
    # The snapshot lists input values, password fields' included: mask what the screenshot masks.
    for mask in masks:
        values = await bounded(mask.evaluate_all(_TYPED_VALUES), SCRIPT_LIMIT_MS,
                               "reading masked fields")
        for value in values:
            # Short values ("on", "GB") would mask unrelated words of the snapshot.
            if value and len(value.strip()) >= MIN_MASKED:
                snapshot = snapshot.replace(value.strip(), MASK)
    record: dict[str, object] = {"time": now.isoformat(timespec="seconds"),
                                 "url": redact(page.url), "outlined": marked, **facts}
    files: dict[str, tuple[str, bytes | str]] = {
        "screenshot": ("page.png", screenshot),
        **({"control": ("control.png", picture)} if picture else {}),
        "snapshot": ("page.aria.yml", snapshot),
        "record": ("record.json", redact(json.dumps(record, indent=2)) + "\n")}
    paths = await asyncio.to_thread(
        lambda: {name: write_private(where / file, data) for name, (file, data) in files.items()})
    return {"time": str(record["time"]), "outlined": "yes" if marked else "no",
            **{name: str(path) for name, path in paths.items()}}


async def _snapshot_of(page: Page, control: Locator | None) -> str:
    """The accessibility snapshot of `control`'s part of the page, or of the whole page."""
    if control is not None:
        region = control.locator(REGION)
        try:
            if await region.count():
                return await region.first.aria_snapshot(timeout=MARK_LIMIT_MS)
        except PlaywrightError:
            pass  # redrawn meanwhile: the whole page
    return await page.locator("body").aria_snapshot()


# Words that mark a control as being about AI or data use for training. Personalisation alone
# (ads, recommendations, memory) is not training, so it is left out.
AI_WORDS = re.compile(
    r"\b(ai|a\.i\.|artificial intelligence|generative|genai|train(s|ed|ing)?|models?|"
    r"machine learning|improv(e|es|ing|ement))\b", re.IGNORECASE)
_CONTROL_ROLES = {"switch", "checkbox", "radio", "combobox", "button", "link", "menuitemcheckbox"}
# One node of Playwright's ARIA snapshot, once read as YAML: `switch "Name" [checked]`.
_NODE = re.compile(r'^([a-z]+)(?: "((?:[^"\\]|\\.)*)")?(.*)$', re.DOTALL)


def snapshot_nodes(snapshot: str) -> list[tuple[str, str, str]]:
    """(role, name, attributes) of every named node of an ARIA snapshot, in page order.

    The snapshot is YAML: names holding ": " or quotes come quoted and escaped, so it is read as
    YAML rather than line by line.
    """
    try:
        tree = yaml.safe_load(snapshot)
    except yaml.YAMLError as exc:
        raise ValueError(f"the page's accessibility snapshot could not be read ({exc})") from exc
    found: list[tuple[str, str, str]] = []

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(key)
                if not isinstance(value, str):  # a string value is text, never a control
                    walk(value)
        elif isinstance(node, str):
            match = _NODE.match(node)
            if match and match[2] is not None:
                name = re.sub(r"\\(.)", r"\1", match[2])
                found.append((match[1], name, match[3]))

    walk(tree)
    return found


def ai_controls(snapshot: str) -> list[str]:
    """The controls in an accessibility snapshot whose names speak of AI, training or models."""
    found = []
    for role, name, _ in snapshot_nodes(snapshot):
        described = f'{role} "{name}"'
        if role in _CONTROL_ROLES and AI_WORDS.search(name) and described not in found:
            found.append(described)
    return found


# The kinds of control a scan reports.
_ROLES = {"switch", "checkbox", "menuitemcheckbox", "form"}


def controls(snapshot: str, *, only_ai: bool = True) -> list[tuple[str, str, str | None]]:
    """(role, name, state) of every switch, checkbox and form in an ARIA snapshot whose name
    speaks of AI or training (of every one, with only_ai=False)."""
    found: list[tuple[str, str, str | None]] = []
    for role, name, attributes in snapshot_nodes(snapshot):
        if role not in _ROLES or (only_ai and not AI_WORDS.search(name)):
            continue
        state = None if role == "form" else ("on" if "[checked]" in attributes else "off")
        if (role, name, state) not in found:
            found.append((role, name, state))
    return found
