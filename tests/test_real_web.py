"""Pages that behave like real platforms' pages: never network-quiet, drawn before their state,
drawn from the browser's own storage, covered by a cookie dialog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optout.app.runner import run_sync
from optout.domain.accounts import Account
from optout.practice.linkedin import GEN_AI
from optout.practice.world import REALISTIC
from optout.store.sessions import EncryptedSessions
from tests.conftest import invoke, results_of
from tests.twin_accounts import store

pytestmark = pytest.mark.usefixtures("linkedin_toggle_only")


def run(practice, *extra: str):
    return invoke("run", "linkedin", "--origin", practice.origin, "--json", *extra)


def check(practice, *extra: str):
    return invoke("check", "linkedin", "--origin", practice.origin, "--json", *extra)


def record_of(row: dict) -> dict:
    return json.loads(Path(row["evidence"]["record"]).read_text())


@pytest.mark.parametrize("long_poll_path", ["/realtime/connect", "/api/updates"])
def test_a_page_that_is_never_network_quiet_is_read_from_its_own_signals(
        practice, member, long_poll_path):
    """Beacons every 250 ms, a held long-poll (at a known realtime address, and at one optout
    cannot recognise) and a WebSocket: readiness comes from the page, and says so."""
    practice.world.everyone = REALISTIC - {"consent"}
    practice.world.long_poll_path = long_poll_path
    ada = member(on=True, faults={"late_draw"})
    first = check(practice)
    assert (first.exit_code, results_of(first)[0]["status"]) == (4, "drift"), first.output
    result = run(practice)
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert (row["status"], row["before"], row["after"], row["verified"]) == (
        "changed", "on", "off", True)
    assert practice.world.setting(ada.username, GEN_AI) is False
    record = record_of(row)
    assert record["fresh_context"] is True
    assert record["ready"].startswith("nothing busy, data requests answered, no timer due, read the")


def test_a_switch_drawn_before_its_state_is_not_read_until_the_state_arrives(practice, member):
    """Drawn off at once, nothing marked busy; the stored "on" arrives about 2.2 s later."""
    ada = member(on=True, faults={"late_draw"})
    result = check(practice)
    assert result.exit_code == 4, result.output
    assert (results_of(result)[0]["status"], results_of(result)[0]["before"]) == ("drift", "on")
    result = run(practice)
    assert result.exit_code == 0, result.output
    assert results_of(result)[0]["status"] == "changed"
    assert practice.world.setting(ada.username, GEN_AI) is False


def test_already_off_on_a_late_drawn_page_is_left_alone(practice, member):
    ada = member(on=False, faults={"late_draw"})
    result = run(practice)
    assert result.exit_code == 0, result.output
    assert results_of(result)[0]["status"] == "already"
    assert practice.world.user(ada.username).save_requests == 0


def test_a_page_drawn_from_the_browsers_copy_cannot_vouch_for_a_lost_save(practice, member):
    """The page keeps the switch in localStorage; the platform loses the save. Reloading in the
    same browser would show the copy ("off"); only a cookie-only context shows what is stored."""
    ada = member(on=True, faults={"cached_state", "save_lost"})
    result = run(practice)
    assert result.exit_code == 1, result.output
    [row] = results_of(result)
    assert (row["status"], row["verified"], row["after"]) == ("failed", False, "on")
    assert practice.world.setting(ada.username, GEN_AI) is True
    # Never verified off, so a later check is drift, and no reset is claimed.
    later = check(practice)
    assert results_of(later)[0]["status"] == "drift"
    assert "turned back on" not in later.output


def test_a_page_that_disagrees_with_the_server_is_a_failure(practice, member):
    """The saved session carries the page's copy "off" (as a person's own browser would) while
    the platform holds "on": the working page shows off, a cookie-only load shows on."""
    ada = member(on=False, faults={"cached_state"})
    assert run(practice).exit_code == 0  # signs in and keeps the session
    account = Account("linkedin", "default", ada.username, (practice.origin,))
    sessions = EncryptedSessions()
    state = sessions.load(account, practice.origin)
    state["origins"] = [{"origin": practice.origin, "localStorage": [
        {"name": f"practice:{GEN_AI}", "value": "off"}]}]
    sessions.save(account, practice.origin, state)
    practice.world.store(ada.username, GEN_AI, True)  # the platform turns it back on
    result = run(practice)
    assert result.exit_code == 1, result.output
    [row] = results_of(result)
    assert (row["status"], row["verified"], row["after"]) == ("failed", False, "on")
    assert "draws from a copy kept in the browser" in row["message"]
    assert practice.world.user(ada.username).save_requests == 0


def test_a_cookie_dialog_is_rejected_never_accepted(practice, member):
    practice.world.everyone = frozenset({"consent"})
    ada = member(on=True)
    result = run(practice)
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert row["status"] == "changed" and row["verified"]
    assert practice.world.setting(ada.username, GEN_AI) is False
    assert practice.world.consent_answers and set(practice.world.consent_answers) == {"rejected"}
    assert any("Reject all" in answer for answer in record_of(row)["consent_answered"])


def test_a_described_twin_with_every_realistic_behaviour(practice, profile, inbox):
    practice.world.everyone = REALISTIC
    username = store(practice, "x", faults={"late_draw"})
    origin = practice.origin_of("x")
    result = invoke("run", "x", "--origin", origin, "--json")
    assert result.exit_code == 0, result.output
    assert {(r["status"], r["verified"]) for r in results_of(result)} == {("changed", True)}
    assert practice.world.setting(username, "grok-training") is False
    assert set(practice.world.consent_answers) == {"rejected"}
    again = invoke("check", "x", "--origin", origin, "--json")
    assert {r["status"] for r in results_of(again)} == {"ok"}, again.output


POLLING_AND_LATE = """<input type=checkbox role=switch aria-label=Training id=s>
<script>
  const pause = ms => new Promise(done => setTimeout(done, ms));
  (async () => { while (true) { await pause(150); } })();  // a ticker: never waited for
  (function tick() { setTimeout(tick, 100); })();          // a timer chain: never waited for
  setTimeout(() => { document.getElementById("s").checked = true; }, LATE);
</script>"""


@pytest.mark.parametrize("late_ms", [0, 1200, 2500])
def test_a_timer_the_page_set_is_waited_for_and_a_ticker_is_not(late_ms):
    """The state filled in from a one-shot timer is read; pages that keep timers going are still
    read, well before the readiness bound."""
    from playwright.async_api import async_playwright

    from optout.browser.contexts import new_context
    from optout.browser.launch import launch
    from optout.browser.readiness import RequestWatch, settle

    async def read() -> tuple[str | None, bool]:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            context = await new_context(browser)
            page = await context.new_page()
            watch = RequestWatch(page, lambda url: True, 3000)
            await page.set_content(POLLING_AND_LATE.replace("LATE", str(late_ms)))
            switch = page.get_by_role("switch", name="Training")

            async def state() -> str:
                return "on" if await switch.is_checked() else "off"

            found, readiness = await settle(page, watch, state, window_ms=300, limit_ms=8000)
            await browser.close()
            return found, readiness.ready

    assert run_sync(read()) == ("on", True)


DIALOG = """<main><button>Save</button></main>
<dialog id=d><h2>TITLE</h2><p>TEXT</p>BUTTONS</dialog>
<script>document.getElementById("d").showModal();</script>"""


@pytest.mark.parametrize(("title", "text", "buttons", "answered"), [
    ("We value your privacy", "We use cookies to improve your experience.",
     ["Accept all cookies", "Reject all"], "Reject all"),
    ("Cookies", "Diese Website verwendet Cookies.", ["Alle akzeptieren", "Alle ablehnen"],
     "Alle ablehnen"),
    ("Vos choix", "Nous utilisons des cookies et traceurs.", ["Tout accepter", "Tout refuser"],
     "Tout refuser"),
    ("Cookie settings", "We use cookies.", ["Accept", "Use necessary cookies only"],
     "Use necessary cookies only"),
    ("Data controls", "Choose how we use your data to train models.", ["Decline", "Done"], None),
])
def test_consent_dialogs_are_refused_in_the_recipes_languages(title, text, buttons, answered):
    """Only dialogs about cookies or consent are answered, and only ever by refusing."""
    assert _consent_answer(title, text, buttons) == answered


def test_a_consent_dialog_with_no_way_to_refuse_is_a_clear_failure():
    with pytest.raises(Exception, match="offers no button that rejects"):
        _consent_answer("Cookies", "We use cookies.", ["Accept all", "Learn more"])


def _consent_answer(title: str, text: str, buttons: list[str]) -> str | None:
    from playwright.async_api import async_playwright

    from optout.browser import consent
    from optout.browser.launch import launch

    async def answer() -> str | None:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                page = await browser.new_page()
                await page.set_content(DIALOG.replace("TITLE", title).replace("TEXT", text).replace(
                    "BUTTONS", "".join(f"<button>{b}</button>" for b in buttons)))
                return await consent.answer(page, [])
            finally:
                await browser.close()

    return run_sync(answer())
