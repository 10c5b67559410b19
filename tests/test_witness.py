"""A second witness: the platform's own answer, which its page loads a setting's state from,
weighed against the fresh page. A page that shows off while the platform's answer says on is
failed; a witness that did not come is recorded as absent, never as agreement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from optout.domain.witness import Witness
from optout.engine.witness import Heard, weigh
from optout.recipe.loading import shipped_recipe_file
from tests.conftest import approved, invoke, results_of
from tests.twin_accounts import store

TRAINING = Witness(response="/backend-api/settings/user", value="settings.training_allowed",
                   on=True, off=False)


def run_chatgpt(practice):
    username = store(practice, "chatgpt")
    result = invoke("run", "chatgpt", "--origin", practice.origin_of("chatgpt"), "--json")
    rows = {r["setting"]: r for r in results_of(result)}
    return username, rows["improve-the-model"]


def record_of(row) -> dict:
    return json.loads(Path(row["evidence"]["record"]).read_text())


def test_the_platforms_answer_agreeing_is_kept_with_the_evidence(practice):
    username, row = run_chatgpt(practice)
    assert row["status"] == "changed" and row["verified"], row["message"]
    assert record_of(row)["witness"]["value"] is False
    assert record_of(row)["witness"]["says"] == "off"
    assert practice.world.setting(username, "improve-the-model") is False


def test_a_page_that_shows_off_while_the_platform_says_on_is_failed(practice):
    """The `lies` build: the page draws the switch off whatever the answer, and drops saves."""
    practice.world.build = "lies"
    username, row = run_chatgpt(practice)
    assert row["status"] == "failed" and not row["verified"], row
    assert "the page shows off, the platform's own answer says on" in row["message"]
    assert practice.world.setting(username, "improve-the-model") is True


def test_the_lying_build_fools_a_recipe_without_a_witness_which_is_why_one_is_named(
        practice, tmp_path, monkeypatch):
    """The same page read without the witness: only the page speaks, and it is wrong. (What
    the witness catches above; a check that the lying build lies.)"""
    text = shipped_recipe_file("chatgpt").read_text(encoding="utf-8")
    start = text.index("    witness:\n")
    end = text.index('    desired: "off"', start)
    (tmp_path / "chatgpt.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    monkeypatch.setenv("OPTOUT_RECIPE_PATH", str(approved(tmp_path)))
    practice.world.build = "lies"
    username, row = run_chatgpt(practice)
    assert row["verified"] and "witness" not in record_of(row)
    assert practice.world.setting(username, "improve-the-model") is True


def test_a_witness_that_does_not_come_is_absent_never_agreement(practice, tmp_path, monkeypatch):
    text = shipped_recipe_file("chatgpt").read_text(encoding="utf-8")
    moved = text.replace("response: /backend-api/settings/user",
                         "response: /backend-api/settings/elsewhere")
    (tmp_path / "chatgpt.yaml").write_text(moved, encoding="utf-8")
    monkeypatch.setenv("OPTOUT_RECIPE_PATH", str(approved(tmp_path)))
    _, row = run_chatgpt(practice)
    assert row["status"] == "changed" and row["verified"]
    assert record_of(row)["witness"] == "absent"
    assert "did not come" in row["message"]


def test_a_witness_reads_its_value_by_type_and_path():
    assert TRAINING.read({"settings": {"training_allowed": False}}) == ("off", False)
    assert TRAINING.read({"settings": {"training_allowed": True}}) == ("on", True)
    assert TRAINING.read({"settings": {"training_allowed": 0}}) == (None, 0)  # not False
    assert TRAINING.read({"settings": {}}) == (None, None)
    assert TRAINING.answers("https://chatgpt.com/backend-api/settings/user?x=1")
    grok = TRAINING.model_copy(update={"response": "/i/api/graphql/*/GrokSettingsScreenQuery"})
    assert grok.answers("https://x.com/i/api/graphql/abc123/GrokSettingsScreenQuery?variables=")
    assert not grok.answers("https://x.com/i/api/graphql/abc/OtherQuery")


def test_weighing_says_what_disagreed():
    heard = Heard("https://chatgpt.com/backend-api/settings/user",
                  {"settings": {"training_allowed": True}})
    facts, problem = weigh(TRAINING, heard, "off")
    assert facts["witness"]["says"] == "on"
    assert problem and problem.startswith("the page shows off, the platform's own answer says on")
    assert weigh(TRAINING, None, "off") == ({"witness": "absent"}, None)
    odd = Heard(heard.url, {"settings": {"training_allowed": "maybe"}})
    assert "neither the recipe's on nor its off" in (weigh(TRAINING, odd, "off")[1] or "")


@pytest.mark.parametrize(("field", "bad", "says"), [
    ("response", "backend-api/settings", "starting with /"),
    ("value", "settings.[", "not a JMESPath expression"),
])
def test_a_witness_that_cannot_work_is_refused_when_the_recipe_loads(field, bad, says):
    with pytest.raises(ValidationError, match=says):
        Witness(**{**TRAINING.model_dump(), field: bad})
