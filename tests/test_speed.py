"""Speed without shortcuts: a command starts only what it needs, reads end on the page's own
signals, the fresh read costs no second identity page, evidence is taken once, and the figures
say where the time went. Nothing here times anything (benchmarks/run_benchmark.py does)."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from optout.app.runner import run_sync
from optout.domain import timings
from optout.domain.errors import RecipeError
from optout.recipe.loading import load_recipes
from tests.conftest import invoke, linkedin_toggle_recipe, results_of

IDENTITY_PAGE = "/mypreferences/d/categories/account"  # LinkedIn's recipe's `identity.path`


def modules_after(*args: str, home: Path) -> set[str]:
    """The top-level packages a whole `optout ARGS` process imported, by its end."""
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('LOADED', *sorted({m.split('.')[0] for m in "
            "sys.modules}), file=sys.stderr))\n"
            "from optout.cli import main\n"
            f"sys.argv = ['optout', *{list(args)!r}]\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "OPTOUT_HOME": str(home)}, timeout=60)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stderr.splitlines() if line.startswith("LOADED"))
    return set(line.split()[1:])


@pytest.mark.parametrize("args", [["--help"], ["list", "--json"], ["--version"]])
def test_help_and_list_start_without_the_browser_or_notifications(args, tmp_path):
    loaded = modules_after(*args, home=tmp_path)
    assert "optout" in loaded
    assert not loaded & {"playwright", "apprise", "flask"}, loaded


def test_a_command_naming_one_platform_reads_that_recipe_alone(tmp_path):
    """Recipes are read when asked for: a broken one stops only what needs it, by name."""
    (tmp_path / "linkedin.yaml").write_text(linkedin_toggle_recipe())
    (tmp_path / "broken.yaml").write_text("platform: broken\nsettings: [\n")
    recipes = load_recipes([tmp_path])
    assert {"linkedin", "broken", "chatgpt"} <= set(recipes)  # named without reading
    assert "broken" in recipes and "nowhere" not in recipes  # asked about without reading
    assert recipes["linkedin"].file == tmp_path / "linkedin.yaml"
    with pytest.raises(RecipeError, match="broken.yaml"):
        list(recipes.values())
    result = invoke("--recipes", str(tmp_path), "list", "--json")
    assert result.exit_code == 2 and "broken.yaml" in result.output


def test_an_accounts_phases_add_up_to_its_time():
    clock = timings.Timings(kind="account")
    with clock.phase("open"):
        with clock.phase("sign-in"):
            pass
        with clock.phase("sign-in"):
            pass
    clock.end()
    figures = clock.as_json()
    assert set(figures["phases"]) == {"open", "sign-in"}
    assert sum(figures["phases"].values()) <= figures["total"]


@pytest.mark.usefixtures("linkedin_toggle_only")
def test_the_figures_name_each_phase_of_a_run(practice, member, tmp_path, monkeypatch):
    member(on=True)
    figures = tmp_path / "timings.jsonl"
    monkeypatch.setenv(timings.ENV, str(figures))
    result = invoke("run", "linkedin", "--origin", practice.origin, "--json")
    assert result.exit_code == 0, result.output
    timings.write()
    lines = [json.loads(line) for line in figures.read_text().splitlines()]
    account = [line for line in lines if line["kind"] == "account"][-1]
    assert (account["platform"], account["account"]) == ("linkedin", "default")
    assert {"open", "sign-in", "settle", "act", "fresh context", "fresh load",
            "evidence"} <= set(account["phases"])
    process = lines[-1]
    assert process["kind"] == "process" and "browser start" in process["points"]


@pytest.mark.usefixtures("linkedin_toggle_only")
def test_who_is_signed_in_is_read_once_for_the_working_page_and_once_for_the_fresh_read(
        practice, member):
    """Once before any click, in the working context; once in the fresh read's cookie-only
    context. The working context's storage could choose another account, so it never vouches
    for the fresh read; a re-read with the same cookies reads nothing again."""
    member(on=True)
    result = invoke("run", "linkedin", "--origin", practice.origin, "--json")
    [row] = results_of(result)
    assert row["verified"], row
    record = json.loads(Path(row["evidence"]["record"]).read_text())
    assert record["identity"]["matches"] is True and record["fresh_context"] is True
    assert practice.world.pages_loaded.count(IDENTITY_PAGE) == 2
    result = invoke("check", "linkedin", "--origin", practice.origin, "--json")
    [row] = results_of(result)
    assert row["status"] == "ok" and json.loads(Path(row["evidence"]["record"]).read_text())[
        "identity"]["matches"] is True
    assert practice.world.pages_loaded.count(IDENTITY_PAGE) == 3


DRAWN_A_FRAME_LATER = """<label><input type=checkbox role=switch id=s> Training</label>
<script>
  fetch("/state").then(r => r.json()).then(({on}) =>
    requestAnimationFrame(() => requestAnimationFrame(() => {
      document.getElementById("s").checked = on;
    })));
</script>"""


def test_a_state_drawn_frames_after_its_answer_is_read_as_drawn():
    """What a framework draws after the answer comes (frames later) is waited for: the read is
    the same across two frames with nothing in between."""
    from playwright.async_api import async_playwright

    from optout.browser.contexts import new_context
    from optout.browser.launch import launch
    from optout.browser.readiness import RequestWatch, settle

    async def read() -> tuple[str | None, str]:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            context = await new_context(browser)
            page = await context.new_page()
            await page.route("http://twin.test/", lambda route: route.fulfill(
                body=DRAWN_A_FRAME_LATER, content_type="text/html"))
            await page.route("http://twin.test/state", lambda route: route.fulfill(
                json={"on": True}))
            watch = RequestWatch(page, lambda url: True, 3000)
            await page.goto("http://twin.test/")
            switch = page.get_by_role("switch", name="Training")

            async def state() -> str:
                return "on" if await switch.is_checked() else "off"

            found, readiness = await settle(page, watch, state, window_ms=200, limit_ms=8000)
            await browser.close()
            return found, readiness.how

    found, how = run_sync(read())
    assert found == "on", how
    assert how.endswith("read the same across two drawn frames")


LONG_PAGE = """<section><h2>Your profile</h2><p style="height: 2400px">Name, photo</p></section>
<section><h2>Data for AI</h2>
<label><input type=checkbox role=switch id=s checked> Use my data for training</label></section>"""


def test_evidence_is_one_screenshot_of_the_page_as_shown_and_the_controls_section(tmp_path):
    from playwright.async_api import async_playwright

    from optout.browser.evidence import capture
    from optout.browser.launch import launch

    async def take() -> tuple[dict[str, str], tuple[int, int]]:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await browser.new_page(viewport={"width": 1000, "height": 600})
            await page.set_content(LONG_PAGE)
            switch = page.get_by_role("switch", name="Use my data for training")
            paths = await capture(page, tmp_path, "setting", {}, (), switch)
            in_view = await switch.evaluate(
                "el => { const r = el.getBoundingClientRect(); "
                "return r.top >= 0 && r.bottom <= innerHeight; }")
            await browser.close()
            assert in_view, "the control is scrolled into the picture"
            png = Path(paths["screenshot"]).read_bytes()
            return paths, struct.unpack(">II", png[16:24])

    paths, size = run_sync(take())
    assert size == (1000, 600)  # the page as shown, not laid out again at its whole length
    snapshot = Path(paths["snapshot"]).read_text()
    assert 'switch "Use my data for training" [checked]' in snapshot
    assert "Your profile" not in snapshot  # the control's section, not the whole page
    assert sorted(p.name for p in Path(paths["screenshot"]).parent.iterdir()) == [
        "page.aria.yml", "page.png", "record.json"]
