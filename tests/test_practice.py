"""The LinkedIn twin behaves like the documented page, driven by hand through pytest-playwright."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from optout.practice import World
from optout.practice.linkedin import GEN_AI

SETTINGS_PATH = "/mypreferences/d/settings/data-for-ai-improvement"


def sign_in(page, origin, username, password):
    page.goto(origin + SETTINGS_PATH)
    expect(page).to_have_url(f"{origin}/login?session_redirect={SETTINGS_PATH}")
    page.get_by_label("Email or phone").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_sign_in_returns_to_the_setting_which_saves_asynchronously(page, practice):
    practice.world.add_user("ada@example.com", "right-password")
    sign_in(page, practice.origin, "ada@example.com", "right-password")
    expect(page).to_have_url(practice.origin + SETTINGS_PATH)
    expect(page.get_by_role("heading", name="Data for Generative AI Improvement")).to_be_visible()
    switch = page.get_by_role("switch", name="Use my data for training content creation AI models")
    expect(switch).to_be_checked()
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        switch.click()
    assert saved.value.ok
    expect(page.get_by_role("status")).to_have_text("Saved")
    assert practice.world.setting("ada@example.com", GEN_AI) is False
    page.reload()
    expect(switch).not_to_be_checked()


def test_wrong_password_shows_the_error(page, practice):
    practice.world.add_user("ada@example.com", "right-password")
    sign_in(page, practice.origin, "ada@example.com", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")


def test_rejected_save_puts_the_switch_back(page, practice):
    practice.world.add_user("ada@example.com", "pw-123456", faults={"save_rejected"})
    sign_in(page, practice.origin, "ada@example.com", "pw-123456")
    switch = page.get_by_role("switch", name="Use my data for training content creation AI models")
    switch.click()
    expect(page.get_by_role("status")).to_have_text("Something went wrong. Try again.")
    expect(switch).to_be_checked()


def test_unknown_faults_are_refused():
    with pytest.raises(ValueError, match="unknown faults: typo"):
        World().add_user("a", "b", faults={"typo"})


def test_a_fault_a_twin_does_not_implement_is_an_error(practice):
    """A test asking a described twin for LinkedIn's `hang` must not pass without a hang."""
    from optout.practice.twin import TWIN_FAULTS

    assert "hang" not in TWIN_FAULTS
    practice.world.add_user("ada@example.com", "pw", faults={"hang"})
    practice.world.require_faults("ada@example.com", TWIN_FAULTS, "x")
    assert practice.world.unimplemented == ["the x twin does not implement hang"]
    practice.world.unimplemented.clear()  # this test asked for it on purpose
