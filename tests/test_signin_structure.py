"""A sign-in's second step recognised by its structure, in whatever words the next build uses:
a single code box is an authenticator step when a secret is stored and a code asked from the
person otherwise; a page after the password that nothing explains needs a person at once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from optout.practice.linkedin import GEN_AI
from tests.conftest import results_of
from tests.test_signin import PASSWORD, SECRET, Person, cli_run, engine_run, store

pytestmark = pytest.mark.usefixtures("linkedin_toggle_only")


def test_an_authenticator_page_in_other_words_is_answered(practice):
    """Its words are not the recipe's ("Enter the 6-digit code from your authenticator app", a
    box labelled "Enter code"): the one code box on the platform's sign-in page is the step."""
    practice.world.build = "reworded"
    practice.world.add_user("ada@example.com", PASSWORD, totp_secret=SECRET)
    store(practice, totp=SECRET)
    result, _ = cli_run(practice)
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert row["status"] == "changed" and row["verified"], row
    assert practice.world.setting("ada@example.com", GEN_AI) is False


def test_an_emailed_code_page_in_other_words_asks_the_person(practice):
    """A secret is stored, but the page says the code was emailed: the person is asked."""
    practice.world.build = "reworded"
    practice.world.add_user("ada@example.com", PASSWORD, faults={"unusual_sign_in"})
    store(practice, totp=SECRET)
    person = Person(code=lambda: practice.world.user("ada@example.com").sent_codes[-1])
    [row] = engine_run(practice, person)
    assert row.status.value == "changed" and row.verified, row.message
    assert len(person.asked) == 1 and person.asked[0].startswith("LinkedIn (default): ")


def test_a_refused_code_in_other_words_is_reported_as_refused(practice):
    practice.world.build = "reworded"
    practice.world.add_user("ada@example.com", PASSWORD, totp_secret=SECRET)
    store(practice, totp="JBSWY3DPEHPK3PXP")
    result, seconds = cli_run(practice)
    [row] = results_of(result)
    assert row["status"] == "failed" and "rejected the authenticator code" in row["message"], row
    assert seconds < 15
    assert practice.world.setting("ada@example.com", GEN_AI) is True


def test_a_page_nothing_explains_needs_a_person_at_once_with_a_screenshot(practice):
    """LinkedIn's "Check your LinkedIn app" step: no box, no button the recipe knows."""
    practice.world.add_user("ada@example.com", PASSWORD, faults={"app_approval"})
    store(practice)
    started = time.monotonic()
    result, _ = cli_run(practice)
    seconds = time.monotonic() - started
    assert result.exit_code == 3, result.output
    [row] = results_of(result)
    assert row["status"] == "needs_human", row
    assert "/checkpoint/challenge/app-approval" in row["message"]
    assert "gave no result" not in row["message"]
    assert seconds < 12  # not the 20 s sign-in limit
    shot = Path(row["message"].split("screenshot: ")[1].split()[0].rstrip("."))
    assert shot.is_file() and shot.read_bytes().startswith(b"\x89PNG")
    assert practice.world.setting("ada@example.com", GEN_AI) is True


def test_a_sign_in_page_with_the_same_form_in_other_words_signs_in(practice):
    """An A/B build of the sign-in page: "Email address or mobile number", a "Continue" button,
    the recipe's words nowhere; the form is the same (autocomplete username, current-password,
    one submit button), and that is how a password manager, and optout, fills it."""
    practice.world.build = "other-words"
    practice.world.add_user("ada@example.com", PASSWORD)
    store(practice)
    result, _ = cli_run(practice)
    assert result.exit_code == 0, result.output
    [row] = results_of(result)
    assert row["status"] == "changed" and row["verified"], row
    assert practice.world.user("ada@example.com").sign_ins == 1


@pytest.mark.parametrize(("password_box", "late_ms", "one_page"), [
    ('<input type="password" autocomplete="current-password">', 0, True),
    ('<input type="password" id="p" hidden>', 0, False),
    ('<input type="password" aria-hidden="true" tabindex="-1">', 0, False),
    ('<input type="password" style="opacity: 0">', 0, False),
    ('<input type="password" style="width: 1px; height: 1px; padding: 0; border: 0">', 0, False),
    ('<input type="password" autocomplete="new-password">', 0, False),  # a sign-up beside it
    ('<input type="password">', 300, True),  # drawn a moment after the username box
])
def test_one_page_or_two_is_told_by_a_password_box_a_person_could_type_in(password_box, late_ms,
                                                                         one_page):
    """A password box kept hidden for password managers on an email-first page never makes it
    a one-page sign-in (the email step would be sent with an empty password)."""
    from optout.signin import asks
    from tests.test_locate import on_page
    draw = (f"setTimeout(() => document.querySelector('form').insertAdjacentHTML('beforeend', "
            f"{password_box!r}), {late_ms});" if late_ms else "")
    html = (f'<form><input type="email" autocomplete="username">'
            f'{"" if late_ms else password_box}<button>Next</button></form><script>{draw}</script>')
    assert on_page(html, lambda page: asks.password_beside(
        page.locator("input[type=email]"), 1000)) is one_page
