"""DuckDuckGo's autoconsent, as optout runs it: pinned, in a world of its own, never where a
secret is typed (optout/browser/autoconsent.py)."""

from __future__ import annotations

import hashlib
import shutil
from typing import TypeVar

import pytest
from playwright.async_api import Page

from optout.browser import autoconsent
from tests.conftest import invoke, results_of
from tests.test_locate import on_page
from tests.twin_accounts import store

T = TypeVar("T")

LINKEDIN_BAR = """<h1>Feed</h1>
<section class="artdeco-global-alert" type="COOKIE_CONSENT"><p>LinkedIn and 3rd parties use
essential and non-essential cookies.</p><button action-type="ACCEPT">Accept</button>
<button action-type="DENY">Reject</button></section>
<script>
  window.answers = [];
  for (const button of document.querySelectorAll("[action-type]")) {
    button.onclick = () => { answers.push(button.getAttribute("action-type"));
                             document.querySelector("section").remove(); };
  }
</script>"""


def test_the_vendored_files_are_the_pinned_ones():
    for name, pin in autoconsent.PINS.items():
        assert hashlib.sha256((autoconsent.FOLDER / name).read_bytes()).hexdigest() == pin
    assert (autoconsent.FOLDER / "LICENSE").read_text().startswith("Mozilla Public License")


def test_a_changed_file_is_never_run(tmp_path, monkeypatch):
    folder = tmp_path / autoconsent.FOLDER.name
    shutil.copytree(autoconsent.FOLDER, folder)
    bundle = folder / "autoconsent.playwright.js"
    bundle.write_text(bundle.read_text() + "\nfetch('https://collector.invalid/');\n")
    monkeypatch.setattr(autoconsent, "FOLDER", folder)
    autoconsent.pinned.cache_clear()
    try:
        with pytest.raises(autoconsent.AutoconsentTampered, match="not the autoconsent"):
            autoconsent.pinned("autoconsent.playwright.js")
    finally:
        autoconsent.pinned.cache_clear()


def test_a_run_with_a_changed_file_stops_before_any_browser(practice, tmp_path, monkeypatch):
    folder = tmp_path / autoconsent.FOLDER.name
    shutil.copytree(autoconsent.FOLDER, folder)
    (folder / "rules.json").write_text('{"autoconsent": []}')
    monkeypatch.setattr(autoconsent, "FOLDER", folder)
    autoconsent.pinned.cache_clear()
    store(practice, "linkedin")
    try:
        result = invoke("run", "linkedin", "--origin", practice.origin)
    finally:
        autoconsent.pinned.cache_clear()
    assert result.exit_code == 2 and "reinstall optout" in result.stderr
    assert practice.world.sign_in_attempts == []


def test_a_rule_refuses_its_banner_from_a_world_the_page_cannot_reach():
    async def scenario(page: Page):
        # The page plants a fake receiver where a main-world script would be told things.
        await page.evaluate(
            "() => { window.autoconsentReceiveMessage = () => { window.faked = true; }; }")
        answer = await autoconsent.refuse(page, "https://www.linkedin.com/feed/", 10_000)
        seen = await page.evaluate("""[window.answers, typeof window.autoconsentSendMessage,
                                       typeof window.__optoutAutoconsentSend, !!window.faked]""")
        return answer, seen

    answer, (answers, sender, binding, faked) = on_page(LINKEDIN_BAR, scenario)
    assert answer == autoconsent.Answer("linkedin.com", refused=True, test=True, tested=True)
    assert answers == ["DENY"]  # refused, never accepted
    assert (sender, binding, faked) == ("undefined", "undefined", False)


def test_no_rule_for_the_page_leaves_it_to_the_heuristics():
    answer = on_page("<h1>Settings</h1>", lambda page: autoconsent.refuse(
        page, "https://www.linkedin.com/settings", 10_000))
    assert answer is None


def test_a_rule_for_the_live_site_runs_on_its_twin_and_nowhere_else():
    assert autoconsent.standing_for("http://127.0.0.1:8001/settings", "http://127.0.0.1:8001",
                                    "https://chatgpt.com") == "https://chatgpt.com/settings"
    assert autoconsent.standing_for("http://localhost:9/x", "http://127.0.0.1:8001",
                                    "https://chatgpt.com") == "http://localhost:9/x"
    assert '"chatgpt"' in autoconsent.rules_for("https://chatgpt.com/settings")
    assert '"chatgpt"' not in autoconsent.rules_for("https://example.com/settings")


def test_it_is_never_run_on_a_sign_in_page(practice, monkeypatch):
    """LinkedIn's live banner shows on its sign-in page too: optout's own heuristics are all
    that look there, and the rule refuses it on the settings page once signed in."""
    seen: list[str] = []
    refuse = autoconsent.refuse

    async def spy(page, platform_url, limit_ms):
        seen.append(page.url)
        return await refuse(page, platform_url, limit_ms)

    monkeypatch.setattr(autoconsent, "refuse", spy)
    practice.world.build = "live-consent"
    store(practice, "linkedin")
    result = invoke("run", "linkedin", "--origin", practice.origin,
                    "--setting", "data-for-generative-ai-improvement", "--json")
    assert [r["verified"] for r in results_of(result)] == [True], result.output
    assert seen and not any("/login" in url or "/checkpoint" in url for url in seen), seen
    assert practice.world.consent_answers[:1] == ["rejected"]


def test_a_snippet_answer_the_page_made_unusual_goes_back_as_plain_json():
    """A rule's snippet reads the page's own objects; a Date or an Error there is no answer."""
    from optout.browser.autoconsent import _evaluate

    async def scenario(page: Page):
        return [await _evaluate(page, "new Date(0)"), await _evaluate(page, "new Error('x')"),
                await _evaluate(page, "({ok: true})"), await _evaluate(page, "undefinedName")]

    plain = on_page("<p>page</p>", scenario)
    assert plain[2:] == [{"ok": True}, False]
    assert all(isinstance(value, (bool, str, int, float, dict, list, type(None)))
               for value in plain)
