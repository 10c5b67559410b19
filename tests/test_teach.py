"""Repairing a recipe with the person's help (`optout teach`), against a platform whose control
was renamed and moved behind a tab; a script stands in for the person clicking."""

from __future__ import annotations

import pytest
from flask import Flask, jsonify, request

from optout.domain.accounts import Account
from optout.practice.server import Served
from optout.store import credentials
from tests.conftest import approved, invoke, linkedin_toggle_recipe

PAGE = """<!doctype html><title>Settings</title>
<div role="tablist"><button role="tab" id="t" onclick="p.hidden = false">Data privacy</button></div>
<div id="p" role="tabpanel" hidden>
  <button role="switch" id="s" aria-checked="{on}">Allow training on my posts</button>
</div>
<script>
  const s = document.getElementById("s"), p = document.getElementById("p");
  s.onclick = async () => {{
    const want = s.getAttribute("aria-checked") !== "true";
    const r = await fetch("/api/ai", {{method: "POST", headers: {{"Content-Type": "application/json"}},
                                       body: JSON.stringify({{on: want}})}});
    s.setAttribute("aria-checked", String((await r.json()).on));
  }};
</script>"""


class Teacher:
    """Clicks what a person would: the tab, then the switch."""

    present = True

    def __init__(self):
        self.asked: list[str] = []

    async def point_at(self, page, what: str) -> None:
        self.asked.append(what)
        if len(self.asked) == 1:
            await page.get_by_role("tab", name="Data privacy").click()
        else:
            await page.get_by_role("switch", name="Allow training on my posts").click()

    async def ask_code(self, prompt, account=None):
        return None

    async def agrees_to_finish_by_hand(self, reason):
        return False

    async def finish_by_hand(self, page, reason):
        return None


@pytest.fixture
def teacher(tmp_path, monkeypatch) -> Teacher:
    """The person at the terminal (a script), LinkedIn's toggle recipe as the one to repair, and
    teach's visible browser made headless (there is no display here)."""
    return teaching(tmp_path, monkeypatch, Teacher())


def teaching(tmp_path, monkeypatch, person: Teacher) -> Teacher:
    folder = tmp_path / "shipped-like"
    folder.mkdir()
    (folder / "linkedin.yaml").write_text(linkedin_toggle_recipe())
    monkeypatch.setenv("OPTOUT_RECIPE_PATH", str(approved(folder)))
    monkeypatch.setattr("optout.signin.person.from_terminal", lambda: person)
    from optout.browser import launch as launching

    async def headless(playwright, *, explicit=None, headed=False, slow_mo_ms=0):
        return await launching.launch(playwright, explicit=explicit)

    monkeypatch.setattr("optout.app.teach.launch", headless)
    return person


def test_teach_repairs_a_renamed_and_moved_control(teacher, optout_home):
    state = {"on": True}
    app = Flask("moved")
    app.add_url_rule("/mypreferences/d/settings/data-for-ai-improvement", "page",
                     lambda: PAGE.format(on=str(state["on"]).lower()))

    def save():
        state["on"] = bool(request.get_json()["on"])
        return jsonify(on=state["on"])

    app.add_url_rule("/api/ai", "save", save, methods=["POST"])
    with Served(app) as platform:
        credentials.store(Account("linkedin", "default", "ada@example.com", (platform.origin,)),
                          "pw-not-needed")
        # (Short bounds: the control the old recipe names is waited for, and never comes.)
        before = invoke("run", "linkedin", "--origin", platform.origin, "--json", "--timeout", "4")
        assert before.exit_code == 1 and "no longer matches" in before.stdout
        result = invoke("teach", "linkedin", "--origin", platform.origin, "--timeout", "4", input="y\n")
        assert result.exit_code == 0, result.output
        assert state["on"] is False  # switched by the run with the repaired recipe, verified
        assert "changed" in result.stdout.lower() or "switched off" in result.stdout.lower()
        assert "+      - click: {role: tab, name: Data privacy}" in result.stdout
        assert "+      - {role: switch, name: Allow training on my posts}" in result.stdout
        assert len(teacher.asked) == 2
        # The repair stays: a later check reads the setting with it.
        state["on"] = True
        again = invoke("run", "linkedin", "--origin", platform.origin, "--json")
        assert again.exit_code == 0, again.output
        assert state["on"] is False
    assert (optout_home / "recipes" / "linkedin.yaml").exists()


PAGE_WITH_A_NEW_SWITCH = """<!doctype html><title>Settings</title>
<button role="switch" id="a" aria-checked="{known}">Use my data for training content creation AI models</button>
<button role="switch" id="b" aria-checked="{new}">Use my voice recordings to train AI</button>
<script>
  for (const s of document.querySelectorAll("[role=switch]")) s.onclick = async () => {{
    const r = await fetch("/api/" + s.id, {{method: "POST"}});
    s.setAttribute("aria-checked", String((await r.json()).on));
  }};
</script>"""


def test_teach_adds_an_ai_control_the_recipe_does_not_know(teacher):
    state = {"a": True, "b": True}
    app = Flask("grown")
    app.add_url_rule("/mypreferences/d/settings/data-for-ai-improvement", "page",
                     lambda: PAGE_WITH_A_NEW_SWITCH.format(known=str(state["a"]).lower(),
                                                           new=str(state["b"]).lower()))

    def flip(which):
        state[which] = not state[which]
        return jsonify(on=state[which])

    app.add_url_rule("/api/<which>", "flip", flip, methods=["POST"])
    with Served(app) as platform:
        credentials.store(Account("linkedin", "default", "ada@example.com", (platform.origin,)),
                          "pw-not-needed")
        result = invoke("teach", "linkedin", "--origin", platform.origin, "--add-new", input="y\n")
    assert result.exit_code == 0, result.output
    assert teacher.asked == []  # the recipe's own control was found
    assert state == {"a": True, "b": False}  # only the new one is run by teach
    assert "+  - id: use-my-voice-recordings-to-train-ai" in result.stdout
    assert "+      - {role: switch, name: Use my voice recordings to train AI}" in result.stdout


class PointsAtANamelessSwitch(Teacher):
    async def point_at(self, page, what: str) -> None:
        self.asked.append(what)
        await page.locator("#s").click()


def test_teach_never_records_a_control_without_a_name(tmp_path, monkeypatch, optout_home):
    """teach took a switch with no accessible name for the control and clicked it."""
    teaching(tmp_path, monkeypatch, PointsAtANamelessSwitch())
    app = Flask("nameless")
    app.add_url_rule("/mypreferences/d/settings/data-for-ai-improvement", "page", lambda: (
        '<!doctype html><title>Settings</title>'
        '<button role="switch" id="s" aria-checked="true"></button>'))
    with Served(app) as platform:
        credentials.store(Account("linkedin", "default", "ada@example.com", (platform.origin,)),
                          "pw-not-needed")
        result = invoke("teach", "linkedin", "--origin", platform.origin, "--timeout", "2",
                        input="y\n")
    assert result.exit_code == 3, result.output
    assert "never records a nameless control" in result.output
    assert not (optout_home / "recipes" / "linkedin.yaml").exists()
