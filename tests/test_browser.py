"""Browser discovery order: --browser or OPTOUT_BROWSER, Playwright's own, then the system's."""

from __future__ import annotations

import pytest

from optout.browser import launch as browser
from optout.domain.errors import BrowserNotFound


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A machine with a Playwright browser and a system Chromium, both fake files."""
    own = tmp_path / "ms-playwright" / "chrome"
    system = tmp_path / "usr" / "bin" / "chromium"
    for path in (own, system):
        path.parent.mkdir(parents=True)
        path.write_text("")
    monkeypatch.delenv("OPTOUT_BROWSER", raising=False)
    monkeypatch.setattr(browser, "playwright_browser", lambda playwright: str(own))
    monkeypatch.setattr(browser.shutil, "which",
                        lambda name: str(system) if name == "chromium" else None)
    return own, system


def test_explicit_path_wins(machine, tmp_path):
    chosen = tmp_path / "my-chrome"
    chosen.write_text("")
    assert browser.find_browser(object(), str(chosen)) == str(chosen)


def test_environment_variable_comes_next(machine, tmp_path, monkeypatch):
    chosen = tmp_path / "env-chrome"
    chosen.write_text("")
    monkeypatch.setenv("OPTOUT_BROWSER", str(chosen))
    assert browser.find_browser(object()) == str(chosen)


def test_playwright_browser_before_system_browser(machine):
    own, _ = machine
    assert browser.find_browser(object()) == str(own)


def test_system_browser_when_playwright_has_none(machine, monkeypatch):
    _, system = machine
    monkeypatch.setattr(browser, "playwright_browser", lambda playwright: None)
    assert browser.find_browser(object()) == str(system)


def test_a_headless_run_prefers_the_headless_shell(machine, tmp_path, monkeypatch):
    own, _ = machine
    shell = tmp_path / "chromium-headless-shell"
    monkeypatch.setattr(browser.shutil, "which",
                        lambda name: str(shell) if name == "chromium-headless-shell" else None)
    assert browser.find_browser(object(), headless=True) == str(shell)
    assert browser.find_browser(object()) == str(own)  # a visible window needs the browser
    chosen = tmp_path / "my-chrome"
    chosen.write_text("")
    assert browser.find_browser(object(), str(chosen), headless=True) == str(chosen)


def test_nothing_found_says_how_to_get_one(machine, monkeypatch):
    monkeypatch.setattr(browser, "playwright_browser", lambda playwright: None)
    monkeypatch.setattr(browser, "system_browser", lambda: None)
    with pytest.raises(BrowserNotFound, match="playwright install chromium"):
        browser.find_browser(object())


def test_a_missing_explicit_browser_is_named(machine):
    with pytest.raises(BrowserNotFound, match="/no/such/chrome"):
        browser.find_browser(object(), "/no/such/chrome")
