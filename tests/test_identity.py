"""Every result for the right person: the fresh read notes whose account the page shows (where
the recipe names where the platform shows it), and a page signed in as someone else is failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from optout.domain.accounts import Account
from optout.domain.identity import Identity
from optout.domain.targets import Target
from optout.store import credentials
from tests.conftest import invoke, results_of

HANDLE = Identity(shown_by=Target(css="a"), attribute="href", pattern="^/([A-Za-z0-9_]+)$",
                  kind="handle", source="https://example.com")


def run_x(practice, username: str, faults=frozenset()):
    origin = practice.origin_of("x")
    practice.world.add_user(username, "pw-x-secret", faults=set(faults))
    credentials.store(Account("x", "default", username, (origin,)), "pw-x-secret")
    rows = results_of(invoke("run", "x", "--origin", origin, "--json"))
    return {r["setting"]: r for r in rows}["grok-training"]


def identity_in(row) -> dict | str:
    return json.loads(Path(row["evidence"]["record"]).read_text())["identity"]


def test_the_page_signed_in_as_the_account_is_noted_with_the_proof(practice):
    row = run_x(practice, "@ada_lovelace")
    assert row["status"] == "changed" and row["verified"], row["message"]
    assert identity_in(row) == {"shown": "ada_lovelace", "kind": "handle", "matches": True}


def test_a_page_signed_in_as_someone_else_is_never_verified(practice):
    """An account switcher left on another account: the page answers for someone else."""
    row = run_x(practice, "@ada_lovelace", faults={"switched_account"})
    assert row["status"] == "failed" and not row["verified"], row
    assert row["message"].startswith("Nothing was changed: the page is signed in as "
                                     "someone_else, and the account is for @ada_lovelace")
    assert practice.world.setting("@ada_lovelace", "grok-training") is True  # left alone


def test_an_identity_of_another_kind_is_noted_and_not_compared(practice):
    """Signed in with an email where the platform shows a handle: said, never claimed."""
    row = run_x(practice, "ada@x.example")
    assert row["verified"] and "not compared" in row["message"]
    assert identity_in(row)["matches"] is None


def test_identities_compare_as_the_platform_writes_them():
    assert HANDLE.read("/Ada_L") == "Ada_L" and HANDLE.read("/i/flow/login") is None
    assert HANDLE.compare("Ada_L", "@ada_l") is True
    assert HANDLE.compare("Ada_L", "bob") is False
    assert HANDLE.compare("Ada_L", "ada@example.com") is None  # an email: not comparable
    assert HANDLE.compare("Ada_L", None) is None
    email = HANDLE.model_copy(update={"kind": "email"})
    assert email.compare("Ada@Example.com", " ada@example.com") is True
    assert email.compare("ada@example.com", "@ada") is None


@pytest.mark.parametrize(("pattern", "says"), [("[", "not a regular expression"),
                                               ("^/\\w+$", "needs a group")])
def test_an_identity_pattern_that_cannot_work_is_refused(pattern, says):
    with pytest.raises(ValidationError, match=says):
        Identity(**{**HANDLE.model_dump(), "pattern": pattern})


def test_an_identity_in_the_answer_the_page_loads_is_heard_and_compared(practice):
    """ChatGPT's page asks /api/auth/session who is signed in; optout listens, never asks."""
    origin = practice.origin_of("chatgpt")
    practice.world.add_user("ada@chatgpt.example", "pw-c-secret", faults={"switched_account"})
    credentials.store(Account("chatgpt", "default", "ada@chatgpt.example", (origin,)),
                      "pw-c-secret")
    rows = {r["setting"]: r for r in results_of(invoke("run", "chatgpt", "--origin", origin,
                                                         "--json"))}
    row = rows["improve-the-model"]
    assert row["status"] == "failed" and "signed in as someone_else@example.com" in row["message"]
    assert practice.world.setting("ada@chatgpt.example", "improve-the-model") is True
    practice.world.user("ada@chatgpt.example").faults.clear()
    rows = {r["setting"]: r for r in results_of(invoke("run", "chatgpt", "--origin", origin,
                                                         "--json"))}
    assert rows["improve-the-model"]["verified"]
    assert identity_in(rows["improve-the-model"])["matches"] is True
