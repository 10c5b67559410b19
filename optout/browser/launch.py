"""Finding and launching a Chromium-family browser through Playwright."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from playwright.async_api import Browser, Playwright
from playwright.async_api import Error as PlaywrightError

from optout.domain.errors import BrowserLaunchFailed, BrowserNotFound, first_line

# Flags fit for a closed network: no background traffic, no updates, no first-run dialogs.
LAUNCH_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]

_SYSTEM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"]
_SYSTEM_PATHS = {
    "darwin": [
        "/Applications/Chromium.app/Contents/MacOS/Chromium",
        "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    ],
    "win32": [
        r"C:\Program Files\Google\Chrome\Application\chrome.exe",
        r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    ],
}

HOW_TO_GET_ONE = (
    "No Chromium or Chrome browser was found. Install one (`python -m playwright install chromium`, "
    "or your system's chromium package), or point optout at it with --browser PATH or OPTOUT_BROWSER."
)


def playwright_browser(playwright: Playwright) -> str | None:
    """Playwright's own downloaded Chromium, if it has been installed."""
    try:
        path = playwright.chromium.executable_path
    except Exception:  # Playwright raises when it has no browser registry entry
        return None
    return path if path and Path(path).exists() else None


def system_browser() -> str | None:
    """A Chromium or Chrome installed on the system."""
    for name in _SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in _SYSTEM_PATHS.get(sys.platform, []) if Path(p).exists()), None)


def headless_shell() -> str | None:
    """Chromium's headless shell, where the system has it (Debian's chromium-headless-shell):
    the same engine without the browser's window and services, which Playwright itself uses for
    headless runs. A headless run needs about 40% less processor time with it (docs/tests-and-benchmarks.md)."""
    return shutil.which("chromium-headless-shell")


def find_browser(playwright: Playwright | None, explicit: str | None = None, *,
                 headless: bool = False) -> str:
    """The browser to launch: --browser, OPTOUT_BROWSER, (for a headless run, the headless
    shell,) Playwright's own, then the system's."""
    chosen = explicit or os.environ.get("OPTOUT_BROWSER")
    if chosen:
        path = shutil.which(chosen) or chosen
        if not Path(path).exists():
            raise BrowserNotFound(f"The browser {chosen!r} does not exist; check --browser or OPTOUT_BROWSER.")
        return path
    found = ((headless_shell() if headless else None)
             or (playwright_browser(playwright) if playwright else None) or system_browser())
    if not found:
        raise BrowserNotFound(HOW_TO_GET_ONE)
    return found


async def launch(playwright: Playwright, *, explicit: str | None = None, headed: bool = False,
                 slow_mo_ms: float = 0) -> Browser:
    path = find_browser(playwright, explicit, headless=not headed)
    try:
        return await playwright.chromium.launch(executable_path=path, headless=not headed,
                                                args=LAUNCH_ARGS, slow_mo=slow_mo_ms or None)
    except PlaywrightError as exc:
        reason = first_line(exc)
        hint = " A visible browser (--headed) needs a display." if headed else ""
        raise BrowserLaunchFailed(f"Could not start the browser {path}: {reason}.{hint}") from exc
