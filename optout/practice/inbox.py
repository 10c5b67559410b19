"""The practice person: reads the codes the practice platform 'emails' to its users.

On the practice platform nobody has a real inbox; this stands in for the person who would read
the code and type it, so the demo goes through passwordless sign-ins unattended.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import Page

from optout.browser import consent
from optout.domain.accounts import Account
from optout.practice.twin import SignInSpec
from optout.practice.world import World


class PracticeInbox:
    present = False  # nobody to hand a visible browser to

    def __init__(self, world: World):
        self.world = world

    async def ask_code(self, prompt: str, account: Account | None = None) -> str | None:
        user = self.world.user(account.username) if account and account.username else None
        return user.sent_codes[-1] if user and user.sent_codes else None

    async def agrees_to_finish_by_hand(self, reason: str) -> bool:
        return False

    async def finish_by_hand(self, page: Page, reason: str) -> None:
        return None

    async def point_at(self, page: Page, what: str) -> None:
        return None  # nobody to click: `optout teach` is not offered here


class PracticeHand(PracticeInbox):
    """The practice person at a visible browser: signs in by hand on a twin's sign-in page, with
    the throwaway credentials the practice platform gave, as a person would on a platform that
    refuses automated sign-ins."""

    present = True

    def __init__(self, world: World, pages: dict[str, SignInSpec],
                 credentials: dict[str, tuple[str, str]]):
        super().__init__(world)
        self.pages, self.credentials = pages, credentials  # both by the twin's origin

    async def agrees_to_finish_by_hand(self, reason: str) -> bool:
        return True

    async def finish_by_hand(self, page: Page, reason: str) -> None:
        parts = urlsplit(page.url)
        origin = f"{parts.scheme}://{parts.netloc}"
        spec, (username, password) = self.pages[origin], self.credentials[origin]
        await consent.answer(page, [])  # a cookie dialog first, refused as a person would
        # The twin's own form, whatever words the build gives it: a person reads any of them.
        await page.locator("#username").fill(username)
        if spec.next or not await page.locator("#password").is_visible():  # (email-first)
            await page.locator("form button[type=submit]").click()
        if spec.password:
            await page.locator("#password").fill(password)
        await page.locator("form button[type=submit]").click()
