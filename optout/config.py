"""The config file: TOML in the user's config folder (or OPTOUT_CONFIG).

    notify = ["mailto://me:app-password@gmail.com"]   # Apprise URLs told of resets and failures

    [accounts]            # the accounts run and check use when --account is not given
    linkedin = "work"

    [schedule]            # defaults for `optout schedule install`
    every = "1d"
    fix = true
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

import platformdirs
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from optout.errors import BadInput
from optout.storage import write_private

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

Every = Literal["12h", "1d", "7d"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScheduleDefaults(_Strict):
    every: Every = "1d"
    fix: bool = False


class Config(_Strict):
    notify: list[str] = Field(default_factory=list)
    accounts: dict[str, str] = Field(default_factory=dict)
    schedule: ScheduleDefaults = ScheduleDefaults()


def config_path() -> Path:
    env = os.environ.get("OPTOUT_CONFIG")
    return Path(env) if env else Path(platformdirs.user_config_dir("optout")) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """The config, or the defaults if there is no file; BadInput saying what is wrong if broken."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(f"{path}: not a readable TOML file ({exc}).") from exc
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise BadInput(f"{path}: {where}: {error['msg']}.") from exc


def add_notify_urls(urls: list[str], path: Path | None = None) -> Path:
    """Add notification URLs to the config file (kept private: they may hold tokens)."""
    path = path or config_path()
    config = load_config(path)
    data = config.model_dump(exclude_defaults=True)
    data["notify"] = list(dict.fromkeys([*config.notify, *urls]))
    write_private(path, tomli_w.dumps(data))
    return path
