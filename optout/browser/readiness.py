"""Readiness: whether a page has drawn what it stores, judged from the page's own signals.

Never from network quiet: real pages keep analytics beacons, long-polls and WebSockets going for as
long as they are open, which is why Playwright's docs discourage waiting for the network to go
idle. A page is ready when

- nothing on it says it is busy (`aria-busy`, an indeterminate progress bar);
- the requests it makes to read its own data have answered (beacons, saves, event streams,
  WebSockets and connections held open are not waited for);
- no timer the page set itself (while loading, answering a request or a click) is still due within
  a few seconds: pages that draw a switch before they know its state often ask for the state a
  moment later, from such a timer. Timers re-armed by timers (polling, tickers) are not waited for;
- the recipe's `ready_response` has answered, where the recipe names one;
- and what is read is the same on both sides of two frames the page drew, with nothing in
  between: no data answered or its body read, no timer of the page's run, no load or click. What
  follows an answer (a framework's re-render) is done by then. Where the page draws no frames (a
  tab in the background of a person's browser), the two reads are the steady window
  (`steady_ms`) apart instead. And at least that window has passed since the page last loaded or
  was clicked, for a fill-in none of these signals announce (an answer by POST or from another
  host, a push over a socket) that comes that soon; the consent check and the control's finding
  usually take that long already, so it seldom adds a wait.

A readiness that could not be established within its bound is reported as such, never as ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page, Request, Response

# What a page shows while it is loading or saving (visible ones only count).
BUSY = "[aria-busy=true], [role=progressbar]:not([aria-valuenow])"
# Paths of connections held open by design: long-polls, event streams, push channels (the
# long-poll transports of Socket.IO, SockJS, SignalR and Google's WebChannel included).
HELD_PATHS = re.compile(r"poll|realtime|stream|subscribe|socket|comet|/bind\b|/pull\b|/channel\b"
                        r"|/connect\b|/events?\b|/live\b", re.IGNORECASE)
_DATA_TYPES = {"fetch", "xhr"}
# Timers due further out than this are not waited for (a popup shown after a while, say).
TIMER_HORIZON_MS = 3_000
# Added to every page before its own scripts run: notes the one-shot timers the page sets, except
# those set from a timer's own callback (a chain: polling, tickers), and says when the last of
# them is due; and notes the fetch/XHR requests the page's scripts have open, the moment they are
# made (the browser reports a request a little later: a state asked from a timer must never fall
# in between). It changes nothing the page sees.
WATCH_SCRIPT = """(() => {
  const due = new Map();
  let inTimer = 0, timersRun = 0;
  const set = window.setTimeout, clear = window.clearTimeout;
  window.setTimeout = function (handler, delay, ...args) {
    const wait = Number(delay) || 0;
    const run = typeof handler === "function"
      ? function () {
          // Until the next task: what the callback's promises go on to set is part of the chain.
          inTimer++;
          try { return handler.apply(this, args); }
          finally {
            if (due.delete(id)) timersRun++;
            Reflect.apply(set, window, [() => inTimer--, 0]);
          }
        }
      : handler;
    const id = Reflect.apply(set, this, [run, delay]);
    if (!inTimer && wait <= HORIZON_MS) due.set(id, performance.now() + wait);
    return id;
  };
  window.clearTimeout = function (id) { due.delete(id); return Reflect.apply(clear, this, [id]); };
  const open = new Map(), ended = [];
  let last = 0;
  const opened = (method, url) => {
    const key = ++last;
    try { open.set(key, [String(method || "GET").toUpperCase(), new URL(url, location.href).href,
                         performance.now()]); } catch (e) {}
    return key;
  };
  const close = key => {  // the last few ended, numbered: what answered between two looks
    const call = open.get(key);
    if (call) { ended.push([key, call[0], call[1]]); if (ended.length > 50) ended.shift(); }
    open.delete(key);
  };
  const fetch0 = window.fetch;
  if (fetch0) window.fetch = function (input, init) {
    const isRequest = typeof Request !== "undefined" && input instanceof Request;
    const key = opened((init && init.method) || (isRequest ? input.method : "GET"),
                       isRequest ? input.url : String(input));
    const answer = Reflect.apply(fetch0, this, [input, init]);
    answer.then(() => close(key), () => close(key));
    return answer;
  };
  // Reading an answer's body is part of the request: the state is in it.
  if (typeof Response !== "undefined") for (const name of ["json", "text", "arrayBuffer", "blob"]) {
    const read = Response.prototype[name];
    if (read) Response.prototype[name] = function (...args) {
      const key = opened("GET", this.url);
      const body = Reflect.apply(read, this, args);
      body.then(() => close(key), () => close(key));
      return body;
    };
  }
  const xhrs = new WeakMap(), xhrOpen = XMLHttpRequest.prototype.open,
        xhrSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    xhrs.set(this, [method, url]);
    return Reflect.apply(xhrOpen, this, [method, url, ...rest]);
  };
  XMLHttpRequest.prototype.send = function (...args) {
    const call = xhrs.get(this);
    if (call) {
      const key = opened(...call);
      this.addEventListener("loadend", () => close(key));
    }
    return Reflect.apply(xhrSend, this, args);
  };
  Object.defineProperty(window, "__optoutWaits", { value: () => ({
    timerDueMs: Math.max(0, ...due.values()) - performance.now(), timersRun,
    requests: Array.from(open.values(), ([m, u, t]) => [m, u, performance.now() - t]),
    ended: ended.slice() }) });
  // Resolves once the page has drawn `n` more frames.
  const frame = window.requestAnimationFrame.bind(window);
  Object.defineProperty(window, "__optoutFrames", { value: n => new Promise(done => {
    const step = left => left ? frame(() => step(left - 1)) : done(true);
    step(n);
  }) });
})();""".replace("HORIZON_MS", str(TIMER_HORIZON_MS))
_PAUSE_S = 0.1  # the longest between two looks at a page that is not ready


@dataclass(frozen=True)
class Readiness:
    """Whether a read came from a settled page, and what settled it (or what never did)."""

    ready: bool
    how: str


class RequestWatch:
    """The data reads a page has open: GET fetch/XHR requests to the platform's own origins.

    A request still open after `held_ms` is taken for a connection held by design and no longer
    waited for; so is an event stream, once its headers arrive.
    """

    def __init__(self, page: Page, is_own: Callable[[str], bool], held_ms: float):
        self._page = page
        self._is_own = is_own
        self._held_s = held_ms / 1000
        self._open: dict[Request, float] = {}
        self.answered: list[str] = []  # addresses answered since the page last loaded
        self.reads_ended = 0  # data reads that ended, as the browser tells
        self.since = time.monotonic()  # when the page last loaded or was clicked
        self._changed = asyncio.Event()  # a data read ended or answered, or the page loaded
        page.on("request", self._started)
        page.on("response", self._answered)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)
        page.on("framenavigated", self._navigated)

    def _started(self, request: Request) -> None:
        if request.resource_type in _DATA_TYPES and self.is_data_read(request.method, request.url):
            self._open[request] = time.monotonic()

    def is_data_read(self, method: str, url: str) -> bool:
        """A request that reads the platform's own data (not a save, not a held connection)."""
        return (method == "GET" and self._is_own(url)
                and not HELD_PATHS.search(urlsplit(url).path))

    def page_activity(self, waits: dict) -> tuple[int, int]:
        """What the page has done so far that could change what it draws: the number of its
        latest data read to end (WATCH_SCRIPT's `ended`), and its timers run."""
        ended = [key for key, method, url in waits.get("ended", [])
                 if self.is_data_read(method, url)]
        return max(ended, default=0), int(waits.get("timersRun", 0))

    def page_pending(self, requests: list[list]) -> list[str]:
        """Of the requests the page's scripts say they have open ([method, url, age in ms]),
        the data reads not yet taken for held connections."""
        return [url for method, url, age_ms in requests
                if self.is_data_read(method, url) and age_ms < self._held_s * 1000]

    def _answered(self, response: Response) -> None:
        self.answered.append(response.url)
        if "text/event-stream" in response.headers.get("content-type", ""):
            self._open.pop(response.request, None)
            self._changed.set()

    def _ended(self, request: Request) -> None:
        if self._open.pop(request, None) is not None:
            self.reads_ended += 1
            self._changed.set()

    def _navigated(self, frame: Frame) -> None:
        if frame == self._page.main_frame:
            self._open.clear()
            self.answered.clear()
            self.touched()
            self._changed.set()

    def looking(self) -> None:
        """A look at the page begins: what changes from now wakes `next_change`."""
        self._changed.clear()

    async def next_change(self, within_s: float) -> None:
        """Until a data read ends or answers or the page loads anew since the last look began,
        or `within_s` has passed, whichever comes first."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._changed.wait(), within_s)

    def stop(self) -> None:
        """Stop watching (a watch made for one wait)."""
        for event, listener in (("request", self._started), ("response", self._answered),
                                ("requestfinished", self._ended), ("requestfailed", self._ended),
                                ("framenavigated", self._navigated)):
            self._page.remove_listener(event, listener)

    def touched(self) -> None:
        """The page was clicked: what it draws next may change again."""
        self.since = time.monotonic()

    def pending(self) -> list[str]:
        """Addresses of the data reads still open and not yet taken for held connections."""
        now = time.monotonic()
        return [r.url for r, since in self._open.items() if now - since < self._held_s]

    def has_answered(self, url_contains: str) -> bool:
        return any(url_contains in url for url in self.answered)


async def settle(page: Page, watch: RequestWatch, read: Callable[[], Awaitable[str]] | None, *,
                 window_ms: float, limit_ms: float,
                 ready_response: str | None = None) -> tuple[str | None, Readiness]:
    """Wait until the page is ready; the last state `read` gave (None without `read`).

    With `read`, the state must read the same on both sides of two frames the page drew (or,
    where it draws none, of `window_ms`) while the page is ready and does nothing in between.
    Gives up after `limit_ms` and says what it was still waiting for.
    """
    deadline = time.monotonic() + limit_ms / 1000
    window_s = window_ms / 1000
    looked: tuple[str, object] | None = None  # the last steady-looking read, and what it saw
    how = "two drawn frames"
    while True:
        watch.looking()
        waits = await _page_waits(page)
        waiting = await _waiting_for(page, watch, waits, ready_response)
        if not waiting and read is None:
            return None, Readiness(True, "nothing busy, data requests answered, no timer due")
        state = await _state(read) if read and not waiting else None
        if state is not None:
            seen = (state, (watch.page_activity(waits), watch.since, watch.reads_ended))
            # Also at least the steady window since the page loaded or was clicked: a fill-in
            # no signal announces (an answer by POST, from another host, over a socket) that
            # comes that soon is still seen.
            settled_for = time.monotonic() - watch.since
            if seen == looked and settled_for >= window_s:
                return state, Readiness(True, "nothing busy, data requests answered, no timer "
                                              f"due, read the same across {how}")
            if seen == looked:
                await watch.next_change(window_s - settled_for)
                continue
            looked = seen
            how = "two drawn frames" if await _frames(page, 2, window_ms) else f"{window_ms:g} ms"
            if time.monotonic() < deadline:
                continue  # look again at once
        else:
            looked = None
        if time.monotonic() >= deadline:
            reason = waiting or ("its state kept changing" if read else "it never settled")
            return state, Readiness(False, f"after {limit_ms / 1000:g} s, {reason}")
        # Look again once what the page waits for may have come: a request's end, its own
        # timer's time; at the latest after a pause (a busy mark's end, a body read, has no
        # event).
        due_s = float(waits.get("timerDueMs", 0) or 0) / 1000
        await watch.next_change(min(_PAUSE_S, due_s) if due_s > 0 else _PAUSE_S)


async def _frames(page: Page, count: int, limit_ms: float) -> bool:
    """Whether the page drew `count` more frames; where it did not within `limit_ms` (a tab in
    the background draws none), False once that time has passed."""
    started = time.monotonic()
    try:
        if await asyncio.wait_for(page.evaluate(
                "n => window.__optoutFrames ? window.__optoutFrames(n) : false", count),
                limit_ms / 1000) is True:
            return True
    except (asyncio.TimeoutError, PlaywrightError):
        pass
    await asyncio.sleep(max(0.0, limit_ms / 1000 - (time.monotonic() - started)))
    return False


async def _waiting_for(page: Page, watch: RequestWatch, waits: dict,
                       ready_response: str | None) -> str:
    """What the page is still doing, in words; empty when it is ready."""
    # (Playwright's locator sees into open shadow roots, where web components draw spinners.)
    if await page.locator(BUSY).filter(visible=True).count():
        return "the page still showed itself busy"
    pending = watch.pending() or watch.page_pending(waits.get("requests", []))
    if pending:
        return f"a data request was still open ({pending[0]})"
    if waits.get("timerDueMs", 0) > 0:
        return "a timer the page set was still due"
    if ready_response and not watch.has_answered(ready_response):
        return f"no answer yet from the recipe's ready_response ({ready_response})"
    return ""


async def _page_waits(page: Page) -> dict:
    """What the page's own scripts are waiting for (WATCH_SCRIPT): timers due, requests open."""
    try:
        waits = await page.evaluate("() => window.__optoutWaits ? window.__optoutWaits() : {}")
    except PlaywrightError:  # navigating: the next look will tell
        return {}
    return waits if isinstance(waits, dict) else {}


async def _state(read: Callable[[], Awaitable[str]]) -> str | None:
    try:
        return await read()
    except PlaywrightError:  # redrawn between finding and reading: read again
        return None
