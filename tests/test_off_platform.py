"""Reads only on the platform: a settings page that goes, by itself and a moment after a click,
to a look-alike on another origin is never read there (resilience issue, case 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from optout.domain.accounts import Account
from optout.practice.server import Served
from optout.store import credentials
from tests.conftest import approved, invoke, linkedin_toggle_recipe, results_of

SETTINGS_PATH = "/mypreferences/d/settings/data-for-ai-improvement"
NAME = "Use my data for training content creation AI models"
# The real page: the switch is on, behind a tab whose click sends the page elsewhere 0.4 s later.
PAGE = f"""<!doctype html><title>Settings</title>
<div role="tablist"><button role="tab" onclick="wander()">Data privacy</button></div>
<label>{NAME}<input type="checkbox" role="switch" checked></label>
<script>
  function wander() {{
    setTimeout(() => {{ location.href = location.href.replace("127.0.0.1", "localhost")
                                                     .replace("{SETTINGS_PATH}", "/lookalike"); }}, 400);
  }}
</script>"""
# Elsewhere, the same words with the switch off.
LOOKALIKE = f"""<!doctype html><title>Settings</title>
<label>{NAME}<input type="checkbox" role="switch"></label>"""


def test_a_page_that_wanders_off_after_a_click_is_never_read_there(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "recipes"
    folder.mkdir()
    text = linkedin_toggle_recipe().replace(
        f"    path: {SETTINGS_PATH}\n",
        f"    path: {SETTINGS_PATH}\n    steps:\n      - click: {{role: tab, name: Data privacy}}\n")
    assert "- click: {role: tab" in text
    (folder / "linkedin.yaml").write_text(text)
    monkeypatch.setenv("OPTOUT_RECIPE_PATH", str(approved(folder)))
    app = Flask("wanders")
    app.add_url_rule(SETTINGS_PATH, "page", lambda: PAGE)
    app.add_url_rule("/lookalike", "lookalike", lambda: LOOKALIKE)
    with Served(app) as platform:
        credentials.store(Account("linkedin", "default", "ada@example.com", (platform.origin,)),
                          "pw-not-needed")
        result = invoke("run", "linkedin", "--origin", platform.origin, "--json")
    [row] = results_of(result)
    assert (row["status"], row["verified"]) == ("failed", False), row
    assert "localhost" in row["message"] and "off" in row["message"].lower()
    assert result.exit_code == 1
