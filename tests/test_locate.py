"""Finding controls the way a person does: role and name, label, text; CSS only as a fallback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from playwright.async_api import Page, async_playwright

from optout.app.runner import run_sync
from optout.browser.launch import launch
from optout.browser.locate import ControlNotFound, find, locator_for
from optout.recipe import Target

T = TypeVar("T")

SETTINGS = """
<label for="a">Use my data for training content creation AI models</label>
<input type="checkbox" role="switch" id="a" checked>
<label for="b">Use my data for ads</label><input type="checkbox" id="b">
<input id="c" placeholder="Search settings">
<button id="d" class="save-btn">Save</button>
<p id="e">Improve the model for everyone</p>
"""


@pytest.mark.parametrize(
    ("target", "element_id"),
    [
        (Target(role="switch", name="Use my data for training content creation AI models"), "a"),
        (Target(role="switch", name="use my data for training …"), "a"),  # "…": filled in
        (Target(label="Use my data for ads"), "b"),
        (Target(placeholder="Search settings"), "c"),
        (Target(role="button", name="Save", exact=True), "d"),
        (Target(text="Improve the model for everyone"), "e"),
        (Target(css=".save-btn"), "d"),
    ],
)
def test_each_kind_of_target_finds_its_element(page, target, element_id):
    page.set_content(SETTINGS)
    locator = locator_for(page, target)
    assert locator.count() == 1
    assert locator.get_attribute("id") == element_id


def test_names_never_match_words_inside_a_longer_name(page):
    page.set_content(SETTINGS)
    assert locator_for(page, Target(role="switch", name="training", exact=True)).count() == 0
    assert locator_for(page, Target(role="switch", name="training content creation")).count() == 0


def on_page(html: str, scenario: Callable[[Page], Awaitable[T]]) -> T:
    """Run `scenario` in a real browser, on a page holding `html`; what it returns."""

    async def go() -> T:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                page = await browser.new_page()
                await page.set_content(html)
                return await scenario(page)
            finally:
                await browser.close()

    return run_sync(go())


def find_id(html: str, targets: list[Target], timeout_ms: float = 2000) -> str | None:
    """Run `find` in a real browser against `html`; the id of the element it chose."""

    async def chosen(page: Page) -> str | None:
        return await (await find(page, targets, timeout_ms)).get_attribute("id")

    return on_page(html, chosen)


def test_find_prefers_targets_in_the_recipes_order():
    html = ('<button id="x" class="t">Old name</button>'
            '<div role="switch" id="y" aria-label="AI">on</div>')
    targets = [Target(role="switch", name="AI"), Target(css=".t")]
    assert find_id(html, targets) == "y"


def test_find_skips_a_preferred_target_that_is_hidden():
    html = ('<div role="switch" id="y" aria-label="AI" hidden>on</div>'
            '<button id="x" class="t">Old name</button>')
    assert find_id(html, [Target(role="switch", name="AI"), Target(css=".t")]) == "x"


def test_find_falls_back_to_css_when_the_name_is_gone():
    html = '<div role="switch" id="y" aria-label="Renamed"></div><div class="t" id="z">x</div>'
    assert find_id(html, [Target(role="switch", name="AI"), Target(css=".t")]) == "z"


def test_find_waits_for_a_control_drawn_after_load():
    html = """<div id="holder"></div><script>setTimeout(() => {
      document.getElementById('holder').innerHTML =
        '<input type=checkbox role=switch id=late aria-label="Use my data">';
    }, 300);</script>"""
    assert find_id(html, [Target(role="switch", name="Use my data")]) == "late"


def test_find_refuses_an_ambiguous_target():
    html = '<button id="a">Save</button><button id="b">Save</button>'
    with pytest.raises(ControlNotFound, match="matches 2 elements"):
        find_id(html, [Target(role="button", name="Save")])


def test_find_gives_up_within_its_limit():
    with pytest.raises(ControlNotFound, match=r'no switch "AI" appeared .* within 0.5 s'):
        find_id("<p>nothing here</p>", [Target(role="switch", name="AI")], timeout_ms=500)


def test_a_label_may_be_listed_in_several_languages(page):
    """The browser asks for English; a page shown in German anyway is still found."""
    page.set_content('<label for="t">Das Modell für alle verbessern</label>'
                     '<input type="checkbox" role="switch" id="t" checked>')
    target = Target(role="switch", name=["Improve the model for everyone",
                                         "Das Modell für alle verbessern"])
    assert locator_for(page, target).count() == 1
    assert target.describe() == 'switch "Improve the model for everyone"'
    english_only = Target(role="switch", name="Improve the model for everyone")
    assert locator_for(page, english_only).count() == 0


@pytest.mark.parametrize("html", [
    '<button>Settings</button><dialog><h2>Settings</h2></dialog>',
    '<dialog><h2>Settings</h2></dialog><button>Settings</button>',  # the hidden copy first
])
def test_hidden_copies_neither_hide_nor_make_ambiguous_the_visible_control(html):
    """A closed dialog holding the same words is not what a person sees."""

    async def scenario():
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await browser.new_page()
            await page.set_content(html)
            found = await find(page, [Target(text="Settings", exact=True)], 2000)
            tag = await found.evaluate("el => el.tagName")
            await browser.close()
            return tag

    assert run_sync(scenario()) == "BUTTON"


def test_evidence_masks_what_was_typed_and_nothing_else(tmp_path):
    from optout.browser.evidence import capture

    async def scenario():
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await browser.new_page()
            await page.set_content(
                '<form aria-label="Objection"><label for="e">Email</label><input id="e">'
                '<input type="checkbox" id="c"><label for="c">I confirm</label>'
                '<button>Continue</button></form>')
            await page.fill("#e", "ada@example.com")
            await page.check("#c")
            paths = await capture(page, tmp_path, "form", {},
                                  [Target(label="Email"), Target(label="I confirm")])
            await browser.close()
            return (tmp_path / paths["snapshot"]).read_text()

    snapshot = run_sync(scenario())
    assert "ada@example.com" not in snapshot
    assert 'button "Continue"' in snapshot and 'form "Objection"' in snapshot


def test_the_view_reads_again_past_a_redraw_and_names_a_control_without_a_state():
    """A switch redrawn between finding and reading is read again (not a recipe problem); a
    button that has no on/off state is named; a visible field counts past a hidden copy."""
    from optout.browser.readiness import _state
    from optout.domain.errors import SettingFailure
    from optout.engine.view import OnePage

    async def go(page: Page) -> None:
        view = OnePage(page)
        assert await view.showing([Target(label="Phone")])
        switch = await view.find([Target(role="switch", name="Train")], 2000)
        await page.evaluate("document.getElementById('sw').remove()")
        assert await _state(lambda: view.is_on(switch, 200)) is None
        button = await view.find([Target(role="button", name="Save")], 2000)
        with pytest.raises(SettingFailure, match='button "Save" on .* no on/off state'):
            await view.is_on(button, 1000, 'button "Save"')

    on_page('<div hidden><label>Phone <input aria-label="Phone"></label></div>'
            '<label>Phone <input aria-label="Phone"></label>'
            '<input type=checkbox role=switch aria-label="Train" id=sw>'
            '<button>Save</button>', go)


MENU = """
<div role="menu">
  <button role="menuitem" id="wide">Turn off and delete activity · 2 steps</button>
  <button role="menuitem" id="plain">Turn off · 1 step</button>
</div>
"""


def test_an_exact_name_with_a_hint_is_found_and_the_destructive_neighbour_never():
    turn_off = Target(role="menuitem", name="Turn off", exact=True, avoid=["delete"])
    assert find_id(MENU, [turn_off]) == "plain"
    # Without `avoid` the neighbour is still no "Turn off" plus a hint: words follow the name.
    assert find_id(MENU, [Target(role="menuitem", name="Turn off", exact=True)]) == "plain"


def test_two_candidates_alike_fail_naming_them_rather_than_a_guess():
    twice = MENU.replace('id="wide">Turn off and delete activity · 2 steps',
                         'id="again">Turn off · 2 steps')
    with pytest.raises(ControlNotFound, match=r"matches 2 elements .*'Turn off · 2 steps'.*guess"):
        find_id(twice, [Target(role="menuitem", name="Turn off", exact=True)])


def test_an_avoided_word_is_never_chosen_even_by_exact_name():
    html = '<button role="menuitem" id="x">Share with everyone</button>'
    target = Target(role="menuitem", name="Share with everyone", exact=True, avoid=["everyone"])
    with pytest.raises(ControlNotFound, match="no menuitem"):
        find_id(html, [target], timeout_ms=300)


def test_an_on_off_control_is_found_in_whichever_form_the_page_builds_it():
    native = '<label><input type="checkbox" id="n"> Improve the model for everyone</label>'
    switch = '<button role="switch" aria-checked="true" id="s">Grok data sharing</button>'
    assert find_id(native, [Target(role="switch", name="Improve the model for everyone")]) == "n"
    assert find_id(switch, [Target(role="checkbox", name="Grok data sharing")]) == "s"
    pinned = Target(role="switch", name="Improve the model for everyone", pin_role=True)
    with pytest.raises(ControlNotFound):
        find_id(native, [pinned], timeout_ms=300)


def test_a_sentence_that_holds_the_name_is_never_the_control():
    """Only the control named by the recipe's words (plus a hint) is found, never a control
    whose name speaks of them in a longer sentence about something else."""
    sentence = ('<label><input type="checkbox" id="other"> Email me when we improve the model for '
                'everyone</label>')
    control = '<label><input type="checkbox" id="it"> Improve the model for everyone</label>'
    target = Target(role="switch", name="Improve the model for everyone")
    assert find_id(sentence + control, [target]) == "it"
    with pytest.raises(ControlNotFound, match="no switch"):
        find_id(sentence, [target], timeout_ms=300)


def test_a_toggle_button_is_an_on_off_control_read_from_aria_pressed():
    from optout.engine.view import OnePage

    async def states(page: Page) -> list[bool]:
        view = OnePage(page)
        target = Target(role="switch", name="Improve the model for everyone")
        toggle = await view.find([target], 2000)
        seen = [await view.is_on(toggle, 1000)]
        await page.evaluate("document.getElementById('t').ariaPressed = 'false'")
        seen.append(await view.is_on(toggle, 1000))
        assert await toggle.get_attribute("id") == "t"  # never the plain button
        return seen

    assert on_page('<button id="b">Improve the model for everyone</button>'
                   '<button aria-pressed="true" id="t">Improve the model for everyone</button>',
                   states) == [True, False]
