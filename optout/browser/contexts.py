"""Browser contexts: one per account to work in, and cookie-only ones for reads that decide.

A new context given a session's cookies and nothing else carries no localStorage, sessionStorage,
IndexedDB, HTTP cache or service worker: what its pages show, the server sent.
"""

from __future__ import annotations

from typing import Any, cast

from playwright.async_api import Browser, BrowserContext

from optout.browser.readiness import WATCH_SCRIPT
from optout.domain.errors import SettingFailure


async def new_context(browser: Browser, state: dict[str, Any] | None = None) -> BrowserContext:
    """A context to work in, from a saved session's state if there is one; its pages tell when
    their timers are due (see browser/readiness.py)."""
    context = await browser.new_context(storage_state=cast(Any, state), locale="en-US",
                                        service_workers="block")
    await context.add_init_script(WATCH_SCRIPT)
    return context


async def empty_sibling(context: BrowserContext, elsewhere: Browser | None = None) -> BrowserContext:
    """A new, empty context in the same browser as `context` (or in `elsewhere`, for a profile
    folder's context, which has no browser of its own to open another): a fresh read adds the
    session's cookies to it just before it loads anything, and nothing else."""
    browser = context.browser or elsewhere
    if browser is None:
        raise SettingFailure("This browser cannot open a second, clean context for a fresh read.")
    return await new_context(browser)
