"""Consent banners refused the way privacy browsers refuse them: DuckDuckGo's autoconsent.

autoconsent (github.com/duckduckgo/autoconsent, MPL-2.0) is what DuckDuckGo's browsers and
extensions run on every page: a maintained set of rules, each saying how one site's or one consent
platform's banner is found, how to opt out of it, and how to test that the opt-out held. optout
runs it first, in opt-out mode, wherever it answers consent (engine/account.py); where no rule
matches, optout's own heuristics (browser/consent.py) answer.

**Where the code comes from.** `@duckduckgo/autoconsent` 16.23.0 as DuckDuckGo published it on the
npm registry (tarball sha512-NTmDhASF…4nkPKg==): its `dist/autoconsent.playwright.js` and
`rules/rules.json`, copied unchanged into `autoconsent-16.23.0/` beside this file with the licence.
Their SHA-256 are pinned in `PINS`; the files are read and checked once, before first use, and a
file that does not match is never run (AutoconsentTampered). An update is deliberate: a new
folder, new pins, and tests/test_autoconsent.py shows they match. (Not the `duckduckgo-
autoconsent-py` wheel: a third party repackages it, and its builds cannot be checked here against
DuckDuckGo's own.)

**Why what optout types stays out of its reach.** It is never run on a sign-in page (the engine
answers those with its own heuristics), and it lives in the document it was run in, so it is gone
before any page where a password or code is typed. It runs in an isolated world: it shares the
page's DOM but not its JavaScript, so the page cannot see, call or fake it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
import secrets
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from playwright.async_api import CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from optout.domain.errors import OptoutError
from optout.domain.targets import normalise_origin
from optout.recipe.loading import shipped_recipe

log = logging.getLogger(__name__)

VERSION = "16.23.0"
FOLDER = Path(__file__).with_name(f"autoconsent-{VERSION}")
PINS = {
    "autoconsent.playwright.js": "d5d1d372976129e25596e0959f85cb954eec4d783684da1055e3ac0dc4d9b58e",
    "rules.json": "e4c2a7e84a5dc5d74104ec52fb1125fa68d088cb22c49043a917967aa82acb73",
}
WORLD = "optout-autoconsent"  # the isolated worlds it runs in: one of its own each time
BINDING = "__optoutAutoconsentSend"  # how it talks to optout (a CDP binding, in that world only)
# Its own messages are objects; a CDP binding carries one string. It is run once the page is
# ready by its own signals (engine/account.py), so it starts at once rather than when the
# browser next finds itself idle (which on a page with beacons is its 500 ms limit): in its
# world only, it finds no requestIdleCallback and starts on the next task.
PRELUDE = (f"window.autoconsentSendMessage = message => {{ {BINDING}(JSON.stringify(message)); "
           "return Promise.resolve(); };\nwindow.requestIdleCallback = undefined;\n")
CONFIG = {
    "enabled": True,
    "autoAction": "optOut",  # never optIn
    "disabledCmps": [],
    "enablePrehide": False,  # nothing hidden: a banner left is seen, by optout and in evidence
    "enableCosmeticRules": False,  # a banner hidden is not a banner refused
    "enableGeneratedRules": True,
    "detectRetries": 0,  # one look, once the page is ready: a page that draws none is done
    "heuristicMode": "off",  # optout's own heuristics are the fallback
    "isMainWorld": False,
    "logs": {"errors": False},
}
POPUP_MS = 6000  # a rule's own wait for its banner to show (10 tries, 500 ms apart), and some
TEST_MS = 3000  # a rule's test of its result


class AutoconsentTampered(OptoutError):
    exit_code = 2


@dataclass(frozen=True)
class Answer:
    """What a rule did: its name, whether it opted out, and its own test of the result (None
    where the rule has none)."""

    rule: str
    refused: bool
    test: bool | None = None
    tested: bool = False  # the rule has a test and it was asked for (None then: no answer)

    def describe(self) -> str:
        test = {True: "its test passed", False: "its test FAILED",
                None: "its test gave no answer" if self.tested else "it has no test"}
        return (f"autoconsent {VERSION} rule {self.rule!r}: "
                f"{'refused' if self.refused else 'could not refuse'}, {test[self.test]}")


def check_pins() -> None:
    """AutoconsentTampered unless both vendored files are the pinned ones: before any browser."""
    for name in PINS:
        pinned(name)


@cache
def pinned(name: str) -> str:
    """A vendored file's text, once its SHA-256 matches its pin."""
    data = (FOLDER / name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != PINS[name]:
        raise AutoconsentTampered(
            f"{FOLDER / name} is not the autoconsent {VERSION} file optout was released with "
            f"(SHA-256 {digest[:12]}…, pinned {PINS[name][:12]}…); reinstall optout.")
    return data.decode("utf-8")


@cache
def _rules() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(pinned("rules.json"))["autoconsent"])


_compiling = threading.Lock()
_compiled: tuple[re.Pattern[str] | bool, ...] | None = None


def _patterns() -> tuple[re.Pattern[str] | bool, ...]:
    """Each rule's address pattern, compiled; True for a rule without one (it runs everywhere),
    False for one Python cannot read (it runs nowhere). Compiled once, by whichever thread asks
    first; another waits for it."""
    global _compiled
    with _compiling:
        if _compiled is None:
            _compiled = tuple(_compile(rule.get("runContext", {}).get("urlPattern"))
                              for rule in _rules())
        return _compiled


def _compile(pattern: str | None) -> re.Pattern[str] | bool:
    try:
        return re.compile(pattern) if pattern else True
    except re.error:
        return False


def warm() -> None:
    """Compile the rules' address patterns in a thread now, while the browser starts (Python
    only waits then), rather than on the first page checked for a banner (hundreds of patterns:
    about 0.1 s)."""
    def compile_quietly() -> None:
        with contextlib.suppress(Exception):  # (a file not as pinned is told where it is used)
            _patterns()

    threading.Thread(target=compile_quietly, name="optout-autoconsent", daemon=True).start()


@lru_cache(maxsize=256)
def rules_for(platform_url: str) -> str:
    """The rules (autoconsent's bundle, as JSON) that may run on a page of `platform_url`: every
    rule without an address pattern, and those whose pattern matches it. A matched rule's pattern
    is dropped, so it also runs where a twin or a mirror stands in for the platform."""
    chosen = []
    for rule, pattern in zip(_rules(), _patterns(), strict=True):
        if pattern is False or (pattern is not True and not pattern.search(platform_url)):
            continue
        if pattern is not True:
            rule = {**rule, "runContext": {k: v for k, v in rule["runContext"].items()
                                           if k != "urlPattern"}}
        chosen.append(rule)
    return json.dumps({"autoconsent": chosen})


def standing_for(url: str, origin: str, live_origin: str) -> str:
    """The platform's own address that `url` stands for: on `origin` (a twin's, a mirror's),
    the same path at `live_origin`; anywhere else, `url` itself."""
    own = normalise_origin(origin)
    if live_origin and url.startswith(own + "/"):
        return normalise_origin(live_origin) + url[len(own):]
    return url


@lru_cache(maxsize=64)
def live_origin(platform: str) -> str:
    """The origin of optout's own recipe for `platform` ("" without one): what a twin's or a
    mirror's pages stand for when rules are chosen."""
    shipped = shipped_recipe(platform)
    return shipped.origin if shipped else ""


async def refuse(page: Page, platform_url: str, limit_ms: float) -> Answer | None:
    """Run autoconsent in opt-out mode on the page's main frame; what its rule did, or None when
    no rule found a banner (within `limit_ms`, at most)."""
    pinned("autoconsent.playwright.js")  # checked before anything is opened
    try:
        cdp = await page.context.new_cdp_session(page)
    except PlaywrightError as exc:  # not Chromium: optout's heuristics answer
        log.info("autoconsent not run: %s", exc)
        return None
    try:
        return await asyncio.wait_for(_converse(page, cdp, platform_url), limit_ms / 1000)
    except (asyncio.TimeoutError, PlaywrightError, TypeError, ValueError, KeyError) as exc:
        # Gone, slow or garbled: optout's heuristics answer instead, as where no rule matched.
        log.info("autoconsent gave no answer on %s: %s", page.url, exc)
        return None
    finally:
        with contextlib.suppress(PlaywrightError):
            await cdp.detach()


async def _converse(page: Page, cdp: CDPSession, platform_url: str) -> Answer | None:
    heard: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    context: dict[str, int] = {}

    def on_binding(event: dict[str, Any]) -> None:
        if event.get("name") == BINDING and event.get("executionContextId") == context.get("id"):
            with contextlib.suppress(ValueError):
                heard.put_nowait(json.loads(event.get("payload", "")))

    cdp.on("Runtime.bindingCalled", on_binding)
    await cdp.send("Runtime.enable")  # (bindings are called through it)
    name = f"{WORLD}-{secrets.token_hex(8)}"  # a world run before in this document keeps its state
    await cdp.send("Runtime.addBinding", {"name": BINDING, "executionContextName": name})
    tree = await cdp.send("Page.getFrameTree")
    world = await cdp.send("Page.createIsolatedWorld", {"frameId": tree["frameTree"]["frame"]["id"],
                                                        "worldName": name})
    context["id"] = world["executionContextId"]

    async def tell_expression(message: str) -> None:
        await cdp.send("Runtime.evaluate", {
            "expression": f"autoconsentReceiveMessage({message})", "contextId": context["id"]})

    async def tell(message: dict[str, Any]) -> None:
        await tell_expression(json.dumps(message))

    started = await cdp.send("Runtime.evaluate", {
        "expression": PRELUDE + pinned("autoconsent.playwright.js"), "contextId": context["id"]})
    if "exceptionDetails" in started:  # it did not start here: no answer will come
        log.info("autoconsent did not start on %s", page.url)
        return None
    found: str | None = None
    refused: bool | None = None
    loop = asyncio.get_running_loop()
    until: float | None = None  # the end of a wait of its own: for a banner, for a test
    while True:
        wait = None if until is None else max(0.0, until - loop.time())
        try:
            message = await asyncio.wait_for(heard.get(), wait)
        except asyncio.TimeoutError:
            # A rule knew the site and no banner of it showed; or its test gave no answer.
            return Answer(found, True, tested=True) if refused and found else None
        kind = message.get("type")
        log.debug("autoconsent said %s", kind)
        if kind == "init":  # (the rules' JSON, cached, goes in as it is)
            await tell_expression(f'{{"type": "initResp", "config": {json.dumps(CONFIG)}, '
                                  f'"rules": {rules_for(platform_url)}}}')
        elif kind == "eval":  # a rule's own snippet, which reads the page's JavaScript state
            await tell({"type": "evalResp", "id": message.get("id"),
                        "result": await _evaluate(page, str(message.get("code", "")))})
        elif kind == "report" and message.get("state", {}).get("lifecycle") == "nothingDetected":
            return None
        elif kind == "cmpDetected" and found is None:
            until = loop.time() + POPUP_MS / 1000
        elif kind == "popupFound":
            found, until = str(message.get("cmp")), None
        elif kind == "optOutResult":
            found, refused = str(message.get("cmp")), bool(message.get("result"))
            if not refused:
                return Answer(found, False)
            if not message.get("scheduleSelfTest"):
                return Answer(found, True)
            until = loop.time() + TEST_MS / 1000
            await tell({"type": "selfTest"})
        elif kind == "selfTestResult" and refused:
            return Answer(found or str(message.get("cmp")), True, bool(message.get("result")),
                          tested=True)


async def _evaluate(page: Page, code: str) -> Any:
    """A rule's snippet, in the page's own world (where the consent platform's script lives)."""
    try:
        result = await asyncio.wait_for(page.main_frame.evaluate(code), 2)
    except (asyncio.TimeoutError, PlaywrightError):
        return False
    # What the page's script returns may be anything; only plain JSON goes back (else false).
    return json.loads(json.dumps(result, default=lambda _: False))
