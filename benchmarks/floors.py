"""The floors optout is measured against: plain Playwright doing the same clicks on the same
practice pages, with no checks, evidence or history (the least any tool could take).

Run as its own process by run_benchmark.py, so that it is timed and measured as optout is:

    python benchmarks/floors.py bulk ORIGIN ACCOUNTS CONCURRENCY BROWSER_JSON
        prints each account's seconds (JSON), from its first step to its read
    python benchmarks/floors.py sign-in ORIGIN STATE_FILE BROWSER_JSON
        signs user0 in and saves the session (cookies) for `check`
    python benchmarks/floors.py check ORIGIN STATE_FILE BROWSER_JSON
        a one-setting check as a whole process: start the browser, load the saved session, open
        the settings page, read the switch once it shows its stored state

It imports Playwright only, as a plain script would.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from playwright.async_api import Browser, Page, Playwright, async_playwright, expect

SETTINGS = "/mypreferences/d/settings/data-for-ai-improvement"
SWITCH = "Use my data for training content creation AI models"


async def start(playwright: Playwright, launch_with: list[str]) -> Browser:
    """`launch_with` is the path and the switches optout launches with (optout/browser/launch.py),
    given by run_benchmark.py: both start the same browser the same way."""
    return await playwright.chromium.launch(executable_path=launch_with[0], args=launch_with[1:])


async def sign_in(page: Page, origin: str, n: int) -> None:
    await page.goto(origin + SETTINGS)
    reject = page.get_by_role("button", name="Reject all")
    if await reject.is_visible():
        await reject.click()
        await expect(reject).to_be_hidden()
    await page.get_by_label("Email or phone").fill(f"user{n}@practice.invalid")
    await page.get_by_label("Password", exact=True).fill(f"pw-{n}-benchmark")
    await page.get_by_role("button", name="Sign in", exact=True).click()


async def bulk(origin: str, accounts: int, concurrency: int,
               launch_with: list[str]) -> list[float]:
    """Each account's own seconds, from its first step to its read (waiting for a free slot
    excluded), as optout's history times its accounts."""
    seconds: list[float] = []
    async with async_playwright() as playwright:
        browser = await start(playwright, launch_with)
        gate = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            async with gate:
                started = time.perf_counter()
                context = await browser.new_context()
                page = await context.new_page()
                await sign_in(page, origin, n)
                switch = page.get_by_role("switch", name=SWITCH)
                await expect(switch).to_be_checked()
                async with page.expect_response(
                        lambda r: r.request.method == "POST" and "/api/settings/" in r.url):
                    await switch.click()
                await page.reload()
                await expect(switch).not_to_be_checked()
                seconds.append(time.perf_counter() - started)
                await context.close()

        await asyncio.gather(*(one(n) for n in range(accounts)))
        await browser.close()
    return seconds


async def save_session(origin: str, state_file: str, launch_with: list[str]) -> None:
    async with async_playwright() as playwright:
        browser = await start(playwright, launch_with)
        context = await browser.new_context()
        page = await context.new_page()
        await sign_in(page, origin, 0)
        await expect(page.get_by_role("switch", name=SWITCH)).to_be_visible()
        await context.storage_state(path=state_file)
        await browser.close()


async def check(origin: str, state_file: str, launch_with: list[str]) -> bool:
    async with async_playwright() as playwright:
        browser = await start(playwright, launch_with)
        context = await browser.new_context(storage_state=state_file)
        page = await context.new_page()
        await page.goto(origin + SETTINGS)
        switch = page.get_by_role("switch", name=SWITCH)
        await expect(switch).to_be_checked()  # the floor knows what it will find: no settling
        on = await switch.is_checked()
        await browser.close()
    return on


def main() -> None:
    what, origin, *rest = sys.argv[1:]
    browser = json.loads(rest.pop())
    if what == "bulk":
        print(json.dumps(asyncio.run(bulk(origin, int(rest[0]), int(rest[1]), browser))))
    elif what == "sign-in":
        asyncio.run(save_session(origin, rest[0], browser))
    elif what == "check":
        sys.exit(0 if asyncio.run(check(origin, rest[0], browser)) else 1)


if __name__ == "__main__":
    main()
