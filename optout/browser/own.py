"""The person's own browser, attached over the Chrome DevTools Protocol (`--cdp URL`).

Where headless sign-in is refused (Google's "This browser or app may not be secure", bot checks),
the person's own signed-in Chrome, Chromium or Edge still works: optout opens its own tabs there,
types no password, and leaves the browser running and signed in. Its verifying reads stay fresh:
a new, empty context in that browser given the platform's cookies only, in memory, never copied
into optout's data folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page, Playwright
from playwright.async_api import Error as PlaywrightError

from optout.domain.errors import BadInput, WaitTimedOut, first_line
from optout.domain.targets import endpoint_host, is_loopback
from optout.domain.waits import bounded
from optout.redact import redact
from optout.store.files import private_dir

ATTACH_LIMIT_MS = 10_000
TAB_MS = 2_000  # a DevTools command to a tab or the browser: answered at once, or not at all
START_HINT = ("start your browser with remote debugging (for example `chromium "
              "--remote-debugging-port=9222`) and give --cdp http://127.0.0.1:9222")


def check_cdp_url(url: str) -> str:
    """The address, checked: http(s):// or ws(s)://, and http:// or ws:// only on this machine,
    since whoever reaches the port controls the browser and every session in it."""
    redact.add_url(url)  # a token in its path is never shown
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise BadInput(f"--cdp must be an address such as http://127.0.0.1:9222 ({exc}).") from exc
    if parts.scheme not in ("http", "https", "ws", "wss") or not host:
        raise BadInput("--cdp must be an address such as http://127.0.0.1:9222.")
    if parts.scheme in ("http", "ws") and not is_loopback(host):
        raise BadInput(f"{endpoint_host(url)} is not on this machine, and its debugging port would "
                       "hand your browser to the network in clear; use https:// or wss://, or "
                       "run optout on that machine.")
    return url


async def attach(playwright: Playwright, url: str) -> Browser:
    """The person's browser at `url`; BadInput (exit 2) if nothing there answers as one."""
    if urlsplit(url).scheme in ("http", "https"):
        url = await asyncio.to_thread(_websocket_of, url)
    try:
        browser = await playwright.chromium.connect_over_cdp(url, timeout=ATTACH_LIMIT_MS)
    except PlaywrightError as exc:
        raise BadInput(f"No browser answered at {endpoint_host(url)} ({redact(first_line(exc))}); "
                       f"{START_HINT}.") from exc
    if not browser.contexts:
        await browser.close()
        raise BadInput(f"The browser at {endpoint_host(url)} has no profile window open; "
                       f"{START_HINT}.")
    return browser


def _websocket_of(url: str) -> str:
    """The browser's WebSocket address, asked of `url`'s /json/version by optout itself and held
    to the same rule as a typed one: a local answer naming a ws:// address elsewhere would send
    the browser's control over the network in clear."""
    version = url.rstrip("/") + "/json/version"
    try:
        with urllib.request.urlopen(version, timeout=ATTACH_LIMIT_MS / 1000) as answer:  # noqa: S310 - http(s) only, checked
            found = json.loads(answer.read(64 * 1024)).get("webSocketDebuggerUrl")
    except (OSError, ValueError, AttributeError) as exc:
        raise BadInput(f"No browser answered at {endpoint_host(url)} ({redact(first_line(exc))}); "
                       f"{START_HINT}.") from exc
    if not isinstance(found, str) or not found:
        raise BadInput(f"What answers at {endpoint_host(url)} is not a browser's debugging port "
                       f"(no WebSocket address in /json/version); {START_HINT}.")
    if urlsplit(found).scheme not in ("ws", "wss"):
        raise BadInput(f"The browser at {endpoint_host(url)} named {endpoint_host(found)} as its "
                       "WebSocket address, which is not one; nothing was connected.")
    return check_cdp_url(found)


async def open_profile(playwright: Playwright, folder: Path, *, explicit: str | None = None,
                       headed: bool = False) -> BrowserContext:
    """A profile folder the person signed in to by hand (`login --profile`), opened as it is;
    BadInput if another browser has it open."""
    from optout.browser.launch import LAUNCH_ARGS, find_browser

    try:
        return await playwright.chromium.launch_persistent_context(
            private_dir(folder), executable_path=find_browser(playwright, explicit),
            headless=not headed, args=LAUNCH_ARGS, locale="en-US", service_workers="block")
    except PlaywrightError as exc:
        raise BadInput(f"The profile folder {folder} could not be opened "
                       f"({redact(first_line(exc))}); close any browser using it.") from exc


def profile_of(browser: Browser) -> BrowserContext:
    """The person's own profile: the browser's default context."""
    return browser.contexts[0]


def same_site(cookie_domain: str, origins: list[str]) -> bool:
    """Whether a cookie belongs to one of the platform's sites (its last two host labels): a
    fresh read gets those, never the rest of the person's cookies."""
    domain = cookie_domain.lstrip(".").lower()
    for origin in origins:
        site = ".".join((urlsplit(origin).hostname or "").split(".")[-2:])
        if domain == site or domain.endswith("." + site):
            return True
    return False


async def tab_id(page: Page) -> str | None:
    """The DevTools id of a tab optout opened in the person's browser, read while it is fresh:
    `close_tab` needs it where the tab no longer answers."""
    try:
        session = await bounded(page.context.new_cdp_session(page), TAB_MS, "reading a tab's id")
        info = await bounded(session.send("Target.getTargetInfo"), TAB_MS, "reading a tab's id")
        await bounded(session.detach(), TAB_MS, "reading a tab's id")
    except (PlaywrightError, WaitTimedOut):
        return None
    return str(info.get("targetInfo", {}).get("targetId") or "") or None


async def close_tab(page: Page, target: str | None, limit_ms: float) -> None:
    """Close a tab optout opened in the person's browser, always and within bounds: Playwright's
    close first; where it does not end (a tab with a script of optout's that showed the browser's
    error page twice never answers it), the browser's own DevTools command, Target.closeTarget."""
    with contextlib.suppress(PlaywrightError, WaitTimedOut):
        await bounded(page.close(run_before_unload=False), limit_ms,
                      "closing optout's tab in your browser")
        return
    browser = page.context.browser
    if target is None or browser is None:
        return
    with contextlib.suppress(PlaywrightError, WaitTimedOut):
        session = await bounded(browser.new_browser_cdp_session(), limit_ms, "closing a tab")
        await bounded(session.send("Target.closeTarget", {"targetId": target}), limit_ms,
                      "closing optout's tab in your browser")
        await bounded(session.detach(), limit_ms, "closing a tab")
