"""The wheel carries the recipes and the pinned consent rules, so a non-editable install finds
them; the base install is lean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import invoke

ROOT = Path(__file__).parent.parent


def test_wheel_ships_every_recipe(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path),
                    str(ROOT)], check=True, timeout=300)
    [wheel] = tmp_path.glob("optout-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for recipe in (ROOT / "recipes").glob("*/recipe.yaml"):
        assert f"optout/_recipes/{recipe.parent.name}/recipe.yaml" in names
    assert "optout/practice/templates/linkedin/data_for_ai.html" in names
    assert "optout/py.typed" in names
    from optout.browser import autoconsent  # the pinned consent rules and their licence
    for name in [*autoconsent.PINS, "LICENSE"]:
        assert f"optout/browser/{autoconsent.FOLDER.name}/{name}" in names


def test_the_base_install_has_no_web_framework():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(d.lower().startswith(("flask", "werkzeug")) for d in project["dependencies"])
    assert any(d.startswith("flask") for d in project["optional-dependencies"]["practice"])


def test_demo_without_the_practice_extra_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch):
    for name in [m for m in sys.modules if m == "flask" or m.startswith("optout.practice")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "flask", None)  # as if Flask were not installed
    result = invoke("demo", "linkedin")
    assert result.exit_code == 2
    assert "pip install 'optout[practice]'" in result.stderr and "Traceback" not in result.output


def loaded_after(imports: str, heavy: tuple[str, ...]) -> list[str]:
    """Which of `heavy` a fresh interpreter has loaded once it ran `import <imports>`."""
    code = (f"import json, sys, {imports}; "
            f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=60)
    return json.loads(out.stdout)


def test_version_starts_without_loading_the_engine():
    """`optout --version` imports no browser driver, web framework or recipe (its time
    is measured by benchmarks/startup_benchmark.py, figures in docs/tests-and-benchmarks.md)."""
    assert loaded_after("optout.cli",
                        ("playwright", "flask", "apprise", "keyring", "optout.recipe")) == []


def test_the_stores_and_the_model_load_no_browser_driver():
    """The layers hold at run time too: what .importlinter checks in the imports."""
    assert loaded_after("optout.store.history, optout.store.sending, optout.recipe, optout.kinds",
                        ("playwright", "flask", "optout.engine", "optout.browser")) == []


def test_the_readme_is_a_front_door():
    """At most 300 lines: what optout is and does, set-up, the first hour; the manual is docs/."""
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 300


def test_no_module_is_over_500_lines():
    long = {str(path.relative_to(ROOT)): n for path in (ROOT / "optout").rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 500}
    assert not long, f"split these by what they do: {long}"


def test_the_manual_builds_as_a_site_with_every_page(tmp_path):
    """docs/ is the manual behind the README: every page is in mkdocs.yml's nav, and the site
    builds with --strict (a broken link or a page left out fails)."""
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = {page for entry in config["nav"] for page in entry.values()}
    assert listed == {p.name for p in (ROOT / "docs").glob("*.md")}
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--config-file",
         str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site" / "catalogue" / "index.html").exists()
