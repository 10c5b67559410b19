"""Each kind's decision table against a fake page (tests/fake_page.py): no browser.

The browser side of the same interface is exercised by the twins' tests (test_catalogue and
others); here each kind's own logic is shown case by case, in milliseconds.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

from optout import kinds
from optout.domain.errors import PageError, RecipeMismatch, SettingFailure
from optout.domain.job import Submitted
from optout.domain.profile import Profile
from optout.domain.results import Mode, Status
from optout.kinds import KINDS, kind_of
from optout.kinds.form import FormSetting
from optout.kinds.manual import ManualSetting
from optout.kinds.menu import MenuSetting
from optout.kinds.toggle import ToggleSetting
from tests.fake_page import FakePage, Ledger, run

SOURCE = "https://help.example/ai"


def toggle(**more: Any) -> ToggleSetting:
    return ToggleSetting.model_validate({
        "id": "train", "title": "Use my data for training", "path": "/settings",
        "control": {"role": "switch", "name": "Use my data for training"}, "desired": "off",
        "source": SOURCE, "live_verified": None, "verify_within": 0.05, **more})


def test_every_kind_is_registered_by_its_own_module():
    modules = {info.name: importlib.import_module(f"optout.kinds.{info.name}")
               for info in pkgutil.iter_modules(kinds.__path__)}
    defined = {name: module.KIND for name, module in modules.items() if hasattr(module, "KIND")}
    assert {"toggle", "menu", "form", "manual"} <= set(defined)
    assert {kind.name: kind for kind in defined.values()} == KINDS
    assert all(kind.name == module for module, kind in defined.items())


# --- toggle ------------------------------------------------------------------------------------


def test_a_toggle_already_off_is_left_untouched_and_verified_on_a_fresh_read():
    page = FakePage(server="off", toggle="Use my data for training")
    result = run(page, toggle())
    assert (result.status, result.verified, page.clicks) == (Status.ALREADY, True, [])
    assert page.reached[-1] is True  # the answer came from a fresh read


def test_a_toggle_switched_and_kept_is_changed_and_verified():
    page = FakePage(server="on", toggle="Use my data for training")
    result = run(page, toggle())
    assert (result.status, result.verified, result.before, result.after) == (
        Status.CHANGED, True, "on", "off")
    assert page.clicks == ["Use my data for training"] and page.server == "off"


def test_a_refused_save_is_a_failure_naming_the_status():
    page = FakePage(server="on", toggle="Use my data for training", save_status=403)
    result = run(page, toggle())
    assert (result.status, result.verified, result.after) == (Status.FAILED, False, "on")
    assert "HTTP 403" in result.message


def test_a_save_the_platform_did_not_keep_is_a_failure():
    page = FakePage(server="on", toggle="Use my data for training", keeps=False)
    result = run(page, toggle())
    assert (result.status, result.verified) == (Status.FAILED, False)
    assert "did not keep it" in result.message


def test_no_save_request_seen_and_nothing_kept_says_so():
    page = FakePage(server="on", toggle="Use my data for training", save_status=None)
    result = run(page, toggle())
    assert result.status is Status.FAILED and "No save request was seen" in result.message


def test_a_page_showing_off_while_the_server_holds_on_is_never_verified():
    page = FakePage(server="on", shown="off", toggle="Use my data for training")
    result = run(page, toggle())
    assert (result.status, result.verified, page.clicks) == (Status.FAILED, False, [])
    assert "copy kept in the browser" in result.message


def test_a_control_not_on_the_page_is_a_recipe_mismatch():
    page = FakePage(server="on", on_page=set())
    with pytest.raises(RecipeMismatch, match="no longer matches"):
        run(page, toggle())


def test_check_reads_only_afresh_and_reports_drift_without_a_click():
    page = FakePage(server="on", mode=Mode.CHECK, toggle="Use my data for training")
    result = run(page, toggle())
    assert (result.status, page.clicks, page.reached) == (Status.DRIFT, [], [True])


def test_a_dry_run_changes_nothing():
    page = FakePage(server="on", mode=Mode.DRY_RUN, toggle="Use my data for training")
    result = run(page, toggle())
    assert (result.status, page.clicks, page.server) == (Status.WOULD_CHANGE, [], "on")


def test_a_toggle_in_a_dialog_opens_it_and_closes_it_with_its_button():
    page = FakePage(server="on", toggle="Use my data for training")
    setting = toggle(dialog={"open": {"role": "button", "name": "Data controls"},
                             "close": {"role": "button", "name": "Done"}})
    result = run(page, setting)
    assert result.status is Status.CHANGED
    assert page.clicks[:3] == ["Data controls", "Use my data for training", "Done"]


def test_a_dialog_without_a_close_button_is_closed_with_escape():
    page = FakePage(server="on", toggle="Use my data for training",
                    on_page={"Data controls", "Use my data for training"})
    setting = toggle(dialog={"open": {"role": "button", "name": "Data controls"},
                             "close": {"role": "button", "name": "Done"}})
    assert run(page, setting).status is Status.CHANGED
    assert page.pressed == ["Escape"]


# --- menu --------------------------------------------------------------------------------------


def menu() -> MenuSetting:
    return MenuSetting.model_validate({
        "id": "keep-activity", "title": "Keep Activity", "type": "menu", "path": "/activity",
        "shows": {"on": {"role": "button", "name": "Turn off"},
                  "off": {"role": "button", "name": "Turn on"}},
        "button": {"role": "button", "name": "Turn off"},
        "choice": {"role": "menuitem", "name": "Turn off only", "exact": True},
        "desired": "off", "source": SOURCE, "live_verified": None, "verify_within": 0.05})


def test_a_menu_is_changed_by_its_button_then_its_choice_and_verified_afresh():
    page = FakePage(server="on", shows={"Turn off": "on", "Turn on": "off"},
                    choices={"Turn off only": "off"})
    result = run(page, menu())
    assert (result.status, result.verified) == (Status.CHANGED, True)
    assert page.clicks == ["Turn off", "Turn off only"]


def test_a_menu_already_off_is_left_alone():
    page = FakePage(server="off", shows={"Turn off": "on", "Turn on": "off"})
    result = run(page, menu())
    assert (result.status, page.clicks) == (Status.ALREADY, [])


def test_a_menu_showing_both_states_is_a_failure_not_a_guess():
    page = FakePage(server="on", shows={"Turn off": "on"}, on_page={"Turn on"})
    page.shows["Turn on"] = "on"  # both words drawn at once
    with pytest.raises(SettingFailure, match="both or neither"):
        run(page, menu())


# --- form --------------------------------------------------------------------------------------


def form(**more: Any) -> FormSetting:
    return FormSetting.model_validate({
        "id": "objection", "title": "Objection form", "type": "form", "path": "/objection",
        "fields": [{"target": {"label": "Email"}, "from": "email"},
                   {"target": {"label": "Why"}, "from": "objection"}],
        "submit": {"role": "button", "name": "Send"},
        "confirmation": {"text": "Thank you"}, "reference": r"Case (\w+)",
        "source": SOURCE, "live_verified": None, **more})


PROFILE = Profile(name="Ada Lovelace", email="ada@example.com", country="United Kingdom")


def form_page(**more: Any) -> FakePage:
    return FakePage(server="unsent", shows={"Thank you": "sent"}, profile=PROFILE,
                    body="Thank you. Case AB12", forms=Ledger(), **more)


def test_a_form_is_filled_from_the_profile_sent_once_and_its_reference_kept():
    page = form_page()
    result = run(page, form())
    assert (result.status, result.verified) == (Status.CHANGED, True)
    assert result.evidence["reference"] == "AB12"
    assert page.filled[0] == ("Email", "ada@example.com", None)
    assert page.forms.sent.notes == ["left", "answered confirmed=True reference=AB12"]


def test_a_form_sent_before_is_not_sent_again():
    page = form_page(submitted=Submitted("2026-11-01", confirmed=True))
    result = run(page, form())
    assert (result.status, page.sent, page.reached) == (Status.ALREADY, False, [])


def test_a_refused_form_may_be_sent_again_later():
    page = form_page(form_status=400)
    with pytest.raises(SettingFailure, match="HTTP 400"):
        run(page, form())
    assert page.forms.sent.notes == ["left", "answered confirmed=False reference=None"]


def test_a_form_without_the_platforms_confirmation_needs_a_person_and_is_not_sent_again():
    page = form_page(form_status=500)
    result = run(page, form())
    assert (result.status, result.after) == (Status.NEEDS_HUMAN, "unconfirmed")
    assert "will not be sent again" in result.message
    assert page.forms.sent.notes == ["left"]  # noted as gone: never sent again by itself


def test_a_profile_lacking_a_field_sends_nothing():
    page = form_page()
    page._profile = Profile()
    result = run(page, form())
    assert (result.status, page.sent) == (Status.NEEDS_HUMAN, False)
    assert "email" in result.message


def test_a_dry_run_says_what_the_profile_lacks_before_a_form_could_go():
    """A dry run said a form "would be sent" though the profile lacked what it asks for."""
    page = form_page(mode=Mode.DRY_RUN)
    page._profile = Profile(name="Ada Lovelace")
    result = run(page, form())
    assert result.status is Status.WOULD_CHANGE and page.sent is False
    assert "It asks for your email, which your profile lacks" in result.message
    page._profile = PROFILE
    assert "lacks" not in run(page, form()).message


def test_a_form_goes_in_the_person_s_name_only_when_they_said_so():
    page = form_page()
    page.may_send_forms = False
    result = run(page, form())
    assert (result.status, page.sent, page.reached) == (Status.NEEDS_HUMAN, False, [])
    assert "--send-forms" in result.message and "in your name" in result.message


def test_a_confirmation_shown_before_sending_cannot_prove_a_sending():
    page = form_page()
    page.shows["Thank you"] = "unsent"
    with pytest.raises(RecipeMismatch, match="before anything was sent"):
        run(page, form())
    assert page.sent is False


def test_check_never_sends_a_form():
    page = form_page(mode=Mode.CHECK)
    assert run(page, form()).status is Status.DRIFT and page.sent is False


# --- manual ------------------------------------------------------------------------------------


def test_a_setting_done_by_hand_is_decided_without_a_browser_and_never_verified():
    setting = ManualSetting.model_validate({
        "id": "email-us", "title": "Email request", "type": "manual", "how": ["Write to us."],
        "source": SOURCE, "live_verified": None})
    kind = kind_of(setting)
    assert kind.offline(setting, platform="fake", marked_done=None).status is Status.NEEDS_HUMAN
    marked = kind.offline(setting, platform="fake", marked_done="2026-12-01")
    assert marked is not None and marked.status is Status.MARKED_DONE


def test_a_page_lost_after_the_form_left_needs_a_person_and_never_sends_it_again():
    page = form_page()

    async def gone(*args: Any, **kwargs: Any) -> Any:
        raise PageError("Target page, context or browser has been closed")

    original = page.find

    async def find(targets: Any, timeout_ms: float, within: Any = None) -> Any:
        if page.sent:  # the confirmation is looked for on a page that is gone
            return await gone()
        return await original(targets, timeout_ms, within)

    page.find = find  # type: ignore[method-assign]
    result = run(page, form())
    assert (result.status, result.after) == (Status.NEEDS_HUMAN, "unconfirmed")
    assert "will not be sent again" in result.message
    assert page.forms.sent.notes == ["left"]
