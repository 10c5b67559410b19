"""Loading pages: every load bounded, with a small retry when the network or server stumbles."""

from __future__ import annotations

import asyncio
import logging

from playwright.async_api import ElementHandle, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from optout.domain.errors import AccountFailure, SettingFailure, first_line
from optout.domain.targets import normalise_origin
from optout.redact import redact

log = logging.getLogger(__name__)

# Chromium's words for a connection that dropped or never came: worth one more try.
_TRANSIENT = ("ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED", "ERR_CONNECTION_REFUSED",
              "ERR_EMPTY_RESPONSE", "ERR_NETWORK_CHANGED", "ERR_INTERNET_DISCONNECTED",
              "ERR_NAME_NOT_RESOLVED", "ERR_TIMED_OUT")
_TRANSIENT_STATUS = {502, 503, 504}
RETRY_PAUSES_S = (0.5, 1.5)  # at most two more tries, two seconds in all


async def goto(page: Page, url: str, *, limit_ms: float, step: str) -> int | None:
    """Load `url`, retrying a dropped connection or a 502/503/504 twice; then give up clearly.
    The answer's HTTP status (None for a page that was not fetched)."""
    for attempt, pause in enumerate((*RETRY_PAUSES_S, None)):
        try:
            response = await page.goto(url, wait_until="load", timeout=limit_ms)
        except PlaywrightTimeout as exc:
            raise SettingFailure(
                f"{redact(url)} did not finish loading within {limit_ms / 1000:g} s while {step}."
            ) from exc
        except PlaywrightError as exc:
            reason = first_line(exc)
            if pause is None or not any(code in reason for code in _TRANSIENT):
                raise AccountFailure(f"Could not open {redact(url)} while {step}: {reason}") from exc
            log.info("loading %s failed (%s); try %d of 3", url, reason, attempt + 2)
        else:
            if response is None or response.status not in _TRANSIENT_STATUS:
                return response.status if response else None
            if pause is None:
                raise SettingFailure(f"{redact(url)} answered HTTP {response.status} three times "
                                     f"while {step}; the platform may be down, try again later.")
            log.info("loading %s answered HTTP %s; try %d of 3", url, response.status, attempt + 2)
        # A bounded back-off between tries of a page load, not a wait for page state.
        await asyncio.sleep(pause)
    return None  # (not reached: the last try returns or raises)


def is_allowed(url: str, origins: list[str]) -> bool:
    try:
        return normalise_origin(url) in origins
    except Exception:  # about:blank, data: and other non-web addresses
        return False


async def frame_chain(element: ElementHandle) -> list[str]:
    """The address of the frame holding `element` and of every frame around it, as the browser
    knows them (a page's script cannot forge these); PlaywrightError if it is in no frame."""
    frame = await element.owner_frame()
    urls = []
    while frame is not None:
        urls.append(frame.url)
        frame = frame.parent_frame
    if not urls:
        raise PlaywrightError("the element is in no frame any more")
    return urls
