"""Where optout keeps its data: one place that every layer may ask."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_path() -> Path:
    """OPTOUT_HOME, else the platform's user data folder (not created)."""
    home = os.environ.get("OPTOUT_HOME")
    return Path(home).expanduser() if home else Path(platformdirs.user_data_dir("optout"))
