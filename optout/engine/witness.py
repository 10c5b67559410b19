"""Listening, during a fresh read, for the platform's own answer a recipe names as a second
witness of a setting's state (domain/witness.py), and weighing it against what the page shows.

Only responses on the platform's origins count, and only those the page itself asked for: optout
never sends a request of its own. A witness that did not answer is recorded as absent, never as
agreement.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Response

from optout.browser.pages import is_allowed
from optout.domain.errors import WaitTimedOut
from optout.domain.waits import bounded
from optout.domain.witness import Witness
from optout.redact import redact

log = logging.getLogger(__name__)

DISAGREES = "the platform's own answer says"  # in every disagreement's message
UNREADABLE = object()  # an answer that was not JSON, or whose body was gone
BODY_LIMIT_MS = 3_000


class Answered(Protocol):
    """A request the page makes that optout listens for (a witness, an identity's answer)."""

    def answers(self, url: str) -> bool: ...


@dataclass(frozen=True)
class Heard:
    url: str
    body: Any


class WitnessLog:
    """The answers to witnessed requests that the current fresh page received."""

    def __init__(self, listened: Sequence[Answered], origins: list[str]):
        self.listened = listened
        self.origins = origins
        self._heard: dict[Page, list[tuple[str, asyncio.Future[Any]]]] = {}

    def listen(self, page: Page) -> None:
        """Note the answers `page` receives (each page's its own: what an earlier page heard is
        no witness of this one)."""
        if self.listened:
            heard: list[tuple[str, asyncio.Future[Any]]] = []
            self._heard[page] = heard
            page.on("response", lambda response: self._response(response, heard))
            page.on("close", self._forget)

    def _forget(self, page: Page) -> None:
        self._heard.pop(page, None)

    def _response(self, response: Response, heard: list[tuple[str, asyncio.Future[Any]]]) -> None:
        if is_allowed(response.url, self.origins) and any(
                w.answers(response.url) for w in self.listened):
            heard.append((response.url, asyncio.ensure_future(_body(response))))

    async def last(self, witness: Answered, page: Page) -> Heard | None:
        """The latest answer to `witness` on `page`; None if none came (or none was JSON)."""
        for url, body in reversed(self._heard.get(page, [])):
            if not witness.answers(url):
                continue
            try:
                value = await bounded(asyncio.shield(body), BODY_LIMIT_MS, "the witness's answer")
            except WaitTimedOut:
                continue
            if value is not UNREADABLE:
                return Heard(url, value)
        return None


async def _body(response: Response) -> Any:
    try:
        return await response.json()
    except (PlaywrightError, ValueError) as exc:  # gone with its page, or not JSON
        log.info("a witness's answer could not be read: %s", exc)
        return UNREADABLE


def weigh(witness: Witness, heard: Heard | None, shown: str) -> tuple[dict[str, Any], str | None]:
    """What the evidence keeps of the witness, and the disagreement if there is one."""
    if heard is None:
        return {"witness": "absent"}, None
    said, value = witness.read(heard.body)
    facts = {"witness": {"url": redact(heard.url), "value": value, "says": said}}
    if said is None:
        return facts, (f"the platform's own answer ({witness.value} = {value!r} from "
                       f"{redact(heard.url)}) is neither the recipe's on nor its off; the recipe "
                       "needs an update")
    if said != shown:
        return facts, (f"the page shows {shown}, {DISAGREES} {said} "
                       f"({witness.value} = {value!r} from {redact(heard.url)})")
    return facts, None
