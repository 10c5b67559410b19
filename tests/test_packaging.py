"""The wheel carries the recipes, so a non-editable install finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_wheel_ships_every_recipe(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path),
                    str(ROOT)], check=True, timeout=300)
    [wheel] = tmp_path.glob("optout-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for recipe in (ROOT / "recipes").glob("*.yaml"):
        assert f"optout/_recipes/{recipe.name}" in names
    assert "optout/practice/templates/linkedin/data_for_ai.html" in names
